"""Allocation: the one way any booking takes inventory, and gives it back.

Two kinds of inventory, two mechanisms, both enforced by PostgreSQL:

* **Units** (stays): an ``allocation`` row per unit, under an exclusion constraint that
  refuses two overlapping claims on one unit. Concurrent inserts racing on that constraint
  can deadlock each other, so every writer first takes a transaction-scoped advisory lock
  on each unit of the listing, in ascending key order, then checks and inserts. The lock
  makes the check exact; the constraint stays the backstop for anything that skips it.
* **Places** (experiences, viewings): ``booked`` counters on ``time_slot`` and
  ``day_capacity`` rows, raised with one UPDATE each under ``CHECK (booked <= capacity)``.
  The row lock of the UPDATE serializes writers; the CHECK refuses the oversell.

Lock order, for every transaction that books: unit locks first, then booking rows, then
the search index row last. Keeping that order is what keeps these paths deadlock-free.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, delete, select, text, update
from sqlalchemy.dialects.postgresql import Range, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from innkeeper.availability.domain import Problem, Reason
from innkeeper.availability.models import Allocation, DayCapacity, PlaceAllocation, TimeSlot
from innkeeper.catalog.models import ListingUnit
from innkeeper.core.dates import StayRange
from innkeeper.core.errors import Conflict


class Unavailable(Conflict):
    """The stay cannot be had; ``reasons`` say which dates or rule, not just "no"."""

    code = "unavailable"

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.details = {
            "reasons": [
                {
                    "reason": p.reason.value,
                    "message": p.message,
                    "dates": [d.isoformat() for d in p.dates],
                }
                for p in problems
            ]
        }


def lock_key(unit_id: uuid.UUID) -> int:
    """A unit's advisory-lock key: its id's first 64 bits. A collision only serializes two
    unrelated units for a moment; it can never let two writers into one unit."""
    return int.from_bytes(unit_id.bytes[:8], "big", signed=True)


def lock_units(session: Session, unit_ids: Iterable[uuid.UUID]) -> None:
    """Take every unit's lock, in ascending key order, until the transaction ends."""
    keys = sorted({lock_key(unit_id) for unit_id in unit_ids})
    if keys:
        session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered"
            ),
            {"keys": keys},
        )


def active_units(session: Session, listing_id: uuid.UUID) -> list[uuid.UUID]:
    query = (
        select(ListingUnit.id)
        .where(ListingUnit.listing_id == listing_id, ListingUnit.is_active.is_(True))
        .order_by(ListingUnit.position)
    )
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class Fit:
    """Which units are free for a stay, and what holds the others."""

    free: list[uuid.UUID]
    total: int
    taken_nights: tuple[date, ...]  # nights another stay holds
    turnover_only: bool  # the others are held only by cleaning days around other stays


def fit(
    session: Session,
    listing_id: uuid.UUID,
    stay: StayRange,
    *,
    turnover: int,
    exclude_booking: uuid.UUID | None = None,
) -> Fit:
    """The units free for ``stay`` (keeping ``turnover`` days around every other stay)."""
    units = active_units(session, listing_id)
    blocks = _blocks(stay, turnover)
    query = select(Allocation.unit_id, Allocation.nights).where(
        Allocation.listing_id == listing_id,
        Allocation.blocks.overlaps(blocks),
    )
    if exclude_booking is not None:
        query = query.where(Allocation.booking_id != exclude_booking)
    rows = session.execute(query).all()
    held = {row.unit_id for row in rows}
    spans = [_bounds(row.nights) for row in rows]
    taken = sorted({n for low, high in spans for n in stay.each_night() if low <= n < high})
    free = [unit for unit in units if unit not in held]
    return Fit(free, len(units), tuple(taken), not taken)


def problems(fitted: Fit, *, units: int, turnover: int) -> list[Problem]:
    """Why ``units`` units cannot be had, in the words ``check_stay`` uses."""
    if len(fitted.free) >= units:
        return []
    if fitted.total > 1:
        message = f"{len(fitted.free)} of {fitted.total} units are free for these dates"
        return [Problem(Reason.OCCUPIED, message, fitted.taken_nights)]
    if fitted.turnover_only:
        message = f"{turnover} free day(s) are kept between stays"
        return [Problem(Reason.TURNOVER, message)]
    return [Problem(Reason.OCCUPIED, "already booked on these nights", fitted.taken_nights)]


def allocate_units(
    session: Session,
    booking_id: uuid.UUID,
    listing_id: uuid.UUID,
    stay: StayRange,
    *,
    units: int,
    turnover: int,
    replacing: bool = False,
) -> list[uuid.UUID]:
    """Claim ``units`` units for ``stay`` or raise ``Unavailable``. With ``replacing`` (a
    modification) the booking's current claims are ignored while checking, then swapped for
    the new ones; a failure leaves them untouched, because the caller rolls back."""
    lock_units(session, active_units(session, listing_id))
    exclude = booking_id if replacing else None
    fitted = fit(session, listing_id, stay, turnover=turnover, exclude_booking=exclude)
    found = problems(fitted, units=units, turnover=turnover)
    if found:
        raise Unavailable(found)
    current: list[uuid.UUID] = []
    if replacing:
        current = list(
            session.scalars(select(Allocation.unit_id).where(Allocation.booking_id == booking_id))
        )
        session.execute(delete(Allocation).where(Allocation.booking_id == booking_id))
    chosen = sorted(fitted.free, key=lambda unit: unit not in current)[:units]
    rows = [
        {"id": uuid.uuid4(), "booking_id": booking_id, "listing_id": listing_id,
         "unit_id": unit, "nights": _nights(stay), "blocks": _blocks(stay, turnover)}
        for unit in chosen
    ]  # fmt: skip
    try:
        with session.begin_nested():
            session.execute(insert(Allocation).values(rows))
    except IntegrityError as exc:  # only reachable by a writer that skipped the unit locks
        if "no_double_booking" in str(exc.orig):
            raise Unavailable(
                [Problem(Reason.OCCUPIED, "already booked on these nights")]
            ) from None
        raise
    return chosen


def allocate_places(
    session: Session,
    booking_id: uuid.UUID,
    listing_id: uuid.UUID,
    day: date,
    *,
    slot_id: uuid.UUID | None,
    places: int,
    default_capacity: int,
) -> None:
    """Take ``places`` on a session, or on a day without sessions, or raise ``Unavailable``."""
    seed = None
    if slot_id is not None:
        statement = (
            update(TimeSlot)
            .where(TimeSlot.id == slot_id, TimeSlot.listing_id == listing_id)
            .values(booked=TimeSlot.booked + places)
        )
    else:
        # A day without a row yet gets one that follows the listing's capacity; the places
        # are added by the UPDATE, so the CHECK judges the day's real capacity.
        seed = (
            insert(DayCapacity)
            .values(
                listing_id=listing_id,
                day=day,
                capacity=default_capacity,
                booked=0,
                inherited=True,
            )
            .on_conflict_do_nothing(index_elements=["listing_id", "day"])
        )
        statement = (
            update(DayCapacity)
            .where(DayCapacity.listing_id == listing_id, DayCapacity.day == day)
            .values(
                booked=DayCapacity.booked + places,
                capacity=case(
                    (DayCapacity.inherited, default_capacity), else_=DayCapacity.capacity
                ),
            )
        )
    try:
        with session.begin_nested():
            if seed is not None:
                session.execute(seed)
            result = session.execute(statement)
    except IntegrityError as exc:
        if "not_oversold" in str(exc.orig):
            message = f"fewer than {places} places left"
            raise Unavailable([Problem(Reason.SOLD_OUT, message, (day,))]) from None
        raise
    if slot_id is not None and getattr(result, "rowcount", 1) != 1:
        raise Unavailable([Problem(Reason.SOLD_OUT, "that session no longer exists", (day,))])
    session.add(
        PlaceAllocation(
            booking_id=booking_id, listing_id=listing_id, day=day, slot_id=slot_id, places=places
        )
    )


def release(session: Session, booking_id: uuid.UUID) -> None:
    """Give back everything ``booking_id`` holds: unit claims and places."""
    session.execute(delete(Allocation).where(Allocation.booking_id == booking_id))
    claims = session.scalars(
        delete(PlaceAllocation)
        .where(PlaceAllocation.booking_id == booking_id)
        .returning(PlaceAllocation)
    ).all()
    for claim in sorted(claims, key=lambda c: (str(c.slot_id), c.day)):
        if claim.slot_id is not None:
            session.execute(
                update(TimeSlot)
                .where(TimeSlot.id == claim.slot_id)
                .values(booked=TimeSlot.booked - claim.places)
            )
        else:
            session.execute(
                update(DayCapacity)
                .where(DayCapacity.listing_id == claim.listing_id, DayCapacity.day == claim.day)
                .values(booked=DayCapacity.booked - claim.places)
            )


def occupied_per_night(
    session: Session, listing_id: uuid.UUID, nights: Sequence[date]
) -> dict[date, int]:
    """How many units are held (stays and their cleaning days) each of ``nights``."""
    if not nights:
        return {}
    span = Range(nights[0], nights[-1] + timedelta(days=1), bounds="[)")
    rows = session.execute(
        select(Allocation.blocks).where(
            Allocation.listing_id == listing_id, Allocation.blocks.overlaps(span)
        )
    ).all()
    held: dict[date, int] = {}
    for (blocks,) in rows:
        lower, upper = _bounds(blocks)
        night = max(lower, nights[0])
        while night < upper and night <= nights[-1]:
            held[night] = held.get(night, 0) + 1
            night += timedelta(days=1)
    return held


def _nights(stay: StayRange) -> Range[date]:
    return Range(stay.check_in, stay.check_out, bounds="[)")


def _blocks(stay: StayRange, turnover: int) -> Range[date]:
    """The nights a stay keeps from others: its own and the cleaning days after it. Claims on
    both sides carry their own tail, so two stays are always ``turnover`` days apart."""
    return Range(stay.check_in, stay.check_out + timedelta(days=turnover), bounds="[)")


def _bounds(span: Range[date]) -> tuple[date, date]:
    """A stored ``[)`` date range's ends (never empty or unbounded: CHECKs see to it)."""
    if span.lower is None or span.upper is None:
        raise ValueError(f"unbounded date range {span}")
    return span.lower, span.upper
