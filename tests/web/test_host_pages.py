"""The host's daily pages through the HTML forms: dashboard, bookings, requests, payouts and
earnings, on a real database and the bundled Stripe emulator."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.builders import PASSWORD, actor_for, make_org, make_user
from tests.conftest import settings_for
from tests.payments.conftest import API, book_stay, host_world, pay
from tests.web.conftest import HTML, field_error

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.accounts.models import User
from innkeeper.bookings.models import Booking
from innkeeper.core.clock import FixedClock
from innkeeper.payments import reports
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


def host_logs_in(browser: Any, email: str = "host@example.com") -> None:
    browser.log_in(email, PASSWORD)


def requests_only(client: TestClient, hosted: dict[str, Any]) -> None:
    response = client.put(
        f"{hosted['base']}/availability", json={"instant_book": False}, headers=hosted["host"]
    )
    assert response.status_code == 200, response.text


def status_of(services: Services, booking_id: str) -> str:
    with services.uow() as uow:
        booking = uow.session.get(Booking, uuid.UUID(booking_id))
        assert booking is not None
        return booking.status.value


def paid_booking(client: TestClient, hosted: dict[str, Any], check_in: str, check_out: str) -> Any:
    booking = book_stay(client, hosted, check_in, check_out)
    paid = pay(client, hosted, booking)
    assert paid.status_code == 200, paid.text
    return booking


def test_host_goes_to_the_first_organization_and_a_guest_to_become_a_host(
    browser_client: Any, hosted: dict[str, Any]
) -> None:
    host_logs_in(browser_client)
    home = browser_client.client.get("/host", headers=HTML, follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == f"/host/{hosted['org']}"
    switched = browser_client.client.get(
        f"/host/switch?org={hosted['org']}", headers=HTML, follow_redirects=False
    )
    assert switched.headers["location"] == f"/host/{hosted['org']}"
    browser_client.submit("/logout")
    browser_client.log_in("guest@example.com", PASSWORD)
    home = browser_client.client.get("/host", headers=HTML, follow_redirects=False)
    assert home.headers["location"] == "/host/new"


def test_dashboard_shows_todays_arrival_and_departure_on_the_org_calendar(
    browser_client: Any, client: TestClient, hosted: dict[str, Any], clock: FixedClock
) -> None:
    arriving = paid_booking(client, hosted, "2026-12-10", "2026-12-12")
    leaving = paid_booking(client, hosted, "2026-12-07", "2026-12-10")
    requests_only(client, hosted)
    book_stay(client, hosted, "2026-12-20", "2026-12-22")
    # 21:00 UTC on the 9th is already the 10th in Dubai (UTC+4)
    clock.advance(seconds=(datetime(2026, 12, 9, 21, 0, tzinfo=UTC) - clock.now()).total_seconds())
    host_logs_in(browser_client)
    page = browser_client.get(f"/host/{hosted['org']}")
    assert page.status_code == 200, page.text
    html = page.text
    arrivals = html.split('id="arrivals"')[1].split('id="departures"')[0]
    departures = html.split('id="departures"')[1].split('id="requests"')[0]
    assert arriving["code"] in arrivals
    assert leaving["code"] not in arrivals
    assert leaving["code"] in departures
    assert arriving["code"] not in departures
    assert "Requests to answer" in html
    waiting = html.split('id="requests"')[1].split('id="upcoming"')[0]
    assert "Layla Haddad" in waiting
    assert "Payout account" in html
    assert "enabled" in html
    assert "Net earnings in December 2026" not in html  # paid in November
    assert "Net earnings in" in html or "No earnings yet" in html


def test_bookings_list_filters_and_detail(
    browser_client: Any, client: TestClient, hosted: dict[str, Any]
) -> None:
    first = paid_booking(client, hosted, "2026-12-10", "2026-12-12")
    second = book_stay(client, hosted, "2026-12-20", "2026-12-23")
    host_logs_in(browser_client)
    base = f"/host/{hosted['org']}/bookings"
    page = browser_client.get(base)
    assert page.status_code == 200
    assert first["code"] in page.text
    assert second["code"] in page.text
    confirmed = browser_client.get(base, status="confirmed")
    assert first["code"] in confirmed.text
    assert second["code"] not in confirmed.text
    dated = browser_client.get(base, **{"from": "2026-12-15", "to": "2026-12-31"})
    assert second["code"] in dated.text
    assert first["code"] not in dated.text
    listing = browser_client.get(base, listing=hosted["id"])
    assert first["code"] in listing.text
    bad = browser_client.get(base, **{"from": "2026-12-15", "to": "2026-12-01"})
    assert bad.status_code == 422
    assert field_error(bad.text, "to") == "must not be before the first date"

    detail = browser_client.get(f"{base}/{first['id']}")
    assert detail.status_code == 200
    for text in ("Layla Haddad", "layla@example.com", "confirmed", "Payments", "succeeded"):
        assert text in detail.text
    assert "AED" in detail.text
    assert 'action="' + f"{base}/{first['id']}/refund" in detail.text


def test_host_refund_with_field_errors(
    browser_client: Any, client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    booking = paid_booking(client, hosted, "2026-12-10", "2026-12-12")
    host_logs_in(browser_client)
    here = f"/host/{hosted['org']}/bookings/{booking['id']}"
    browser_client.get(here)
    too_much = browser_client.submit(here + "/refund", {"amount": "99999", "reason": "Sorry"})
    assert too_much.status_code == 422
    assert "left to refund" in field_error(too_much.text, "amount")
    assert 'value="99999"' in too_much.text
    negative = browser_client.submit(here + "/refund", {"amount": "-5", "reason": ""})
    assert field_error(negative.text, "amount") == "must be more than zero"
    assert field_error(negative.text, "reason") == "is required"
    zero = browser_client.submit(here + "/refund", {"amount": "0", "reason": "Sorry"})
    assert field_error(zero.text, "amount") == "must be more than zero"
    key = re.search(r'name="key" value="([^"]+)"', negative.text)
    assert key is not None
    done = browser_client.submit(
        here + "/refund", {"amount": "50.00", "reason": "Pool closed", "key": key.group(1)}
    )
    assert done.status_code == 200, done.text
    assert "Refund sent." in done.text
    assert "Pool closed" in done.text
    again = browser_client.submit(  # the same form sent twice refunds once
        here + "/refund", {"amount": "50.00", "reason": "Pool closed", "key": key.group(1)}
    )
    assert again.status_code == 200
    refunds = client.get(f"{API}/bookings/{booking['id']}/refunds", headers=hosted["host"]).json()
    assert [r["amount"]["amount_minor"] for r in refunds] == [50_00]


def test_a_stranger_gets_404_and_staff_see_but_do_not_refund(
    browser_client: Any, client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    booking = paid_booking(client, hosted, "2026-12-10", "2026-12-12")
    org = hosted["org"]
    browser_client.log_in("other@example.com", PASSWORD)
    for path in ("", "/bookings", f"/bookings/{booking['id']}", "/requests", "/payouts",
                 "/earnings"):  # fmt: skip
        assert browser_client.get(f"/host/{org}{path}").status_code == 404, path
    browser_client.submit("/logout")

    make_user(services, email="staff@example.com")
    make_user(services, email="mgr@example.com")
    host = actor_for(services, _user(services, "host@example.com"))
    organizations.add_member(services, host, uuid.UUID(org), "staff@example.com", MemberRole.STAFF)
    organizations.add_member(services, host, uuid.UUID(org), "mgr@example.com", MemberRole.MANAGER)

    browser_client.log_in("staff@example.com", PASSWORD)
    here = f"/host/{org}/bookings/{booking['id']}"
    page = browser_client.get(here)
    assert page.status_code == 200
    assert "Refund from your share" not in page.text
    refused = browser_client.submit(here + "/refund", {"amount": "10", "reason": "x"})
    assert refused.status_code == 403
    payouts = browser_client.get(f"/host/{org}/payouts")
    assert payouts.status_code == 200
    assert "Check status with Stripe" not in payouts.text
    browser_client.submit("/logout")

    browser_client.log_in("mgr@example.com", PASSWORD)
    page = browser_client.get(here)
    assert "Refund from your share" in page.text
    payouts = browser_client.get(f"/host/{org}/payouts")
    assert "Check status with Stripe" in payouts.text
    # another organization's booking is not found under this one
    assert browser_client.get(f"/host/{org}/bookings/{uuid.uuid4()}").status_code == 404


def test_accept_decline_and_counter_offer_requests(
    browser_client: Any, client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    requests_only(client, hosted)
    first = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    second = book_stay(client, hosted, "2026-12-20", "2026-12-22", who="other")
    third = book_stay(client, hosted, "2027-01-05", "2027-01-08", who="other")
    assert status_of(services, first["id"]) == "requested"
    host_logs_in(browser_client)
    inbox = f"/host/{hosted['org']}/requests"
    page = browser_client.get(inbox)
    assert all(b["code"] in page.text for b in (first, second, third))

    accepted = browser_client.submit(f"{inbox}/{first['id']}/accept")
    assert accepted.status_code == 200
    assert f"Request {first['code']} accepted" in accepted.text
    assert status_of(services, first["id"]) == "pending_payment"

    browser_client.get(f"{inbox}/{second['id']}")
    empty = browser_client.submit(f"{inbox}/{second['id']}/decline", {"reason": ""})
    assert empty.status_code == 422
    assert field_error(empty.text, "reason") == "is required"
    declined = browser_client.submit(f"{inbox}/{second['id']}/decline", {"reason": "Owner stays"})
    assert f"Request {second['code']} declined." in declined.text
    assert status_of(services, second["id"]) == "declined"

    browser_client.get(f"{inbox}/{third['id']}")
    bad = browser_client.submit(
        f"{inbox}/{third['id']}/counter-offer",
        {"price": "-100", "check_in": "2027-01-06", "check_out": "2027-01-04", "message": ""},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "price") == "must not be negative"
    assert field_error(bad.text, "check_out") == "must be after the check-in date"
    assert field_error(bad.text, "message") == "is required"
    assert 'value="2027-01-06"' in bad.text
    offered = browser_client.submit(
        f"{inbox}/{third['id']}/counter-offer",
        {"price": "1200", "check_in": "2027-01-06", "message": "From the 6th?"},
    )
    assert offered.status_code == 200, offered.text
    assert f"Offer sent to the guest for {third['code']}." in offered.text
    answer = client.get(f"{API}/bookings/{third['id']}", headers=hosted["other"]).json()
    assert answer["status"] == "counter_offered"
    assert answer["offer"]["check_in"] == "2027-01-06"
    assert answer["offer"]["check_out"] == "2027-01-09"  # the same three nights
    # answering again is refused above the form, not with an error page
    again = browser_client.submit(f"{inbox}/{second['id']}/accept")
    assert again.status_code == 422
    assert 'class="error-summary"' in again.text


def test_payouts_onboarding_goes_to_stripe_and_shows_the_status(
    browser_client: Any, services: Services, emulator: Emulator, hosted: dict[str, Any]
) -> None:
    owner = make_user(services, email="fresh@example.com")
    org = make_org(services, owner)
    browser_client.log_in("fresh@example.com", PASSWORD)
    here = f"/host/{org.id}/payouts"
    page = browser_client.get(here)
    assert page.status_code == 200
    assert "Start onboarding with Stripe" in page.text
    started = browser_client.submit(here + "/onboarding", follow=False)
    assert started.status_code == 303
    assert started.headers["location"].startswith(emulator.url)
    page = browser_client.get(here)
    assert "pending" in page.text
    assert "Continue onboarding" in page.text
    refreshed = browser_client.client.get(here + "/refresh", headers=HTML, follow_redirects=False)
    assert refreshed.headers["location"].startswith(emulator.url)
    back = browser_client.client.get(here + "/return", headers=HTML)
    assert back.status_code == 200
    assert "Onboarding is not finished" in back.text

    browser_client.submit("/logout")
    host_logs_in(browser_client)
    ready = browser_client.get(f"/host/{hosted['org']}/payouts")
    assert "Ready: you can take bookings" in ready.text
    assert hosted["account"] in ready.text


def test_earnings_figures_match_the_ledger(
    browser_client: Any, client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    booking = paid_booking(client, hosted, "2026-12-10", "2026-12-12")
    refunded = client.post(
        f"{API}/bookings/{booking['id']}/refunds",
        json={"amount_minor": 100_00, "reason": "Late check-in"},
        headers=hosted["host"],
    )
    assert refunded.status_code == 201, refunded.text
    host_logs_in(browser_client)
    page = browser_client.get(f"/host/{hosted['org']}/earnings")
    assert page.status_code == 200, page.text
    actor = actor_for(services, _user(services, "host@example.com"))
    [totals] = reports.host_earnings(services, actor, uuid.UUID(hosted["org"]))
    net = re.search(r'data-figure="net-AED">([^<]+)<', page.text)
    assert net is not None
    assert net.group(1) == money(totals.net, "AED")
    assert "2026-11" in page.text  # the month it was paid in
    assert "Palm villa with private pool" in page.text  # by listing
    bad = browser_client.get(
        f"/host/{hosted['org']}/earnings", **{"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "to") == "must not be before the first date"
    empty = browser_client.get(
        f"/host/{hosted['org']}/earnings", **{"from": "2025-01-01", "to": "2025-12-31"}
    )
    assert "Nothing earned in these dates." in empty.text


def _user(services: Services, email: str) -> Any:
    with services.uow() as uow:
        return uow.session.query(User).filter_by(email=email).one()
