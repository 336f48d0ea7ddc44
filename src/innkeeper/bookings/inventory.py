"""A booking's inventory, through ``availability.allocation``: take it, swap it, give it back,
and decline the requests a new allocation has made impossible.

Lock order, which every booking transaction keeps so none can deadlock another:
listing lock (transitions that allocate) -> unit locks -> booking rows -> capacity
counters -> search index row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text
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


def lock_waiting_requests(session: Session, booking: Booking) -> list[Booking]:
    """Other requests and offers on the listing whose dates touch this booking's, locked (in
    id order) before any counter is touched: the candidates for ``decline_conflicts``."""
    query = (
        select(Booking)
        .where(
            Booking.listing_id == booking.listing_id,
            Booking.id != booking.id,
            Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.COUNTER_OFFERED]),
            Booking.check_in < booking.check_out,
            Booking.check_out > booking.check_in,
        )
        .order_by(Booking.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def still_fits(session: Session, booking: Booking, listing: Listing) -> bool:
    """Whether a waiting request could still be accepted with what is left."""
    if listing.kind is ListingKind.EXPERIENCE:
        return places_left(session, booking, listing) >= booking.guests
    turnover = turnover_days(session, listing.id)
    fitted = allocation.fit(session, listing.id, stay_of(booking), turnover=turnover)
    return not allocation.problems(fitted, units=booking.units, turnover=turnover)


def places_left(session: Session, booking: Booking, listing: Listing) -> int:
    if booking.slot_id is not None:
        slot = session.get(TimeSlot, booking.slot_id, populate_existing=True)
        return 0 if slot is None else slot.capacity - slot.booked
    supply = day_supply(session, listing.id, listing.capacity or 0, stay_of(booking))
    return supply[booking.check_in]


def holds_inventory(session: Session, booking_id: uuid.UUID) -> bool:
    """Whether the booking has claims (for invariant checks and tests)."""
    units = session.scalar(select(Allocation.id).where(Allocation.booking_id == booking_id))
    places = session.scalar(
        select(PlaceAllocation.id).where(PlaceAllocation.booking_id == booking_id)
    )
    return units is not None or places is not None


__all__ = ["Unavailable"]
