"""Payments left open on bookings that ended: their PaymentIntents are canceled (and their
Checkout Sessions expired) so the guest can no longer pay for a booking that is gone.

A late payment would still be safe (the outcome handler refunds it in full), but Stripe
keeps its fee on a refunded charge, so every late payment costs the platform money. A
periodic job is enough: until it runs, the late-payment rule covers the gap.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import select

from innkeeper.bookings.domain import TERMINAL
from innkeeper.bookings.models import Booking
from innkeeper.payments import operations, outcome
from innkeeper.payments.domain import PaymentKind, PaymentStatus
from innkeeper.payments.gateway import StripeRefused
from innkeeper.payments.models import Payment
from innkeeper.payments.operations import Call
from innkeeper.services import Services

# Processing is left alone: a bank transfer on its way cannot be canceled, and its outcome
# follows the late-payment rule.
CANCELABLE = (
    PaymentStatus.CREATED,
    PaymentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentStatus.REQUIRES_ACTION,
)
BATCH = 200


def cancel_dead_payments(svc: Services) -> int:
    """Cancel every open booking payment whose booking has ended; returns how many."""
    done = 0
    for payment_id, intent_id, session_id in _dead(svc):
        if intent_id is not None:
            _cancel_intent(svc, payment_id, intent_id)
        elif session_id is not None:
            _expire_session(svc, payment_id, session_id)
        else:
            _forget(svc, payment_id)  # Stripe never heard of it
        done += 1
    return done


def _dead(svc: Services) -> list[tuple[uuid.UUID, str | None, str | None]]:
    with svc.uow() as uow:
        rows = uow.session.execute(
            select(Payment.id, Payment.stripe_intent_id, Payment.checkout_session_id)
            .join(Booking, Booking.id == Payment.booking_id)
            .where(
                Payment.kind == PaymentKind.BOOKING,
                Payment.status.in_(CANCELABLE),
                Booking.status.in_(TERMINAL),
            )
            .order_by(Payment.created_at, Payment.id)
            .limit(BATCH)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _cancel_intent(svc: Services, payment_id: uuid.UUID, intent_id: str) -> None:
    """Cancel, then apply what Stripe says: canceled, or (if the guest paid in the meantime)
    succeeded, which the outcome handler refunds by the late-payment rule."""
    try:
        intent: Any = operations.run(
            svc,
            Call("cancel_payment_intent", {"cancellation_reason": "abandoned"},
                 purpose=f"payment:{payment_id}:abandon", payment_id=payment_id),
            lambda p, o: svc.stripe.v1.payment_intents.cancel(intent_id, p, o),
            fetch=lambda found: svc.stripe.v1.payment_intents.retrieve(found),
        )  # fmt: skip
    except StripeRefused:  # it moved on (succeeded, processing): read where it stands
        intent = svc.stripe.v1.payment_intents.retrieve(intent_id)
    outcome.apply_intent(svc, intent)


def _expire_session(svc: Services, payment_id: uuid.UUID, session_id: str) -> None:
    from innkeeper.payments import checkout

    with contextlib.suppress(StripeRefused):  # completed meanwhile: applied just below
        operations.run(
            svc,
            Call("expire_checkout_session", {}, purpose=f"payment:{payment_id}:abandon",
                 payment_id=payment_id),
            lambda p, o: svc.stripe.v1.checkout.sessions.expire(session_id, p, o),
            fetch=lambda found: svc.stripe.v1.checkout.sessions.retrieve(found),
        )  # fmt: skip
    checkout.complete_checkout(svc, session_id)


def _forget(svc: Services, payment_id: uuid.UUID) -> None:
    with svc.uow() as uow:
        row = uow.session.get(Payment, payment_id, with_for_update=True)
        if row is not None and row.status is PaymentStatus.CREATED and not row.stripe_intent_id:
            row.status, row.updated_at = PaymentStatus.CANCELED, svc.clock.now()
            uow.commit()
