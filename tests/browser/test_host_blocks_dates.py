"""Acceptance: a host blocks dates on the calendar page, and a guest searching those dates
no longer finds the listing, while they did before the block."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from innkeeper.catalog.domain import Photo
from innkeeper.services import Services
from tests.browser.conftest import LiveServer, Screenshots
from tests.builders import PASSWORD, make_listing, make_org, make_user

TITLE = "Marina loft for the browser"
SEARCH = "area=Dubai+Marina&check_in=2026-12-10&check_out=2026-12-13&guests=2"


def test_blocked_dates_leave_guest_search(
    live_server: LiveServer, services: Services, page: Page, shot: Screenshots
) -> None:
    owner = make_user(services, email="browser-host@example.com", name="Hana Host")
    org = make_org(services, owner)
    view = make_listing(
        services, owner, org.id, publish=True, title=TITLE,
        photos=(Photo("/static/favicon.svg", "Living room"),),
    )  # fmt: skip
    url = live_server.url

    # before: a guest searching those nights finds the listing
    page.goto(f"{url}/search?{SEARCH}")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    shot(page, "search-before-block")

    # the host logs in and opens the listing's calendar
    page.goto(f"{url}/login?next=/host/{org.id}/calendar")
    page.get_by_label("Email").fill("browser-host@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/host/{org.id}/calendar")
    page.goto(f"{url}/host/{org.id}/calendar?listing={view.listing.id}&month=2026-12")
    expect(page.get_by_role("heading", name=f"{TITLE}: December 2026")).to_be_visible()
    expect(page.locator('[data-date="2026-12-11"]')).to_have_attribute("data-state", "free")
    shot(page, "calendar-before-block")

    # blocks the nights of the 10th to the 12th, with a reason
    block = page.locator("form[action$='/calendar/block']")
    block.get_by_label("First night").fill("2026-12-10")
    block.get_by_label("Last night").fill("2026-12-12")
    block.get_by_label("Reason").fill("Owner stay")
    block.get_by_role("button", name="Block these dates").click()
    expect(page.get_by_role("status")).to_have_text("Dates blocked.")
    for night in ("2026-12-10", "2026-12-11", "2026-12-12"):
        expect(page.locator(f'[data-date="{night}"]')).to_have_attribute("data-state", "blocked")
    expect(page.locator('[data-date="2026-12-13"]')).to_have_attribute("data-state", "free")
    expect(page.get_by_role("cell", name="Owner stay")).to_be_visible()
    shot(page, "calendar-after-block")

    # after: the same search no longer shows it
    page.goto(f"{url}/search?{SEARCH}")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    shot(page, "search-after-block")

    # other nights still find it
    page.goto(f"{url}/search?area=Dubai+Marina&check_in=2026-12-14&check_out=2026-12-16&guests=2")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    shot(page, "search-other-nights")
