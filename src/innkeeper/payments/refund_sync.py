"""Refunds kept in step with Stripe: what its refund events tell us that our own refund path
(``payments.refunds``) cannot know.

Three cases, decided from the refund as Stripe has it now:

- **A refund we made** (its row carries the Stripe id, or the refund carries our row's id in
  its metadata). Our synchronous path recorded it, so a success changes nothing. When
  Stripe later says it *failed* or was *canceled* (the card was closed, the bank sent it
  back), the money is back in the platform's balance: the row is marked failed, the
  ledger gets an entry reversing the refund's (``refund_failed:{refund}``), the payment
  and the booking count the money as paid again, and the admins are told, once. A transfer
  reversal and fee refund made with it stay as they are: the host's part now sits with the
  platform, and whether to refund the guest another way or pay the host is an admin's call.
  While our row is still pending (our path is between Stripe and its own commit) the event
  waits: ``NotYetRecorded`` retries it once our path has recorded the refund.
- **A refund made outside Innkeeper** (the Stripe Dashboard, support) on one of our
  charges: recorded as a ``RefundRow`` (``initiated_by`` "stripe"), taken from the
  platform's share unless Stripe reversed part of the transfer with it (that part is the
  host's), with the payment's and booking's numbers updated as our own path does and the
  ledger posted under ``refund:{refund}``, the key our own path uses, so both together
  still post once.
- **Anything else** (another platform's charge, a connected account's own refunds): not ours.

Every write happens in one transaction under the booking's, the payment's and the row's
locks (in that order, as ``refunds`` takes them), so two events about one refund at once,
or an event racing our own path, apply it once.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from innkeeper.audit.repository import Change, record
from innkeeper.bookings.models import Booking
from innkeeper.db.uow import UnitOfWork
from innkeeper.payments import disputes, ledger, refunds
from innkeeper.payments.disputes import NotYetRecorded
from innkeeper.payments.domain import PaymentKind, PaymentStatus, RefundStatus
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.services import Services

GONE: Final = frozenset({"failed", "canceled"})  # Stripe gave the money back to the balance
OUTSIDE_REASON: Final = "refunded outside Innkeeper"
LATE_PREFIX: Final = "late:"  # refunds.refund_late_payment's purpose: money never counted paid


@dataclass(frozen=True, slots=True)
class Applied:
    """What one refund event did: ``recorded`` (a refund from outside), ``failed`` (a
    refund reversed by Stripe), or ``unchanged``."""

    refund_row_id: uuid.UUID
    booking_id: uuid.UUID | None
    action: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Reversal:
    """The transfer reversal Stripe made with a refund from outside (read before the
    transaction opens)."""

    id: str
    amount: int
    destination_refund: str | None


@dataclass
class _Locked:
    payment: Payment
    booking: Booking | None
    row: RefundRow | None


def apply_refund(svc: Services, refund: Any) -> Applied | None:
    """Bring our records in step with ``refund`` (as Stripe has it now); None when it is not
    about one of our payments."""
    payment_id, status = _payment_for(svc, refund)
    if payment_id is None:
        return None
    if status is RefundStatus.PENDING:
        raise NotYetRecorded(f"refund {refund['id']} is still being recorded by its own path")
    gone = str(disputes.field(refund, "status")) in GONE
    reversal = None if status is not None or gone else _reversal(svc, refund)
    now = svc.clock.now()
    with svc.uow() as uow:
        locked = _lock(uow, payment_id, refund)
        applied = _apply(uow, locked, refund, reversal, now)
        uow.commit()
    return applied


def _apply(
    uow: UnitOfWork, locked: _Locked, refund: Any, reversal: Reversal | None, now: datetime
) -> Applied:
    row, gone = locked.row, str(disputes.field(refund, "status")) in GONE
    if row is None:
        return _record_outside(uow, locked, refund, reversal, now)
    if row.status is RefundStatus.PENDING:
        raise NotYetRecorded(f"refund {refund['id']} is still being recorded by its own path")
    if row.status is RefundStatus.SUCCEEDED and gone:
        _undo(uow, locked, row, refund, now)
        return Applied(row.id, row.booking_id, "failed", row.amount_minor)
    return Applied(row.id, row.booking_id, "unchanged", row.amount_minor)


# --- finding ---------------------------------------------------------------------------------


def _payment_for(svc: Services, refund: Any) -> tuple[uuid.UUID | None, RefundStatus | None]:
    """The payment a refund is about, and the status of our row for it (None: no row)."""
    with svc.uow() as uow:
        row = _row_of(uow, refund, lock=False)
        if row is not None:
            return row.payment_id, row.status
        payment = disputes.payment_of(
            uow.session,
            _id(disputes.field(refund, "charge")),
            _id(disputes.field(refund, "payment_intent")),
        )
        return (None if payment is None else payment.id), None


def _row_of(uow: UnitOfWork, refund: Any, *, lock: bool) -> RefundRow | None:
    """Our row: by the Stripe id our path stored, or by the row id our path put in the
    refund's metadata (before it had the chance to store the Stripe id)."""
    query = select(RefundRow).where(RefundRow.stripe_refund_id == str(refund["id"]))
    ours = _uuid(disputes.field(disputes.field(refund, "metadata"), "refund_id"))
    if ours is not None:
        query = select(RefundRow).where(
            (RefundRow.stripe_refund_id == str(refund["id"])) | (RefundRow.id == ours)
        )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return uow.session.scalars(query).first()


def _lock(uow: UnitOfWork, payment_id: uuid.UUID, refund: Any) -> _Locked:
    peek = uow.session.get(Payment, payment_id)
    assert peek is not None
    booking = (
        None
        if peek.booking_id is None
        else uow.session.get(Booking, peek.booking_id, with_for_update=True)
    )
    payment = uow.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    assert payment is not None
    return _Locked(payment, booking, _row_of(uow, refund, lock=True))


def _reversal(svc: Services, refund: Any) -> Reversal | None:
    """The transfer reversal Stripe made with this refund, if any."""
    reversal_id = _id(disputes.field(refund, "transfer_reversal"))
    if reversal_id is None:
        return None
    found = refund["transfer_reversal"]
    if isinstance(found, str):
        charge = svc.stripe.v1.charges.retrieve(str(_id(disputes.field(refund, "charge"))))
        found = svc.stripe.v1.transfers.reversals.retrieve(
            str(_id(disputes.field(charge, "transfer"))), reversal_id
        )
    return Reversal(
        reversal_id, int(found["amount"]), _id(disputes.field(found, "destination_payment_refund"))
    )


# --- a refund from outside -------------------------------------------------------------------


def _record_outside(
    uow: UnitOfWork, locked: _Locked, refund: Any, reversal: Reversal | None, now: datetime
) -> Applied:
    """Record a refund Innkeeper did not make. Seen first as failed (or canceled), it is a
    failed row and moves nothing: Stripe took the money and gave it back."""
    payment = locked.payment
    if payment.status is not PaymentStatus.SUCCEEDED or payment.captured_minor <= 0:
        raise NotYetRecorded(f"payment {payment.id} is not settled yet: retry later")
    amount = int(refund["amount"])
    gone = str(disputes.field(refund, "status")) in GONE
    parts = _outside_parts(uow, payment, amount, reversal)
    row = _insert(uow, payment, refund, parts, failed=gone, now=now)
    if gone:
        return Applied(row.id, row.booking_id, "recorded", amount)
    payment.refunded_minor += amount
    payment.updated_at = now
    if locked.booking is not None and payment.kind is PaymentKind.BOOKING:
        booking = locked.booking
        booking.paid_minor = max(booking.paid_minor - amount, 0)
        booking.refund_due_minor = min(
            max(booking.refund_due_minor - amount, 0), booking.paid_minor
        )
        booking.updated_at = now
    _post_outside(uow, row, payment, reversal, now)
    _audit(uow, row, payment, "refund.recorded", RefundStatus.SUCCEEDED, now)
    return Applied(row.id, row.booking_id, "recorded", amount)


def _outside_parts(
    uow: UnitOfWork, payment: Payment, amount: int, reversal: Reversal | None
) -> refunds.Parts:
    """The host gives back what Stripe reversed from its transfer (never more than its share
    left); the platform bears the rest."""
    left = refunds.refundable(uow, payment)
    host = 0 if reversal is None else min(reversal.amount, max(left.host, 0), amount)
    return refunds.Parts(host, amount - host, 0)


def _insert(
    uow: UnitOfWork,
    payment: Payment,
    refund: Any,
    parts: refunds.Parts,
    *,
    failed: bool,
    now: datetime,
) -> RefundRow:
    refund_id = str(refund["id"])
    uow.session.execute(
        insert(RefundRow)
        .values(
            id=uuid.uuid4(), payment_id=payment.id, booking_id=payment.booking_id,
            status=(RefundStatus.FAILED if failed else RefundStatus.SUCCEEDED).value,
            currency=payment.currency, amount_minor=parts.amount, from_host_minor=parts.host,
            from_platform_minor=parts.platform, from_expert_minor=parts.expert,
            reason=OUTSIDE_REASON, initiated_by="stripe", actor_user_id=None,
            purpose=f"stripe:{refund_id}", stripe_refund_id=refund_id, created_at=now,
            succeeded_at=None if failed else now,
        )
        .on_conflict_do_nothing()
    )  # fmt: skip
    return uow.session.scalars(
        select(RefundRow).where(RefundRow.stripe_refund_id == refund_id).with_for_update()
    ).one()


def _post_outside(
    uow: UnitOfWork, row: RefundRow, payment: Payment, reversal: Reversal | None, now: datetime
) -> None:
    refund_id = str(row.stripe_refund_id)
    split = ledger.Split(
        row.from_host_minor, row.from_platform_minor, row.from_expert_minor,
        payment.organization_id,
    )  # fmt: skip
    entries = [
        _entry(payment, "refund", f"refund:{refund_id}", row.reason,
               ledger.refund_postings(amount=row.amount_minor, refund_id=refund_id, split=split)),
    ]  # fmt: skip
    if reversal is not None and payment.destination is not None:
        postings = ledger.reversal_postings(
            amount=reversal.amount, destination=payment.destination, reversal_id=reversal.id,
            destination_refund=reversal.destination_refund,
        )  # fmt: skip
        entries.append(
            _entry(payment, "transfer_reversal", f"transfer_reversal:{reversal.id}", "", postings)
        )
    for entry in entries:
        ledger.post(uow.session, entry, at=now)


# --- a refund Stripe sent back ---------------------------------------------------------------


def _undo(uow: UnitOfWork, locked: _Locked, row: RefundRow, refund: Any, now: datetime) -> None:
    """The refund failed after it was recorded: the money is the platform's again."""
    payment, booking = locked.payment, locked.booking
    why = disputes.field(refund, "failure_reason") or disputes.field(refund, "status")
    row.status = RefundStatus.FAILED
    row.reason = f"{row.reason} (failed at Stripe: {why})"[:2000]
    payment.refunded_minor = max(payment.refunded_minor - row.amount_minor, 0)
    payment.updated_at = now
    counted = not (row.purpose or "").startswith(LATE_PREFIX)
    if booking is not None and payment.kind is PaymentKind.BOOKING and counted:
        booking.paid_minor += row.amount_minor
        booking.updated_at = now
    refund_id = str(row.stripe_refund_id or refund["id"])
    split = ledger.Split(
        row.from_host_minor, row.from_platform_minor, row.from_expert_minor,
        payment.organization_id,
    )  # fmt: skip
    back = ledger.refund_postings(amount=row.amount_minor, refund_id=refund_id, split=split)
    reversed_ = tuple(dataclasses.replace(p, amount_minor=-p.amount_minor) for p in back)
    ledger.post(
        uow.session,
        _entry(payment, "refund_failure", f"refund_failed:{refund_id}", row.reason, reversed_),
        at=now,
    )
    _audit(uow, row, payment, "refund.failed", RefundStatus.FAILED, now)
    _tell_admins(uow, row, payment, booking, str(why), now)


def _tell_admins(
    uow: UnitOfWork,
    row: RefundRow,
    payment: Payment,
    booking: Booking | None,
    why: str,
    now: datetime,
) -> None:
    data = disputes.booking_data(uow.session, None if booking is None else booking.id)
    data["refund"] = {
        "id": row.stripe_refund_id,
        "amount_minor": row.amount_minor,
        "currency": payment.currency,
        "failure_reason": why.replace("_", " "),
        "initiated_by": row.initiated_by,
    }
    disputes.tell(
        uow, f"refund_failed:{row.stripe_refund_id}", "payments.refund_failed",
        disputes.platform_admins(uow.session), data, row.booking_id, now,
    )  # fmt: skip


# --- shared ----------------------------------------------------------------------------------


def _entry(
    payment: Payment, kind: str, key: str, memo: str, postings: tuple[ledger.Posting, ...]
) -> ledger.Entry:
    return ledger.Entry(
        kind=kind, dedupe_key=key, currency=payment.currency, postings=postings,
        booking_id=payment.booking_id, organization_id=payment.organization_id,
        payment_id=payment.id, memo=memo,
    )  # fmt: skip


def _audit(
    uow: UnitOfWork, row: RefundRow, payment: Payment, action: str, to: RefundStatus,
    now: datetime,
) -> None:  # fmt: skip
    record(
        uow.session,
        Change(
            entity_type="refund", entity_id=row.id, action=action, actor_user_id=None,
            organization_id=payment.organization_id, to_state=to.value, reason=row.reason,
            changes={"payment_id": str(payment.id), "amount_minor": row.amount_minor,
                     "stripe_refund_id": row.stripe_refund_id, "initiated_by": row.initiated_by},
        ),
        at=now,
    )  # fmt: skip


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _id(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])
