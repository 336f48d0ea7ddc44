"""The one payment-outcome handler. The synchronous confirm path, the 3-D Secure return,
the Checkout return, the off-session jobs and the webhook inbox all hand it a
PaymentIntent; it applies what the intent says exactly once.

Idempotent by construction: a payment is settled once (``succeeded_at``), its ledger
entries are keyed by Stripe ids, and the booking moves only through the state machine, so a
second report of the same success changes nothing. The money is recorded in the same
transaction as the booking's change. A success that finds its booking expired takes the
inventory back if it is still free, and otherwise is refunded in full.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from innkeeper.availability.allocation import Unavailable
from innkeeper.bookings import inventory
from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import BookingStatus, Event
from innkeeper.bookings.models import Booking
from innkeeper.catalog.models import Listing
from innkeeper.db.uow import UnitOfWork
from innkeeper.payments import ledger
from innkeeper.payments.domain import PaymentKind, PaymentStatus, installment_shares
from innkeeper.payments.models import Payment
from innkeeper.services import Services

_log = logging.getLogger(__name__)

STATUS_OF: dict[str, PaymentStatus] = {
    "requires_payment_method": PaymentStatus.REQUIRES_PAYMENT_METHOD,
    "requires_confirmation": PaymentStatus.CREATED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELED,
}
PAYABLE = frozenset({BookingStatus.PENDING_PAYMENT, BookingStatus.PAYMENT_ACTION_REQUIRED})


@dataclass(frozen=True, slots=True)
class Captured:
    """What Stripe booked for a captured charge (read before the transaction opens)."""

    charge_id: str
    amount: int
    stripe_fee: int
    transfer_id: str | None
    transfer_amount: int
    destination_payment: str | None
    application_fee_id: str | None
    application_fee: int


@dataclass(frozen=True, slots=True)
class Outcome:
    payment_id: uuid.UUID
    status: PaymentStatus
    late_refund: bool = False  # the booking was gone: the payment must be refunded


def apply_intent(svc: Services, intent: Any) -> Outcome | None:
    """Apply a PaymentIntent's state to its payment (found by id), the booking and the
    ledger. None when the intent is not one of ours."""
    payment_id = _payment_id(svc, intent)
    if payment_id is None:
        return None
    status = STATUS_OF.get(str(intent.status), PaymentStatus.CREATED)
    captured = read_capture(svc, intent) if status is PaymentStatus.SUCCEEDED else None
    outcome = _apply(svc, payment_id, intent, status, captured)
    if outcome.late_refund:
        from innkeeper.payments.refunds import refund_late_payment

        refund_late_payment(svc, payment_id)
    return outcome


def read_capture(svc: Services, intent: Any) -> Captured:
    """The charge's balance transaction (Stripe's fee), its transfer and application fee."""
    charge = svc.stripe.v1.charges.retrieve(
        _id(intent.latest_charge),
        {"expand": ["balance_transaction", "transfer", "application_fee"]},
    )
    txn, transfer, fee = charge.balance_transaction, charge.transfer, charge.application_fee
    return Captured(
        charge_id=charge.id,
        amount=int(charge.amount_captured or charge.amount),
        stripe_fee=int(getattr(txn, "fee", 0) or 0),
        transfer_id=getattr(transfer, "id", None),
        transfer_amount=int(getattr(transfer, "amount", 0) or 0),
        destination_payment=_maybe_id(getattr(transfer, "destination_payment", None)),
        application_fee_id=getattr(fee, "id", None),
        application_fee=int(getattr(fee, "amount", 0) or 0),
    )


def _apply(
    svc: Services,
    payment_id: uuid.UUID,
    intent: Any,
    status: PaymentStatus,
    captured: Captured | None,
) -> Outcome:
    now = svc.clock.now()
    with svc.uow() as uow:
        peek = uow.session.get(Payment, payment_id)
        assert peek is not None
        booking = _lock_booking(uow, peek, status)
        payment = uow.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
        assert payment is not None
        if payment.succeeded_at is not None or payment.status is PaymentStatus.SUCCEEDED:
            return Outcome(payment.id, payment.status)  # applied already: nothing twice
        _record_intent(payment, intent, status, now)
        late = False
        if captured is not None:
            _settle(uow, payment, captured, now)
            if booking is not None:
                late = not _book_success(uow, svc, booking, payment, now)
        uow.commit()
    return Outcome(payment_id, status, late_refund=late)


def _lock_booking(uow: UnitOfWork, payment: Payment, status: PaymentStatus) -> Booking | None:
    """The booking row, locked: after the listing's lock when the success may need to take
    the inventory back (the documented lock order)."""
    if payment.booking_id is None:
        return None
    peek = uow.session.get(Booking, payment.booking_id)
    if peek is None:
        return None
    if status is PaymentStatus.SUCCEEDED and peek.status is BookingStatus.EXPIRED:
        inventory.lock_listing(uow.session, peek.listing_id)
    return uow.session.get(Booking, peek.id, with_for_update=True, populate_existing=True)


def _record_intent(payment: Payment, intent: Any, status: PaymentStatus, now: datetime) -> None:
    payment.status, payment.updated_at = status, now
    error = getattr(intent, "last_payment_error", None)
    if error is not None and status is not PaymentStatus.SUCCEEDED:
        payment.failure_code = getattr(error, "decline_code", None) or getattr(error, "code", None)
        payment.failure_message = getattr(error, "message", None)
    action = getattr(intent, "next_action", None)
    redirect = getattr(action, "redirect_to_url", None) if action is not None else None
    payment.action_url = (
        getattr(redirect, "url", None) if status is PaymentStatus.REQUIRES_ACTION else None
    )
    method = getattr(intent, "payment_method", None)
    if method is not None:
        payment.payment_method = _id(method)
    if status is PaymentStatus.AUTHORIZED:
        payment.captured_minor = 0


def _settle(uow: UnitOfWork, payment: Payment, captured: Captured, now: datetime) -> None:
    """Record the captured money: the payment's numbers and its ledger entries."""
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, now
    payment.captured_minor = captured.amount
    payment.stripe_fee_minor = captured.stripe_fee
    payment.stripe_charge_id = captured.charge_id
    payment.stripe_transfer_id = captured.transfer_id
    payment.stripe_application_fee_id = captured.application_fee_id
    payment.failure_code = payment.failure_message = payment.action_url = None
    post_capture(uow, payment, captured, now)


def post_capture(uow: UnitOfWork, payment: Payment, captured: Captured, now: datetime) -> None:
    """The ledger entries of a captured charge, its transfer and its application fee."""
    split = ledger.Split(  # a partial capture (a hold) is the host's alone
        host=captured.amount - payment.platform_share_minor - payment.expert_share_minor,
        platform=payment.platform_share_minor,
        expert=payment.expert_share_minor,
        organization_id=payment.organization_id,
    )
    common: dict[str, Any] = {
        "currency": payment.currency,
        "booking_id": payment.booking_id,
        "organization_id": payment.organization_id,
        "payment_id": payment.id,
    }
    session = uow.session
    postings = ledger.charge_postings(
        amount=captured.amount,
        stripe_fee=captured.stripe_fee,
        charge_id=captured.charge_id,
        split=split,
    )
    if payment.kind is PaymentKind.CART:  # each provider earns its own payout
        postings = _per_provider(uow, payment, postings)
    ledger.post(
        session,
        ledger.Entry(
            kind="guest_charge",
            dedupe_key=f"charge:{captured.charge_id}",
            postings=postings,
            memo=payment.description,
            **common,
        ),
        at=now,
    )
    if captured.transfer_id and payment.destination:
        ledger.post(
            session,
            ledger.Entry(
                kind="transfer",
                dedupe_key=f"transfer:{captured.transfer_id}",
                postings=ledger.transfer_postings(
                    amount=captured.transfer_amount,
                    destination=payment.destination,
                    transfer_id=captured.transfer_id,
                    destination_payment=captured.destination_payment,
                ),
                **common,
            ),
            at=now,
        )
    if captured.application_fee_id and payment.destination:
        ledger.post(
            session,
            ledger.Entry(
                kind="application_fee",
                dedupe_key=f"application_fee:{captured.application_fee_id}",
                postings=ledger.application_fee_postings(
                    amount=captured.application_fee,
                    destination=payment.destination,
                    fee_id=captured.application_fee_id,
                ),
                **common,
            ),
            at=now,
        )


def _per_provider(
    uow: UnitOfWork, payment: Payment, postings: tuple[ledger.Posting, ...]
) -> tuple[ledger.Posting, ...]:
    """A cart's host share, split into one ``host_payable`` posting per escrow transfer."""
    from innkeeper.payments.domain import Account
    from innkeeper.payments.models import EscrowTransfer

    escrows = uow.session.scalars(
        select(EscrowTransfer).where(EscrowTransfer.payment_id == payment.id)
    ).all()
    others = tuple(p for p in postings if p.account is not Account.HOST_PAYABLE)
    return others + tuple(
        ledger.Posting(
            Account.HOST_PAYABLE,
            -e.amount_minor,
            str(e.organization_id),
            organization_id=e.organization_id,
        )  # fmt: skip
        for e in escrows
    )


def _book_success(
    uow: UnitOfWork, svc: Services, booking: Booking, payment: Payment, now: datetime
) -> bool:
    """Move the booking for a settled payment; False when it cannot take the money (gone)."""
    if payment.kind is not PaymentKind.BOOKING:
        return True
    paid = booking.paid_minor + payment.captured_minor
    if booking.status in PAYABLE:
        bookings.fire_in(
            uow, svc.settings, booking, Event.PAYMENT_SUCCEEDED, now=now, paid_minor=paid,
            changes={"payment_id": str(payment.id), "amount_minor": payment.captured_minor},
        )  # fmt: skip
    elif booking.status is BookingStatus.EXPIRED:
        try:
            with uow.session.begin_nested():
                bookings.fire_in(
                    uow, svc.settings, booking, Event.LATE_PAYMENT, now=now, paid_minor=paid,
                    reason="the payment arrived after the hold expired; the dates were still free",
                    changes={"payment_id": str(payment.id)},
                )  # fmt: skip
        except Unavailable:
            uow.session.refresh(booking)
            _log.info(
                "late payment for a booking whose dates are gone",
                extra={"booking": str(booking.id)},
            )
            return False
    elif booking.status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
        booking.paid_minor, booking.updated_at = paid, now
    else:  # cancelled, declined, completed, no-show: the money goes back
        return False
    schedule_balance(uow, booking, payment, now)
    return True


def schedule_balance(uow: UnitOfWork, booking: Booking, paid: Payment, now: datetime) -> None:
    """After the deposit, the balance installment as a payment due on its date, charged
    off-session by ``payments.schedules`` (the guest's card was saved for it)."""
    installments = booking.installments
    next_index = (paid.installment or 0) + 1
    if paid.installment is None or next_index >= len(installments):
        return
    exists = uow.session.scalar(
        select(Payment.id).where(
            Payment.booking_id == booking.id,
            Payment.installment == next_index,
            Payment.status != PaymentStatus.CANCELED,
        )
    )
    if exists is not None:
        return
    item = installments[next_index]
    amount = int(str(item["amount_minor"]))
    shares = installment_shares(
        amount,
        total=booking.guest_total_minor,
        host=booking.host_payout_minor,
        platform=booking.platform_fee_minor,
        expert=booking.expert_fee_minor,
        already=_paid_shares(uow, booking),
    )
    listing = uow.session.get(Listing, booking.listing_id)
    zone = ZoneInfo(listing.time_zone if listing is not None else "UTC")
    due = date.fromisoformat(str(item["due"]))
    uow.session.add(
        Payment(
            booking_id=booking.id,
            organization_id=booking.organization_id,
            payer_user_id=paid.payer_user_id,
            kind=PaymentKind.BOOKING,
            installment=next_index,
            status=PaymentStatus.CREATED,
            currency=booking.currency,
            amount_minor=amount,
            host_share_minor=shares.host,
            platform_share_minor=shares.platform,
            expert_share_minor=shares.expert,
            destination=paid.destination,
            transfer_group=paid.transfer_group,
            off_session=True,
            payment_method=paid.payment_method,
            description=f"{item['label']} for booking {booking.code}",
            due_at=datetime.combine(due, time(10), zone).astimezone(UTC),
            created_at=now,
            updated_at=now,
        )
    )


def _paid_shares(uow: UnitOfWork, booking: Booking) -> Any:
    from innkeeper.payments.domain import Shares

    rows = uow.session.scalars(
        select(Payment).where(
            Payment.booking_id == booking.id,
            Payment.kind == PaymentKind.BOOKING,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
    ).all()
    return Shares(
        sum(p.amount_minor for p in rows),
        sum(p.host_share_minor for p in rows),
        sum(p.platform_share_minor for p in rows),
        sum(p.expert_share_minor for p in rows),
    )


def _payment_id(svc: Services, intent: Any) -> uuid.UUID | None:
    with svc.uow() as uow:
        found = uow.session.scalar(select(Payment.id).where(Payment.stripe_intent_id == intent.id))
    if found is not None:
        return found
    metadata = getattr(intent, "metadata", None) or {}
    raw = metadata.get("payment_id") if hasattr(metadata, "get") else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _id(value: Any) -> str:
    return value if isinstance(value, str) else str(value.id)


def _maybe_id(value: Any) -> str | None:
    return None if value is None else _id(value)
