"""The engine's own transitions: every waiting state ends at its deadline, and bookings
whose dates are over complete. Run by periodic jobs; each booking in its own short
transaction, so one failure never holds back the rest and locks stay brief.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from sqlalchemy import select, text

from innkeeper.bookings import service, viewings
from innkeeper.bookings.domain import WAITING, BookingStatus, Event
from innkeeper.bookings.models import Booking
from innkeeper.bookings.service import Step
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Conflict, DomainError
from innkeeper.db.uow import UnitOfWork
from innkeeper.services import Services

_log = logging.getLogger(__name__)
BATCH = 200


class NotDue(Conflict):
    """The deadline moved (a modification restarted a hold) while the job waited."""

    code = "not_due"


def expire_due(svc: Services) -> int:
    """Expire every booking and viewing whose deadline has passed; returns how many. Loops
    until none is left, so after one run no waiting state outlives its deadline."""
    expired = _drain(svc, _due_bookings, _expire_one)
    return expired + viewings.expire_due(svc)


def complete_due(svc: Services) -> int:
    """Complete confirmed and checked-in bookings whose last day is over, in the listing's
    own time zone."""
    return _drain(svc, _finished_bookings, _complete_one)


def _drain(
    svc: Services,
    find: Callable[[UnitOfWork, Services, set[uuid.UUID]], list[uuid.UUID]],
    handle: Callable[[Services, uuid.UUID], bool],
) -> int:
    done, failed = 0, set[uuid.UUID]()
    while True:
        with svc.uow() as uow:
            ids = find(uow, svc, failed)
        if not ids:
            return done
        for booking_id in ids:
            if handle(svc, booking_id):
                done += 1
            else:
                failed.add(booking_id)


def _due_bookings(uow: UnitOfWork, svc: Services, skip: set[uuid.UUID]) -> list[uuid.UUID]:
    query = (
        select(Booking.id)
        .where(Booking.deadline_at <= svc.clock.now(), Booking.status.in_(list(WAITING)))
        .where(Booking.id.not_in(skip))
        .order_by(Booking.deadline_at)
        .limit(BATCH)
    )
    return list(uow.session.scalars(query))


def _finished_bookings(uow: UnitOfWork, svc: Services, skip: set[uuid.UUID]) -> list[uuid.UUID]:
    query = (
        select(Booking.id)
        .join(Listing, Listing.id == Booking.listing_id)
        .where(
            Booking.id.not_in(skip),
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN]),
            Booking.check_out
            <= text("(CAST(:now AS timestamptz) AT TIME ZONE listing.time_zone)::date"),
        )
        .order_by(Booking.check_out)
        .limit(BATCH)
        .params(now=svc.clock.now())
    )
    return list(uow.session.scalars(query))


def _expire_one(svc: Services, booking_id: uuid.UUID) -> bool:
    def still_due(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
        if booking.deadline_at is None or booking.deadline_at > step.now:
            raise NotDue("the deadline moved")

    return _attempt(svc, booking_id, _end_of_wait(svc, booking_id), still_due)


def _end_of_wait(svc: Services, booking_id: uuid.UUID) -> Event:
    """How a wait ends at its deadline. A failed balance of a booking that was confirmed
    (``payment_action_required`` after ``confirmed``) is kept, unpaid, when the marketplace's
    ``payment_failure_policy`` is "keep"; everything else expires."""
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
    if (
        booking is not None
        and booking.status is BookingStatus.PAYMENT_ACTION_REQUIRED
        and booking.confirmed_at is not None
        and svc.settings.payment_failure_policy == "keep"
    ):
        return Event.WAIVE_PAYMENT
    return Event.EXPIRE


def _complete_one(svc: Services, booking_id: uuid.UUID) -> bool:
    return _attempt(svc, booking_id, Event.COMPLETE, None)


def _attempt(
    svc: Services, booking_id: uuid.UUID, event: Event, prepare: service.Prepare | None
) -> bool:
    try:
        service.system_transition(svc, booking_id, event, prepare=prepare)
    except DomainError as exc:  # answered, paid or moved on meanwhile: nothing to do
        _log.info("booking %s not %sd: %s", booking_id, event, exc)
        return False
    return True
