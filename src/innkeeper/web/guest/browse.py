"""Guest browsing pages: the home page's search form, search results, a listing's page
with its calendar and a live quote, and the quote as a fragment for ``guest.js``.

Every answer comes from the services the JSON API calls (``availability.search``,
``catalog.service``, ``pricing.quotes``, ``availability.service``); this module only
reads the query string and chooses what to show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper import api
from innkeeper.availability import search
from innkeeper.availability import service as availability
from innkeeper.availability.allocation import Unavailable
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import AMENITIES, ListingKind
from innkeeper.catalog.repository import ListingFilters
from innkeeper.catalog.service import ListingView
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import DomainError, InvalidInput
from innkeeper.core.money import Money
from innkeeper.deps import ServicesDep
from innkeeper.pricing import quotes
from innkeeper.pricing.models import QuoteRow
from innkeeper.services import Services
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.guest import browse_calendar, browse_forms
from innkeeper.web.guest.browse_forms import PAGE_SIZE, QUOTE_ALIASES, SEARCH_ALIASES
from innkeeper.web.guest.browse_queries import (
    CatalogChoices,
    ListingFacts,
    catalog_choices,
    listing_facts,
)
from innkeeper.web.render import render
from innkeeper.web.viewer import MaybeViewer, Viewer

router = page_router()
FEATURED = 6
SEARCH_ZONE = "UTC"  # "the past" for the search form; each listing judges notice in its own
# Empty forms suggest a stay two weeks out, so one click shows real prices.
SUGGESTED_LEAD = timedelta(days=14)
SUGGESTED_STAY = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Result:
    view: ListingView
    total: Money | None  # what a quote would charge the guest; None: price on request
    stay_price: Money | None


@dataclass(frozen=True, slots=True)
class Results:
    items: list[Result]
    total: int
    nights: int | None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep) -> Response:
    choices = catalog_choices(services)
    featured = catalog.list_published_listings(
        services, ListingFilters(kind=ListingKind.STAY), limit=FEATURED, offset=0
    ).items
    experiences = catalog.list_published_listings(
        services, ListingFilters(kind=ListingKind.EXPERIENCE), limit=3, offset=0
    ).items
    return render(
        request,
        "guest/home.html.j2",
        **_form_context(choices, _today(services)),
        featured=featured,
        experiences=experiences,
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, services: ServicesDep) -> Response:
    """Bad input comes back beside its field with status 422; a bare ``/search`` is just
    the form."""
    choices = catalog_choices(services)
    today = _today(services)
    reader = FormReader(request.query_params)
    criteria = results = None
    if request.query_params:
        criteria = browse_forms.read_search(reader, choices, today=today)
    if criteria is not None and reader.ok:
        try:
            results = _search(services, criteria)
        except InvalidInput as error:
            reader.absorb(error, aliases=SEARCH_ALIASES)
    return render(
        request,
        "guest/results.html.j2",
        status=422 if reader.errors else 200,
        **_form_context(choices, today, selected=set(reader.many("amenities"))),
        form=reader.values,
        errors=reader.errors,
        criteria=criteria,
        results=results,
        page_base="/search?" + _query(request, drop=("offset",)),
        listing_query=_listing_query(criteria) if criteria is not None else "",
        offset=criteria.offset if criteria is not None else 0,
        page_size=PAGE_SIZE,
    )


@router.get("/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(
    request: Request, listing_id: uuid.UUID, services: ServicesDep, viewer: MaybeViewer
) -> Response:
    view = catalog.get_published_listing(services, listing_id)
    facts = listing_facts(services, listing_id)
    reader = FormReader(request.query_params)
    quoted = _quote(services, viewer, reader, view, facts)
    today = local_date(services.clock.now(), view.listing.time_zone)
    asked = browse_forms.read_month(reader.raw("month"), _typed_day(reader) or today)
    month = browse_calendar.month_span(asked, today)
    span = StayRange(month, browse_calendar.next_month(month))
    nights = availability.calendar(services, listing_id, span)
    grid = browse_calendar.month_grid(month, nights, facts, view.listing.kind, today=today)
    return render(
        request,
        "guest/listing.html.j2",
        status=quoted.status,
        **_listing_context(services, view, facts, reader, quoted.row),
        grid=grid,
        weekdays=browse_calendar.WEEKDAYS,
        month_query=_query(request, drop=("month",)),
        amenity_label=browse_forms.amenity_label,
    )


@router.get("/listings/{listing_id}/quote", response_class=HTMLResponse)
def quote_fragment(
    request: Request, listing_id: uuid.UUID, services: ServicesDep, viewer: MaybeViewer
) -> Response:
    """The price breakdown alone, for ``guest.js`` to swap in as the dates change."""
    view = catalog.get_published_listing(services, listing_id)
    facts = listing_facts(services, listing_id)
    reader = FormReader(request.query_params)
    if browse_forms.has_quote_request(reader):
        quoted = _quote(services, viewer, reader, view, facts)
    else:
        reader.error("check_in", "is required")
        quoted = Quoted(status=422)
    return render(
        request,
        "guest/_quote.html.j2",
        status=quoted.status,
        **_listing_context(services, view, facts, reader, quoted.row),
    )


def _search(services: Services, criteria: browse_forms.SearchCriteria) -> Results:
    if criteria.kind is ListingKind.LEASE:
        return _leases(services, criteria)
    assert criteria.check_in is not None  # read_search names the field otherwise
    request = search.SearchRequest(
        check_in=criteria.check_in, check_out=criteria.check_out, guests=criteria.guests,
        kind=criteria.kind, area=criteria.area, amenities=criteria.amenities,
        currency=criteria.currency if _priced(criteria) else None,
        min_price_minor=criteria.min_price_minor, max_price_minor=criteria.max_price_minor,
        sort=criteria.sort, limit=PAGE_SIZE, offset=criteria.offset,
    )  # fmt: skip
    page = search.search(services, request)
    ids = [hit.listing_id for hit in page.hits]
    views = {view.listing.id: view for view in catalog.published_views(services, ids)}
    totals = quotes.guest_totals(services, ids, page.window, guests=criteria.guests, units=1)
    items = [
        Result(views[hit.listing_id], totals.get(hit.listing_id), hit.stay_price)
        for hit in page.hits
        if hit.listing_id in views
    ]
    nights = page.window.nights if criteria.kind is ListingKind.STAY else None
    return Results(items, page.total, nights)


def _leases(services: Services, criteria: browse_forms.SearchCriteria) -> Results:
    """Leases have no dates to search: the published ones for the area and party."""
    filters = ListingFilters(kind=ListingKind.LEASE, area=criteria.area, min_guests=criteria.guests)
    page = catalog.list_published_listings(
        services, filters, limit=PAGE_SIZE, offset=criteria.offset
    )
    return Results([Result(view, None, None) for view in page.items], page.total, None)


def _priced(criteria: browse_forms.SearchCriteria) -> bool:
    return criteria.min_price_minor is not None or criteria.max_price_minor is not None


@dataclass(frozen=True, slots=True)
class Quoted:
    row: QuoteRow | None = None
    status: int = 200  # 422 for a field to correct, 409 when the stay cannot be had


def _quote(
    services: Services,
    viewer: Viewer | None,
    reader: FormReader,
    view: ListingView,
    facts: ListingFacts,
) -> Quoted:
    """The quote for the dates asked, priced as ``POST /api/v1/quotes`` prices it but not
    stored, or the refusal beside its field, or above the form when no field is to blame."""
    listing = view.listing
    if listing.kind is ListingKind.LEASE or not browse_forms.has_quote_request(reader):
        return Quoted()
    request = browse_forms.read_quote(
        reader, listing.id, listing.kind, price_on_request=facts.quote_only
    )
    if request is None:
        return Quoted(status=422)
    actor = viewer.actor if viewer is not None else None
    try:
        return Quoted(quotes.preview_quote(services, actor, request))
    except Unavailable as error:
        reader.error(FORM_ERROR, f"Not available for these dates: {error.message}.")
        return Quoted(status=api.status_for(error))
    except DomainError as error:
        reader.absorb(error, aliases=QUOTE_ALIASES)
        return Quoted(status=api.status_for(error))


def _listing_context(
    services: Services,
    view: ListingView,
    facts: ListingFacts,
    reader: FormReader,
    quote: QuoteRow | None,
) -> dict[str, Any]:
    listing = view.listing
    day = _typed_day(reader)
    slots = []
    if listing.kind is ListingKind.EXPERIENCE and day is not None:
        slots = availability.list_slots(services, listing.id, StayRange.of_night(day))
    return {
        "listing": listing,
        "photos": view.photos,
        "unit_count": view.unit_count,
        "facts": facts,
        "quote": quote,
        "slots": slots,
        "form": reader.values,
        "errors": reader.errors,
        "book_url": _book_url(listing.id, quote),
        "book_label": _book_label(facts, quote),
        "on_request": quote is not None and quotes.is_on_request(quote.lines),
        "refund_deadlines": _refund_deadlines(quote),
        **_suggested(local_date(services.clock.now(), listing.time_zone)),
    }


def _refund_deadlines(quote: QuoteRow | None) -> list[tuple[datetime, Decimal]]:
    """The quote's stored cancellation deadlines, as instants and percentages to print."""
    if quote is None:
        return []
    stored = quote.cancellation_policy.get("deadlines")
    if not isinstance(stored, list):
        return []
    return [
        (datetime.fromisoformat(str(d["until"])), Decimal(str(d["refund_percent"]))) for d in stored
    ]


def _book_url(listing_id: uuid.UUID, quote: QuoteRow | None) -> str | None:
    """Where the booking page (``/listings/{id}/book``) takes over, with the quoted stay."""
    if quote is None:
        return None
    params = {
        "check_in": quote.check_in.isoformat(),
        "check_out": quote.check_out.isoformat(),
        "guests": str(quote.guests),
    }
    if quote.slot_id is not None:
        params["slot_id"] = str(quote.slot_id)
    return f"/listings/{listing_id}/book?{urlencode(params)}"


def _book_label(facts: ListingFacts, quote: QuoteRow | None) -> str:
    on_request = quote is not None and quotes.is_on_request(quote.lines)
    return (
        "Book"
        if facts.instant_book and not facts.quote_only and not on_request
        else ("Request to book")
    )


def _typed_day(reader: FormReader) -> date | None:
    """The check-in typed in the query, if it is a date (for the calendar and sessions)."""
    try:
        return date.fromisoformat(reader.raw("check_in"))
    except ValueError:
        return None


def _form_context(
    choices: CatalogChoices, today: date, *, selected: set[str] | None = None
) -> dict[str, Any]:
    return {
        "choices": choices,
        "kind_options": [(k.value, browse_forms.KIND_LABELS[k]) for k in choices.kinds],
        "currency_options": [(c, c) for c in choices.currencies],
        "sort_options": browse_forms.SORTS,
        "amenities": sorted(AMENITIES),
        "amenity_label": browse_forms.amenity_label,
        "selected_amenities": selected or set(),
        "today": today,
        **_suggested(today),
    }


def _suggested(today: date) -> dict[str, str]:
    check_in = today + SUGGESTED_LEAD
    return {
        "suggested_check_in": check_in.isoformat(),
        "suggested_check_out": (check_in + SUGGESTED_STAY).isoformat(),
    }


def _listing_query(criteria: browse_forms.SearchCriteria) -> str:
    """The dates and party carried from a result to its listing page, for its quote."""
    params: dict[str, str] = {"guests": str(criteria.guests)}
    if criteria.check_in is not None:
        params["check_in"] = criteria.check_in.isoformat()
    if criteria.check_out is not None:
        params["check_out"] = criteria.check_out.isoformat()
    return urlencode(params)


def _query(request: Request, *, drop: tuple[str, ...]) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in drop])


def _today(services: Services) -> date:
    return local_date(services.clock.now(), SEARCH_ZONE)
