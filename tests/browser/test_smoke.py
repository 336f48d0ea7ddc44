"""The browser-test machinery itself: Chromium through Playwright against the live server."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Screenshots
from tests.payments.conftest import API, book_stay, host_world


def test_the_live_server_serves_the_mailbox_in_chromium(
    live_server: LiveServer, page: Page, shot: Screenshots
) -> None:
    answer = page.goto(f"{live_server.url}/dev/mailbox")
    assert answer is not None
    assert answer.status == 200
    expect(page).to_have_title("Mailbox · Innkeeper development")
    expect(page.locator("header strong")).to_have_text("Innkeeper mailbox")
    expect(page.get_by_text("0 messages.")).to_be_visible()
    expect(page.get_by_label("Recipient contains")).to_be_editable()
    path = shot(page, "mailbox")
    assert path.stat().st_size > 1000
    assert path.name == "01-mailbox.png"


def test_the_phone_fixture_is_a_phone_sized_page(
    live_server: LiveServer, phone: Page, shot: Screenshots
) -> None:
    phone.goto(f"{live_server.url}/dev/mailbox")
    assert phone.viewport_size == {"width": 390, "height": 844}
    assert phone.evaluate("window.innerWidth") == 390
    expect(phone.locator("header strong")).to_have_text("Innkeeper mailbox")
    shot(phone, "mailbox-phone")


def test_stripe_checkout_in_the_browser_comes_back_to_the_live_server(
    stripe_live_server: LiveServer, client: TestClient, page: Page, shot: Screenshots
) -> None:
    emulator = stripe_live_server.emulator
    assert emulator is not None
    hosted = host_world(client, stripe_live_server.services, emulator)
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    started = client.post(
        f"{API}/bookings/{booking['id']}/checkout", json={}, headers=hosted["guest"]
    )
    assert started.status_code == 201, started.text
    page.goto(started.json()["next_action_url"])  # the emulator's hosted Checkout page
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    shot(page, "checkout")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.wait_for_url(f"{stripe_live_server.url}/api/v1/payments/checkout/return?*")
    back = json.loads(page.locator("body").inner_text())
    assert (back["status"], back["booking_status"]) == ("succeeded", "confirmed")
    shot(page, "returned")
