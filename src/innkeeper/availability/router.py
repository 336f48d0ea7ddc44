"""Availability API: hosts edit rules and block or open date ranges; anyone reads a
published listing's calendar."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from innkeeper.availability import service
from innkeeper.availability.domain import AvailabilityRules, StayLimits
from innkeeper.availability.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    NightOut,
    SpanIn,
    SpanOut,
    StayLimitIn,
)
from innkeeper.core.dates import StayRange
from innkeeper.deps import OptionalActor, ServicesDep

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
