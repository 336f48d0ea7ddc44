"""Paying for a booking: the installment due now becomes one PaymentIntent, created from the
booking's stored quote (never from an amount the client sends), as a destination charge to
the host's connected account with the platform's share as the application fee.

The guest confirms with a PaymentMethod made by Stripe.js or a saved card (``pay``), or on
Stripe's hosted Checkout page (``start_checkout``); 3-D Secure returns to ``refresh``.
Every path ends in ``outcome.apply_intent``.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import stripe
from sqlalchemy import select

from innkeeper.accounts.domain import Actor
from innkeeper.bookings.domain import BookingStatus, Role
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import roles_of
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Forbidden, InvalidInput, NotFound
from innkeeper.db.uow import UnitOfWork
from innkeeper.payments import customers, operations, outcome
from innkeeper.payments.domain import (
    OPEN_STATUSES,
    NotPayable,
    PaymentFailed,
    PaymentKind,
    PaymentStatus,
    Shares,
    installment_shares,
)
from innkeeper.payments.gateway import StripeRefused, raise_for
from innkeeper.payments.models import Payment
from innkeeper.payments.operations import Call
from innkeeper.payments.payees import ready_payee
from innkeeper.services import Services

PAYERS = frozenset({Role.GUEST, Role.EXPERT, Role.ADMIN})


class PayPlan(StrEnum):
    SCHEDULE = "schedule"  # what the quote says: in full, or a deposit now and the balance later
    FULL = "full"  # everything now, even when a deposit would do
    LATER = "later"  # nothing now: the saved card is charged when the balance falls due


@dataclass(frozen=True, slots=True)
class PayRequest:
    plan: PayPlan = PayPlan.SCHEDULE
    payment_method: str | None = None  # a PaymentMethod id from Stripe.js, or a saved card
    save_card: bool = False
    return_url: str | None = None  # where 3-D Secure sends the guest back


def pay(svc: Services, actor: Actor | None, booking_id: uuid.UUID, request: PayRequest) -> Payment:
    """Pay the installment due now. With a payment method the intent is confirmed here and
    its outcome applied; without one the client confirms it with ``client_secret``."""
    payer, payment_id, later = _prepare(svc, actor, booking_id, request)
    if later:
        _arrange_later(svc, payment_id, request)
        return load(svc, payment_id)
    if _paid_on_checkout(svc, payment_id):
        return load(svc, payment_id)
    intent = ensure_intent(svc, payment_id, save_card=request.save_card)
    if request.payment_method is not None and intent.status in (
        "requires_payment_method",
        "requires_confirmation",
    ):
        confirm(svc, payment_id, intent.id, request.payment_method, request.return_url)
    else:
        outcome.apply_intent(svc, intent)
    return load(svc, payment_id)


def confirm(
    svc: Services,
    payment_id: uuid.UUID,
    intent_id: str,
    payment_method: str,
    return_url: str | None,
    *,
    off_session: bool = False,
) -> Any:
    """Confirm the intent; a decline is applied (the payment shows why) and then raised."""
    params: dict[str, Any] = {"payment_method": payment_method}
    if off_session:
        params["off_session"] = True
    else:
        params["return_url"] = return_url or _return_url(svc, payment_id)
    try:
        intent = operations.run(
            svc,
            Call("confirm_payment_intent", params, payment_id=payment_id),
            lambda p, o: svc.stripe.v1.payment_intents.confirm(intent_id, p, o),
        )
    except PaymentFailed:
        outcome.apply_intent(svc, svc.stripe.v1.payment_intents.retrieve(intent_id))
        raise
    except StripeRefused:
        current = svc.stripe.v1.payment_intents.retrieve(intent_id)
        if current.status in ("succeeded", "requires_capture", "processing"):
            outcome.apply_intent(svc, current)  # confirmed already (a retried click)
            return current
        raise
    outcome.apply_intent(svc, intent)
    return intent


def refresh(svc: Services, actor: Actor | None, payment_id: uuid.UUID) -> Payment:
    """Read the intent back from Stripe and apply it: after 3-D Secure, after Stripe.js
    confirmed it, or whenever the guest's page asks."""
    payment = _visible_payment(svc, actor, payment_id)
    if payment.stripe_intent_id is None and payment.checkout_session_id is not None:
        return complete_checkout(svc, payment.checkout_session_id)
    if payment.stripe_intent_id is not None:
        try:
            intent = svc.stripe.v1.payment_intents.retrieve(payment.stripe_intent_id)
        except stripe.StripeError as error:
            raise_for(error)
        outcome.apply_intent(svc, intent)
    return load(svc, payment_id)


def start_checkout(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    request: PayRequest,
    *,
    success_url: str | None = None,
    cancel_url: str | None = None,
) -> Payment:
    """The hosted Checkout page for the installment due now; ``checkout_url`` on the
    payment's client fields. The session's intent carries the same split and metadata."""
    _, payment_id, later = _prepare(svc, actor, booking_id, request)
    if later:
        raise InvalidInput.for_field("plan", "pay later needs a saved card, not Checkout")
    payment = load(svc, payment_id)
    if payment.stripe_intent_id is not None:
        raise NotPayable("this payment has started already: confirm it or refresh it")
    if payment.checkout_session_id is not None:
        return payment
    customer = customers.customer_for(svc, payment.payer_user_id)
    public = svc.settings.public_url
    params: dict[str, Any] = {
        "mode": "payment",
        "customer": customer,
        "client_reference_id": str(payment.id),
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": payment.amount_minor,
                    "product_data": {"name": payment.description},
                },
            }
        ],
        "payment_intent_data": _intent_data(payment, save_card=request.save_card),
        "metadata": _metadata(svc, payment),
        "success_url": success_url
        or f"{public}/api/v1/payments/checkout/return?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": cancel_url or f"{public}/bookings/{booking_id}",
    }
    session = operations.run(
        svc,
        Call("create_checkout_session", params, purpose=f"payment:{payment.id}:checkout",
             payment_id=payment.id, booking_id=payment.booking_id),
        lambda p, o: svc.stripe.v1.checkout.sessions.create(p, o),
        fetch=lambda found: svc.stripe.v1.checkout.sessions.retrieve(found),
    )  # fmt: skip
    with svc.uow() as uow:
        row = _lock_payment(uow, payment.id)
        row.checkout_session_id, row.action_url = session.id, session.url
        row.updated_at = svc.clock.now()
        uow.commit()
    return load(svc, payment.id)


def _paid_on_checkout(svc: Services, payment_id: uuid.UUID) -> bool:
    """A payment begun on hosted Checkout and now paid another way (a saved card): the
    session is expired first and let go, so the guest cannot pay for it twice. If the guest
    paid on the page meanwhile, that payment stands and nothing more is charged (True)."""
    payment = load(svc, payment_id)
    session_id = payment.checkout_session_id
    if session_id is None or payment.stripe_intent_id is not None:
        return False
    with contextlib.suppress(StripeRefused):  # completed meanwhile: read just below
        operations.run(
            svc,
            Call("expire_checkout_session", {}, purpose=f"payment:{payment_id}:replaced",
                 payment_id=payment_id),
            lambda p, o: svc.stripe.v1.checkout.sessions.expire(session_id, p, o),
            fetch=lambda found: svc.stripe.v1.checkout.sessions.retrieve(found),
        )  # fmt: skip
    session = svc.stripe.v1.checkout.sessions.retrieve(session_id)
    if session.status == "complete":
        complete_checkout(svc, session_id)
        return True
    with svc.uow() as uow:  # its expiry event now finds no payment and is ignored
        row = _lock_payment(uow, payment_id)
        row.checkout_session_id, row.action_url = None, None
        row.updated_at = svc.clock.now()
        uow.commit()
    return False


def complete_checkout(svc: Services, session_id: str) -> Payment:
    """The Checkout return (and ``checkout.session.completed``): bind the session's intent
    to its payment and apply it."""
    try:
        session = svc.stripe.v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        raise NotFound(f"checkout session {session_id} not found") from None
    with svc.uow() as uow:
        payment = uow.session.scalar(
            select(Payment).where(Payment.checkout_session_id == session_id).with_for_update()
        )
        if payment is None:
            raise NotFound(f"checkout session {session_id} not found")
        if session.payment_intent and payment.stripe_intent_id is None:
            payment.stripe_intent_id = _id(session.payment_intent)
        uow.commit()
        payment_id, intent_id = payment.id, payment.stripe_intent_id
    if intent_id is not None:
        outcome.apply_intent(svc, svc.stripe.v1.payment_intents.retrieve(intent_id))
    elif session.status == "expired":
        _set_status(svc, payment_id, PaymentStatus.CANCELED)
    return load(svc, payment_id)


def ensure_intent(svc: Services, payment_id: uuid.UUID, *, save_card: bool = False) -> Any:
    """The payment's PaymentIntent, created once (its purpose is the payment itself)."""
    payment = load(svc, payment_id)
    if payment.stripe_intent_id is not None:
        return svc.stripe.v1.payment_intents.retrieve(payment.stripe_intent_id)
    customer = customers.customer_for(svc, payment.payer_user_id)
    params = {
        "amount": payment.amount_minor,
        "currency": payment.currency.lower(),
        "customer": customer,
        "payment_method_types": ["card"],
        "metadata": _metadata(svc, payment),
        **_intent_data(payment, save_card=save_card),
    }
    intent = operations.run(
        svc,
        Call("create_payment_intent", params, purpose=f"payment:{payment.id}:intent",
             payment_id=payment.id, booking_id=payment.booking_id),
        lambda p, o: svc.stripe.v1.payment_intents.create(p, o),
        fetch=lambda found: svc.stripe.v1.payment_intents.retrieve(found),
    )  # fmt: skip
    with svc.uow() as uow:
        row = _lock_payment(uow, payment.id)
        row.stripe_intent_id, row.client_secret = intent.id, intent.client_secret
        row.updated_at = svc.clock.now()
        uow.commit()
    return intent


def _intent_data(payment: Payment, *, save_card: bool) -> dict[str, Any]:
    """What a PaymentIntent (direct or through Checkout) carries: the capture mode, the
    destination and the platform's fee, and whether the card is kept for later."""
    data: dict[str, Any] = {
        "capture_method": "manual" if payment.capture_manual else "automatic",
        "description": payment.description,
    }
    if payment.destination:
        data["transfer_data"] = {"destination": payment.destination}
        if payment.platform_share_minor + payment.expert_share_minor > 0:
            data["application_fee_amount"] = (
                payment.platform_share_minor + payment.expert_share_minor
            )
    if payment.transfer_group:
        data["transfer_group"] = payment.transfer_group
    if save_card or (payment.kind is PaymentKind.BOOKING and payment.off_session):
        data["setup_future_usage"] = "off_session"
    return data


def _metadata(svc: Services, payment: Payment) -> dict[str, str]:
    with svc.uow() as uow:
        booking = (
            uow.session.get(Booking, payment.booking_id) if payment.booking_id is not None else None
        )
    found = {
        "payment_id": str(payment.id),
        "type": payment.kind.value,
        "organization_id": str(payment.organization_id or ""),
    }
    if booking is not None:
        found |= {
            "booking_id": str(booking.id),
            "booking_code": booking.code,
            "listing_id": str(booking.listing_id),
        }
    if payment.installment is not None:
        found["installment"] = str(payment.installment)
    return found


# --- choosing what is due --------------------------------------------------------------


def _prepare(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID, request: PayRequest
) -> tuple[uuid.UUID, uuid.UUID, bool]:
    """Lock the booking, check who pays and that it is payable, and find or create the
    payment row of the installment due now. Returns (payer, payment id, pay later)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id, with_for_update=True)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        roles = roles_of(
            actor,
            guest_user_id=booking.guest_user_id,
            expert_user_id=booking.expert_user_id,
            organization_id=booking.organization_id,
            entity=f"booking {booking_id}",
        )
        if not PAYERS & set(roles):
            raise Forbidden("only the guest, their expert or an admin pays for a booking")
        open_row = _open_payment(uow, booking)
        if open_row is not None:  # a declined try, 3-D Secure, or a balance due
            return booking.guest_user_id, open_row.id, False
        _check_payable(booking, now)
        destination = _destination(svc, uow, booking)
        later = request.plan is PayPlan.LATER
        index, amount = _installment(booking, request.plan)
        if later and request.payment_method is None:
            raise InvalidInput.for_field("payment_method", "pay later needs a saved card")
        payment = _new_payment(uow, booking, index, amount, destination, now, later=later)
        uow.commit()
        return booking.guest_user_id, payment.id, later


def _check_payable(booking: Booking, now: datetime) -> None:
    if booking.status not in (BookingStatus.PENDING_PAYMENT, BookingStatus.PAYMENT_ACTION_REQUIRED):
        if booking.status is BookingStatus.CONFIRMED:
            raise NotPayable("this booking is paid as far as is due now")
        raise NotPayable(f"a booking that is {booking.status.replace('_', ' ')} cannot be paid")
    if booking.deadline_at is not None and booking.deadline_at <= now:
        raise NotPayable("the time to pay for this booking is over")
    if booking.guest_total_minor <= 0:
        raise NotPayable("this booking has no price yet: the host must make an offer")


def _destination(svc: Services, uow: UnitOfWork, booking: Booking) -> str | None:
    if not svc.settings.payments_connect_required:
        return None
    payee = ready_payee(
        uow.session, organization_id=booking.organization_id, listing_id=booking.listing_id
    )
    return payee.stripe_account_id


def _installment(booking: Booking, plan: PayPlan) -> tuple[int, int]:
    """(installment index, amount) due now under ``plan``."""
    items = booking.installments or [{"amount_minor": booking.guest_total_minor}]
    last = len(items) - 1
    if plan is PayPlan.FULL or last == 0:
        if plan is PayPlan.LATER:
            raise InvalidInput.for_field(
                "plan", "this booking must be paid now: its balance would fall due already"
            )
        return last, booking.guest_total_minor
    if plan is PayPlan.LATER:
        return last, booking.guest_total_minor
    return 0, int(str(items[0]["amount_minor"]))


def _new_payment(
    uow: UnitOfWork,
    booking: Booking,
    index: int,
    amount: int,
    destination: str | None,
    now: datetime,
    *,
    later: bool,
) -> Payment:
    shares = installment_shares(
        amount,
        total=booking.guest_total_minor,
        host=booking.host_payout_minor,
        platform=booking.platform_fee_minor,
        expert=booking.expert_fee_minor,
        already=Shares(0, 0, 0, 0),
    )
    label = "Payment in full" if amount == booking.guest_total_minor else "Deposit"
    payment = Payment(
        booking_id=booking.id,
        organization_id=booking.organization_id,
        payer_user_id=booking.guest_user_id,
        kind=PaymentKind.BOOKING,
        installment=index,
        status=PaymentStatus.CREATED,
        currency=booking.currency,
        amount_minor=amount,
        host_share_minor=shares.host,
        platform_share_minor=shares.platform,
        expert_share_minor=shares.expert,
        destination=destination,
        transfer_group=f"booking-{booking.code}",
        # the card is kept for what comes later: a balance, or a security-deposit hold
        off_session=later
        or index < len(booking.installments or [None]) - 1
        or booking.security_deposit_minor > 0,
        description=f"{label} for booking {booking.code}",
        due_at=_due_at(uow, booking) if later else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(payment)
    uow.flush()
    return payment


def _due_at(uow: UnitOfWork, booking: Booking) -> datetime:
    listing = uow.session.get(Listing, booking.listing_id)
    zone = ZoneInfo(listing.time_zone if listing is not None else "UTC")
    due = date.fromisoformat(str(booking.installments[-1]["due"]))
    return datetime.combine(due, time(10), zone).astimezone(UTC)


def _arrange_later(svc: Services, payment_id: uuid.UUID, request: PayRequest) -> None:
    """Pay later: the saved card is checked to be the guest's, the booking is confirmed with
    nothing paid, and ``schedules`` charges the whole amount when the balance falls due."""
    from innkeeper.bookings import service as bookings
    from innkeeper.bookings.domain import Event

    payment = load(svc, payment_id)
    method = request.payment_method or ""
    if not customers.owns_card(svc, payment.payer_user_id, method):
        raise InvalidInput.for_field("payment_method", "not one of your saved cards")
    now = svc.clock.now()
    with svc.uow() as uow:
        assert payment.booking_id is not None
        booking = uow.session.get(Booking, payment.booking_id, with_for_update=True)
        row = _lock_payment(uow, payment_id)
        row.payment_method, row.updated_at = method, now
        if booking is not None and booking.status in outcome.PAYABLE:
            bookings.fire_in(
                uow, svc.settings, booking, Event.PAYMENT_SUCCEEDED, now=now,
                paid_minor=booking.paid_minor,
                reason=f"pay later: the saved card is charged on {row.due_at:%Y-%m-%d}",
                changes={"payment_id": str(payment_id), "plan": PayPlan.LATER.value},
            )  # fmt: skip
        uow.commit()


def _open_payment(uow: UnitOfWork, booking: Booking) -> Payment | None:
    """An unfinished payment of this booking the guest should finish rather than start anew."""
    return uow.session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == PaymentKind.BOOKING,
            Payment.status.in_(list(OPEN_STATUSES)),
            (Payment.due_at.is_(None)) | (booking.status == BookingStatus.PAYMENT_ACTION_REQUIRED),
        )
        .order_by(Payment.installment)
        .limit(1)
    )


# --- rows ------------------------------------------------------------------------------


def load(svc: Services, payment_id: uuid.UUID) -> Payment:
    with svc.uow() as uow:
        payment = uow.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(f"payment {payment_id} not found")
    return payment


def _lock_payment(uow: UnitOfWork, payment_id: uuid.UUID) -> Payment:
    row = uow.session.get(Payment, payment_id, with_for_update=True)
    if row is None:
        raise NotFound(f"payment {payment_id} not found")
    return row


def _set_status(svc: Services, payment_id: uuid.UUID, status: PaymentStatus) -> None:
    with svc.uow() as uow:
        row = _lock_payment(uow, payment_id)
        if row.status in OPEN_STATUSES:
            row.status, row.updated_at = status, svc.clock.now()
        uow.commit()


def _visible_payment(svc: Services, actor: Actor | None, payment_id: uuid.UUID) -> Payment:
    payment = load(svc, payment_id)
    with svc.uow() as uow:
        booking = (
            uow.session.get(Booking, payment.booking_id) if payment.booking_id is not None else None
        )
    if booking is not None:
        roles_of(
            actor,
            guest_user_id=booking.guest_user_id,
            expert_user_id=booking.expert_user_id,
            organization_id=booking.organization_id,
            entity=f"payment {payment_id}",
        )
    elif actor is None or (actor.user_id != payment.payer_user_id and not actor.is_admin):
        raise NotFound(f"payment {payment_id} not found")
    return payment


def _return_url(svc: Services, payment_id: uuid.UUID) -> str:
    return f"{svc.settings.public_url}/api/v1/payments/{payment_id}/return"


def _id(value: Any) -> str:
    return value if isinstance(value, str) else str(value.id)
