"""Reminders a booking earns with time: an answer due soon, an arrival tomorrow, a
departure in the morning. A periodic job calls ``send_due``; each reminder's idempotency
key names what it is about (the deadline, the arrival date), so running the job every ten
minutes tells each person once, and a moved deadline or date earns a new reminder.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from innkeeper.bookings import notices
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.catalog.domain import ListingKind
from innkeeper.catalog.models import Listing
from innkeeper.services import Services

_S = BookingStatus
ANSWER_DUE = {
    _S.REQUESTED: "host.request_expiring",
    _S.COUNTER_OFFERED: "booking.expiring",
    _S.PENDING_PAYMENT: "booking.expiring",
}
STAYING = (_S.CONFIRMED, _S.CHECKED_IN)
CHECK_OUT_FROM = time(18, 0)  # the evening before departure, local time
NOON = time(12, 0)
# what a booking is due, if anything: (template, idempotency key)
_Reminder = Callable[[Booking, Listing, datetime], tuple[str, str] | None]


def send_due(svc: Services) -> int:
    """Queue every reminder that is due now; returns how many messages were new."""
    now = svc.clock.now()
    window = timedelta(hours=svc.settings.reminder_before_deadline_hours)
    ahead = timedelta(hours=svc.settings.check_in_reminder_hours)
    sent = 0
    for booking_id in _answer_due(svc, now, window):
        sent += _one(svc, booking_id, now, _answer_reminder)
    for booking_id in _arriving(svc, now, ahead):
        sent += _one(svc, booking_id, now, _arrival_reminder)
    for booking_id in _leaving(svc, now):
        sent += _one(svc, booking_id, now, _departure_reminder)
    return sent


def _answer_due(svc: Services, now: datetime, window: timedelta) -> list[uuid.UUID]:
    """Waiting bookings whose deadline is within ``window``; only waits at least twice as
    long as the window are reminded of (a 15-minute hold needs no reminder)."""
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Booking.id).where(
                    Booking.status.in_(list(ANSWER_DUE)),
                    Booking.deadline_at > now,
                    Booking.deadline_at <= now + window,
                    Booking.deadline_at - Booking.updated_at >= window * 2,
                )
            )
        )


def _arriving(svc: Services, now: datetime, ahead: timedelta) -> list[uuid.UUID]:
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Booking.id).where(
                    Booking.status == _S.CONFIRMED,
                    Booking.arrival_at > now,
                    Booking.arrival_at <= now + ahead,
                )
            )
        )


def _leaving(svc: Services, now: datetime) -> list[uuid.UUID]:
    """Stays that end tomorrow or today (UTC dates, widened; exact in local time below)."""
    today = now.date()
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Booking.id).where(
                    Booking.status.in_(STAYING),
                    Booking.kind != ListingKind.EXPERIENCE,
                    Booking.check_out >= today - timedelta(days=1),
                    Booking.check_out <= today + timedelta(days=2),
                )
            )
        )


def _one(svc: Services, booking_id: uuid.UUID, now: datetime, what: _Reminder) -> int:
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        listing = None if booking is None else uow.session.get(Listing, booking.listing_id)
        if booking is None or listing is None:
            return 0
        due = what(booking, listing, now)
        if due is None:
            return 0
        template, key = due
        sent = notices.remind(uow, booking, listing, template, key=key, now=now)
        uow.commit()
        return sent


def _answer_reminder(booking: Booking, listing: Listing, now: datetime) -> tuple[str, str] | None:
    template = ANSWER_DUE.get(booking.status)
    if template is None or booking.deadline_at is None or booking.deadline_at <= now:
        return None
    return template, f"booking:{booking.id}:expiring:{booking.deadline_at.isoformat()}"


def _arrival_reminder(booking: Booking, listing: Listing, now: datetime) -> tuple[str, str] | None:
    if booking.status is not _S.CONFIRMED or booking.arrival_at <= now:
        return None
    return (
        "booking.check_in_reminder",
        f"booking:{booking.id}:check_in:{booking.arrival_at.isoformat()}",
    )


def _departure_reminder(
    booking: Booking, listing: Listing, now: datetime
) -> tuple[str, str] | None:
    if booking.status not in STAYING or booking.kind is ListingKind.EXPERIENCE:
        return None
    zone = ZoneInfo(listing.time_zone)
    start = datetime.combine(booking.check_out - timedelta(days=1), CHECK_OUT_FROM, zone)
    end = datetime.combine(booking.check_out, listing.check_out_time or NOON, zone)
    if not start <= now < end:
        return None
    return "booking.check_out_instructions", f"booking:{booking.id}:check_out:{booking.check_out}"
