"""Acceptance: a guest asks to book a listing without instant book, the host accepts the
request in the requests inbox (in a browser of their own), and the guest pays on Stripe's
hosted Checkout page (the emulator's) and sees the booking confirmed. Screenshots at every
step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, LiveServer, Screenshots, _open
from tests.builders import PASSWORD
from tests.payments.conftest import API, host_world

TITLE = "Palm villa with private pool"  # tests.builders.STAY_JSON
CHECK_IN, CHECK_OUT, GUESTS = "2026-12-10", "2026-12-12", "2"
TRIP = r"/trips/([0-9a-f-]{36})$"
CODE = re.compile(r"Booking ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})")
GOOD = "4242424242424242"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"payments_connect_required": True}


@pytest.fixture
def world(stripe_live_server: LiveServer, client: TestClient) -> dict[str, Any]:
    """A connected host whose published villa takes requests (instant book off), and a
    guest: host@example.com and guest@example.com."""
    assert stripe_live_server.emulator is not None
    hosted = host_world(client, stripe_live_server.services, stripe_live_server.emulator)
    rules = client.put(
        f"{API}/organizations/{hosted['org']}/listings/{hosted['id']}/availability",
        json={"instant_book": False},
        headers=hosted["host"],
    )
    assert rules.status_code == 200, rules.text
    return hosted


@pytest.fixture
def host_page(
    browser: Browser, request: pytest.FixtureRequest, shot: Screenshots
) -> Iterator[Page]:
    """The host's own browser context (no cookies shared with the guest's ``page``), made
    as conftest makes ``page``'s: screenshots on failure, closed at the end."""
    yield from _open(browser, request, shot, viewport=DESKTOP)


def log_in_on_the_page(page: Page, server: LiveServer, email: str, next_path: str) -> None:
    page.goto(f"{server.url}/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}{next_path}")


def test_the_host_accepts_a_request_and_the_guest_pays(
    stripe_live_server: LiveServer,
    world: dict[str, Any],
    page: Page,
    host_page: Page,
    shot: Screenshots,
) -> None:
    server = stripe_live_server
    listing = f"/listings/{world['id']}"

    # the guest logs in and opens the listing: it takes requests, not instant bookings
    log_in_on_the_page(page, server, "guest@example.com", listing)
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("By request: the host answers within")).to_be_visible()

    # picks the dates and the party; the price comes with a "Request to book" link
    quote = page.locator("#quote-form")
    quote.get_by_label("Check-in").fill(CHECK_IN)
    quote.get_by_label("Check-out").fill(CHECK_OUT)
    quote.get_by_label("Guests").fill(GUESTS)
    quote.get_by_role("button", name="Show the price").click()
    ask = page.get_by_role("link", name="Request to book")
    expect(ask).to_have_attribute(
        "href", f"{listing}/book?check_in={CHECK_IN}&check_out={CHECK_OUT}&guests={GUESTS}"
    )
    expect(page.get_by_role("link", name="Book", exact=True)).to_have_count(0)
    expect(page.locator("#quote table.quote")).to_contain_text("2 nights, 2 guests")
    shot(page, "listing-with-price")

    # the request page: no payment asked, a message to the host
    ask.click()
    expect(page.get_by_role("heading", name="Request to book", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Send your request")).to_be_visible()
    expect(page.get_by_text("Nothing is charged now")).to_be_visible()
    expect(page.get_by_text("Pay with")).to_have_count(0)
    expect(page.get_by_role("table", name="Price breakdown")).to_be_visible()
    page.get_by_label("Message to the host").fill("We are two, quiet travellers.")
    shot(page, "request-to-book")
    page.get_by_role("button", name="Send request").click()

    # the trip page: the request waits for the host, nothing to pay yet
    page.wait_for_url(re.compile(re.escape(server.url) + TRIP))
    found = re.search(TRIP, page.url)
    assert found is not None, page.url
    booking_id = found.group(1)
    expect(page.get_by_role("status")).to_have_text(
        "Your request is sent. The host will answer; you pay once it is accepted."
    )
    expect(page.locator(".lead .badge")).to_have_text("Request sent")
    expect(page.get_by_text("Your request is with the host.")).to_be_visible()
    expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
    heading = page.get_by_role("heading", level=1).inner_text()
    named = CODE.search(heading)
    assert named is not None, heading
    code = named.group(1)
    shot(page, "request-sent")

    # the host, in a browser of their own, accepts it in the requests inbox
    inbox = f"/host/{world['org']}/requests"
    log_in_on_the_page(host_page, server, "host@example.com", inbox)
    expect(host_page.get_by_role("heading", name="Requests", level=1)).to_be_visible()
    card = host_page.get_by_role("article").filter(has_text=code)
    expect(card).to_contain_text("We are two, quiet travellers.")
    expect(card).to_contain_text(TITLE)
    shot(host_page, "host-inbox")
    card.get_by_role("button", name=f"Accept {code}").click()
    host_page.wait_for_url(f"{server.url}{inbox}")
    expect(host_page.get_by_role("status")).to_have_text(
        f"Request {code} accepted: the guest can pay now."
    )
    expect(host_page.get_by_text("No requests are waiting for a reply.")).to_be_visible()
    shot(host_page, "host-accepted")

    # the guest reloads the trip: it waits for payment now
    page.reload()
    expect(page.locator(".lead .badge")).to_have_text("Awaiting payment")
    shot(page, "trip-accepted")
    page.get_by_role("link", name="Pay now").click()
    page.wait_for_url(f"{server.url}/trips/{booking_id}/pay")
    expect(page.get_by_role("heading", name=f"Pay for booking {code}")).to_be_visible()
    expect(page.get_by_label("A new card, on the secure payment page")).to_be_checked()
    page.get_by_role("button", name="Pay", exact=True).click()

    # on the hosted Checkout page, a good card
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    shot(page, "hosted-checkout")
    page.get_by_label("Card number").fill(GOOD)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    # back on the trip: confirmed, with its booking code
    page.wait_for_url(f"{server.url}/trips/{booking_id}")
    expect(page.get_by_role("status")).to_have_text("Payment received: your booking is confirmed.")
    expect(page.get_by_role("heading", name=f"Booking {code}", level=1)).to_be_visible()
    expect(page.locator(".lead .badge")).to_have_text("Confirmed")
    expect(page.locator("dl.facts").first).to_contain_text(code)
    expect(page.get_by_role("table", name="Payments")).to_contain_text("Paid")
    expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
    shot(page, "confirmation")
