"""Extra charges: damage or incidentals a host charges to the guest's saved card after
booking (a minibar, a broken lamp, a late check-out).

Kept simple on purpose: an extra charge is a destination charge that is entirely the
host's, with no application fee (the platform's commission covers bookings, not what a
host recovers for damage). The guest is not present, so it is confirmed off-session with
the guest's default saved card, or else the card they paid the booking with; a decline is
returned with Stripe's code and stays on the payment row for the host to see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import may_view, roles_of
from innkeeper.core.errors import Forbidden, InvalidInput, NotFound
from innkeeper.payments import checkout, customers
from innkeeper.payments.domain import NotPayable, PaymentKind, PaymentStatus
from innkeeper.payments.holds import saved_card_of
from innkeeper.payments.models import Payment
from innkeeper.payments.payees import ready_payee
from innkeeper.services import Services

CHARGEABLE = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class ExtraCharge:
    amount_minor: int
    reason: str
    description: str = ""


def charge(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID, extra: ExtraCharge
) -> Payment:
    """Charge ``extra`` to the guest's saved card now. A decline raises ``PaymentFailed``
    (402, Stripe's code) after the payment row has recorded it."""
    if extra.amount_minor <= 0:
        raise InvalidInput.for_field("amount_minor", "must be more than zero")
    payment_id = _new_extra(svc, actor, booking_id, extra)
    payment = checkout.load(svc, payment_id)
    method = customers.default_card(svc, payment.payer_user_id) or payment.payment_method
    if method is None:
        raise NotPayable("the guest has no saved card to charge")
    intent = checkout.ensure_intent(svc, payment_id)
    checkout.confirm(svc, payment_id, intent.id, method, None, off_session=True)
    return checkout.load(svc, payment_id)


def list_extras(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> list[Payment]:
    """A booking's extra charges, for its guest, its host team and admins."""
    booking = _booking(svc, booking_id)
    roles = roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking_id}",
    )
    assert actor is not None
    if not may_view(actor, booking.organization_id, roles):
        raise Forbidden("you may not see this booking's charges")
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Payment)
                .where(Payment.booking_id == booking_id, Payment.kind == PaymentKind.EXTRA)
                .order_by(Payment.created_at)
            )
        )


def _new_extra(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID, extra: ExtraCharge
) -> uuid.UUID:
    now = svc.clock.now()
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id, with_for_update=True)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        _check_host(actor, booking)
        if booking.status not in CHARGEABLE:
            state = booking.status.replace("_", " ")
            raise NotPayable(f"a booking that is {state} cannot take extra charges")
        payee = ready_payee(
            uow.session, organization_id=booking.organization_id, listing_id=booking.listing_id
        )
        payment = Payment(
            booking_id=booking.id,
            organization_id=booking.organization_id,
            payer_user_id=booking.guest_user_id,
            kind=PaymentKind.EXTRA,
            status=PaymentStatus.CREATED,
            currency=booking.currency,
            amount_minor=extra.amount_minor,
            host_share_minor=extra.amount_minor,
            platform_share_minor=0,
            expert_share_minor=0,
            destination=payee.stripe_account_id,
            off_session=True,
            payment_method=saved_card_of(uow.session, booking.id),
            description=extra.description or f"Extra charge for booking {booking.code}",
            reason=extra.reason,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(payment)
        uow.commit()
        return payment.id


def _check_host(actor: Actor | None, booking: Booking) -> None:
    roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking.id}",
    )
    assert actor is not None
    if not actor.may(booking.organization_id, Permission.MANAGE_BOOKINGS):
        raise Forbidden("only the host's managers or an admin charge extras")


def _booking(svc: Services, booking_id: uuid.UUID) -> Booking:
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    return booking
