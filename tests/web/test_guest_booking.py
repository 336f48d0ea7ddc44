"""Booking and paying through the pages: the review page, hosted Checkout (the emulator),
saved cards, declines and 3-D Secure, requests to book, and field messages."""

from __future__ import annotations

import re
import urllib.error
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.builders import PASSWORD
from tests.conftest import settings_for
from tests.payments.conftest import API, authenticate, control, host_world
from tests.web.conftest import HTML, field_error

from innkeeper.services import Services
from innkeeper.settings import Settings
from stripe_emulator.server import Emulator

QUOTE = re.compile(r'name="quote_id" value="([^"]+)"')
STAY = {"check_in": "2026-12-10", "check_out": "2026-12-12", "guests": "2"}
DEPOSIT = {"kind": "percent", "percent": "30", "amount_minor": 0, "balance_due_days": 14}


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


def review(guest: Any, hosted: dict[str, Any], **params: str) -> Any:
    page = guest.get(f"/listings/{hosted['id']}/book", **(STAY | params))
    assert page.status_code == 200, page.text[:3000]
    return page


def quote_of(page: Any) -> str:
    found = QUOTE.search(page.text)
    assert found is not None, "no quote on the page"
    return found.group(1)


def submit_booking(guest: Any, hosted: dict[str, Any], page: Any, **data: str) -> Any:
    body = {"quote_id": quote_of(page), "card": "new", "plan": "schedule"} | data
    return guest.submit(f"/listings/{hosted['id']}/book", body, follow=False)


def my_bookings(client: TestClient, hosted: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"{API}/bookings", headers=hosted["guest"]).json()[
        "items"
    ]
    return found


def session_of(location: str) -> str:
    return urlsplit(location).path.rsplit("/", 1)[1]


def save_card(
    client: TestClient, hosted: dict[str, Any], card: str = "pm_card_visa", emulator: Any = None
) -> str:
    """Save a card through the API (a 3-D Secure card passes its challenge first)."""
    setup = client.post(f"{API}/me/payment-methods/setup-intent", headers=hosted["guest"])
    done = client.post(
        f"{API}/me/payment-methods/setup-intent/{setup.json()['id']}/confirm",
        json={"payment_method": card},
        headers=hosted["guest"],
    )
    if done.json()["status"] == "requires_action":
        control(
            emulator,
            f"/_emulator/setup_intents/{setup.json()['id']}/authenticate",
            outcome="succeed",
        )
    else:
        assert done.json()["status"] == "succeeded", done.text
    method: str = done.json()["payment_method"]
    return method


def test_the_review_page_needs_a_login(browser_client: Any, hosted: dict[str, Any]) -> None:
    answer = browser_client.client.get(
        f"/listings/{hosted['id']}/book", params=STAY, headers=HTML, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=%2Flistings%2F")


def test_book_and_pay_on_hosted_checkout_shows_the_confirmation(
    guest: Any, client: TestClient, hosted: dict[str, Any], emulator: Emulator
) -> None:
    page = review(guest, hosted)
    assert "Confirm and pay" in page.text
    assert "Price breakdown" in page.text
    assert "A new card, on the secure payment page" in page.text
    assert "AED" in page.text
    answer = submit_booking(guest, hosted, page, message="Arriving late, around 22:00.")
    assert answer.status_code == 303, answer.text[:2000]
    location = answer.headers["location"]
    assert location.startswith(f"{emulator.url}/checkout/")
    [booking] = my_bookings(client, hosted)
    assert booking["status"] == "pending_payment"
    assert booking["message"] == "Arriving late, around 22:00."
    session = session_of(location)
    control(emulator, f"/_emulator/checkout/sessions/{session}/complete")
    done = guest.get(f"/trips/{booking['id']}/paid", session_id=session)
    assert done.status_code == 200
    assert done.url.path == f"/trips/{booking['id']}"
    assert "Payment received: your booking is confirmed." in done.text
    assert booking["code"] in done.text
    assert "Confirmed" in done.text
    assert "Paid" in done.text
    assert my_bookings(client, hosted)[0]["status"] == "confirmed"


def test_the_success_url_comes_back_to_the_trip(
    guest: Any, client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    answer = submit_booking(guest, hosted, review(guest, hosted))
    session = session_of(answer.headers["location"])
    stored = services.stripe.v1.checkout.sessions.retrieve(session)
    booking = my_bookings(client, hosted)[0]
    assert stored.success_url == (
        f"http://testserver/trips/{booking['id']}/paid?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert stored.cancel_url == f"http://testserver/trips/{booking['id']}"


def test_a_decline_on_checkout_leaves_the_booking_payable_then_a_good_card_pays(
    guest: Any, client: TestClient, hosted: dict[str, Any], emulator: Emulator
) -> None:
    answer = submit_booking(guest, hosted, review(guest, hosted))
    session = session_of(answer.headers["location"])
    with pytest.raises(urllib.error.HTTPError):
        control(
            emulator,
            f"/_emulator/checkout/sessions/{session}/complete",
            payment_method="pm_card_chargeDeclined",
        )
    booking = my_bookings(client, hosted)[0]
    trip = guest.get(f"/trips/{booking['id']}")
    assert "Awaiting payment" in trip.text
    assert "Pay now" in trip.text
    control(emulator, f"/_emulator/checkout/sessions/{session}/complete")
    done = guest.get(f"/trips/{booking['id']}/paid", session_id=session)
    assert "Payment received" in done.text


def test_a_saved_card_pays_at_once_and_a_decline_shows_beside_the_card(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    declining = save_card(client, hosted, "pm_card_chargeCustomerFail")
    good = save_card(client, hosted, "pm_card_mastercard")
    page = review(guest, hosted)
    assert "Mastercard ending" in page.text
    answer = submit_booking(guest, hosted, page, card=declining)
    assert answer.status_code == 422
    assert "declined" in field_error(answer.text, "card").lower()
    booking = my_bookings(client, hosted)[0]
    assert booking["code"] in answer.text  # the dates are held under it
    paid = submit_booking(guest, hosted, answer, card=good)
    assert paid.status_code == 303, paid.text[:2000]
    assert paid.headers["location"] == f"/trips/{booking['id']}"
    trip = guest.get(paid.headers["location"])
    assert "Payment received: your booking is confirmed." in trip.text
    assert "Declined" in trip.text or "Paid" in trip.text
    assert my_bookings(client, hosted)[0]["status"] == "confirmed"
    assert len(my_bookings(client, hosted)) == 1


def test_three_d_secure_goes_to_the_bank_and_back(
    guest: Any, client: TestClient, hosted: dict[str, Any], emulator: Emulator, services: Services
) -> None:
    card = save_card(client, hosted, "pm_card_visa")
    answer = submit_booking(guest, hosted, review(guest, hosted), card=card)
    assert answer.headers["location"].startswith("/trips/")
    # a card that needs the bank: confirmed with a new hold on other dates
    other = save_card(client, hosted, "pm_card_authenticationRequired", emulator)
    page = review(guest, hosted, check_in="2026-12-20", check_out="2026-12-22")
    answer = submit_booking(guest, hosted, page, card=other)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(emulator.url)
    booking = next(b for b in my_bookings(client, hosted) if b["check_in"] == "2026-12-20")
    payments = client.get(f"{API}/bookings/{booking['id']}/payments", headers=hosted["guest"])
    intent = payments.json()[0]["stripe_payment_intent"]
    authenticate(emulator, intent)
    done = guest.get(f"/trips/{booking['id']}/paid", payment_intent=intent)
    assert "Payment received" in done.text
    assert "Confirmed" in done.text


def test_a_deposit_plan_pays_the_deposit_and_shows_the_balance(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    current = client.get(f"{hosted['base']}/pricing", headers=hosted["host"]).json()
    body = {
        k: v
        for k, v in current.items()
        if k not in ("listing_id", "updated_at", "currency", "base_price_minor")
    } | {"deposit": DEPOSIT}
    assert client.put(f"{hosted['base']}/pricing", json=body, headers=hosted["host"]).is_success
    card = save_card(client, hosted)
    page = review(guest, hosted, check_in="2026-12-20", check_out="2026-12-23")
    assert "A deposit of" in page.text
    assert "The full amount now" in page.text
    answer = submit_booking(guest, hosted, page, card=card, plan="schedule")
    trip = guest.get(answer.headers["location"])
    assert "Balance due" in trip.text
    assert "is charged to your saved card on" in trip.text


def test_a_request_to_book_waits_for_the_host_then_the_guest_pays(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    rules = client.put(
        f"{API}/organizations/{hosted['org']}/listings/{hosted['id']}/availability",
        json={"instant_book": False},
        headers=hosted["host"],
    )
    assert rules.status_code == 200, rules.text
    page = review(guest, hosted)
    assert "Request to book" in page.text
    assert "Pay with" not in page.text
    sent = guest.submit(
        f"/listings/{hosted['id']}/book",
        {"quote_id": quote_of(page), "message": "We are two, quiet travellers."},
    )
    assert "Your request is sent" in sent.text
    assert "Request sent" in sent.text
    booking = my_bookings(client, hosted)[0]
    assert booking["status"] == "requested"
    listed = guest.get("/trips", show="requests")
    assert booking["code"] in listed.text
    accepted = client.post(f"{API}/bookings/{booking['id']}/accept", headers=hosted["host"])
    assert accepted.status_code == 200, accepted.text
    trip = guest.get(f"/trips/{booking['id']}")
    assert "Pay now" in trip.text
    card = save_card(client, hosted)
    guest.get(f"/trips/{booking['id']}/pay")
    paid = guest.submit(f"/trips/{booking['id']}/pay", {"card": card, "plan": "full"})
    assert "Payment received: your booking is confirmed." in paid.text


def test_a_counter_offer_is_accepted_from_the_trip_page(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    client.put(
        f"{API}/organizations/{hosted['org']}/listings/{hosted['id']}/availability",
        json={"instant_book": False},
        headers=hosted["host"],
    )
    page = review(guest, hosted)
    guest.submit(f"/listings/{hosted['id']}/book", {"quote_id": quote_of(page), "message": "Hi"})
    booking = my_bookings(client, hosted)[0]
    offer = client.post(
        f"{API}/bookings/{booking['id']}/counter-offer",
        json={"check_out": "2026-12-13", "message": "Stay one more night for the same price?"},
        headers=hosted["host"],
    )
    assert offer.status_code == 200, offer.text
    trip = guest.get(f"/trips/{booking['id']}")
    assert "The host's offer" in trip.text
    assert "Stay one more night" in trip.text
    taken = guest.submit(f"/trips/{booking['id']}/offer/accept")
    assert taken.url.path == f"/trips/{booking['id']}/pay"
    assert "You accepted the host" in taken.text
    assert my_bookings(client, hosted)[0]["status"] == "pending_payment"


def test_bad_input_shows_messages_beside_the_fields(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    page = guest.get(f"/listings/{hosted['id']}/book", check_in="soon", check_out="2026-12-12")
    assert page.status_code == 422
    assert field_error(page.text, "check_in") == "must be a date (YYYY-MM-DD)"
    page = guest.get(
        f"/listings/{hosted['id']}/book", check_in="2026-12-12", check_out="2026-12-10"
    )
    assert field_error(page.text, "check_out") == "must be after the check-in date"
    page = review(guest, hosted)
    answer = guest.submit(
        f"/listings/{hosted['id']}/book",
        {"quote_id": quote_of(page), "card": "pm_not_mine", "message": "x" * 2001},
    )
    assert answer.status_code == 422
    assert field_error(answer.text, "card") == "is not one of your saved cards"
    assert "2000" in field_error(answer.text, "message")
    answer = guest.submit(f"/listings/{hosted['id']}/book", {"quote_id": quote_of(page)})
    assert field_error(answer.text, "card") == "is required"
    assert my_bookings(client, hosted) == []


def test_dates_that_are_taken_are_said_above_the_form(
    guest: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    card = save_card(client, hosted)
    submit_booking(guest, hosted, review(guest, hosted), card=card)
    page = guest.get(f"/listings/{hosted['id']}/book", **STAY)
    assert page.status_code == 422
    assert 'class="error-summary"' in page.text
    assert 'name="quote_id"' not in page.text
