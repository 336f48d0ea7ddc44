"""The search index (``listing_calendar``): rebuilt inside the transaction of every change
that moves a listing's availability or price, so search never disagrees with a quote by
more than the rules that are judged per stay at query time (notice, advance window)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import Range, insert
from sqlalchemy.orm import Session

from innkeeper.availability.allocation import occupied_per_night
from innkeeper.availability.domain import night_is_open, stay_limits
from innkeeper.availability.models import ListingCalendar
from innkeeper.availability.repository import day_supply, load_rules
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing, ListingUnit
from innkeeper.core.dates import StayRange, local_date
from innkeeper.pricing.domain import nightly_rate
from innkeeper.pricing.repository import load_terms

EXTRA_NIGHTS = 60  # beyond the advance window, so late arrivals can still stay a while
MAX_NIGHTS = 800


def reindex(session: Session, listing_id: uuid.UUID, *, now: datetime) -> None:
    """Rebuild one listing's row; drop it when the listing is not on the market."""
    listing = session.get(Listing, listing_id)
    if (
        listing is None
        or listing.status is not ListingStatus.PUBLISHED
        or listing.kind is ListingKind.LEASE
    ):
        session.execute(delete(ListingCalendar).where(ListingCalendar.listing_id == listing_id))
        return
    rules = load_rules(session, listing.id, max_guests=None)
    plan = load_terms(session, listing).plan
    today = local_date(now, listing.time_zone)
    horizon = min(rules.advance_days + EXTRA_NIGHTS, MAX_NIGHTS)
    nights = [today + timedelta(days=offset) for offset in range(horizon)]
    opened = [night_is_open(rules, night) for night in nights]
    free = _free(session, listing, nights, opened)
    opened = [is_open and places > 0 for is_open, places in zip(opened, free, strict=True)]
    limits = [stay_limits(rules, night) for night in nights]
    rates = [nightly_rate(plan, night).amount.minor for night in nights]
    values = {
        "listing_id": listing.id,
        "start_date": today,
        "nights": horizon,
        "open_nights": _ranges(nights, opened),
        "rate_minor": rates,
        "free": [places if is_open else 0 for places, is_open in zip(free, opened, strict=True)],
        "min_stay": [low for low, _ in limits],
        "max_stay": [high or 0 for _, high in limits],
        "check_in_days": _days(rules.check_in_weekdays),
        "check_out_days": _days(rules.check_out_weekdays),
        "min_notice_days": rules.min_notice_days,
        "advance_days": rules.advance_days,
        "basis": plan.basis.value,
        "cleaning_minor": plan.cleaning_minor,
        "built_at": now,
    }
    upsert = insert(ListingCalendar).values(**values)
    session.execute(upsert.on_conflict_do_update(index_elements=["listing_id"], set_=values))


def needing_rebuild(session: Session, *, now: datetime) -> list[uuid.UUID]:
    """Listings on the market with no index row, or one that starts before their today."""
    query = text(
        """
        SELECT l.id FROM listing l LEFT JOIN listing_calendar c ON c.listing_id = l.id
        WHERE l.status = 'published' AND l.kind <> 'lease'
          AND (c.listing_id IS NULL
               OR c.start_date < (CAST(:now AS timestamptz) AT TIME ZONE l.time_zone)::date)
        """
    )
    return list(session.scalars(query, {"now": now}))


def _free(session: Session, listing: Listing, nights: list[date], opened: list[bool]) -> list[int]:
    """What each night can still sell: active units not held by a booking for a stay (its
    cleaning days count as held); for an experience, the
    best slot's remaining places, or the day's capacity, or the listing's."""
    if listing.kind is ListingKind.EXPERIENCE:
        span = StayRange(nights[0], nights[-1] + timedelta(days=1))
        by_day = day_supply(session, listing.id, listing.capacity or 0, span)
        return [by_day[night] for night in nights]
    query = select(func.count()).where(
        ListingUnit.listing_id == listing.id, ListingUnit.is_active.is_(True)
    )
    units = session.scalar(query) or 0
    held = occupied_per_night(session, listing.id, nights)
    return [max(units - held.get(night, 0), 0) for night in nights]


def _ranges(nights: list[date], opened: list[bool]) -> list[Range[date]]:
    """Consecutive open nights merged into half-open date ranges."""
    ranges: list[Range[date]] = []
    start: date | None = None
    for night, is_open in zip([*nights, None], [*opened, False], strict=True):
        if is_open and start is None:
            start = night
        elif not is_open and start is not None:
            end = night if night is not None else nights[-1] + timedelta(days=1)
            ranges.append(Range(start, end, bounds="[)"))
            start = None
    return ranges


def _days(days: frozenset[int] | None) -> list[int] | None:
    return None if days is None else sorted(days)
