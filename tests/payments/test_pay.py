"""Paying for a booking end to end through the API, the official SDK and the emulator."""

from __future__ import annotations

from typing import Any

import stripe
from fastapi.testclient import TestClient

from tests.payments.conftest import API, authenticate, book_stay, booking_of, pay


def test_a_good_card_confirms_the_booking_and_pays_the_host(
    client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    response = pay(client, hosted, booking)
    assert response.status_code == 200, response.text
    payment = response.json()
    assert (payment["status"], payment["booking_status"]) == ("succeeded", "confirmed")
    assert payment["amount"]["amount_minor"] == booking["guest_total"]["amount_minor"]
    seen = booking_of(client, hosted, booking)
    assert seen["status"] == "confirmed"
    intent = sdk.v1.payment_intents.retrieve(payment["stripe_payment_intent"])
    assert intent.transfer_data is not None
    assert intent.transfer_data.destination == hosted["account"]
    assert intent.metadata["booking_id"] == booking["id"]
    assert intent.application_fee_amount == (
        booking["guest_total"]["amount_minor"] - booking["host_payout"]["amount_minor"]
    )
    listed = client.get(f"{API}/bookings/{booking['id']}/payments", headers=hosted["host"])
    assert [p["id"] for p in listed.json()] == [payment["id"]]


def test_three_d_secure_needs_the_guest_then_confirms(
    client: TestClient, hosted: dict[str, Any], emulator: Any
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = pay(client, hosted, booking, "pm_card_threeDSecure2Required").json()
    assert started["status"] == "requires_action"
    assert started["booking_status"] == "pending_payment"
    assert started["next_action_url"]
    authenticate(emulator, started["stripe_payment_intent"])
    done = client.post(f"{API}/payments/{started['id']}/refresh", headers=hosted["guest"])
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["booking_status"]) == ("succeeded", "confirmed")


def test_declines_are_clear_and_the_booking_stays_payable(
    client: TestClient, hosted: dict[str, Any]
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    declined = pay(client, hosted, booking, "pm_card_chargeDeclined")
    assert declined.status_code == 402, declined.text
    error = declined.json()["error"]
    assert error["code"] == "payment_failed"
    assert "declined" in error["message"]
    poor = pay(client, hosted, booking, "pm_card_chargeDeclinedInsufficientFunds")
    assert poor.status_code == 402
    assert "insufficient" in poor.json()["error"]["message"].lower()
    assert booking_of(client, hosted, booking)["status"] == "pending_payment"
    listed = client.get(f"{API}/bookings/{booking['id']}/payments", headers=hosted["guest"]).json()
    assert [(p["status"], p["failure_code"]) for p in listed] == [
        ("requires_payment_method", "insufficient_funds")
    ]
    good = pay(client, hosted, booking)
    assert good.status_code == 200
    assert good.json()["booking_status"] == "confirmed"
    assert good.json()["id"] == listed[0]["id"]  # the same payment, the same intent


def test_only_the_guest_or_an_admin_pays_and_strangers_see_nothing(
    client: TestClient, hosted: dict[str, Any]
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    assert pay(client, hosted, booking, who="other").status_code == 404
    assert pay(client, hosted, booking, who="host").status_code == 403
    bad = pay(client, hosted, booking, "not a card")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "payment_method"


def test_a_confirmed_booking_cannot_be_paid_twice(
    client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    assert pay(client, hosted, booking).status_code == 200
    again = pay(client, hosted, booking)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_payable"
    assert len(sdk.v1.payment_intents.list().data) == 1
