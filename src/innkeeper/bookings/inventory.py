"""A booking's inventory, through ``availability.allocation``: take it, swap it, give it back,
and decline the requests a new allocation has made impossible.

Lock order, which every booking transaction keeps so none can deadlock another:
listing lock (transitions that allocate) -> unit locks -> booking rows -> capacity
counters -> search index row.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from innkeeper.availability import allocation
from innkeeper.availability import index as search_index
from innkeeper.availability.allocation import Unavailable, lock_key
from innkeeper.availability.models import (
    Allocation,
    AvailabilitySettings,
    PlaceAllocation,
    TimeSlot,
)
from innkeeper.availability.repository import day_supply
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.catalog.domain import ListingKind
from innkeeper.catalog.models import Listing
from innkeeper.core.dates import StayRange


def lock_listing(session: Session, listing_id: uuid.UUID) -> None:
    """Serialize the transitions that allocate on one listing (book, accept, modify): an
    accept must see every request it may decline, and nobody else may take them first."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(listing_id)})
    allocation.lock_units(session, allocation.active_units(session, listing_id))


def stay_of(booking: Booking) -> StayRange:
    return StayRange(booking.check_in, booking.check_out)


def turnover_days(session: Session, listing_id: uuid.UUID) -> int:
    settings = session.get(AvailabilitySettings, listing_id)
    return settings.turnover_days if settings is not None else 0


def allocate(session: Session, booking: Booking, listing: Listing, *, replacing: bool) -> None:
    """Take the booking's inventory (or, ``replacing``, swap its old inventory for the new
    dates). Raises ``Unavailable``; the caller's rollback keeps the old allocation."""
    if listing.kind is ListingKind.EXPERIENCE:
        if replacing:
            allocation.release(session, booking.id)
        allocation.allocate_places(
            session,
            booking.id,
            listing.id,
            booking.check_in,
            slot_id=booking.slot_id,
            places=booking.guests,
            default_capacity=listing.capacity or 0,
        )
        return
    allocation.allocate_units(
        session,
        booking.id,
        listing.id,
        stay_of(booking),
        units=booking.units,
        turnover=turnover_days(session, listing.id),
        replacing=replacing,
    )


def release(session: Session, booking: Booking) -> None:
    allocation.release(session, booking.id)


def reindex(session: Session, listing_id: uuid.UUID, *, now: datetime) -> None:
    """The search index row is the last lock a booking transaction takes."""
    search_index.reindex(session, listing_id, now=now)


def waiting_terms(booking: Booking) -> tuple[StayRange, int, int, uuid.UUID | None]:
    """What accepting a waiting booking would allocate: (stay, units, guests, session) of
    its request, or of the host's offer when there is one."""
    offer = booking.offer if booking.status is BookingStatus.COUNTER_OFFERED else None
    if not offer:
        return stay_of(booking), booking.units, booking.guests, booking.slot_id
    slot = offer.get("slot_id")
    stay = StayRange(
        date.fromisoformat(str(offer["check_in"])), date.fromisoformat(str(offer["check_out"]))
    )
    session_id = None if slot is None else uuid.UUID(str(slot))
    return stay, int(str(offer["units"])), int(str(offer["guests"])), session_id


def lock_waiting_requests(session: Session, booking: Booking) -> list[Booking]:
    """Other requests and offers on the listing whose dates (an offer's own dates, and the
    turnover days around this booking) touch this booking's, locked in id order before any
    counter is touched: the candidates for ``decline_conflicts``."""
    turnover = timedelta(days=turnover_days(session, booking.listing_id))
    start, end = booking.check_in - turnover, booking.check_out + turnover
    query = (
        select(Booking)
        .where(
            Booking.listing_id == booking.listing_id,
            Booking.id != booking.id,
            or_(
                and_(
                    Booking.status == BookingStatus.REQUESTED,
                    Booking.check_in < end,
                    Booking.check_out > start,
                ),
                Booking.status == BookingStatus.COUNTER_OFFERED,  # judged by its offer below
            ),
        )
        .order_by(Booking.id)
        .with_for_update()
    )
    candidates = []
    for other in session.scalars(query):
        stay = waiting_terms(other)[0]
        if stay.check_in < end and stay.check_out > start:
            candidates.append(other)
    return candidates


def still_fits(session: Session, booking: Booking, listing: Listing) -> bool:
    """Whether a waiting request (or its offer) could still be accepted with what is left."""
    stay, units, guests, slot_id = waiting_terms(booking)
    if listing.kind is ListingKind.EXPERIENCE:
        return places_left(session, listing, stay, slot_id) >= guests
    turnover = turnover_days(session, listing.id)
    fitted = allocation.fit(session, listing.id, stay, turnover=turnover)
    return not allocation.problems(fitted, units=units, turnover=turnover)


def places_left(
    session: Session, listing: Listing, stay: StayRange, slot_id: uuid.UUID | None
) -> int:
    if slot_id is not None:
        slot = session.get(TimeSlot, slot_id, populate_existing=True)
        return 0 if slot is None else slot.capacity - slot.booked
    supply = day_supply(session, listing.id, listing.capacity or 0, stay)
    return supply[stay.check_in]


def holds_inventory(session: Session, booking_id: uuid.UUID) -> bool:
    """Whether the booking has claims (for invariant checks and tests)."""
    units = session.scalar(select(Allocation.id).where(Allocation.booking_id == booking_id))
    places = session.scalar(
        select(PlaceAllocation.id).where(PlaceAllocation.booking_id == booking_id)
    )
    return units is not None or places is not None


__all__ = ["Unavailable"]
