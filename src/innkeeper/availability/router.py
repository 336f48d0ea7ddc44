"""Availability API: hosts edit rules and block or open date ranges; anyone reads a
published listing's calendar."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, status

from innkeeper.availability import search, service
from innkeeper.availability.domain import AvailabilityRules, StayLimits
from innkeeper.availability.repository import SlotTimes
from innkeeper.availability.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    CapacityIn,
    NightOut,
    RangeIn,
    SearchHitOut,
    SearchPageOut,
    SlotOut,
    SlotsIn,
    SpanIn,
    SpanOut,
    StayLimitIn,
)
from innkeeper.availability.search import Near, SearchRequest, SortOrder
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import AMENITIES, ExperienceCategory, ListingKind
from innkeeper.catalog.router import listing_out
from innkeeper.core.dates import StayRange
from innkeeper.core.errors import InvalidInput
from innkeeper.deps import OptionalActor, PagingDep, ServicesDep
from innkeeper.pricing import quotes
from innkeeper.schemas import money_out

router = APIRouter(tags=["availability"])
HOST = "/organizations/{organization_id}/listings/{listing_id}/availability"


@router.get(HOST, response_model=AvailabilityOut)
def get_availability(
    organization_id: uuid.UUID, listing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> AvailabilityOut:
    return availability_out(service.get_rules(services, actor, organization_id, listing_id))


@router.put(HOST, response_model=AvailabilityOut)
def put_availability(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: AvailabilityIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> AvailabilityOut:
    """Replace the rules: bookable, weekdays, yearly dates, stay lengths, notice, turnover."""
    rules = service.put_settings(services, actor, organization_id, listing_id, settings_from(body))
    return availability_out(rules)


@router.post(HOST + "/spans", status_code=status.HTTP_204_NO_CONTENT)
def add_span(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: SpanIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """Block a date range (or open one, for whitelist-only listings); ranges merge."""
    span = StayRange(body.start, body.end)
    service.mark_span(
        services,
        actor,
        organization_id,
        listing_id,
        kind=body.kind,
        span=span,
        add=True,
        note=body.note,
    )


@router.post(HOST + "/spans/clear", status_code=status.HTTP_204_NO_CONTENT)
def clear_span(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: SpanIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """Unblock (or close) a date range, trimming or splitting the spans it cuts."""
    span = StayRange(body.start, body.end)
    service.mark_span(
        services, actor, organization_id, listing_id, kind=body.kind, span=span, add=False
    )


@router.get("/listings/{listing_id}/calendar", response_model=list[NightOut])
def listing_calendar(
    listing_id: uuid.UUID,
    services: ServicesDep,
    start: Annotated[date, Query()],
    end: Annotated[date, Query(description="The first night not shown")],
) -> list[NightOut]:
    """Each night: available, or closed with the reasons (blocked, closed weekday, ...)."""
    nights = service.calendar(services, listing_id, StayRange(start, end))
    return [NightOut(night=n.night, available=n.available, reasons=list(n.reasons)) for n in nights]


def settings_from(body: AvailabilityIn) -> service.Settings:
    return service.Settings(
        bookable=body.bookable,
        open_dates_only=body.open_dates_only,
        closed_weekdays=frozenset(body.closed_weekdays),
        closed_yearly=frozenset((int(text[:2]), int(text[3:])) for text in body.closed_yearly),
        check_in_weekdays=None
        if body.check_in_weekdays is None
        else frozenset(body.check_in_weekdays),
        check_out_weekdays=None
        if body.check_out_weekdays is None
        else frozenset(body.check_out_weekdays),
        min_nights=body.min_nights,
        max_nights=body.max_nights,
        advance_days=body.advance_days,
        min_notice_days=body.min_notice_days,
        turnover_days=body.turnover_days,
        instant_book=body.instant_book,
        response_hours=body.response_hours,
        seasonal_limits=tuple(
            StayLimits(StayRange(x.start, x.end), x.min_nights, x.max_nights)
            for x in body.seasonal_limits
        ),
    )


def availability_out(rules: AvailabilityRules) -> AvailabilityOut:
    return AvailabilityOut(
        bookable=rules.bookable,
        open_dates_only=rules.open_spans is not None,
        closed_weekdays=sorted(rules.closed_weekdays),
        closed_yearly=sorted(f"{m:02d}-{d:02d}" for m, d in rules.closed_yearly),
        check_in_weekdays=None
        if rules.check_in_weekdays is None
        else sorted(rules.check_in_weekdays),
        check_out_weekdays=None
        if rules.check_out_weekdays is None
        else sorted(rules.check_out_weekdays),
        min_nights=rules.min_nights,
        max_nights=rules.max_nights,
        advance_days=rules.advance_days,
        min_notice_days=rules.min_notice_days,
        turnover_days=rules.turnover_days,
        instant_book=rules.instant_book,
        response_hours=rules.response_hours,
        seasonal_limits=[
            StayLimitIn(
                start=x.span.check_in,
                end=x.span.check_out,
                min_nights=x.min_nights,
                max_nights=x.max_nights,
            )
            for x in rules.seasonal_limits
        ],
        blocks=[
            SpanOut(start=b.span.check_in, end=b.span.check_out, note=b.note) for b in rules.blocks
        ],
        open_spans=None
        if rules.open_spans is None
        else [SpanOut(start=s.check_in, end=s.check_out, note="") for s in rules.open_spans],
    )


@router.get("/search", response_model=SearchPageOut, tags=["search"])
def search_listings(
    services: ServicesDep,
    paging: PagingDep,
    check_in: Annotated[date, Query(description="Arrival, or an experience's date")],
    check_out: Annotated[date | None, Query(description="Departure (stays)")] = None,
    guests: Annotated[int, Query(ge=1, le=100)] = 1,
    units: Annotated[int, Query(ge=1, le=50)] = 1,
    kind: Annotated[ListingKind, Query()] = ListingKind.STAY,
    category: ExperienceCategory | None = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    latitude: Annotated[Decimal | None, Query(ge=-90, le=90)] = None,
    longitude: Annotated[Decimal | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[Decimal | None, Query(gt=0, le=20_000)] = None,
    amenities: Annotated[list[str] | None, Query(max_length=30)] = None,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    min_price_minor: Annotated[int | None, Query(ge=0)] = None,
    max_price_minor: Annotated[int | None, Query(ge=0)] = None,
    sort: SortOrder = SortOrder.PRICE,
) -> SearchPageOut:
    """Listings open for the whole window and party, filtered and sorted, each with the
    total a quote would charge. Price filters and sorting use the stay price."""
    unknown = sorted(set(amenities or ()) - AMENITIES)
    if unknown:
        raise InvalidInput.for_field("amenities", f"unknown amenities: {', '.join(unknown)}")
    if (latitude is None) != (longitude is None):
        raise InvalidInput.for_field("longitude", "give latitude and longitude together")
    near = None if latitude is None or longitude is None else Near(latitude, longitude, radius_km)
    request = SearchRequest(
        check_in=check_in, check_out=check_out, guests=guests, units=units, kind=kind,
        category=category, city=city, area=area, near=near, amenities=frozenset(amenities or ()),
        currency=currency.upper() if currency else None, min_price_minor=min_price_minor,
        max_price_minor=max_price_minor, sort=sort, limit=paging.limit, offset=paging.offset,
    )  # fmt: skip
    page = search.search(services, request)
    ids = [hit.listing_id for hit in page.hits]
    views = {view.listing.id: view for view in catalog.published_views(services, ids)}
    totals = quotes.guest_totals(services, ids, page.window, guests=guests, units=units)
    items = [
        SearchHitOut(
            listing=listing_out(views[hit.listing_id]),
            stay_price=money_out(hit.stay_price),
            quote_total=money_out(totals[hit.listing_id]) if hit.listing_id in totals else None,
            distance_km=hit.distance_km,
        )
        for hit in page.hits
        if hit.listing_id in views
    ]
    window = page.window
    return SearchPageOut(
        items=items, total=page.total, limit=paging.limit, offset=paging.offset,
        check_in=window.check_in, check_out=window.check_out, nights=window.nights,
    )  # fmt: skip


@router.put(HOST + "/capacity", status_code=status.HTTP_204_NO_CONTENT)
def set_capacity(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: CapacityIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """An experience's capacity for each day of a range (0 closes; null restores)."""
    span = StayRange(body.start, body.end)
    service.set_capacity(services, actor, organization_id, listing_id, span, body.capacity)


@router.post(HOST + "/slots", status_code=status.HTTP_204_NO_CONTENT)
def add_slots(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: SlotsIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """The same sessions on every day of a range (or on some weekdays); re-sending a start
    time resizes that session. A session cannot shrink below its bookings."""
    times = [SlotTimes(t.starts_at, t.ends_at, t.capacity) for t in body.times]
    weekdays = None if body.weekdays is None else frozenset(body.weekdays)
    span = StayRange(body.start, body.end)
    service.add_slots(services, actor, organization_id, listing_id, span, times, weekdays=weekdays)


@router.post(HOST + "/slots/clear", status_code=status.HTTP_204_NO_CONTENT)
def clear_slots(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: RangeIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """Remove the sessions in a range; refused if any of them has bookings."""
    span = StayRange(body.start, body.end)
    service.clear_slots(services, actor, organization_id, listing_id, span)


@router.get("/listings/{listing_id}/slots", response_model=list[SlotOut])
def listing_slots(
    listing_id: uuid.UUID,
    services: ServicesDep,
    start: Annotated[date, Query()],
    end: Annotated[date, Query(description="The first day not shown")],
) -> list[SlotOut]:
    """A published experience's sessions, with the places left in each."""
    slots = service.list_slots(services, listing_id, StayRange(start, end))
    return [
        SlotOut(
            id=s.id,
            day=s.day,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=s.capacity,
            booked=s.booked,
            remaining=s.capacity - s.booked,
        )  # fmt: skip
        for s in slots
    ]
