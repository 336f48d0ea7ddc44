"""Payments left open on bookings that ended are canceled on Stripe, so no guest pays for a
booking that is gone; one that was paid in the meantime is refunded by the late-payment rule."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient

from innkeeper.bookings.expiry import expire_due
from innkeeper.core.clock import FixedClock
from innkeeper.payments.sweeps import cancel_dead_payments
from innkeeper.services import Services
from tests.payments.conftest import API, book_stay, pay

DATES = ("2026-12-10", "2026-12-12")


def _payments(client: TestClient, hosted: dict[str, Any], booking: dict[str, Any]) -> Any:
    return client.get(f"{API}/bookings/{booking['id']}/payments", headers=hosted["guest"]).json()


def test_a_cancelled_bookings_open_intent_is_canceled_and_cannot_be_paid(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, *DATES)
    intent = pay(client, hosted, booking, None).json()["stripe_payment_intent"]
    kept = book_stay(client, hosted, "2026-12-20", "2026-12-22")  # still waiting: untouched
    kept_intent = pay(client, hosted, kept, None).json()["stripe_payment_intent"]
    cancelled = client.post(f"{API}/bookings/{booking['id']}/cancel", json={"reason": "no"},
                            headers=hosted["guest"])  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    assert cancel_dead_payments(services) == 1
    assert cancel_dead_payments(services) == 0  # nothing twice
    assert sdk.v1.payment_intents.retrieve(intent).status == "canceled"
    assert sdk.v1.payment_intents.retrieve(kept_intent).status == "requires_payment_method"
    assert [p["status"] for p in _payments(client, hosted, booking)] == ["canceled"]
    with pytest.raises(stripe.InvalidRequestError):  # the guest's late click in Stripe.js
        sdk.v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa"})


def test_an_expired_bookings_checkout_session_is_expired(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    booking = book_stay(client, hosted, *DATES)
    started = client.post(f"{API}/bookings/{booking['id']}/checkout", json={},
                          headers=hosted["guest"])  # fmt: skip
    assert started.status_code == 201, started.text
    clock.advance(minutes=16)
    assert expire_due(services) == 1
    assert cancel_dead_payments(services) == 1
    session = sdk.v1.checkout.sessions.list({"limit": 1}).data[0]
    assert session.status == "expired"
    assert [p["status"] for p in _payments(client, hosted, booking)] == ["canceled"]


def test_a_payment_that_won_the_race_is_refunded_in_full(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, *DATES)
    intent = pay(client, hosted, booking, None).json()["stripe_payment_intent"]
    client.post(f"{API}/bookings/{booking['id']}/cancel", json={"reason": "no"},
                headers=hosted["guest"])  # fmt: skip
    sdk.v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa"})  # before the sweep
    assert cancel_dead_payments(services) == 1
    [payment] = _payments(client, hosted, booking)
    assert payment["status"] == "succeeded"
    assert payment["refunded"]["amount_minor"] == payment["captured"]["amount_minor"] > 0
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"]).json()
    assert seen["status"] == "cancelled"
