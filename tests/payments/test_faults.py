"""Stripe failing mid-flow: answers lost after the change was applied, 500s, connection
resets. Every flow still ends with exactly one Stripe object per operation, and nothing is
half-written on our side."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient

from stripe_emulator.server import Emulator
from tests.payments.conftest import API, book_stay, booking_of, pay


def fault(emulator: Emulator, **spec: Any) -> None:
    body = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in spec.items())
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/faults",
        data=body.encode(),
        headers={"Authorization": "Bearer sk_test_emulator"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["path"]


@pytest.mark.parametrize(
    ("path", "spec"),
    [
        ("/v1/payment_intents", {"kind": "reset", "after_apply": True}),
        ("/v1/payment_intents", {"kind": "error", "status": 500, "after_apply": True}),
        ("/v1/payment_intents/*/confirm", {"kind": "reset", "after_apply": True}),
        ("/v1/payment_intents/*/confirm", {"kind": "error", "status": 503, "after_apply": True}),
        ("/v1/customers", {"kind": "reset", "after_apply": True}),
        ("/v1/payment_intents", {"kind": "error", "status": 500}),
    ],
)
def test_lost_answers_never_make_a_second_object(
    client: TestClient,
    hosted: dict[str, Any],
    emulator: Emulator,
    sdk: stripe.StripeClient,
    path: str,
    spec: dict[str, Any],
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    # more failures in a row than the SDK retries: the guest sees a clear 503
    fault(emulator, method="POST", path=path, remaining=3, **spec)
    failed = pay(client, hosted, booking)
    assert failed.status_code == 503, failed.text
    assert failed.json()["error"]["code"] == "payment_provider_unavailable"
    assert booking_of(client, hosted, booking)["status"] == "pending_payment"
    retried = pay(client, hosted, booking)  # the guest presses the button again
    assert retried.status_code == 200, retried.text
    assert retried.json()["booking_status"] == "confirmed"
    assert len(sdk.v1.customers.list().data) == 1
    intents = sdk.v1.payment_intents.list().data
    assert len(intents) == 1
    assert [c.status for c in sdk.v1.charges.list().data] == ["succeeded"]
    payments = client.get(f"{API}/bookings/{booking['id']}/payments", headers=hosted["guest"])
    assert [p["stripe_payment_intent"] for p in payments.json()] == [intents[0].id]


def test_a_single_lost_answer_is_retried_by_the_sdk_with_the_same_key(
    client: TestClient, hosted: dict[str, Any], emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    fault(emulator, method="POST", path="/v1/payment_intents", kind="reset", after_apply=True)
    paid = pay(client, hosted, booking)
    assert paid.status_code == 200, paid.text
    assert len(sdk.v1.payment_intents.list().data) == 1
