"""Refunds: money back to the guest, taken exactly from the host, the platform and the expert.

A refund is a ``RefundRow`` committed (pending) before Stripe hears of it; then up to three
Stripe writes, each its own operation (``refund:{row}:refund|reversal|fee_refund``), so a
retry after any failure makes nothing twice; then one transaction records the outcome: the
row, the payment, the booking and the ledger.

For a destination charge the refund comes out of the platform's balance, and explicit
amounts (never Stripe's proportional ``reverse_transfer`` / ``refund_application_fee``)
move the right money back: the transfer is reversed by ``from_host + fee_back`` and the
application fee refunded by ``fee_back = from_platform + from_expert``, so the connected
account gives back exactly ``from_host`` and the platform exactly the rest.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.audit.repository import Change, record
from innkeeper.bookings.domain import BookingStatus, Role
from innkeeper.bookings.models import Booking
from innkeeper.bookings.refunds import Shares as BookingShares
from innkeeper.bookings.refunds import policy_from_snapshot, refund
from innkeeper.bookings.roles import may_view, roles_of
from innkeeper.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from innkeeper.db.uow import UnitOfWork
from innkeeper.payments import ledger, operations
from innkeeper.payments.domain import (
    PaymentFailed,
    PaymentKind,
    PaymentProviderUnavailable,
    PaymentStatus,
    RefundStatus,
)
from innkeeper.payments.gateway import StripeRefused
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.payments.operations import Call
from innkeeper.services import Services

_log = logging.getLogger(__name__)

INITIATORS: Final = frozenset({"guest", "host", "admin", "system"})
OPEN: Final = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)  # rows that hold money back


class NotRefundable(Conflict):
    code = "not_refundable"


@dataclass(frozen=True, slots=True)
class Parts:
    """How much of a refund each earner gives back; sums to the refund."""

    host: int
    platform: int
    expert: int

    @property
    def amount(self) -> int:
        return self.host + self.platform + self.expert


@dataclass(frozen=True, slots=True)
class Refundable:
    """What is left to give back on one payment, in total and from each share."""

    amount: int
    host: int
    platform: int
    expert: int


# --- the use cases -------------------------------------------------------------------------


def refund_payment(
    svc: Services,
    payment_id: uuid.UUID,
    *,
    amount: int,
    from_host: int,
    from_platform: int,
    from_expert: int,
    reason: str,
    initiated_by: str,
    actor_user_id: uuid.UUID | None,
    purpose: str,
    counts_as_paid: bool = True,
) -> RefundRow:
    """Give ``amount`` of a payment back, taken from each share as told. ``purpose`` names the
    business step: asking again with it returns the same refund (finishing it if it was cut
    short). ``counts_as_paid`` False for money the booking never counted (a late payment)."""
    parts = Parts(from_host, from_platform, from_expert)
    if parts.amount != amount:
        raise InvalidInput.for_field("amount_minor", "must equal the sum of its parts")
    row_id = _open(
        svc, payment_id, parts, reason=reason, initiated_by=initiated_by,
        actor_user_id=actor_user_id, purpose=purpose,
    )  # fmt: skip
    return execute(svc, row_id, counts_as_paid=counts_as_paid)


def refund_late_payment(svc: Services, payment_id: uuid.UUID) -> RefundRow | None:
    """A payment that arrived for a booking whose dates are gone goes back in full, taken
    from each share as it was paid. None when nothing is left to refund."""
    with svc.uow() as uow:
        payment = _payment(uow, payment_id)
        left = refundable(uow, payment)
    if left.amount <= 0:
        return None
    return refund_payment(
        svc, payment_id, amount=left.amount, from_host=left.host, from_platform=left.platform,
        from_expert=left.expert, initiated_by="system", actor_user_id=None,
        reason="the payment arrived after the booking's dates were no longer available",
        purpose=f"late:{payment_id}", counts_as_paid=False,
    )  # fmt: skip


def refund_due(svc: Services, booking_id: uuid.UUID) -> list[RefundRow]:
    """Pay the booking's ``refund_due`` (set when it was cancelled) across its succeeded
    booking payments, newest first. The plan is written once, as pending rows, so a retry
    (the job, a second call) finishes it and never refunds twice."""
    row_ids = _plan(svc, booking_id)
    return [execute(svc, row_id) for row_id in row_ids]


def execute(svc: Services, row_id: uuid.UUID, *, counts_as_paid: bool = True) -> RefundRow:
    """Carry a pending refund through Stripe and record it; a finished one is returned as
    it is. A refusal by Stripe marks the row failed; an outage leaves it pending."""
    row, payment = _load(svc, row_id)
    if row.status is not RefundStatus.PENDING:
        return row
    try:
        stripe_refund = _stripe_refund(svc, row, payment)
    except (PaymentFailed, StripeRefused) as error:
        _fail(svc, row_id, str(error))
        raise
    done = _give_back(svc, row, payment, stripe_refund.id)
    _record(svc, row_id, done, counts_as_paid=counts_as_paid)
    return _load(svc, row_id)[0]


# --- opening a refund ----------------------------------------------------------------------


def _open(
    svc: Services,
    payment_id: uuid.UUID,
    parts: Parts,
    *,
    reason: str,
    initiated_by: str,
    actor_user_id: uuid.UUID | None,
    purpose: str,
) -> uuid.UUID:
    """The pending row, committed before Stripe is called; the existing one for a purpose
    already served."""
    with svc.uow() as uow:
        payment = _payment(uow, payment_id, lock=True)
        existing = uow.session.scalar(select(RefundRow.id).where(RefundRow.purpose == purpose))
        if existing is not None:
            return existing
        check(uow, payment, parts)
        row_id = _insert(
            uow, payment, parts, reason=reason, initiated_by=initiated_by,
            actor_user_id=actor_user_id, purpose=purpose, now=svc.clock.now(),
        )  # fmt: skip
        uow.commit()
    return row_id


def check(uow: UnitOfWork, payment: Payment, parts: Parts) -> None:
    """Refuse a refund the payment cannot give: not captured, more than is left, or more
    than a share holds. Pending refunds count as given."""
    if payment.status is not PaymentStatus.SUCCEEDED or payment.captured_minor <= 0:
        raise NotRefundable("only a captured payment can be refunded")
    if min(parts.host, parts.platform, parts.expert) < 0 or parts.amount <= 0:
        raise InvalidInput.for_field("amount_minor", "must be a positive amount")
    left = refundable(uow, payment)
    if parts.amount > left.amount:
        raise InvalidInput.for_field(
            "amount_minor", f"at most {left.amount} is left to refund on this payment"
        )
    if parts.host > left.host:
        raise InvalidInput.for_field(
            "amount_minor", f"at most {left.host} of the host's share is left to refund"
        )
    if parts.platform > left.platform or parts.expert > left.expert:
        raise InvalidInput.for_field("amount_minor", "more than the fees left to refund")


def refundable(uow: UnitOfWork, payment: Payment) -> Refundable:
    """What is left to refund on ``payment``: what was captured, split as the ledger booked
    it (a partial capture is the host's alone), less every pending or succeeded refund."""
    rows = uow.session.scalars(
        select(RefundRow).where(RefundRow.payment_id == payment.id, RefundRow.status.in_(OPEN))
    ).all()
    fees = payment.platform_share_minor + payment.expert_share_minor
    host = max(payment.captured_minor - fees, 0)
    platform = min(payment.platform_share_minor, payment.captured_minor - host)
    expert = payment.captured_minor - host - platform
    return Refundable(
        amount=payment.captured_minor - sum(r.amount_minor for r in rows),
        host=host - sum(r.from_host_minor for r in rows),
        platform=platform - sum(r.from_platform_minor for r in rows),
        expert=expert - sum(r.from_expert_minor for r in rows),
    )


def _insert(
    uow: UnitOfWork,
    payment: Payment,
    parts: Parts,
    *,
    reason: str,
    initiated_by: str,
    actor_user_id: uuid.UUID | None,
    purpose: str,
    now: datetime,
) -> uuid.UUID:
    if initiated_by not in INITIATORS:
        raise ValueError(f"unknown refund initiator {initiated_by!r}")
    row_id = uow.session.scalar(
        insert(RefundRow)
        .values(
            id=uuid.uuid4(),
            payment_id=payment.id,
            booking_id=payment.booking_id,
            status=RefundStatus.PENDING.value,
            currency=payment.currency,
            amount_minor=parts.amount,
            from_host_minor=parts.host,
            from_platform_minor=parts.platform,
            from_expert_minor=parts.expert,
            reason=reason.strip()[:2000] or "refund",
            initiated_by=initiated_by,
            actor_user_id=actor_user_id,
            purpose=purpose,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["purpose"])
        .returning(RefundRow.id)
    )
    if row_id is None:  # a concurrent request for the same purpose won
        found = uow.session.scalar(select(RefundRow.id).where(RefundRow.purpose == purpose))
        assert found is not None
        return found
    return uuid.UUID(str(row_id))


# --- the cancellation plan ---------------------------------------------------------------


def _plan(svc: Services, booking_id: uuid.UUID) -> list[uuid.UUID]:
    """The pending rows of the booking's cancellation refund, written once under the
    booking's lock: a later call finds them and only finishes them."""
    prefix = f"cancel:{booking_id}:"
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id, with_for_update=True)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        planned = _rows_with_prefix(uow, prefix)
        if not planned and booking.refund_due_minor > 0:
            planned = _write_plan(uow, booking, prefix, svc.clock.now())
            uow.commit()
        return [r.id for r in planned if r.status is RefundStatus.PENDING]


def _rows_with_prefix(uow: UnitOfWork, prefix: str) -> Sequence[RefundRow]:
    return uow.session.scalars(
        select(RefundRow)
        .where(RefundRow.purpose.startswith(prefix, autoescape=True))
        .order_by(RefundRow.created_at, RefundRow.purpose)
    ).all()


def _write_plan(uow: UnitOfWork, booking: Booking, prefix: str, now: datetime) -> list[RefundRow]:
    payments = uow.session.scalars(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == PaymentKind.BOOKING,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
        .order_by(Payment.succeeded_at.desc(), Payment.installment.desc())
        .with_for_update()
    ).all()
    lefts = [refundable(uow, p) for p in payments]
    due = min(booking.refund_due_minor, sum(max(left.amount, 0) for left in lefts))
    plan = spread(due_parts(booking, due), lefts)
    reason = booking.reason or "booking cancelled"
    initiated_by = _initiator(booking.ended_by)
    for index, (payment, parts) in enumerate(zip(payments, plan, strict=True)):
        if parts.amount > 0:
            _insert(
                uow, payment, parts, reason=reason, initiated_by=initiated_by,
                actor_user_id=None, purpose=f"{prefix}{index}:{payment.id}", now=now,
            )  # fmt: skip
    uow.flush()
    return list(_rows_with_prefix(uow, prefix))


def cancellation_parts(booking: Booking) -> Parts:
    """Who gives back the refund the cancellation decided: the booking's own policy, as it
    was when cancelled (the same arithmetic as the refund preview)."""
    in_full = booking.ended_by not in (Role.GUEST, Role.EXPERT)
    decided = refund(
        policy_from_snapshot(booking.cancellation_policy),
        lines=booking.lines,
        shares=BookingShares(
            guest_total=booking.guest_total_minor,
            host_payout=booking.host_payout_minor,
            platform_fee=booking.platform_fee_minor,
            expert_fee=booking.expert_fee_minor,
        ),
        paid_minor=booking.paid_minor,
        arrival_at=booking.arrival_at,
        cancelled_at=booking.ended_at or booking.updated_at,
        in_full=in_full,
    )
    return Parts(decided.from_host_minor, decided.from_platform_minor, decided.from_expert_minor)


def due_parts(booking: Booking, due: int) -> Parts:
    """The parts of ``due``: the cancellation's, scaled down when less was paid than the
    policy would give back (a deposit); the booking's split when it was not cancelled."""
    if booking.status is BookingStatus.CANCELLED:
        reference = cancellation_parts(booking)
    else:
        reference = Parts(
            booking.host_payout_minor, booking.platform_fee_minor, booking.expert_fee_minor
        )
    return scale(reference, due)


def scale(parts: Parts, amount: int) -> Parts:
    """``parts`` scaled to sum to ``amount`` exactly: host and expert rounded down, the
    platform takes the remainder (never negative)."""
    total = parts.amount
    if total <= 0 or amount <= 0:
        return Parts(max(amount, 0), 0, 0)
    if amount == total:
        return parts
    host = parts.host * amount // total
    expert = parts.expert * amount // total
    return Parts(host, amount - host - expert, expert)


def spread(parts: Parts, lefts: Sequence[Refundable]) -> list[Parts]:
    """Split a refund across payments (newest first): each takes what it can of the amount,
    and its parts are the refund's in proportion, within what each share has left; the
    pieces sum to ``parts`` exactly."""
    out: list[Parts] = []
    remaining = parts
    for left in lefts:
        take = min(remaining.amount, max(left.amount, 0))
        piece = _fit(remaining if take == remaining.amount else scale(remaining, take), left)
        out.append(piece)
        remaining = Parts(
            remaining.host - piece.host,
            remaining.platform - piece.platform,
            remaining.expert - piece.expert,
        )
    return out


def _fit(piece: Parts, left: Refundable) -> Parts:
    """Move rounding units between parts so none exceeds what its share has left."""
    host, platform, expert = piece.host, piece.platform, piece.expert
    over = max(platform - left.platform, 0)
    platform -= over
    host_room = max(left.host - host, 0)
    host += min(over, host_room)
    expert += over - min(over, host_room)
    over = max(host - left.host, 0)
    host -= over
    platform += over
    return Parts(host, platform, expert)


def _initiator(role: Role | None) -> str:
    if role is Role.EXPERT:
        return "guest"
    return role.value if role is not None and role.value in INITIATORS else "system"


# --- Stripe ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    """What Stripe made for a refund: ids and exact amounts, for the ledger."""

    refund_id: str
    reversal_id: str | None = None
    reversal_amount: int = 0
    destination_refund: str | None = None
    fee_refund_id: str | None = None
    fee_refund_amount: int = 0


def _give_back(svc: Services, row: RefundRow, payment: Payment, refund_id: str) -> Done:
    """For a destination charge, the connected account's part: the transfer reversal and
    the application-fee refund, each once. A failure here leaves the row pending: the
    refund is made, and the next try finishes the rest."""
    if payment.destination is None or payment.stripe_transfer_id is None:
        return Done(refund_id=refund_id)
    fee_back = row.from_platform_minor + row.from_expert_minor
    if payment.stripe_application_fee_id is None:
        fee_back = 0
    reversal = _reverse(svc, row, payment, row.from_host_minor + fee_back)
    fee_refund = _refund_fee(svc, row, payment, fee_back)
    return Done(
        refund_id=refund_id,
        reversal_id=None if reversal is None else reversal.id,
        reversal_amount=0 if reversal is None else int(reversal.amount),
        destination_refund=None
        if reversal is None
        else _maybe_id(reversal.destination_payment_refund),
        fee_refund_id=None if fee_refund is None else fee_refund.id,
        fee_refund_amount=0 if fee_refund is None else int(fee_refund.amount),
    )


def _stripe_refund(svc: Services, row: RefundRow, payment: Payment) -> Any:
    params: dict[str, Any] = {
        "amount": row.amount_minor,
        "metadata": {"refund_id": str(row.id), "payment_id": str(payment.id),
                     "booking_id": str(payment.booking_id or "")},
    }  # fmt: skip
    if payment.stripe_charge_id:
        params["charge"] = payment.stripe_charge_id
    else:
        params["payment_intent"] = payment.stripe_intent_id
    return operations.run(
        svc,
        Call("create_refund", params, purpose=f"refund:{row.id}:refund",
             payment_id=payment.id, booking_id=payment.booking_id),
        lambda p, o: svc.stripe.v1.refunds.create(p, o),
        fetch=lambda found: svc.stripe.v1.refunds.retrieve(found),
    )  # fmt: skip


def _reverse(svc: Services, row: RefundRow, payment: Payment, amount: int) -> Any:
    transfer = payment.stripe_transfer_id
    if amount <= 0 or transfer is None:
        return None
    return operations.run(
        svc,
        Call("create_transfer_reversal", {"amount": amount, "metadata": {"refund_id": str(row.id)}},
             purpose=f"refund:{row.id}:reversal", payment_id=payment.id,
             booking_id=payment.booking_id),
        lambda p, o: svc.stripe.v1.transfers.reversals.create(transfer, p, o),
        fetch=lambda found: svc.stripe.v1.transfers.reversals.retrieve(transfer, found),
    )  # fmt: skip


def _refund_fee(svc: Services, row: RefundRow, payment: Payment, amount: int) -> Any:
    fee = payment.stripe_application_fee_id
    if amount <= 0 or fee is None:
        return None
    return operations.run(
        svc,
        Call("create_application_fee_refund",
             {"amount": amount, "metadata": {"refund_id": str(row.id)}},
             purpose=f"refund:{row.id}:fee_refund", payment_id=payment.id,
             booking_id=payment.booking_id),
        lambda p, o: svc.stripe.v1.application_fees.refunds.create(fee, p, o),
        fetch=lambda found: svc.stripe.v1.application_fees.refunds.retrieve(fee, found),
    )  # fmt: skip


# --- recording ---------------------------------------------------------------------------


def _record(svc: Services, row_id: uuid.UUID, done: Done, *, counts_as_paid: bool) -> None:
    """One transaction: the row, the payment, the booking and the ledger, once."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.get(RefundRow, row_id)
        assert row is not None
        booking = (
            None
            if row.booking_id is None
            else uow.session.get(Booking, row.booking_id, with_for_update=True)
        )
        payment = _payment(uow, row.payment_id, lock=True)
        row = uow.session.get(RefundRow, row_id, with_for_update=True, populate_existing=True)
        assert row is not None
        if row.status is not RefundStatus.PENDING:
            return
        _mark_succeeded(row, done, now)
        payment.refunded_minor += row.amount_minor
        payment.updated_at = now
        if booking is not None and payment.kind is PaymentKind.BOOKING and counts_as_paid:
            _reduce_booking(booking, row.amount_minor, now)
        _post(uow, row, payment, done, now)
        _audit(uow, row, payment, now)
        uow.commit()


def _mark_succeeded(row: RefundRow, done: Done, now: datetime) -> None:
    row.status, row.succeeded_at = RefundStatus.SUCCEEDED, now
    row.stripe_refund_id = done.refund_id
    row.stripe_reversal_id = done.reversal_id
    row.stripe_fee_refund_id = done.fee_refund_id


def _reduce_booking(booking: Booking, amount: int, now: datetime) -> None:
    """The booking has that much less paid, and that much less still owed back."""
    booking.paid_minor = max(booking.paid_minor - amount, 0)
    booking.refund_due_minor = min(max(booking.refund_due_minor - amount, 0), booking.paid_minor)
    booking.updated_at = now


def _post(uow: UnitOfWork, row: RefundRow, payment: Payment, done: Done, now: datetime) -> None:
    common: dict[str, Any] = {
        "currency": payment.currency,
        "booking_id": payment.booking_id,
        "organization_id": payment.organization_id,
        "payment_id": payment.id,
    }
    split = ledger.Split(
        row.from_host_minor, row.from_platform_minor, row.from_expert_minor,
        payment.organization_id,
    )  # fmt: skip
    entries = [
        ledger.Entry(
            kind="refund", dedupe_key=f"refund:{done.refund_id}", memo=row.reason,
            postings=ledger.refund_postings(
                amount=row.amount_minor, refund_id=done.refund_id, split=split
            ),
            **common,
        )
    ]  # fmt: skip
    destination = payment.destination
    if destination is not None and done.reversal_id is not None:
        entries.append(
            ledger.Entry(
                kind="transfer_reversal", dedupe_key=f"transfer_reversal:{done.reversal_id}",
                postings=ledger.reversal_postings(
                    amount=done.reversal_amount, destination=destination,
                    reversal_id=done.reversal_id, destination_refund=done.destination_refund,
                ),
                **common,
            )
        )  # fmt: skip
    if destination is not None and done.fee_refund_id is not None:
        entries.append(
            ledger.Entry(
                kind="fee_refund", dedupe_key=f"fee_refund:{done.fee_refund_id}",
                postings=ledger.fee_refund_postings(
                    amount=done.fee_refund_amount, destination=destination,
                    fee_refund_id=done.fee_refund_id,
                ),
                **common,
            )
        )  # fmt: skip
    for entry in entries:
        ledger.post(uow.session, entry, at=now)


def _audit(uow: UnitOfWork, row: RefundRow, payment: Payment, now: datetime) -> None:
    record(
        uow.session,
        Change(
            entity_type="refund",
            entity_id=row.id,
            action="refund.succeeded",
            actor_user_id=row.actor_user_id,
            organization_id=payment.organization_id,
            from_state=RefundStatus.PENDING.value,
            to_state=RefundStatus.SUCCEEDED.value,
            reason=row.reason,
            changes={
                "payment_id": str(payment.id),
                "amount_minor": row.amount_minor,
                "from_host_minor": row.from_host_minor,
                "from_platform_minor": row.from_platform_minor,
                "from_expert_minor": row.from_expert_minor,
                "initiated_by": row.initiated_by,
            },
        ),
        at=now,
    )


def _fail(svc: Services, row_id: uuid.UUID, message: str) -> None:
    """Stripe refused the refund itself (no money moved): the row is final, and the amount
    is free to refund again."""
    with svc.uow() as uow:
        row = uow.session.get(RefundRow, row_id, with_for_update=True)
        if row is not None and row.status is RefundStatus.PENDING:
            row.status = RefundStatus.FAILED
            row.reason = f"{row.reason} (failed: {message})"[:2000]
            uow.commit()


# --- loading -------------------------------------------------------------------------------


def _payment(uow: UnitOfWork, payment_id: uuid.UUID, *, lock: bool = False) -> Payment:
    payment = uow.session.get(Payment, payment_id, with_for_update=lock, populate_existing=lock)
    if payment is None:
        raise NotFound(f"payment {payment_id} not found")
    return payment


def _load(svc: Services, row_id: uuid.UUID) -> tuple[RefundRow, Payment]:
    with svc.uow() as uow:
        row = uow.session.get(RefundRow, row_id)
        if row is None:
            raise NotFound(f"refund {row_id} not found")
        return row, _payment(uow, row.payment_id)


def _maybe_id(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value.id)


def try_refund_due(svc: Services, booking_id: uuid.UUID) -> None:
    """``refund_due`` right after a cancellation commits, so the answer already shows the
    refund; when Stripe fails, the ``payments:refund_due`` job queued with the cancellation
    finishes it."""
    try:
        refund_due(svc, booking_id)
    except (PaymentProviderUnavailable, PaymentFailed, StripeRefused, Conflict) as error:
        _log.warning(
            "refund left to its job", extra={"booking_id": str(booking_id), "error": str(error)}
        )


# --- refunds people ask for ----------------------------------------------------------------


def host_refund(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    *,
    amount: int,
    reason: str,
    client_key: str | None = None,
) -> list[RefundRow]:
    """A refund the host gives out of its own share (a goodwill gesture, a closed pool), by a
    member who may manage bookings or an admin; at most what the host has left. With
    ``client_key``, a repeated request answers with the first one's refunds."""
    request = f"{booking_id}:{client_key}" if client_key else str(uuid.uuid4())
    with svc.uow() as uow:
        booking = _booking(uow, booking_id)
        _require_manager(actor, booking.organization_id, booking, entity=f"booking {booking_id}")
        earlier = list(_rows_with_prefix(uow, f"host:{request}:")) if client_key else []
        payments = _booking_payments(uow, booking_id)
        lefts = [refundable(uow, p) for p in payments]
    if earlier:
        return _same_request(earlier, amount)
    available = sum(max(left.host, 0) for left in lefts)
    if amount <= 0:
        raise InvalidInput.for_field("amount_minor", "must be a positive amount")
    if amount > available:
        raise InvalidInput.for_field(
            "amount_minor", f"at most {available} of the host's share is left to refund"
        )
    assert actor is not None
    initiated_by = "admin" if _acts_as_admin(actor, booking.organization_id) else "host"
    rows: list[RefundRow] = []
    remaining = amount
    for index, (payment, left) in enumerate(zip(payments, lefts, strict=True)):
        take = min(remaining, max(left.host, 0))
        if take <= 0:
            continue
        rows.append(
            refund_payment(
                svc, payment.id, amount=take, from_host=take, from_platform=0, from_expert=0,
                reason=reason, initiated_by=initiated_by, actor_user_id=actor.user_id,
                purpose=f"host:{request}:{index}",
            )
        )  # fmt: skip
        remaining -= take
    return rows


def refund_of_payment(
    svc: Services,
    actor: Actor | None,
    payment_id: uuid.UUID,
    *,
    amount: int | None,
    reason: str,
    client_key: str | None = None,
) -> RefundRow:
    """Refund any payment (all that is left when ``amount`` is None), taken from each share
    in proportion to what it has left: admins for every payment, a host's managers for the
    extra charges and security-hold captures of their bookings. With ``client_key``, a
    repeated request answers with the first one's refund."""
    purpose = f"payment:{payment_id}:{f'key:{client_key}' if client_key else uuid.uuid4()}"
    with svc.uow() as uow:
        payment = _payment(uow, payment_id)
        if actor is None:
            raise Unauthenticated("log in to refund a payment")
        if not actor.is_admin:
            _require_host_refund(uow, actor, payment)
        earlier = list(_rows_with_prefix(uow, purpose)) if client_key else []
        left = refundable(uow, payment)
    if earlier:
        return _same_request(earlier, amount)[0]
    wanted = left.amount if amount is None else amount
    if wanted <= 0 or wanted > left.amount:
        raise InvalidInput.for_field(
            "amount_minor", f"must be between 1 and {max(left.amount, 0)}, what is left to refund"
        )
    parts = _fit(scale(Parts(left.host, left.platform, left.expert), wanted), left)
    return refund_payment(
        svc, payment_id, amount=wanted, from_host=parts.host, from_platform=parts.platform,
        from_expert=parts.expert, reason=reason,
        initiated_by="admin" if actor.is_admin else "host", actor_user_id=actor.user_id,
        purpose=purpose,
    )  # fmt: skip


class KeyReused(Conflict):
    code = "idempotency_key_reused"


def _same_request(earlier: list[RefundRow], amount: int | None) -> list[RefundRow]:
    """The refunds a request with the same key made, if it asked for the same amount."""
    if amount is not None and sum(r.amount_minor for r in earlier) != amount:
        raise KeyReused("this Idempotency-Key was used for a refund of another amount")
    return earlier


def refunds_of(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Sequence[RefundRow]:
    """A booking's refunds, oldest first, for whoever may see its payments."""
    with svc.uow() as uow:
        booking = _booking(uow, booking_id)
        roles = _roles(actor, booking)
        assert actor is not None
        if not may_view(actor, booking.organization_id, roles):
            raise NotFound(f"booking {booking_id} not found")
        return uow.session.scalars(
            select(RefundRow)
            .where(RefundRow.booking_id == booking_id)
            .order_by(RefundRow.created_at, RefundRow.purpose)
        ).all()


def _booking(uow: UnitOfWork, booking_id: uuid.UUID) -> Booking:
    booking = uow.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    return booking


def _booking_payments(uow: UnitOfWork, booking_id: uuid.UUID) -> Sequence[Payment]:
    """The booking's captured installments, newest first: refunds come from them."""
    return uow.session.scalars(
        select(Payment)
        .where(
            Payment.booking_id == booking_id,
            Payment.kind == PaymentKind.BOOKING,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
        .order_by(Payment.succeeded_at.desc(), Payment.installment.desc())
    ).all()


def _roles(actor: Actor | None, booking: Booking) -> list[Role]:
    return roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking.id}",
    )


def _acts_as_admin(actor: Actor, organization_id: uuid.UUID) -> bool:
    return actor.is_admin and organization_id not in actor.memberships


def _require_manager(
    actor: Actor | None, organization_id: uuid.UUID, booking: Booking, *, entity: str
) -> None:
    """Host members who may manage bookings, and admins; strangers learn nothing."""
    _roles(actor, booking)
    assert actor is not None
    if not actor.may(organization_id, Permission.MANAGE_BOOKINGS):
        raise Forbidden(f"only the host's booking managers may refund this {entity.split()[0]}")


def _require_host_refund(uow: UnitOfWork, actor: Actor, payment: Payment) -> None:
    """A host manager may refund the extra charges and hold captures of its bookings."""
    booking = None if payment.booking_id is None else uow.session.get(Booking, payment.booking_id)
    if booking is None:
        raise NotFound(f"payment {payment.id} not found")
    _require_manager(actor, booking.organization_id, booking, entity=f"payment {payment.id}")
    if payment.kind not in (PaymentKind.EXTRA, PaymentKind.SECURITY_HOLD):
        raise Forbidden("only an admin may refund a booking's payment directly")
