"""Loading a listing's availability rules as the pure ``AvailabilityRules`` value, and
editing date spans (blocks and open dates) in bulk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import Update, delete, func, select, update
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from innkeeper.availability.domain import AvailabilityRules, Block, StayLimits
from innkeeper.availability.models import (
    AvailabilitySettings,
    CalendarSpan,
    DayCapacity,
    StayLimit,
    TimeSlot,
)
from innkeeper.core.dates import StayRange
from innkeeper.core.errors import Conflict


def load_rules(
    session: Session, listing_id: uuid.UUID, *, max_guests: int | None
) -> AvailabilityRules:
    settings = session.get(AvailabilitySettings, listing_id)
    spans = list(
        session.scalars(
            select(CalendarSpan)
            .where(CalendarSpan.listing_id == listing_id)
            .order_by(CalendarSpan.start_date)
        )
    )
    limits = session.scalars(
        select(StayLimit).where(StayLimit.listing_id == listing_id).order_by(StayLimit.start_date)
    )
    seasonal = tuple(
        StayLimits(StayRange(x.start_date, x.end_date), x.min_nights, x.max_nights) for x in limits
    )
    blocks = tuple(
        Block(StayRange(s.start_date, s.end_date), s.note) for s in spans if s.kind == "blocked"
    )
    if settings is None:
        return AvailabilityRules(blocks=blocks, seasonal_limits=seasonal, max_guests=max_guests)
    open_spans = tuple(StayRange(s.start_date, s.end_date) for s in spans if s.kind == "open")
    return AvailabilityRules(
        bookable=settings.bookable,
        blocks=blocks,
        open_spans=open_spans if settings.open_dates_only else None,
        closed_weekdays=frozenset(settings.closed_weekdays),
        closed_yearly=frozenset(_month_day(text) for text in settings.closed_yearly),
        check_in_weekdays=_optional_set(settings.check_in_weekdays),
        check_out_weekdays=_optional_set(settings.check_out_weekdays),
        min_nights=settings.min_nights,
        max_nights=settings.max_nights,
        seasonal_limits=seasonal,
        advance_days=settings.advance_days,
        min_notice_days=settings.min_notice_days,
        turnover_days=settings.turnover_days,
        max_guests=max_guests,
        instant_book=settings.instant_book,
        response_hours=settings.response_hours,
    )


def _optional_set(values: list[int] | None) -> frozenset[int] | None:
    return None if values is None else frozenset(values)


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def add_span(
    session: Session, listing_id: uuid.UUID, kind: str, span: StayRange, note: str
) -> None:
    """Mark ``span`` as ``kind``: overlapping and touching spans of that kind merge into one."""
    touching = list(
        session.scalars(
            select(CalendarSpan).where(
                CalendarSpan.listing_id == listing_id,
                CalendarSpan.kind == kind,
                CalendarSpan.start_date <= span.check_out,
                CalendarSpan.end_date >= span.check_in,
            )
        )
    )
    start = min([span.check_in, *(s.start_date for s in touching)])
    end = max([span.check_out, *(s.end_date for s in touching)])
    notes = [note, *(s.note for s in touching if s.note and s.note != note)]
    for old in touching:
        session.delete(old)
    session.add(
        CalendarSpan(
            listing_id=listing_id,
            kind=kind,
            start_date=start,
            end_date=end,
            note="; ".join(n for n in notes if n)[:200],
        )
    )


def remove_span(session: Session, listing_id: uuid.UUID, kind: str, span: StayRange) -> None:
    """Clear ``span`` from spans of ``kind``, trimming or splitting the ones it cuts."""
    cut = list(
        session.scalars(
            select(CalendarSpan).where(
                CalendarSpan.listing_id == listing_id,
                CalendarSpan.kind == kind,
                CalendarSpan.start_date < span.check_out,
                CalendarSpan.end_date > span.check_in,
            )
        )
    )
    for old in cut:
        pieces = [(old.start_date, span.check_in), (span.check_out, old.end_date)]
        for start, end in pieces:
            if start < end:
                session.add(
                    CalendarSpan(
                        listing_id=listing_id,
                        kind=kind,
                        start_date=start,
                        end_date=end,
                        note=old.note,
                    )
                )
        session.delete(old)


def spans_between(
    session: Session, listing_id: uuid.UUID, start: date, end: date
) -> list[CalendarSpan]:
    return list(
        session.scalars(
            select(CalendarSpan)
            .where(
                CalendarSpan.listing_id == listing_id,
                CalendarSpan.start_date < end,
                CalendarSpan.end_date > start,
            )
            .order_by(CalendarSpan.start_date)
        )
    )


def replace_stay_limits(
    session: Session, listing_id: uuid.UUID, limits: tuple[StayLimits, ...]
) -> None:
    session.execute(delete(StayLimit).where(StayLimit.listing_id == listing_id))
    for limit in limits:
        session.add(
            StayLimit(
                listing_id=listing_id,
                start_date=limit.span.check_in,
                end_date=limit.span.check_out,
                min_nights=limit.min_nights,
                max_nights=limit.max_nights,
            )
        )


def set_day_capacity(
    session: Session,
    listing_id: uuid.UUID,
    days: list[date],
    capacity: int | None,
    *,
    default: int,
) -> None:
    """Override (or, with None, restore to the listing's ``default``) the capacity of
    ``days``. Places already booked stay booked; a capacity below them is refused."""
    if capacity is None:
        in_days = (DayCapacity.listing_id == listing_id, DayCapacity.day.in_(days))
        session.execute(delete(DayCapacity).where(*in_days, DayCapacity.booked == 0))
        values = {"capacity": default, "inherited": True}
        statement: Update | Insert = update(DayCapacity).where(*in_days).values(**values)
    else:
        rows = [
            {"listing_id": listing_id, "day": day, "capacity": capacity, "booked": 0,
             "inherited": False}
            for day in days
        ]  # fmt: skip
        if not rows:
            return
        upsert = insert(DayCapacity).values(rows)
        statement = upsert.on_conflict_do_update(
            index_elements=["listing_id", "day"],
            set_={"capacity": upsert.excluded.capacity, "inherited": False},
        )
    try:
        with session.begin_nested():
            session.execute(statement)
    except IntegrityError as exc:
        if "not_oversold" in str(exc.orig):
            raise SlotOversold("a day would have less capacity than it has bookings") from None
        raise


@dataclass(frozen=True, slots=True)
class SlotTimes:
    starts_at: time
    ends_at: time
    capacity: int


class SlotOversold(Conflict):
    code = "slot_oversold"


def upsert_slots(
    session: Session, listing_id: uuid.UUID, days: list[date], times: list[SlotTimes]
) -> None:
    """Create each day's slots, or update the end and capacity of existing ones. A capacity
    below what is already booked is refused by the ``not_oversold`` CHECK."""
    rows = [
        {"id": uuid.uuid4(), "listing_id": listing_id, "day": day, "starts_at": t.starts_at,
         "ends_at": t.ends_at, "capacity": t.capacity, "booked": 0}
        for day in days for t in times
    ]  # fmt: skip
    if not rows:
        return
    statement = insert(TimeSlot).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["listing_id", "day", "starts_at"],
        set_={"ends_at": statement.excluded.ends_at, "capacity": statement.excluded.capacity},
    )
    try:
        with session.begin_nested():
            session.execute(statement)
    except IntegrityError as exc:
        if "not_oversold" in str(exc.orig):
            raise SlotOversold("a slot would have less capacity than it has bookings") from None
        raise


def clear_slots(session: Session, listing_id: uuid.UUID, span: StayRange) -> None:
    in_span = (
        TimeSlot.listing_id == listing_id,
        TimeSlot.day >= span.check_in,
        TimeSlot.day < span.check_out,
    )
    if session.scalar(select(func.count()).where(*in_span, TimeSlot.booked > 0)):
        raise SlotOversold("slots with bookings cannot be removed; cancel the bookings first")
    try:
        with session.begin_nested():
            session.execute(delete(TimeSlot).where(*in_span))
    except IntegrityError:  # quotes, past bookings or viewing requests still name a slot
        raise SlotOversold(
            "these sessions have quotes, bookings or viewing requests; "
            "set their capacity to 0 instead"
        ) from None


def slots_between(session: Session, listing_id: uuid.UUID, span: StayRange) -> list[TimeSlot]:
    query = (
        select(TimeSlot)
        .where(
            TimeSlot.listing_id == listing_id,
            TimeSlot.day >= span.check_in,
            TimeSlot.day < span.check_out,
        )
        .order_by(TimeSlot.day, TimeSlot.starts_at)
    )
    return list(session.scalars(query))


def day_supply(
    session: Session, listing_id: uuid.UUID, default: int, span: StayRange
) -> dict[date, int]:
    """Places a party can still have each day: the best slot's remaining places on days with
    slots, else the day's capacity override, else the listing's capacity."""
    overrides = {
        row.day: (default if row.inherited else row.capacity) - row.booked
        for row in session.scalars(
            select(DayCapacity).where(
                DayCapacity.listing_id == listing_id,
                DayCapacity.day >= span.check_in,
                DayCapacity.day < span.check_out,
            )
        )
    }
    best: dict[date, int] = {}
    for slot in slots_between(session, listing_id, span):
        best[slot.day] = max(best.get(slot.day, 0), slot.capacity - slot.booked)
    return {day: best.get(day, overrides.get(day, default)) for day in span.each_night()}
