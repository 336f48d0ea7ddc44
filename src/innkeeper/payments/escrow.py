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

from sqlalchemy import func, select

from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.payments import checkout, ledger, operations
from innkeeper.payments.domain import (
    OperationStatus,
    PaymentKind,
    PaymentStatus,
    TransferStatus,
)
from innkeeper.payments.models import EscrowTransfer, Operation, Payment, PayoutAccount
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
    return record_release(svc, escrow.id, transfer)


def record_release(svc: Services, escrow_id: uuid.UUID, transfer: Any) -> EscrowTransfer:
    """Mark a held payout paid by ``transfer`` and book it, once: called by ``release`` and
    by the ``transfer.created`` webhook (which may arrive first, or be all that is left of a
    release that stopped after Stripe made the transfer)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _lock(uow.session, escrow_id)
        if row.status is TransferStatus.HELD and row.destination == transfer.destination:
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
        metadata = {"reason": reason[:500], "escrow_id": str(escrow.id)}
        reversal = operations.run(
            svc,
            Call(
                "reverse_transfer",
                {"amount": amount_minor, "metadata": metadata},
                purpose=_reversal_purpose(svc, escrow.id),
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
        if reversal is None:
            _count_reversed(row, amount_minor, TransferStatus.CANCELED)
        else:
            seen = Reversal(
                reversal.id, int(reversal.amount), _maybe_id(reversal.destination_payment_refund),
                reason,
            )  # fmt: skip
            _book_reversal(uow.session, row, seen, now)
        uow.commit()
    return row


def _reversal_purpose(svc: Services, escrow_id: uuid.UUID) -> str:
    """The purpose of the next reversal we ask for: the Nth, N counting our reversal
    operations Stripe answered (made, or refused for good). A retry after a lost answer (its
    operation still open) reuses the key and so finds the same reversal; reversals made
    elsewhere (the Dashboard, booked by the ``transfer.reversed`` webhook, perhaps in
    between) do not shift it."""
    prefix = f"escrow:{escrow_id}:reversal:"
    with svc.uow() as uow:
        done = uow.session.scalar(
            select(func.count())
            .select_from(Operation)
            .where(
                Operation.purpose.startswith(prefix, autoescape=True),
                Operation.status.in_((OperationStatus.SUCCEEDED, OperationStatus.FAILED)),
            )
        )
    return f"{prefix}{int(done or 0)}"


@dataclass(frozen=True, slots=True)
class Reversal:
    """A transfer reversal as Stripe reports it."""

    id: str
    amount: int
    destination_refund: str | None  # the ``pyr_`` on the connected account
    memo: str = ""


def record_reversals(
    svc: Services, transfer_id: str, destination: str, currency: str,
    reversals: Sequence[Reversal],
) -> list[str] | None:  # fmt: skip
    """Book every reversal of one of our transfers that the ledger does not have yet (one
    made in Stripe's Dashboard, or ours seen by webhook first), under the same dedupe key as
    ``reverse`` and the refund path, so each is booked once whoever sees it first. An escrow
    payout counts it in ``reversed_minor`` (``reversed`` when nothing is left). Returns the
    reversal ids booked now, or None when the transfer is not ours."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.scalars(
            select(EscrowTransfer)
            .where(EscrowTransfer.stripe_transfer_id == transfer_id)
            .with_for_update()
        ).one_or_none()
        if row is not None:
            booked = [r.id for r in reversals if _book_reversal(uow.session, row, r, now)]
        else:
            owner = _transfer_owner(uow.session, transfer_id, destination, currency)
            if owner is None:
                return None
            booked = [
                r.id for r in reversals
                if ledger.post(uow.session, _reversal_entry(owner, destination, r), at=now)
            ]  # fmt: skip
        uow.commit()
    return booked


def record_manual_transfer(
    svc: Services, transfer_id: str, destination: str, currency: str, amount: int,
    destination_payment: str | None,
) -> bool | None:  # fmt: skip
    """A transfer to one of our payout accounts that no payout or payment of ours made (sent
    from Stripe's Dashboard): booked once so the ledger still mirrors both balances. None
    when the destination is not ours; True when booked now."""
    with svc.uow() as uow:
        account = uow.session.scalar(
            select(PayoutAccount).where(PayoutAccount.stripe_account_id == destination)
        )
        if account is None:
            return None
        posted = ledger.post(
            uow.session,
            ledger.Entry(
                kind="manual_transfer", dedupe_key=f"transfer:{transfer_id}",
                currency=currency.upper(), organization_id=account.organization_id,
                memo="a transfer made outside Innkeeper (Stripe Dashboard)",
                postings=ledger.transfer_postings(
                    amount=amount, destination=destination, transfer_id=transfer_id,
                    destination_payment=destination_payment,
                ),
            ),
            at=svc.clock.now(),
        )  # fmt: skip
        uow.commit()
    return posted


@dataclass(frozen=True, slots=True)
class _Owner:
    currency: str
    booking_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    payment_id: uuid.UUID | None


def _transfer_owner(
    session: Any, transfer_id: str, destination: str, currency: str
) -> _Owner | None:
    """Whose transfer this is: a destination charge's (its payment), or another transfer to
    one of our payout accounts; None if neither."""
    payment = session.scalar(select(Payment).where(Payment.stripe_transfer_id == transfer_id))
    if payment is not None:
        return _Owner(payment.currency, payment.booking_id, payment.organization_id, payment.id)
    account = session.scalar(
        select(PayoutAccount).where(PayoutAccount.stripe_account_id == destination)
    )
    if account is None:
        return None
    return _Owner(currency.upper(), None, account.organization_id, None)


def _reversal_entry(owner: _Owner, destination: str, reversal: Reversal) -> ledger.Entry:
    return ledger.Entry(
        kind="transfer_reversal", dedupe_key=f"transfer_reversal:{reversal.id}",
        currency=owner.currency, booking_id=owner.booking_id,
        organization_id=owner.organization_id, payment_id=owner.payment_id, memo=reversal.memo,
        postings=ledger.reversal_postings(
            amount=reversal.amount, destination=destination, reversal_id=reversal.id,
            destination_refund=reversal.destination_refund,
        ),
    )  # fmt: skip


def _book_reversal(session: Any, row: EscrowTransfer, reversal: Reversal, now: datetime) -> bool:
    """Post the reversal once; only the run that posts it counts it on the row, so
    ``reverse`` and the webhook, in either order, count it once."""
    owner = _Owner(row.currency, row.booking_id, row.organization_id, row.payment_id)
    posted = ledger.post(session, _reversal_entry(owner, row.destination, reversal), at=now)
    if posted:
        _count_reversed(row, reversal.amount, TransferStatus.REVERSED)
    return posted


def _count_reversed(row: EscrowTransfer, amount: int, final: TransferStatus) -> None:
    row.reversed_minor += amount
    if row.reversed_minor >= row.amount_minor:
        row.status = final


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
