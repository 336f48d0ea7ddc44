"""The wire protocol through the official SDK: auth, errors, ids, pagination, expand,
metadata rules and idempotency."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator.conftest import client_for


def test_customer_round_trip(client: stripe.StripeClient) -> None:
    created = client.v1.customers.create({"email": "a@example.com", "metadata": {"k": "v"}})
    assert created.id.startswith("cus_")
    fetched = client.v1.customers.retrieve(created.id)
    assert fetched.email == "a@example.com"
    assert fetched.metadata["k"] == "v"
    updated = client.v1.customers.update(created.id, {"metadata": {"k": "", "j": "w"}})
    assert updated.metadata.to_dict() == {"j": "w"}
    gone = client.v1.customers.delete(created.id)
    assert gone.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.update(created.id, {"name": "x"})
    assert missing.value.code == "resource_missing"


def test_pagination_both_directions(client: stripe.StripeClient) -> None:
    made = [client.v1.customers.create({"name": f"c{i}"}).id for i in range(25)]
    walked = [c.id for c in client.v1.customers.list({"limit": 7}).auto_paging_iter()]
    assert walked == list(reversed(made))
    first = client.v1.customers.list({"limit": 3, "ending_before": made[10]})
    assert [c.id for c in first.data] == [made[13], made[12], made[11]]
    assert first.has_more is True


def test_bad_key_and_missing_param(emulator: Emulator) -> None:
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient(
            "sk_live_nope", base_addresses={"api": emulator.url}
        ).v1.customers.list()
    with pytest.raises(stripe.PermissionError):
        stripe.StripeClient(
            "pk_test_nope", base_addresses={"api": emulator.url}
        ).v1.customers.list()
    client = client_for(emulator)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create({"metadata": {"x" * 41: "v"}})
    assert error.value.param == f"metadata[{'x' * 41}]"
    assert str(error.value.request_id).startswith("req_")


def test_idempotent_replay_and_conflict(client: stripe.StripeClient) -> None:
    first = client.v1.customers.create({"name": "same"}, {"idempotency_key": "k1"})
    again = client.v1.customers.create({"name": "same"}, {"idempotency_key": "k1"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"name": "other"}, {"idempotency_key": "k1"})
    assert len(client.v1.customers.list().data) == 1


def test_retry_after_a_500_applied_creates_once(emulator: Emulator) -> None:
    emulator.store.faults.append(
        {"method": "POST", "path": "/v1/customers", "kind": "error", "after_apply": True}
    )
    client = client_for(emulator, max_network_retries=2)
    made = client.v1.customers.create({"name": "once"})
    assert [c.id for c in client.v1.customers.list().data] == [made.id]
