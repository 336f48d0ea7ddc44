"""Acceptance: a guest searches, books and pays on Stripe's hosted Checkout page (the
emulator's), with a good card, a 3-D Secure card, and a declined card then a good one; and
a guest cancels a paid booking and sees the refund. Screenshots at every step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Screenshots, log_in
from tests.payments.conftest import host_world

SEARCH = "area=Palm+Jumeirah&check_in=2026-12-10&check_out=2026-12-12&guests=2"
TITLE = "Palm villa with private pool"  # tests.builders.STAY_JSON
CODE = re.compile(r"Booking ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})")
GOOD, DECLINED, CHALLENGED = "4242424242424242", "4000000000000002", "4000002760003184"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"payments_connect_required": True}


@pytest.fixture
def world(stripe_live_server: LiveServer, client: TestClient) -> dict[str, Any]:
    """A connected host with a published villa, and a guest logged in the browser."""
    assert stripe_live_server.emulator is not None
    return host_world(client, stripe_live_server.services, stripe_live_server.emulator)


def to_checkout(page: Page, server: LiveServer, shot: Screenshots) -> None:
    """Search, open the villa, review the booking and go to the hosted payment page."""
    log_in(page, server, "guest@example.com")
    page.goto(f"{server.url}/search?{SEARCH}")
    shot(page, "search-results")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    shot(page, "listing")
    page.get_by_role("link", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Confirm and pay")).to_be_visible()
    expect(page.get_by_role("table", name="Price breakdown")).to_be_visible()
    page.get_by_label("A new card, on the secure payment page").check()
    page.get_by_label("Message to the host (optional)").fill("We arrive around 22:00.")
    shot(page, "review")
    page.get_by_role("button", name="Book and pay").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    shot(page, "hosted-checkout")


def pay_with(page: Page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def confirmed(page: Page, server: LiveServer, shot: Screenshots) -> str:
    page.wait_for_url(re.compile(re.escape(server.url) + r"/trips/[0-9a-f-]{36}$"))
    expect(page.get_by_role("status")).to_have_text("Payment received: your booking is confirmed.")
    heading = page.get_by_role("heading", level=1)
    found = CODE.search(heading.inner_text())
    assert found is not None, heading.inner_text()
    expect(page.locator(".lead .badge")).to_have_text("Confirmed")
    expect(page.get_by_role("table", name="Payments")).to_contain_text("Paid")
    shot(page, "confirmation")
    return found.group(1)


def test_a_guest_books_and_pays_with_a_good_card(
    stripe_live_server: LiveServer, world: dict[str, Any], page: Page, shot: Screenshots
) -> None:
    to_checkout(page, stripe_live_server, shot)
    pay_with(page, GOOD)
    code = confirmed(page, stripe_live_server, shot)
    page.get_by_role("link", name="Trips", exact=True).first.click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
    shot(page, "my-trips")


def test_a_three_d_secure_card_passes_the_challenge(
    stripe_live_server: LiveServer, world: dict[str, Any], page: Page, shot: Screenshots
) -> None:
    to_checkout(page, stripe_live_server, shot)
    pay_with(page, CHALLENGED)
    expect(page.get_by_role("heading", name="3D Secure authentication")).to_be_visible()
    shot(page, "challenge")
    page.get_by_role("button", name="Complete authentication").click()
    confirmed(page, stripe_live_server, shot)


def test_a_declined_card_then_a_good_one(
    stripe_live_server: LiveServer, world: dict[str, Any], page: Page, shot: Screenshots
) -> None:
    to_checkout(page, stripe_live_server, shot)
    pay_with(page, DECLINED)
    expect(page.get_by_role("alert")).to_contain_text("declined")
    shot(page, "declined")
    pay_with(page, GOOD)
    confirmed(page, stripe_live_server, shot)


def test_a_guest_cancels_and_sees_the_refund(
    stripe_live_server: LiveServer, world: dict[str, Any], page: Page, shot: Screenshots
) -> None:
    to_checkout(page, stripe_live_server, shot)
    pay_with(page, GOOD)
    confirmed(page, stripe_live_server, shot)
    page.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", name=re.compile("^Cancel your booking"))).to_be_visible()
    refund = page.locator("dl.facts dd strong").inner_text()
    assert refund.startswith("AED"), refund
    assert refund != "AED0.00", refund
    shot(page, "refund-preview")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the reason is required
    expect(page.locator("#e-reason")).to_have_text("is required")
    shot(page, "reason-required")
    page.get_by_label("Why are you cancelling?").fill("Our plans changed.")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your booking is cancelled.")
    expect(page.get_by_role("status")).to_contain_text(f"{refund} is refunded to your card.")
    expect(page.locator(".lead .badge")).to_have_text("Cancelled")
    refunds = page.get_by_role("table", name="Refunds")
    expect(refunds).to_contain_text("Refunded")
    expect(refunds).to_contain_text(refund)
    shot(page, "cancelled-with-refund")
