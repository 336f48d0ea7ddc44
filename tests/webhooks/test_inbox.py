"""The endpoint and the inbox: only provable deliveries are stored, each event once however
often it comes, processing happens later and exactly once, failures retry and end dead,
admins read and replay."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from innkeeper.accounts.domain import PlatformRole
from innkeeper.services import Services
from innkeeper.webhooks import processing, registry
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect, StripeEvent
from tests.builders import login_headers, make_user
from tests.webhooks.conftest import OLD_SECRET, SECRET, deliver, drain, inbox_row, signature

ADMIN_EVENTS = "/api/v1/admin/webhooks/events"


def _event(event_id: str = "evt_test_1", type_: str = "customer.updated", **extra: Any
           ) -> dict[str, Any]:  # fmt: skip
    """A well-formed event about an object that is not ours (handlers ignore it)."""
    return {
        "id": event_id, "object": "event", "type": type_, "created": int(time.time()),
        "api_version": "2026-10-28.endive", "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "cus_not_ours", "object": "customer"}},
    } | extra  # fmt: skip


def _count(services: Services) -> int:
    with services.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(StripeEvent)) or 0)


def _post(client: TestClient, body: bytes, header: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/webhooks/stripe", content=body, headers=headers)


def test_a_signed_delivery_is_stored_once_and_processed_later(
    client: TestClient, services: Services
) -> None:
    first = deliver(client, _event())
    assert first.status_code == 200, first.text
    assert first.json() == {
        "received": True, "id": "evt_test_1", "type": "customer.updated", "duplicate": False
    }  # fmt: skip
    assert inbox_row(services, "evt_test_1").status is EventStatus.RECEIVED  # not yet handled
    again = deliver(client, _event(), path="/webhooks/stripe/connect")
    assert again.json()["duplicate"] is True
    row = inbox_row(services, "evt_test_1")
    assert (row.deliveries, row.object_id, row.object_type) == (2, "cus_not_ours", "customer")
    assert drain(services) == 1  # one run, not one per delivery
    assert inbox_row(services, "evt_test_1").status is EventStatus.PROCESSED


@pytest.mark.parametrize(
    "case",
    ["tampered", "reserialized", "wrong_secret", "missing_header", "stale", "no_v1", "garbage"],
)
def test_unprovable_deliveries_get_400_and_store_nothing(
    client: TestClient, services: Services, case: str
) -> None:
    event = _event()
    body = json.dumps(event).encode()
    header: str | None = signature(body)
    if case == "tampered":
        body = body.replace(b"customer.updated", b"customer.deleted")
    elif case == "reserialized":  # same JSON, other bytes: the signature is over the bytes
        body = json.dumps(event, indent=2, sort_keys=True).encode()
    elif case == "wrong_secret":
        header = signature(body, "whsec_someone_else")
    elif case == "missing_header":
        header = None
    elif case == "stale":
        header = signature(body, timestamp=int(time.time()) - 301)
    elif case == "no_v1":
        header = header.replace("v1=", "v0=") if header else None
    else:
        header = "t=abc,nonsense"
    answer = _post(client, body, header)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_signature"
    assert "whsec" not in answer.text
    assert _count(services) == 0


def test_every_configured_secret_verifies_for_rotation(
    client: TestClient, services: Services
) -> None:
    assert deliver(client, _event("evt_new_secret"), secret=SECRET).status_code == 200
    assert deliver(client, _event("evt_old_secret"), secret=OLD_SECRET).status_code == 200
    body = json.dumps(_event("evt_both")).encode()
    now = int(time.time())
    both = signature(body, OLD_SECRET, now) + "," + signature(body, SECRET, now).split(",", 1)[1]
    assert _post(client, body, both).status_code == 200
    assert _count(services) == 3


def test_without_a_secret_deliveries_are_refused_with_503(
    client: TestClient, services: Services
) -> None:
    services.settings = services.settings.model_copy(update={"stripe_webhook_secret": None})
    answer = deliver(client, _event())
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "webhooks_not_configured"
    assert _count(services) == 0


def test_a_body_that_is_not_an_event_is_refused(client: TestClient, services: Services) -> None:
    body = b'{"hello": "world"}'
    assert _post(client, body, signature(body)).status_code == 400
    assert _count(services) == 0


def test_copies_at_once_store_one_row_and_run_the_handler_once(
    client: TestClient, services: Services
) -> None:
    event = _event("evt_burst")
    answers: list[int] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        answers.append(deliver(client, event).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 6
    assert inbox_row(services, "evt_burst").deliveries == 6
    statuses: list[Any] = []
    workers = [
        threading.Thread(target=lambda: statuses.append(processing.process(services, "evt_burst")))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    row = inbox_row(services, "evt_burst")
    assert (row.status, row.attempts) == (EventStatus.PROCESSED, 1)


@pytest.fixture
def flaky_type() -> Any:
    """A handler that fails until told otherwise (a bug, fixed later)."""
    state = {"fail": True, "runs": 0}

    def handler(ctx: registry.Context) -> None:
        state["runs"] += 1
        if state["fail"]:
            raise RuntimeError("the handler is broken")
        ctx.effect("recorded", "fixed at last")

    registry.load()
    registry.REGISTRY["innkeeper.test_flaky"] = registry.Handler("payments", "test", handler)
    yield state
    del registry.REGISTRY["innkeeper.test_flaky"]


def test_failures_retry_with_backoff_then_dead_letter_then_replay(
    client: TestClient, services: Services, flaky_type: dict[str, Any]
) -> None:
    services.settings = services.settings.model_copy(update={"webhook_max_attempts": 3})
    deliver(client, _event("evt_flaky", "innkeeper.test_flaky"))
    assert processing.process(services, "evt_flaky") is EventStatus.RETRYING
    row = inbox_row(services, "evt_flaky")
    assert row.attempts == 1
    assert row.last_error is not None
    assert row.last_error.startswith("RuntimeError: the handler is broken")
    first_wait = row.next_attempt_at
    assert first_wait is not None
    assert processing.process(services, "evt_flaky") is EventStatus.RETRYING
    second_wait = inbox_row(services, "evt_flaky").next_attempt_at
    assert second_wait is not None
    assert second_wait > first_wait  # the back-off doubles
    assert processing.process(services, "evt_flaky") is EventStatus.DEAD
    assert processing.process(services, "evt_flaky") is EventStatus.DEAD  # not claimable

    admin = _admin(client, services)
    dead = client.get(ADMIN_EVENTS, params={"status": "dead"}, headers=admin).json()
    assert [e["id"] for e in dead["items"]] == ["evt_flaky"]
    flaky_type["fail"] = False
    replayed = client.post(f"{ADMIN_EVENTS}/evt_flaky/replay", headers=admin)
    assert replayed.json() == {"queued": ["evt_flaky"]}
    drain(services)
    detail = client.get(f"{ADMIN_EVENTS}/evt_flaky", headers=admin).json()
    assert (detail["status"], detail["attempts"], detail["last_error"]) == ("processed", 1, None)
    assert [e["kind"] for e in detail["effects"]] == ["failed", "failed", "failed", "recorded"]
    assert detail["payload"]["id"] == "evt_flaky"
    assert flaky_type["runs"] == 4


def test_a_lapsed_lease_is_taken_over(client: TestClient, services: Services, clock: Any) -> None:
    deliver(client, _event("evt_lease"))
    claim = processing._claim(services, "evt_lease")  # a worker claims it, then dies
    assert claim is not None
    assert processing.process(services, "evt_lease") is EventStatus.PROCESSING  # still leased
    clock.advance(minutes=6)
    assert processing.process(services, "evt_lease") is EventStatus.PROCESSED
    assert inbox_row(services, "evt_lease").attempts == 2


def test_unknown_types_are_stored_acknowledged_and_recorded(
    client: TestClient, services: Services
) -> None:
    assert deliver(client, _event("evt_new_kind", "treasury.novel_thing")).status_code == 200
    drain(services)
    with services.uow() as uow:
        effects = uow.session.scalars(
            select(EventEffect).where(EventEffect.event_id == "evt_new_kind")
        ).all()
    assert [(e.kind, e.detail) for e in effects] == [
        ("ignored", "treasury.novel_thing has no handler: stored and acknowledged")
    ]


def test_admins_filter_read_and_replay_others_see_nothing(
    client: TestClient, services: Services
) -> None:
    for number, type_ in enumerate(["customer.updated", "charge.dispute.created", "payout.paid"]):
        deliver(client, _event(f"evt_f{number}", type_))
    drain(services)
    admin = _admin(client, services)
    disputes = client.get(ADMIN_EVENTS, params={"type": "charge.dispute.*"}, headers=admin)
    assert [e["id"] for e in disputes.json()["items"]] == ["evt_f1"]
    by_object = client.get(ADMIN_EVENTS, params={"object_id": "cus_not_ours"}, headers=admin)
    assert by_object.json()["total"] == 3
    many = client.post(
        f"{ADMIN_EVENTS}/replay", json={"event_ids": ["evt_f0", "evt_f2"]}, headers=admin
    )
    assert sorted(many.json()["queued"]) == ["evt_f0", "evt_f2"]
    unknown = client.post(f"{ADMIN_EVENTS}/replay", json={"event_ids": ["evt_nope"]}, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "event_ids"
    by_status = client.post(f"{ADMIN_EVENTS}/replay", json={"status": "received"}, headers=admin)
    assert sorted(by_status.json()["queued"]) == ["evt_f0", "evt_f2"]
    assert client.get(f"{ADMIN_EVENTS}/evt_missing", headers=admin).status_code == 404
    make_user(services, email="someone@example.com")
    someone = login_headers(client, "someone@example.com")
    assert client.get(ADMIN_EVENTS, headers=someone).status_code == 404
    assert client.post(f"{ADMIN_EVENTS}/evt_f0/replay", headers=someone).status_code == 404
    assert client.get(ADMIN_EVENTS).status_code == 401


def test_every_type_in_the_docs_table_has_its_handler() -> None:
    from pathlib import Path

    table = registry.render_table()
    docs = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
    assert table in docs.read_text(), "regenerate with `innkeeper webhooks table`"


def _admin(client: TestClient, services: Services) -> dict[str, str]:
    make_user(services, email="ops@example.com", roles=(PlatformRole.ADMIN,))
    return login_headers(client, "ops@example.com")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)  # fmt: skip


@given(field=st.sampled_from(["id", "type", "created", "data", "account", "object"]),
       value=json_values)  # fmt: skip
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
def test_a_signed_body_of_any_shape_gets_200_or_400_never_500(
    client: TestClient, services: Services, field: str, value: Any
) -> None:
    event = _event("evt_fuzz") | {field: value}
    body = json.dumps(event).encode()
    answer = _post(client, body, signature(body))
    assert answer.status_code in (200, 400), answer.text


CUSTOMERS_LIST = """
payment_intent.succeeded payment_intent.payment_failed payment_intent.canceled
payment_intent.created payment_intent.processing payment_intent.requires_action
payment_intent.amount_capturable_updated payment_intent.partially_funded charge.succeeded
charge.failed charge.pending charge.captured charge.updated charge.refunded
charge.dispute.created charge.dispute.updated charge.dispute.closed
charge.dispute.funds_withdrawn charge.dispute.funds_reinstated
radar.early_fraud_warning.created review.opened review.closed account.updated
account.application.authorized account.application.deauthorized
account.external_account.created account.external_account.updated
account.external_account.deleted person.created person.updated person.deleted
customer.created customer.updated customer.deleted payment_method.attached
payment_method.detached payment_method.updated payment_method.automatically_updated
payment_method.card_automatically_updated customer.card.created customer.card.updated
customer.card.deleted customer.bank_account.created customer.bank_account.updated
customer.bank_account.deleted customer.source.created customer.source.updated
customer.source.deleted invoice.created invoice.upcoming subscription_schedule.created
subscription_schedule.updated subscription_schedule.canceled subscription_schedule.completed
subscription_schedule.expiring subscription_schedule.released transfer.created
transfer.updated transfer.canceled transfer.reversed
""".split()  # noqa: SIM905  (the customer's plan, all six phases)
ALSO_REQUIRED = """
checkout.session.completed checkout.session.async_payment_succeeded
checkout.session.async_payment_failed checkout.session.expired customer.subscription.created
customer.subscription.updated customer.subscription.deleted invoice.payment_succeeded
invoice.payment_failed invoice.paid setup_intent.succeeded setup_intent.setup_failed
refund.created refund.updated charge.refund.updated capability.updated payout.created
payout.updated payout.paid payout.failed payout.canceled
""".split()  # noqa: SIM905  (the issue's additions: Checkout, billing, refunds, payouts)


def test_every_type_the_plans_list_has_a_handler() -> None:
    handled = registry.load()
    assert len(set(CUSTOMERS_LIST)) == 60
    assert [t for t in CUSTOMERS_LIST + ALSO_REQUIRED if t not in handled] == []
