"""A guest's trips through the pages: the lists, one trip, cancelling with the refund
preview, the receipt, and saved cards (added on the emulator's hosted page)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.builders import PASSWORD
from tests.conftest import settings_for
from tests.payments.conftest import API, control, host_world
from tests.web.conftest import HTML, field_error
from tests.web.test_guest_booking import (
    STAY,
    my_bookings,
    quote_of,
    review,
    save_card,
    session_of,
    submit_booking,
)

from innkeeper.core.clock import FixedClock
from innkeeper.services import Services
from innkeeper.settings import Settings
from innkeeper.web.render import money
from stripe_emulator.server import Emulator


@pytest.fixture
def settings(database_url: str, emulator: Emulator) -> Settings:
    return settings_for(database_url, emulator, payments_connect_required=True)


@pytest.fixture
def hosted(client: TestClient, services: Services, emulator: Emulator) -> dict[str, Any]:
    return host_world(client, services, emulator)


@pytest.fixture
def guest(browser_client: Any, hosted: dict[str, Any]) -> Any:
    browser_client.log_in("guest@example.com", PASSWORD)
    return browser_client


def book_and_pay(guest: Any, client: TestClient, hosted: dict[str, Any], **stay: str) -> Any:
    card = save_card(client, hosted)
    answer = submit_booking(guest, hosted, review(guest, hosted, **stay), card=card)
    assert answer.status_code == 303, answer.text[:2000]
    booking_id = answer.headers["location"].rsplit("/", 1)[1]
    found = client.get(f"{API}/bookings/{booking_id}", headers=hosted["guest"]).json()
    assert found["status"] == "confirmed", found
    return found


def test_cancel_shows_the_refund_first_then_the_refund_on_the_trip(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    booking = book_and_pay(guest, client, hosted)
    trip = guest.get(f"/trips/{booking['id']}")
    assert "Cancel booking" in trip.text
    preview = client.get(f"{API}/bookings/{booking['id']}/refund-preview", headers=hosted["guest"])
    refund_now = preview.json()["refund_now"]["amount_minor"]
    assert refund_now > 0
    page = guest.get(f"/trips/{booking['id']}/cancel")
    assert page.status_code == 200
    assert "What you get back" in page.text
    assert money(refund_now, "AED") in page.text
    refused = guest.submit(f"/trips/{booking['id']}/cancel", {"reason": ""})
    assert refused.status_code == 422
    assert field_error(refused.text, "reason") == "is required"
    done = guest.submit(f"/trips/{booking['id']}/cancel", {"reason": "Our plans changed."})
    assert done.url.path == f"/trips/{booking['id']}"
    assert "Your booking is cancelled." in done.text
    assert "is refunded to your card" in done.text
    assert "Refunds" in done.text
    assert "Refunded" in done.text
    assert "Cancelled" in done.text
    assert my_bookings(client, hosted)[0]["status"] == "cancelled"
    again = guest.get(f"/trips/{booking['id']}/cancel")
    assert "can no longer be cancelled" in again.text


def test_my_trips_are_grouped_and_requests_listed_apart(
    guest: Any, client: TestClient, hosted: dict[str, Any], clock: FixedClock
) -> None:
    soon = book_and_pay(guest, client, hosted)
    later = book_and_pay(guest, client, hosted, check_in="2027-01-10", check_out="2027-01-12")
    gone = book_and_pay(guest, client, hosted, check_in="2027-02-10", check_out="2027-02-12")
    guest.get(f"/trips/{gone['id']}/cancel")
    guest.submit(f"/trips/{gone['id']}/cancel", {"reason": "No longer going."})
    client.put(
        f"{API}/organizations/{hosted['org']}/listings/{hosted['id']}/availability",
        json={"instant_book": False},
        headers=hosted["host"],
    )
    page = review(guest, hosted, check_in="2027-03-10", check_out="2027-03-12")
    guest.submit(f"/listings/{hosted['id']}/book", {"quote_id": quote_of(page), "message": "Hi"})
    asked = next(b for b in my_bookings(client, hosted) if b["status"] == "requested")
    trips = guest.get("/trips")
    assert trips.status_code == 200
    upcoming = trips.text.split("<h2>Upcoming</h2>")[1].split("<h2>")[0]
    assert soon["code"] in upcoming
    assert later["code"] in upcoming
    assert upcoming.index(soon["code"]) < upcoming.index(later["code"])
    cancelled = trips.text.split("<h2>Cancelled</h2>")[1]
    assert gone["code"] in cancelled
    assert asked["code"] not in trips.text.split("Requests and offers (")[0].split("<h1>")[-1]
    requests = guest.get("/trips", show="requests")
    assert asked["code"] in requests.text
    assert "Request sent" in requests.text
    clock.advance(days=21)  # the first stay is over (and the session with it)
    guest.log_in("guest@example.com", PASSWORD)
    past = guest.get("/trips").text.split("<h2>Past</h2>")[1]
    assert soon["code"] in past


def test_the_receipt_lists_charges_and_payments(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    booking = book_and_pay(guest, client, hosted)
    trip = guest.get(f"/trips/{booking['id']}")
    assert f'href="/trips/{booking["id"]}/receipt"' in trip.text
    receipt = guest.get(f"/trips/{booking['id']}/receipt")
    assert receipt.status_code == 200
    assert f"Receipt for booking {booking['code']}" in receipt.text
    assert "Payment in full for booking" in receipt.text
    assert "Paid" in receipt.text
    assert money(booking["guest_total"]["amount_minor"], "AED") in receipt.text


def test_someone_elses_trip_is_not_found(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    made = client.post(
        f"{API}/quotes",
        json={"listing_id": hosted["id"], **{k: v for k, v in STAY.items() if k != "guests"}},
        headers=hosted["other"],
    )
    booked = client.post(
        f"{API}/bookings",
        json={"quote_id": made.json()["id"], "contact": {"name": "O", "email": "o@example.com"}},
        headers=hosted["other"],
    )
    other_id = booked.json()["id"]
    for path in ("", "/cancel", "/receipt", "/pay"):
        answer = guest.get(f"/trips/{other_id}{path}")
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert "<h1>" in answer.text


def test_saved_cards_are_added_on_the_secure_page_made_default_and_removed(
    guest: Any, client: TestClient, hosted: dict[str, Any], emulator: Emulator
) -> None:
    page = guest.get("/account/cards")
    assert "You have no saved cards." in page.text
    added = []
    for card in ("pm_card_visa", "pm_card_mastercard"):
        guest.get("/account/cards")
        answer = guest.submit("/account/cards/add", follow=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith(f"{emulator.url}/checkout/")
        session = session_of(answer.headers["location"])
        control(emulator, f"/_emulator/checkout/sessions/{session}/complete", payment_method=card)
        back = guest.get("/account/cards/added", session_id=session)
        assert back.url.path == "/account/cards"
        assert "Your card is saved." in back.text
        added.append(back)
    listing = added[-1].text
    assert "Visa ending 4242" in listing
    assert "Mastercard ending 4444" in listing
    assert listing.count("badge-active") == 1  # the first card is the default
    found = guest.client.get("/account/cards/added", params={"session_id": "cs_nope"}, headers=HTML)
    assert found.status_code == 404
    cards = client.get(f"{API}/me/payment-methods", headers=hosted["guest"]).json()
    mastercard = next(c["id"] for c in cards if c["brand"] == "mastercard")
    made = guest.submit("/account/cards/default", {"card": mastercard})
    assert "Your default card is changed." in made.text
    assert 'aria-label="Make Visa ending 4242 the default"' in made.text
    removed = guest.submit("/account/cards/remove", {"card": mastercard})
    assert "The card is removed." in removed.text
    assert "Mastercard ending 4444" not in removed.text
    refused = guest.submit("/account/cards/remove", {"card": "pm_someone_else"})
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text


def test_trip_pages_need_a_login(browser_client: Any) -> None:
    for path in ("/trips", "/account/cards"):
        answer = browser_client.client.get(path, headers=HTML, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
