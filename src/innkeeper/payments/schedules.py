"""Installments that fall due later: the balance after a deposit, and the whole amount of a
pay-later booking. A periodic job charges each due row off-session to the card the guest
saved; a reminder goes out ``balance_reminder_days`` before.

When the bank wants the guest (``authentication_required``) or declines, the booking moves
to ``payment_action_required`` with a grace deadline and the guest gets a link to pay
on-session: ``POST /bookings/{id}/pay`` finds the same open payment and confirms it with
whichever card they choose. ``bookings.expiry`` decides what happens when the grace ends.

Each payment is charged in its own short steps (no transaction is open while Stripe is
called), so one failing card never holds back the others, and a run that dies half way is
finished by the next one: the intent is created once per payment, and the outcome handler
applies a success only once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from innkeeper.bookings import notices
from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import BookingStatus, Event
from innkeeper.bookings.models import Booking
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import DomainError
from innkeeper.db.uow import UnitOfWork
from innkeeper.notifications.service import notify
from innkeeper.payments import checkout, customers, outcome
from innkeeper.payments.domain import (
    PaymentFailed,
    PaymentKind,
    PaymentProviderUnavailable,
    PaymentStatus,
)
from innkeeper.payments.models import Payment
from innkeeper.services import Services

_log = logging.getLogger(__name__)
BATCH = 100
CHARGEABLE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
NO_CARD = "no_saved_card"


def charge_due(svc: Services) -> int:
    """Charge every scheduled installment whose time has come; returns how many succeeded.
    A failure is recorded on its payment and booking and never stops the run."""
    charged, tried = 0, set[uuid.UUID]()
    while ids := _due_payments(svc, tried):
        for payment_id in ids:
            tried.add(payment_id)
            charged += charge_one(svc, payment_id)
    return charged


def charge_one(svc: Services, payment_id: uuid.UUID) -> bool:
    """Charge one due installment off-session. False when it did not succeed (the guest is
    asked to act, or Stripe did not answer and the next run tries again)."""
    payment = checkout.load(svc, payment_id)
    method = payment.payment_method or customers.default_card(svc, payment.payer_user_id)
    if method is None:
        action_needed(svc, payment_id, NO_CARD, "there is no saved card to charge")
        return False
    try:
        intent = checkout.ensure_intent(svc, payment_id)
        if intent.status not in ("requires_payment_method", "requires_confirmation"):
            applied = outcome.apply_intent(svc, intent)  # finished by an earlier run
            return applied is not None and applied.status is PaymentStatus.SUCCEEDED
        checkout.confirm(svc, payment_id, intent.id, method, None, off_session=True)
    except PaymentFailed as failure:
        details = failure.details or {}
        code = details.get("decline_code") or details.get("stripe_code")
        action_needed(svc, payment_id, str(code or "card_declined"), str(failure))
        return False
    except PaymentProviderUnavailable:
        _log.warning(
            "stripe unavailable; the installment waits", extra={"payment": str(payment_id)}
        )
        return False
    except DomainError as refused:  # the saved card cannot be used again, or similar
        action_needed(svc, payment_id, refused.code, str(refused))
        return False
    return checkout.load(svc, payment_id).status is PaymentStatus.SUCCEEDED


def action_needed(svc: Services, payment_id: uuid.UUID, code: str, message: str) -> None:
    """The off-session charge failed: the booking waits for the guest (grace deadline), the
    payment says why, and the guest is sent the link that finishes the payment."""
    now = svc.clock.now()
    with svc.uow() as uow:
        payment = uow.session.get(Payment, payment_id)
        if payment is None or payment.booking_id is None:
            return
        booking = uow.session.get(Booking, payment.booking_id, with_for_update=True)
        payment = uow.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
        if booking is None or payment is None or booking.status not in CHARGEABLE:
            return
        if payment.status is PaymentStatus.CREATED:  # no intent could be tried (no card)
            payment.status = PaymentStatus.REQUIRES_PAYMENT_METHOD
        payment.failure_code = payment.failure_code or code
        payment.failure_message = payment.failure_message or message
        payment.updated_at = now
        reason = f"the off-session charge of {payment.description} failed: {code}"
        bookings.fire_in(
            uow, svc.settings, booking, Event.PAYMENT_ACTION_NEEDED, now=now, reason=reason,
            changes={"payment_id": str(payment.id), "stripe_code": code},
        )  # fmt: skip
        _tell_guest(uow, svc, booking, payment, "booking.payment_action_required", now=now)
        uow.commit()


def remind_due(svc: Services) -> int:
    """Tell guests ``balance_reminder_days`` before their saved card is charged; once per
    payment, however often the job runs. Returns how many messages are new."""
    now = svc.clock.now()
    ahead = now + timedelta(days=svc.settings.balance_reminder_days)
    sent = 0
    with svc.uow() as uow:
        rows = uow.session.execute(
            _scheduled()
            .add_columns(Booking)
            .where(Payment.due_at <= ahead, Payment.due_at > now)
            .order_by(Payment.due_at)
        ).all()
        for payment, booking in rows:
            sent += _tell_guest(uow, svc, booking, payment, "booking.balance_reminder", now=now)
        uow.commit()
    return sent


def _tell_guest(
    uow: UnitOfWork, svc: Services, booking: Booking, payment: Payment, template: str, *,
    now: datetime,
) -> int:  # fmt: skip
    """One message about ``payment``, keyed by the payment and the template (never twice),
    with the link where the guest pays on-session."""
    listing = uow.session.get(Listing, booking.listing_id)
    if listing is None:
        return 0
    data = notices.snapshot(uow.session, booking, listing, before=None)
    data["payment"] = {
        "id": str(payment.id),
        "description": payment.description,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "due_at": None if payment.due_at is None else payment.due_at.isoformat(),
        "failure_code": payment.failure_code,
        "pay_url": f"{svc.settings.public_url}/bookings/{booking.id}/pay",
    }
    return notify(
        uow,
        key=f"payment:{payment.id}:{template}:{booking.deadline_at or ''}",
        template=template,
        recipients=notices.people(uow.session, booking, notices.Audience.GUEST),
        data=data,
        now=now,
        booking_id=booking.id,
    )


def _scheduled() -> Select[Payment]:
    """Installments waiting for their date, of bookings that still want them."""
    return (
        select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            Payment.kind == PaymentKind.BOOKING,
            Payment.status == PaymentStatus.CREATED,
            Payment.off_session.is_(True),
            Payment.due_at.is_not(None),
            Booking.status.in_(list(CHARGEABLE)),
        )
    )


def _due_payments(svc: Services, skip: set[uuid.UUID]) -> list[uuid.UUID]:
    with svc.uow() as uow:
        query = (
            _scheduled()
            .with_only_columns(Payment.id)
            .where(Payment.due_at <= svc.clock.now(), Payment.id.not_in(skip))
            .order_by(Payment.due_at)
            .limit(BATCH)
        )
        return list(uow.session.scalars(query))
