"""Guest browsing pages: the home page, search results with stay totals, every bad search
field named beside it, a listing's calendar and live quote, and its booking link."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import event, func, select
from tests.builders import actor_for, make_listing, make_org, make_user, stay_draft
from tests.web.conftest import field_error

from innkeeper.availability import service as availability
from innkeeper.availability.repository import SlotTimes
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import (
    ExperienceCategory,
    ExperienceDetails,
    ListingAction,
    ListingKind,
    Location,
    Photo,
)
from innkeeper.core.dates import StayRange
from innkeeper.core.money import Money
from innkeeper.pricing import quotes
from innkeeper.pricing.models import QuoteRow
from innkeeper.services import Services
from innkeeper.web.render import money

STAY = {"check_in": "2026-12-07", "check_out": "2026-12-10"}  # the clock says 2026-11-22
PHOTO = (Photo("/media/demo/0a1b2c3d-living-room.svg", "Living room"),)


def _location(area: str) -> Location:
    return Location(f"1 {area} Street", area, "Dubai", "AE", Decimal("25.08"), Decimal("55.14"))


@pytest.fixture
def market(services: Services) -> dict[str, Any]:
    """Three published stays in two areas (one blocked over the test's dates, one by request)
    and an experience with morning sessions."""
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    actor = actor_for(services, owner)

    def stay(title: str, price: int, area: str) -> uuid.UUID:
        view = make_listing(
            services, owner, org.id, publish=True, title=title, base_price_minor=price,
            location=_location(area), photos=PHOTO,
        )  # fmt: skip
        return view.listing.id

    ids = {
        "marina": stay("Marina flat", 400_00, "Dubai Marina"),
        "blocked": stay("Blocked loft", 500_00, "Dubai Marina"),
        "request": stay("Request villa", 900_00, "Palm Jumeirah"),
    }
    availability.mark_span(
        services, actor, org.id, ids["blocked"], kind="blocked", add=True,
        span=StayRange.of_night(date(2026, 12, 8)), note="Repairs",
    )  # fmt: skip
    availability.put_settings(
        services, actor, org.id, ids["request"], availability.Settings(instant_book=False)
    )
    ids["safari"] = _experience(services, owner, org.id)
    return {"ids": ids, "org": org, "actor": actor}


def _experience(services: Services, owner: Any, organization_id: uuid.UUID) -> uuid.UUID:
    draft = replace(
        stay_draft(),
        kind=ListingKind.EXPERIENCE,
        title="Desert safari",
        base_price_minor=350_00,
        amenities=frozenset(),
        location=_location("Al Qudra"),
        photos=PHOTO,
        details=ExperienceDetails(ExperienceCategory.ACTIVITY, 240, 12, "Al Qudra lakes"),
    )
    actor = actor_for(services, owner)
    view = catalog.create_listing(services, actor, organization_id, draft)
    catalog.change_status(services, actor, organization_id, view.listing.id, ListingAction.PUBLISH)
    span = StayRange(date.fromisoformat("2026-12-01"), date.fromisoformat("2026-12-31"))
    morning = [SlotTimes(time(9, 0), time(13, 0), 8)]
    availability.add_slots(services, actor, organization_id, view.listing.id, span, morning)
    return view.listing.id


def _search(browser: Any, **params: Any) -> Any:
    return browser.get("/search", **{**STAY, "guests": 2, **params})


def test_home_has_the_search_form_and_featured_listings(
    browser_client: Any, market: dict[str, Any]
) -> None:
    page = browser_client.get("/")
    assert page.status_code == 200
    for name in ("area", "check_in", "check_out", "guests", "min_price", "max_price", "kind"):
        assert f'name="{name}"' in page.text
    assert 'name="amenities" value="wifi"' in page.text
    assert '<option value="Palm Jumeirah">' in page.text
    assert "Marina flat" in page.text
    assert "Desert safari" in page.text
    assert "/media/demo/0a1b2c3d-living-room.svg" in page.text
    assert 'name="check_in" type="date" value="2026-12-06"' in page.text  # two weeks out


def test_search_shows_each_stays_total_and_leaves_out_a_blocked_one(
    browser_client: Any, market: dict[str, Any], services: Services
) -> None:
    page = _search(browser_client)
    assert page.status_code == 200
    assert "Marina flat" in page.text
    assert "Request villa" in page.text
    assert "Blocked loft" not in page.text
    window = StayRange(date.fromisoformat(STAY["check_in"]), date.fromisoformat(STAY["check_out"]))
    marina = market["ids"]["marina"]
    total = quotes.guest_totals(services, [marina], window, guests=2, units=1)[marina]
    assert total.minor >= 3 * 400_00
    card = _card(page.text, "Marina flat")
    assert unescape(money(total)) in unescape(card)
    assert "for 3 nights" in card
    assert f"/listings/{marina}?guests=2&amp;check_in=2026-12-07&amp;check_out=2026-12-10" in card


def test_search_filters_sorts_and_says_when_nothing_is_found(
    browser_client: Any, market: dict[str, Any]
) -> None:
    page = _search(browser_client, area="palm jumeirah")
    assert "Request villa" in page.text
    assert "Marina flat" not in page.text
    page = _search(browser_client, sort="price_desc")
    assert page.text.index("Request villa") < page.text.index("Marina flat")
    page = _search(browser_client, amenities=["hot_tub"])
    assert page.status_code == 200
    assert "Nothing found" in page.text
    assert "fewer amenities" in page.text
    assert 'value="hot_tub" checked' in page.text
    page = _search(browser_client, max_price="1300")  # 3 x 400 fits, 3 x 900 does not
    assert "Marina flat" in page.text
    assert "Request villa" not in page.text


def test_results_come_in_pages(
    browser_client: Any, market: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("innkeeper.web.guest.browse.PAGE_SIZE", 1)
    first = _search(browser_client)
    assert "1–1 of 2" in first.text
    assert "offset=1" in first.text
    assert "Request villa" not in first.text  # cheapest first: the villa is on page two
    second = _search(browser_client, offset=1)
    assert "Request villa" in second.text
    assert 'rel="prev"' in second.text


def test_experiences_are_found_by_day(browser_client: Any, market: dict[str, Any]) -> None:
    page = browser_client.get("/search", kind="experience", check_in="2026-12-02", guests=2)
    assert page.status_code == 200
    assert "Desert safari" in page.text
    assert "Marina flat" not in page.text
    assert unescape(money(Money(700_00, "AED"))) in unescape(_card(page.text, "Desert safari"))


BAD_SEARCHES: list[tuple[dict[str, Any], str, str]] = [
    ({"check_in": "2026-12-10", "check_out": "2026-12-07"}, "check_out", "after"),
    ({"check_in": "2026-11-01", "check_out": "2026-11-03"}, "check_in", "today"),
    ({"check_in": "12/07/2026"}, "check_in", "YYYY-MM-DD"),
    ({"check_out": ""}, "check_out", "required"),
    ({"area": "Atlantis"}, "area", "not an area"),
    ({"guests": "0"}, "guests", "at least 1"),
    ({"guests": "two"}, "guests", "whole number"),
    ({"min_price": "cheap"}, "min_price", "number"),
    ({"max_price": "1e999999"}, "max_price", "amount"),
    ({"max_price": "99999999999999999999"}, "max_price", "too large"),
    ({"min_price": "10.505"}, "min_price", "amount"),
    ({"min_price": "500", "max_price": "100"}, "max_price", "less than"),
    ({"amenities": ["jacuzzi"]}, "amenities", "unknown"),
    ({"check_in": "2026-12-01", "check_out": "2027-06-01"}, "check_out", "90 nights"),
    ({"kind": "castle"}, "kind", "not one of the choices"),
    ({"sort": "random"}, "sort", "not one of the choices"),
]


def test_each_bad_search_field_gets_its_message_beside_it(
    browser_client: Any, market: dict[str, Any]
) -> None:
    for params, field, message in BAD_SEARCHES:
        page = _search(browser_client, **params)
        assert page.status_code == 422, params
        assert message in field_error(page.text, field), params
        typed = params.get(field)
        if isinstance(typed, str) and typed and field not in ("kind", "sort"):  # not selects
            assert f'value="{typed}"' in page.text, params  # the form keeps what was typed


def test_a_bare_search_is_just_the_form(browser_client: Any, market: dict[str, Any]) -> None:
    page = browser_client.get("/search")
    assert page.status_code == 200
    assert "Choose your dates" in page.text


def test_listing_page_shows_facts_calendar_and_policies(
    browser_client: Any, market: dict[str, Any]
) -> None:
    blocked = market["ids"]["blocked"]
    page = browser_client.get(f"/listings/{blocked}", month="2026-12")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Blocked loft</h1>" in text
    assert "Hosted by Org " in text
    assert "Wifi" in text
    assert "Pool" in text
    assert "December 2026" in text
    assert 'data-day="2026-12-08" aria-label="' in text
    assert re.search(r'data-day="2026-12-08"[^>]*>8<br><small>Blocked</small>', text)
    assert re.search(r'data-day="2026-12-09"[^>]*>9<br><small>Available</small>', text)
    assert "month=2027-01" in text
    assert "month=2026-11" in text
    assert "Flexible" in text
    assert "Check-out" in text
    assert "before arrival. The service fee is not refunded." in text
    assert 'name="check_out" type="date" value="2026-12-09"' in text  # a suggested stay
    assert '<script src="/static/guest.js" defer></script>' in text
    assert "<script>" not in text


def test_calendar_marks_past_days_and_booked_nights_in_words(
    browser_client: Any, market: dict[str, Any]
) -> None:
    page = browser_client.get(f"/listings/{market['ids']['marina']}")  # this month
    assert "November 2026" in page.text
    assert re.search(r'data-day="2026-11-21"[^>]*>21<br><small>Past</small>', page.text)
    assert 'rel="prev"' not in page.text.split("Calendar months")[1].split("</nav>")[0]


def test_listing_page_quotes_the_stay_and_links_to_booking(
    browser_client: Any, market: dict[str, Any]
) -> None:
    marina = market["ids"]["marina"]
    page = browser_client.get(f"/listings/{marina}", **STAY, guests=2)
    assert page.status_code == 200
    assert "3 nights ×" in unescape(page.text)
    assert "Total" in page.text
    book = f"/listings/{marina}/book?check_in=2026-12-07&amp;check_out=2026-12-10&amp;guests=2"
    assert f'href="{book}">Book</a>' in page.text
    assert 'value="2026-12-07"' in page.text  # the form keeps the dates


def test_looking_at_prices_stores_no_quote(
    browser_client: Any, market: dict[str, Any], services: Services
) -> None:
    """A guest trying dates on the listing page (or its script) writes nothing: the quote
    a booking uses is stored when the guest chooses to book."""
    marina = market["ids"]["marina"]
    for guests in (1, 2, 3):
        assert browser_client.get(f"/listings/{marina}", **STAY, guests=guests).status_code == 200
        fragment = browser_client.get(f"/listings/{marina}/quote", **STAY, guests=guests)
        assert fragment.status_code == 200
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(QuoteRow)) == 0


def test_a_listing_that_needs_approval_asks_for_a_request(
    browser_client: Any, market: dict[str, Any]
) -> None:
    page = browser_client.get(f"/listings/{market['ids']['request']}", **STAY, guests=2)
    assert ">Request to book</a>" in page.text
    assert "By request" in page.text


def test_quote_problems_show_beside_the_fields_or_above_them(
    browser_client: Any, market: dict[str, Any]
) -> None:
    marina, blocked = market["ids"]["marina"], market["ids"]["blocked"]
    page = browser_client.get(f"/listings/{marina}", check_in="2026-12-10", check_out="2026-12-07")
    assert page.status_code == 422
    assert "after check-in" in field_error(page.text, "check_out")
    page = browser_client.get(f"/listings/{marina}", **STAY, guests=9)
    assert page.status_code == 409
    assert "at most 3 guests" in page.text
    page = browser_client.get(f"/listings/{blocked}", **STAY)
    assert page.status_code == 409
    assert "Not available for these dates" in page.text
    assert "/book?" not in page.text


def test_the_quote_fragment_is_the_breakdown_alone(
    browser_client: Any, market: dict[str, Any]
) -> None:
    marina = market["ids"]["marina"]
    fragment = browser_client.get(f"/listings/{marina}/quote", **STAY, guests=2)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert '<table class="quote">' in fragment.text
    assert f"/listings/{marina}/book?check_in=2026-12-07" in fragment.text
    missing = browser_client.get(f"/listings/{marina}/quote", guests=2)
    assert missing.status_code == 422
    assert "Check-in: is required" in missing.text


def test_an_experience_page_offers_its_sessions(
    browser_client: Any, market: dict[str, Any]
) -> None:
    safari = market["ids"]["safari"]
    page = browser_client.get(f"/listings/{safari}", check_in="2026-12-02", guests=2)
    assert page.status_code == 422  # a day with sessions needs one chosen
    assert "09:00–13:00, 8 places left" in page.text
    assert "choose one of the sessions" in field_error(page.text, "slot_id")
    slot = re.search(r'<option value="([0-9a-f-]{36})"', page.text)
    assert slot is not None
    page = browser_client.get(
        f"/listings/{safari}", check_in="2026-12-02", guests=2, slot_id=slot.group(1)
    )
    assert page.status_code == 200
    assert f"slot_id={slot.group(1)}" in page.text
    assert "Total" in page.text


def test_unknown_or_malformed_listings_are_html_errors(
    browser_client: Any, market: dict[str, Any]
) -> None:
    page = browser_client.get(f"/listings/{uuid.uuid4()}")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert browser_client.get(f"/listings/{uuid.uuid4()}/quote", **STAY).status_code == 404
    assert browser_client.get("/listings/not-an-id").status_code == 422


def test_pages_make_the_same_number_of_queries_whatever_the_results(
    browser_client: Any, market: dict[str, Any], services: Services
) -> None:
    """One query per list, not one per listing: a page of three costs what a page of one does."""

    def statements(**params: Any) -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(services.engine, "before_cursor_execute", count)
        try:
            assert _search(browser_client, **params).status_code == 200
        finally:
            event.remove(services.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements() == statements(area="palm jumeirah")


def _card(html: str, title: str) -> str:
    start = html.index(f">{title}</a>")
    return html[html.rindex("<article", 0, start) : html.index("</article>", start)]
