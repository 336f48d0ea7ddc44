"""The hosted Checkout page, late payments after a hold expired, and saved cards."""

from __future__ import annotations

import urllib.error
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient

from innkeeper.bookings.expiry import expire_due
from innkeeper.core.clock import FixedClock
from innkeeper.services import Services
from stripe_emulator.server import Emulator
from tests.payments.conftest import API, book_stay, booking_of, control, pay


def test_hosted_checkout_confirms_the_booking_on_return(
    client: TestClient, hosted: dict[str, Any], emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = client.post(
        f"{API}/bookings/{booking['id']}/checkout", json={}, headers=hosted["guest"]
    )
    assert started.status_code == 201, started.text
    payment = started.json()
    assert payment["next_action_url"].startswith(emulator.url)
    session = sdk.v1.checkout.sessions.list().data[0]
    assert session.client_reference_id == payment["id"]
    control(emulator, f"/_emulator/checkout/sessions/{session.id}/complete")
    back = client.get(f"{API}/payments/checkout/return", params={"session_id": session.id})
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["booking_status"]) == ("succeeded", "confirmed")
    intent = sdk.v1.payment_intents.retrieve(back.json()["stripe_payment_intent"])
    assert intent.transfer_data is not None
    assert intent.transfer_data.destination == hosted["account"]
    again = client.post(f"{API}/payments/{payment['id']}/refresh", headers=hosted["guest"])
    assert again.json()["status"] == "succeeded"
    assert (
        client.get(f"{API}/payments/checkout/return", params={"session_id": "cs_nope"}).status_code
        == 404
    )


def test_a_payment_after_the_hold_expired_takes_the_dates_back_if_free(
    client: TestClient,
    hosted: dict[str, Any],
    services: Services,
    clock: FixedClock,
    sdk: stripe.StripeClient,
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = pay(client, hosted, booking, payment_method=None).json()  # Stripe.js will confirm
    assert started["client_secret"]
    clock.advance(minutes=16)
    assert expire_due(services) == 1
    assert booking_of(client, hosted, booking)["status"] == "expired"
    sdk.v1.payment_intents.confirm(
        started["stripe_payment_intent"],
        {"payment_method": "pm_card_visa", "return_url": "https://x.example"},
    )  # the guest's browser finished after the deadline
    late = client.post(f"{API}/payments/{started['id']}/refresh", headers=hosted["guest"])
    assert late.json()["booking_status"] == "confirmed"
    assert late.json()["refunded"]["amount_minor"] == 0


def test_saved_cards_are_added_listed_made_default_and_deleted(
    client: TestClient, hosted: dict[str, Any]
) -> None:
    guest = hosted["guest"]
    ids = []
    for card in ("pm_card_visa", "pm_card_mastercard"):
        setup = client.post(f"{API}/me/payment-methods/setup-intent", headers=guest)
        assert setup.status_code == 201, setup.text
        assert setup.json()["client_secret"]
        done = client.post(
            f"{API}/me/payment-methods/setup-intent/{setup.json()['id']}/confirm",
            json={"payment_method": card},
            headers=guest,
        )
        assert done.json()["status"] == "succeeded", done.text
        ids.append(done.json()["payment_method"])
    cards = client.get(f"{API}/me/payment-methods", headers=guest).json()
    assert {c["brand"] for c in cards} == {"visa", "mastercard"}
    assert [c["id"] for c in cards if c["is_default"]] == [ids[0]]
    made = client.post(f"{API}/me/payment-methods/{ids[1]}/default", headers=guest).json()
    assert [c["id"] for c in made if c["is_default"]] == [ids[1]]
    assert client.get(f"{API}/me/payment-methods", headers=hosted["other"]).json() == []
    assert (
        client.delete(f"{API}/me/payment-methods/{ids[1]}", headers=hosted["other"]).status_code
        == 404
    )
    assert client.delete(f"{API}/me/payment-methods/{ids[1]}", headers=guest).status_code == 204
    left = client.get(f"{API}/me/payment-methods", headers=guest).json()
    assert [(c["id"], c["is_default"]) for c in left] == [(ids[0], True)]
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    assert pay(client, hosted, booking, ids[0]).json()["booking_status"] == "confirmed"
    assert client.get(f"{API}/me/payment-methods").status_code == 401


def test_a_payment_after_the_dates_were_resold_is_refunded_in_full(
    client: TestClient,
    hosted: dict[str, Any],
    services: Services,
    clock: FixedClock,
    sdk: stripe.StripeClient,
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = pay(client, hosted, booking, payment_method=None).json()
    clock.advance(minutes=16)
    assert expire_due(services) == 1
    other = book_stay(client, hosted, "2026-12-10", "2026-12-12", who="other")
    assert pay(client, hosted, other, who="other").json()["booking_status"] == "confirmed"
    sdk.v1.payment_intents.confirm(
        started["stripe_payment_intent"],
        {"payment_method": "pm_card_visa", "return_url": "https://x.example"},
    )
    late = client.post(f"{API}/payments/{started['id']}/refresh", headers=hosted["guest"]).json()
    assert late["booking_status"] == "expired"
    assert late["refunded"]["amount_minor"] == late["captured"]["amount_minor"] > 0
    charge = sdk.v1.charges.retrieve(
        str(sdk.v1.payment_intents.retrieve(started["stripe_payment_intent"]).latest_charge)
    )
    assert charge.refunded is True


def test_paying_with_a_card_after_opening_checkout_closes_the_checkout_page(
    client: TestClient, hosted: dict[str, Any], emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    """A guest who opened hosted Checkout, came back and paid with a card instead cannot
    also pay on the Checkout page: the session is expired first, and one charge is made."""
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = client.post(
        f"{API}/bookings/{booking['id']}/checkout", json={}, headers=hosted["guest"]
    )
    assert started.status_code == 201, started.text
    session = sdk.v1.checkout.sessions.list().data[0]
    paid = pay(client, hosted, booking, payment_method="pm_card_visa").json()
    assert (paid["status"], paid["booking_status"]) == ("succeeded", "confirmed")
    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "expired"
    with pytest.raises(urllib.error.HTTPError):  # the page no longer takes a payment
        control(emulator, f"/_emulator/checkout/sessions/{session.id}/complete")
    assert len([c for c in sdk.v1.charges.list().data if c.paid]) == 1


def test_a_checkout_paid_meanwhile_is_the_payment_and_no_card_is_charged_again(
    client: TestClient, hosted: dict[str, Any], emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    client.post(f"{API}/bookings/{booking['id']}/checkout", json={}, headers=hosted["guest"])
    session = sdk.v1.checkout.sessions.list().data[0]
    control(emulator, f"/_emulator/checkout/sessions/{session.id}/complete")
    paid = pay(client, hosted, booking, payment_method="pm_card_mastercard")
    assert paid.status_code < 300, paid.text
    assert paid.json()["status"] == "succeeded"
    assert len([c for c in sdk.v1.charges.list().data if c.paid]) == 1
