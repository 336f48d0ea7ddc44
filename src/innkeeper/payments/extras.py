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
from typing import Any

from sqlalchemy import select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import may_view, roles_of
from innkeeper.core.errors import Conflict, Forbidden, InvalidInput, NotFound
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


class KeyReused(Conflict):
    code = "idempotency_key_reused"


def charge(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    extra: ExtraCharge,
    *,
    client_key: str | None = None,
) -> Payment:
    """Charge ``extra`` to the guest's saved card now. A decline raises ``PaymentFailed``
    (402, Stripe's code) after the payment row has recorded it. With ``client_key``, a
    repeated request answers with the first one's payment and charges nothing more."""
    if extra.amount_minor <= 0:
        raise InvalidInput.for_field("amount_minor", "must be more than zero")
    payment_id = _new_extra(svc, actor, booking_id, extra, client_key)
    payment = checkout.load(svc, payment_id)
    if payment.status is not PaymentStatus.CREATED:
        return payment  # a repeat of a charge that already went to Stripe: its result
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
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    extra: ExtraCharge,
    client_key: str | None,
) -> uuid.UUID:
    now = svc.clock.now()
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id, with_for_update=True)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        _check_host(actor, booking)
        if client_key is not None:
            earlier = _earlier(uow.session, booking_id, client_key, extra)
            if earlier is not None:
                return earlier
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
            client_key=client_key,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(payment)
        uow.commit()
        return payment.id


def _earlier(
    session: Any, booking_id: uuid.UUID, client_key: str, extra: ExtraCharge
) -> uuid.UUID | None:
    """The payment an earlier request with this key made (under the booking's lock, so two
    requests at once find one); a key reused for another amount is refused."""
    found = session.scalars(
        select(Payment).where(Payment.booking_id == booking_id, Payment.client_key == client_key)
    ).one_or_none()
    if found is None:
        return None
    if found.kind is not PaymentKind.EXTRA or found.amount_minor != extra.amount_minor:
        raise KeyReused("this Idempotency-Key was used for another request on this booking")
    return uuid.UUID(str(found.id))


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
