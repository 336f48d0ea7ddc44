"""The escrow primitive: separate charges and transfers. A cart is charged once on the
platform (no destination) with a ``transfer_group``; each provider's payout is an escrow
transfer held on the platform until its service is delivered, then transferred to the
provider's connected account; a refund reverses what was transferred.

Trips (a later issue) build carts on this; bookings with a single host use destination
charges instead (``checkout``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.payments import checkout, ledger, operations
from innkeeper.payments.domain import PaymentKind, PaymentStatus, TransferStatus
from innkeeper.payments.models import EscrowTransfer, Payment
from innkeeper.payments.operations import Call
from innkeeper.payments.payees import ready_payee
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class CartItem:
    """One provider's part of a cart: what it is paid, and when its service ends."""

    organization_id: uuid.UUID
    payout_minor: int
    release_at: datetime | None = None
    booking_id: uuid.UUID | None = None
    listing_id: uuid.UUID | None = None
    description: str = ""


def create_cart_payment(
    svc: Services,
    *,
    payer_user_id: uuid.UUID,
    currency: str,
    amount_minor: int,
    items: Sequence[CartItem],
    description: str,
) -> Payment:
    """A platform charge for the whole cart and one held escrow transfer per item; the
    platform keeps ``amount - sum(payouts)``. Every provider must be able to take money."""
    payouts = sum(item.payout_minor for item in items)
    if not items:
        raise InvalidInput.for_field("items", "a cart needs at least one item")
    if any(item.payout_minor <= 0 for item in items):
        raise InvalidInput.for_field("items.payout_minor", "must be above zero")
    if payouts > amount_minor:
        raise InvalidInput.for_field("amount_minor", "is less than the providers' payouts")
    now = svc.clock.now()
    with svc.uow() as uow:
        destinations = [
            ready_payee(uow.session, organization_id=i.organization_id, listing_id=i.listing_id)
            for i in items
        ]
        payment = Payment(
            payer_user_id=payer_user_id,
            kind=PaymentKind.CART,
            status=PaymentStatus.CREATED,
            currency=currency,
            amount_minor=amount_minor,
            host_share_minor=payouts,
            platform_share_minor=amount_minor - payouts,
            expert_share_minor=0,
            description=description,
            created_at=now,
            updated_at=now,
        )
        payment.transfer_group = f"cart-{payment.id}"
        uow.session.add(payment)
        uow.flush()
        for item, payee in zip(items, destinations, strict=True):
            uow.session.add(
                EscrowTransfer(
                    payment_id=payment.id,
                    organization_id=item.organization_id,
                    booking_id=item.booking_id,
                    destination=payee.stripe_account_id,
                    currency=currency,
                    amount_minor=item.payout_minor,
                    reversed_minor=0,
                    status=TransferStatus.HELD,
                    description=item.description,
                    release_at=item.release_at,
                    created_at=now,
                )
            )
        uow.commit()
    return payment


def pay_cart(svc: Services, payment_id: uuid.UUID, payment_method: str) -> Payment:
    """Confirm the cart's charge (on-session, 3-D Secure returns to ``checkout.refresh``)."""
    intent = checkout.ensure_intent(svc, payment_id)
    checkout.confirm(svc, payment_id, intent.id, payment_method, None)
    return checkout.load(svc, payment_id)


def release(svc: Services, escrow_id: uuid.UUID) -> EscrowTransfer:
    """Pay one provider: a transfer from the cart's charge (``source_transaction``) in its
    ``transfer_group``, once, whoever asks and however often."""
    escrow, payment = _load(svc, escrow_id)
    if escrow.status is TransferStatus.PAID:
        return escrow
    if escrow.status is not TransferStatus.HELD:
        raise Conflict(f"this payout is {escrow.status} and cannot be paid")
    if payment.status is not PaymentStatus.SUCCEEDED or payment.stripe_charge_id is None:
        raise Conflict("the cart has not been paid yet")
    transfer = operations.run(
        svc,
        Call(
            "create_transfer",
            {
                "amount": escrow.amount_minor - escrow.reversed_minor,
                "currency": escrow.currency.lower(),
                "destination": escrow.destination,
                "source_transaction": payment.stripe_charge_id,
                "transfer_group": payment.transfer_group,
                "metadata": {"escrow_id": str(escrow.id), "payment_id": str(payment.id)},
            },
            purpose=f"escrow:{escrow.id}:transfer",
            payment_id=payment.id,
            booking_id=escrow.booking_id,
        ),
        lambda p, o: svc.stripe.v1.transfers.create(p, o),
        fetch=lambda found: svc.stripe.v1.transfers.retrieve(found),
    )
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _lock(uow.session, escrow.id)
        if row.status is TransferStatus.HELD:
            row.status, row.stripe_transfer_id, row.paid_at = TransferStatus.PAID, transfer.id, now
            ledger.post(
                uow.session,
                ledger.Entry(
                    kind="escrow_transfer",
                    dedupe_key=f"transfer:{transfer.id}",
                    currency=row.currency,
                    postings=ledger.transfer_postings(
                        amount=int(transfer.amount),
                        destination=row.destination,
                        transfer_id=transfer.id,
                        destination_payment=_maybe_id(transfer.destination_payment),
                    ),
                    booking_id=row.booking_id,
                    organization_id=row.organization_id,
                    payment_id=row.payment_id,
                ),
                at=now,
            )
        uow.commit()
    return row


def reverse(
    svc: Services, escrow_id: uuid.UUID, amount_minor: int, *, reason: str
) -> EscrowTransfer:
    """Take back part or all of a paid payout (a refund of that provider's service); a held
    one is simply reduced, with nothing to ask Stripe."""
    escrow, _ = _load(svc, escrow_id)
    left = escrow.amount_minor - escrow.reversed_minor
    if not 0 < amount_minor <= left:
        raise InvalidInput.for_field("amount_minor", f"must be between 1 and {left}")
    if escrow.status is TransferStatus.PAID:
        reversal = operations.run(
            svc,
            Call(
                "reverse_transfer",
                {"amount": amount_minor, "metadata": {"reason": reason[:500]}},
                purpose=f"escrow:{escrow.id}:reversal:{escrow.reversed_minor}",
                payment_id=escrow.payment_id,
            ),
            lambda p, o: svc.stripe.v1.transfers.reversals.create(
                str(escrow.stripe_transfer_id), p, o
            ),
        )
    else:
        reversal = None
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _lock(uow.session, escrow.id)
        row.reversed_minor += amount_minor
        if row.reversed_minor == row.amount_minor:
            row.status = (
                TransferStatus.REVERSED if reversal is not None else TransferStatus.CANCELED
            )
        if reversal is not None:
            ledger.post(
                uow.session,
                ledger.Entry(
                    kind="transfer_reversal",
                    dedupe_key=f"reversal:{reversal.id}",
                    currency=row.currency,
                    postings=ledger.reversal_postings(
                        amount=amount_minor,
                        destination=row.destination,
                        reversal_id=reversal.id,
                        destination_refund=_maybe_id(reversal.destination_payment_refund),
                    ),
                    booking_id=row.booking_id,
                    organization_id=row.organization_id,
                    payment_id=row.payment_id,
                    memo=reason,
                ),
                at=now,
            )
        uow.commit()
    return row


def release_due(svc: Services) -> int:
    """The job: pay every held payout whose service has ended and whose cart is paid."""
    now = svc.clock.now()
    with svc.uow() as uow:
        due = uow.session.scalars(
            select(EscrowTransfer.id)
            .join(Payment, Payment.id == EscrowTransfer.payment_id)
            .where(
                EscrowTransfer.status == TransferStatus.HELD,
                EscrowTransfer.release_at <= now,
                Payment.status == PaymentStatus.SUCCEEDED,
            )
        ).all()
    for escrow_id in due:
        release(svc, escrow_id)
    return len(due)


def escrows_of(svc: Services, payment_id: uuid.UUID) -> list[EscrowTransfer]:
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(EscrowTransfer)
                .where(EscrowTransfer.payment_id == payment_id)
                .order_by(EscrowTransfer.created_at, EscrowTransfer.id)
            )
        )


def _load(svc: Services, escrow_id: uuid.UUID) -> tuple[EscrowTransfer, Payment]:
    with svc.uow() as uow:
        escrow = uow.session.get(EscrowTransfer, escrow_id)
        payment = None if escrow is None else uow.session.get(Payment, escrow.payment_id)
    if escrow is None or payment is None:
        raise NotFound(f"escrow transfer {escrow_id} not found")
    return escrow, payment


def _lock(session: Any, escrow_id: uuid.UUID) -> EscrowTransfer:
    row: EscrowTransfer | None = session.get(EscrowTransfer, escrow_id, with_for_update=True)
    if row is None:
        raise NotFound(f"escrow transfer {escrow_id} not found")
    return row


def _maybe_id(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value.id)
