"""The host's calendar page: blocks, unblocks and prices by date range, seen in the month
grid, through the same availability and pricing services the API uses."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.builders import PASSWORD, actor_for, make_listing, make_org, make_user
from tests.web.conftest import field_error

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.services import Services


def hosted(services: Services, browser: Any, *, publish: bool = True) -> tuple[str, str]:
    """An owner with a published stay, logged in; returns (calendar path, listing id)."""
    owner = make_user(services, email="cal-owner@example.com")
    org = make_org(services, owner)
    view = make_listing(services, owner, org.id, publish=publish)
    browser.log_in("cal-owner@example.com", PASSWORD)
    return f"/host/{org.id}/calendar", str(view.listing.id)


def day(html: str, iso: str) -> str:
    """The grid cell of one date: its state word and price."""
    found = re.search(rf'data-date="{iso}" data-state="(\w+)".*?</div>', html, re.S)
    assert found is not None, f"no day {iso} in the grid"
    return found.group(0)


def test_the_month_grid_shows_free_days_with_prices(
    browser_client: Any, services: Services
) -> None:
    path, listing_id = hosted(services, browser_client)
    page = browser_client.get(path, listing=listing_id, month="2026-12")
    assert page.status_code == 200
    assert "December 2026" in page.text
    cell = day(page.text, "2026-12-10")
    assert 'data-state="free"' in cell
    assert "Free" in cell
    assert "AED" in cell
    assert "650.00" in cell
    assert 'data-state="free"' in day(page.text, "2026-12-31")
    # the first listing is chosen when none is named; the month defaults to this one
    page = browser_client.get(path)
    assert "November 2026" in page.text


def test_block_and_unblock_dates_with_a_reason(browser_client: Any, services: Services) -> None:
    path, listing_id = hosted(services, browser_client)
    browser_client.get(path, listing=listing_id, month="2026-12")
    page = browser_client.submit(
        f"{path}/block",
        {"listing": listing_id, "month": "2026-12", "block_start": "2026-12-10",
         "block_end": "2026-12-12", "note": "Owner stay"},
    )  # fmt: skip
    assert page.status_code == 200
    assert "Dates blocked." in page.text
    for iso in ("2026-12-10", "2026-12-11", "2026-12-12"):
        assert "Blocked" in day(page.text, iso)
    assert 'data-state="free"' in day(page.text, "2026-12-13")
    assert "Owner stay" in page.text
    # the public calendar (the API's) agrees: the same availability service
    api = browser_client.client.get(
        f"/api/v1/listings/{listing_id}/calendar",
        params={"start": "2026-12-09", "end": "2026-12-14"},
    ).json()
    assert [n["available"] for n in api] == [True, False, False, False, True]
    page = browser_client.submit(
        f"{path}/unblock",
        {"listing": listing_id, "month": "2026-12", "unblock_start": "2026-12-11",
         "unblock_end": "2026-12-11"},
    )  # fmt: skip
    assert "Dates unblocked." in page.text
    assert "Blocked" in day(page.text, "2026-12-10")
    assert 'data-state="free"' in day(page.text, "2026-12-11")
    assert "Blocked" in day(page.text, "2026-12-12")


def test_set_and_clear_the_price_of_a_range(browser_client: Any, services: Services) -> None:
    path, listing_id = hosted(services, browser_client)
    browser_client.get(path, listing=listing_id, month="2026-12")
    page = browser_client.submit(
        f"{path}/price",
        {"listing": listing_id, "month": "2026-12", "price_start": "2026-12-24",
         "price_end": "2026-12-26", "price": "1,200"},
    )  # fmt: skip
    assert "Prices saved." in page.text
    assert "1,200.00" in day(page.text, "2026-12-25")
    assert "set" in day(page.text, "2026-12-25")
    assert "650.00" in day(page.text, "2026-12-27")
    prices = browser_client.client.get(
        f"/api/v1/listings/{listing_id}/prices", params={"start": "2026-12-24", "end": "2026-12-25"}
    ).json()
    assert prices[0]["price"]["amount_minor"] == 1_200_00
    page = browser_client.submit(
        f"{path}/price",
        {"listing": listing_id, "month": "2026-12", "price_start": "2026-12-25",
         "price_end": "2026-12-25", "price": "", "clear": "on"},
    )  # fmt: skip
    assert "650.00" in day(page.text, "2026-12-25")
    assert "1,200.00" in day(page.text, "2026-12-24")


def test_bad_ranges_and_prices_are_named_beside_the_fields(
    browser_client: Any, services: Services
) -> None:
    path, listing_id = hosted(services, browser_client)
    browser_client.get(path, listing=listing_id, month="2026-12")
    base = {"listing": listing_id, "month": "2026-12"}
    page = browser_client.submit(
        f"{path}/block", {**base, "block_start": "2026-12-12", "block_end": "2026-12-10",
                          "note": "Kept reason"},
    )  # fmt: skip
    assert page.status_code == 422
    assert "before the first night" in field_error(page.text, "block_end")
    assert 'value="Kept reason"' in page.text
    assert 'value="2026-12-12"' in page.text
    page = browser_client.submit(
        f"{path}/block", {**base, "block_start": "2026-11-01", "block_end": "2026-11-03"}
    )
    assert page.status_code == 422
    assert "past" in field_error(page.text, "block_start")
    page = browser_client.submit(
        f"{path}/unblock", {**base, "unblock_start": "december", "unblock_end": ""}
    )
    assert field_error(page.text, "unblock_start") == "must be a date (YYYY-MM-DD)"
    assert field_error(page.text, "unblock_end") == "is required"
    page = browser_client.submit(
        f"{path}/price",
        {**base, "price_start": "2026-12-01", "price_end": "2026-12-02", "price": "-10"},
    )
    assert page.status_code == 422
    assert field_error(page.text, "price") == "must not be negative"
    assert 'value="-10"' in page.text
    page = browser_client.submit(
        f"{path}/block", {**base, "block_start": "2026-12-01", "block_end": "2029-12-01"}
    )
    assert page.status_code == 422
    assert "at most 731 nights" in field_error(page.text, "block_end")


def test_a_stranger_gets_404_and_staff_may_look_but_not_block(
    browser_client: Any, services: Services
) -> None:
    path, listing_id = hosted(services, browser_client)
    make_user(services, email="cal-stranger@example.com")
    browser_client.log_in("cal-stranger@example.com", PASSWORD)
    assert browser_client.get(path, listing=listing_id).status_code == 404
    browser_client.get("/account")
    page = browser_client.submit(
        f"{path}/block",
        {"listing": listing_id, "block_start": "2026-12-10", "block_end": "2026-12-11"},
    )
    assert page.status_code == 404

    staff = make_user(services, email="cal-staff@example.com")
    org_id = path.split("/")[2]
    owner_user = _user(services, "cal-owner@example.com")
    organizations.add_member(
        services, actor_for(services, owner_user), uuid.UUID(org_id), staff.email,
        MemberRole.STAFF,
    )  # fmt: skip
    browser_client.log_in("cal-staff@example.com", PASSWORD)
    page = browser_client.get(path, listing=listing_id, month="2026-12")
    assert page.status_code == 200
    assert "Your role may look at the calendar but not change it." in page.text
    assert 'action="' + path + '/block"' not in page.text
    for action, data in (
        ("block", {"block_start": "2026-12-10", "block_end": "2026-12-11"}),
        ("unblock", {"unblock_start": "2026-12-10", "unblock_end": "2026-12-11"}),
        ("price", {"price_start": "2026-12-10", "price_end": "2026-12-11", "price": "1"}),
    ):
        page = browser_client.submit(f"{path}/{action}", {"listing": listing_id, **data})
        assert page.status_code == 403, action


def test_a_host_without_listings_is_offered_to_add_one(
    browser_client: Any, services: Services
) -> None:
    owner = make_user(services, email="empty@example.com")
    org = make_org(services, owner)
    browser_client.log_in("empty@example.com", PASSWORD)
    page = browser_client.get(f"/host/{org.id}/calendar")
    assert page.status_code == 200
    assert "Add a listing" in page.text


def _user(services: Services, email: str) -> Any:
    from innkeeper.accounts import repository

    with services.uow() as uow:
        user = repository.user_by_email(uow.session, email)
        assert user is not None
        return user
