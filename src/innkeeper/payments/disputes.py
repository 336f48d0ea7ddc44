"""Disputes and fraud signals on our charges, kept as Stripe last described them.

A dispute (a chargeback, or an inquiry that may become one) is one ``Dispute`` row per
Stripe dispute, upserted from the dispute as Stripe has it now, so any order of its events
converges: the row only moves forward (an open dispute may close, a closed one never
reopens), and its money moves are ledger entries keyed by Stripe's balance transactions
(``dispute:{txn}``), posted from the dispute's current ``balance_transactions`` whichever
event arrives. A missed ``funds_withdrawn`` is therefore posted when ``closed`` arrives,
and the same withdrawal reported three times is one entry. ``withdrawn_minor`` and
``reinstated_minor`` are read back from those entries, never added up by hand.

Who bears it: our booking payments are destination charges, which live on the platform's
account, so Stripe debits the *platform* for a dispute (amount and fee) and credits it back
when the dispute is won. The ledger says exactly that (``stripe_balance[platform]`` against
``dispute_losses``). Recovering the host's share of a lost dispute (reversing part of its
transfer) is a manual decision for an admin, never automatic: the host is told, the admins
decide. A dispute never cancels the booking.

Early fraud warnings and Radar reviews become ``RiskSignal`` rows that flag the booking for
its host and the admins. With ``fraud_auto_refund`` on, an actionable warning on a charge
that is neither refunded nor disputed refunds the payment in full, once (the refund's
purpose names the warning).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor, Permission, PlatformRole
from innkeeper.accounts.models import User, UserRole
from innkeeper.accounts.service import require_admin
from innkeeper.bookings import notices
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import roles_of
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Forbidden, NotFound, Unauthenticated
from innkeeper.db.uow import UnitOfWork
from innkeeper.notifications.service import Recipient, notify
from innkeeper.payments import ledger, refunds
from innkeeper.payments.domain import Account, PaymentStatus, RefundStatus
from innkeeper.payments.models import (
    Dispute,
    LedgerEntry,
    LedgerPosting,
    Payment,
    RefundRow,
    RiskSignal,
)
from innkeeper.services import Services

# Stripe's dispute statuses, in the order a dispute moves through them: a row never moves
# back (a stale re-read cannot reopen a closed dispute or undo an escalation).
RANK: Final[dict[str, int]] = {
    "warning_needs_response": 0,
    "warning_under_review": 1,
    "needs_response": 2,
    "under_review": 3,
    "warning_closed": 4,
    "prevented": 4,
    "won": 4,
    "lost": 4,
}
CLOSED: Final = frozenset({"warning_closed", "prevented", "won", "lost"})


class DisputeFilter(StrEnum):
    """What the dispute lists filter on: open or closed, or one of Stripe's statuses."""

    OPEN = "open"
    CLOSED = "closed"
    WARNING_NEEDS_RESPONSE = "warning_needs_response"
    WARNING_UNDER_REVIEW = "warning_under_review"
    WARNING_CLOSED = "warning_closed"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    PREVENTED = "prevented"


class NotYetRecorded(RuntimeError):
    """Stripe is ahead of us: the payment this event is about is not settled here yet.
    Raised from a webhook handler so the event is retried, with back-off, once the payment's
    own events have been applied; never seen by a client."""


@dataclass(frozen=True, slots=True)
class MoneyMove:
    """One balance transaction of a dispute: negative ``amount`` when funds were withdrawn."""

    txn_id: str
    amount: int
    fee: int


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a dispute did, for the event's effects."""

    dispute_id: uuid.UUID
    booking_id: uuid.UUID | None
    status: str
    withdrawn_minor: int
    reinstated_minor: int
    posted: int  # new ledger entries
    notified: int  # new notifications


@dataclass(frozen=True, slots=True)
class Flagged:
    """What recording a risk signal did, for the event's effects."""

    signal_id: uuid.UUID
    booking_id: uuid.UUID | None
    kind: str
    open: bool
    refunded: bool
    notified: int


# --- disputes ------------------------------------------------------------------------------


def record_dispute(svc: Services, dispute: Any, *, account: str | None) -> Recorded | None:
    """Upsert the dispute from ``dispute`` (as Stripe has it now), post its money moves and
    tell the host and the admins when it opens and when it closes, each once. None when its
    charge is not one of our payments."""
    moves = money_moves(svc, dispute, account=account)
    now = svc.clock.now()
    with svc.uow() as uow:
        payment = payment_of(
            uow.session, _id(field(dispute, "charge")), _id(field(dispute, "payment_intent"))
        )
        if payment is None:
            return None
        row = _upsert_dispute(uow.session, dispute, payment, account, now)
        posted = sum(_post_move(uow.session, row, move, now) for move in moves)
        row.withdrawn_minor, row.reinstated_minor = dispute_totals(
            uow.session, row.stripe_dispute_id
        )
        notified = _announce_dispute(uow, row, now)
        uow.commit()
        return Recorded(
            row.id, row.booking_id, row.status, row.withdrawn_minor, row.reinstated_minor,
            posted, notified,
        )  # fmt: skip


def money_moves(svc: Services, dispute: Any, *, account: str | None) -> list[MoneyMove]:
    """The dispute's balance transactions, read before any transaction opens (Stripe embeds
    them; an id alone is fetched)."""
    moves = []
    for txn in field(dispute, "balance_transactions") or []:
        if isinstance(txn, str):
            options = {"stripe_account": account} if account else {}
            txn = svc.stripe.v1.balance_transactions.retrieve(txn, options=options)
        moves.append(MoneyMove(str(txn["id"]), int(txn["amount"]), int(field(txn, "fee") or 0)))
    return moves


def payment_of(session: Session, charge_id: str | None, intent_id: str | None) -> Payment | None:
    """Our payment for a Stripe charge (or, without one, its PaymentIntent)."""
    if charge_id:
        found = session.scalars(
            select(Payment).where(Payment.stripe_charge_id == charge_id)
        ).first()
        if found is not None:
            return found
    if intent_id:
        return session.scalars(select(Payment).where(Payment.stripe_intent_id == intent_id)).first()
    return None


def _upsert_dispute(
    session: Session, dispute: Any, payment: Payment, account: str | None, now: datetime
) -> Dispute:
    """The dispute's row, locked, with Stripe's current facts; the status only moves forward."""
    status = str(dispute["status"])
    session.execute(
        insert(Dispute)
        .values(
            id=uuid.uuid4(), stripe_dispute_id=str(dispute["id"]),
            stripe_charge_id=_id(field(dispute, "charge")) or payment.stripe_charge_id or "",
            stripe_account=account, payment_id=payment.id, booking_id=payment.booking_id,
            organization_id=_organization_of(session, payment), status=status,
            reason=str(field(dispute, "reason") or "general")[:60], currency=payment.currency,
            amount_minor=int(dispute["amount"]), withdrawn_minor=0, reinstated_minor=0,
            evidence_due_by=_due_by(dispute), created_at=now, updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["stripe_dispute_id"])
    )  # fmt: skip
    row = session.scalars(
        select(Dispute)
        .where(Dispute.stripe_dispute_id == str(dispute["id"]))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    before = (row.status, row.reason, row.amount_minor, row.evidence_due_by, row.closed_at)
    if RANK.get(status, 0) >= RANK.get(row.status, 0):
        row.status = status
        row.reason = str(field(dispute, "reason") or row.reason)[:60]
        row.amount_minor = int(dispute["amount"])
        row.evidence_due_by = _due_by(dispute)
    if row.status in CLOSED and row.closed_at is None:
        row.closed_at = now
    if (row.status, row.reason, row.amount_minor, row.evidence_due_by, row.closed_at) != before:
        row.updated_at = now
    return row


def _organization_of(session: Session, payment: Payment) -> uuid.UUID | None:
    if payment.organization_id is not None or payment.booking_id is None:
        return payment.organization_id
    booking = session.get(Booking, payment.booking_id)
    return None if booking is None else booking.organization_id


def _due_by(dispute: Any) -> datetime | None:
    due = field(field(dispute, "evidence_details"), "due_by")
    return None if not due else datetime.fromtimestamp(int(due), UTC)


def _post_move(session: Session, row: Dispute, move: MoneyMove, now: datetime) -> int:
    """One entry per balance transaction. The stripe_balance posting nets exactly what
    Stripe's transaction nets (``amount - fee``) on the account the charge lives on, with the
    dispute as its source, as reconciliation compares them."""
    withdrawn = move.amount < 0
    amount, fee = (-move.amount, move.fee) if withdrawn else (move.amount, -move.fee)
    if amount + fee == 0:
        return 0
    entry = ledger.Entry(
        kind="dispute_withdrawal" if withdrawn else "dispute_reinstatement",
        dedupe_key=f"dispute:{move.txn_id}",
        currency=row.currency,
        postings=ledger.dispute_postings(
            amount=amount, fee=fee, account=row.stripe_account or ledger.PLATFORM,
            source=row.stripe_dispute_id, reinstated=not withdrawn,
        ),
        booking_id=row.booking_id,
        organization_id=row.organization_id,
        payment_id=row.payment_id,
        memo=f"dispute {row.stripe_dispute_id} ({row.reason})",
    )  # fmt: skip
    return int(ledger.post(session, entry, at=now))


def dispute_totals(session: Session, stripe_dispute_id: str) -> tuple[int, int]:
    """(withdrawn, reinstated) as the ledger has them: the ``dispute_losses`` postings of the
    entries whose Stripe side names this dispute."""
    entries = select(LedgerPosting.entry_id).where(
        LedgerPosting.account == Account.STRIPE_BALANCE,
        LedgerPosting.stripe_source == stripe_dispute_id,
    )
    amounts = session.scalars(
        select(LedgerPosting.amount_minor)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            LedgerPosting.entry_id.in_(entries),
            LedgerPosting.account == Account.DISPUTE_LOSSES,
            LedgerEntry.dedupe_key.startswith("dispute:"),
        )
    ).all()
    return sum(a for a in amounts if a > 0), -sum(a for a in amounts if a < 0)


def _announce_dispute(uow: UnitOfWork, row: Dispute, now: datetime) -> int:
    """The host's owners and managers and the admins hear that a dispute opened (once per
    kind of case: an inquiry, then a chargeback if it escalates) and how it closed."""
    inquiry = row.status.startswith("warning_")
    data = booking_data(uow.session, row.booking_id)
    data["dispute"] = {
        "id": row.stripe_dispute_id,
        "status": row.status,
        "reason": row.reason,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "due_by": None if row.evidence_due_by is None else row.evidence_due_by.isoformat(),
        "inquiry": inquiry,
        "open": row.status not in CLOSED,
        "won": row.status == "won",
        "withdrawn_minor": row.withdrawn_minor,
        "reinstated_minor": row.reinstated_minor,
    }
    people = team_and_admins(uow.session, row.organization_id)
    case = "inquiry" if inquiry else "chargeback"
    sent = tell(uow, f"dispute:{row.stripe_dispute_id}:opened:{case}",
                 "payments.dispute_opened", people, data, row.booking_id, now)  # fmt: skip
    if row.status in CLOSED:
        sent += tell(uow, f"dispute:{row.stripe_dispute_id}:closed:{row.status}",
                      "payments.dispute_closed", people, data, row.booking_id, now)  # fmt: skip
    return sent


# --- early fraud warnings and reviews --------------------------------------------------------


def record_warning(svc: Services, warning: Any, *, account: str | None) -> Flagged | None:
    """Flag the payment an early fraud warning is about; refund it in full when the setting
    asks and the warning still matters; tell the host and the admins once. None when the
    charge is not one of ours."""
    signal = _upsert_signal(
        svc, warning, kind="early_fraud_warning",
        reason=str(field(warning, "fraud_type") or "unknown"),
        actionable=bool(field(warning, "actionable")), is_open=bool(field(warning, "actionable")),
        closed_reason=None,
    )  # fmt: skip
    if signal is None:
        return None
    if _should_refund(svc, signal, account=account):
        _refund_for(svc, signal)
    return _finish_warning(svc, signal.id)


def record_review(svc: Services, review: Any) -> Flagged | None:
    """Record a Radar review (opened or closed) on one of our charges; None when not ours."""
    signal = _upsert_signal(
        svc, review, kind="review",
        reason=str(field(review, "opened_reason") or field(review, "reason") or "rule"),
        actionable=False, is_open=bool(field(review, "open")),
        closed_reason=field(review, "closed_reason"),
    )  # fmt: skip
    if signal is None:
        return None
    return Flagged(signal.id, signal.booking_id, signal.kind, signal.open, signal.refunded, 0)


def _upsert_signal(
    svc: Services,
    obj: Any,
    *,
    kind: str,
    reason: str,
    actionable: bool,
    is_open: bool,
    closed_reason: str | None,
) -> RiskSignal | None:
    """The signal's row with Stripe's current facts. Like Stripe, a signal only settles: a
    closed review or a warning that stopped being actionable never comes back."""
    now = svc.clock.now()
    with svc.uow() as uow:
        session = uow.session
        payment = payment_of(session, _id(field(obj, "charge")), _id(field(obj, "payment_intent")))
        if payment is None:
            return None
        session.execute(
            insert(RiskSignal)
            .values(
                id=uuid.uuid4(), kind=kind, stripe_id=str(obj["id"]),
                stripe_charge_id=_id(field(obj, "charge")) or payment.stripe_charge_id,
                payment_id=payment.id, booking_id=payment.booking_id,
                organization_id=_organization_of(session, payment), reason=reason[:60],
                open=is_open, closed_reason=_text(closed_reason, 60), actionable=actionable,
                refunded=False, created_at=now, updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["stripe_id"])
        )  # fmt: skip
        row = session.scalars(
            select(RiskSignal)
            .where(RiskSignal.stripe_id == str(obj["id"]))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        before = (row.open, row.actionable, row.closed_reason)
        row.open = row.open and is_open
        row.actionable = row.actionable and actionable
        if closed_reason is not None:
            row.closed_reason = _text(closed_reason, 60)
        if (row.open, row.actionable, row.closed_reason) != before:
            row.updated_at = now
        uow.commit()
        return row


def _should_refund(svc: Services, signal: RiskSignal, *, account: str | None) -> bool:
    """Only by setting, only for a warning that still matters, only a charge that Stripe
    says is neither refunded nor disputed, and only money still ours to give back."""
    if not svc.settings.fraud_auto_refund or not signal.actionable or signal.refunded:
        return False
    if signal.payment_id is None or signal.stripe_charge_id is None:
        return False
    options = {"stripe_account": account} if account else {}
    charge = svc.stripe.v1.charges.retrieve(signal.stripe_charge_id, options=options)
    if field(charge, "refunded") or field(charge, "disputed"):
        return False
    with svc.uow() as uow:
        payment = uow.session.get(Payment, signal.payment_id)
        if payment is None:
            return False
        if payment.status is not PaymentStatus.SUCCEEDED:
            raise NotYetRecorded(f"payment {payment.id} is not settled yet: retry later")
        return refunds.refundable(uow, payment).amount > 0


def _refund_for(svc: Services, signal: RiskSignal) -> None:
    """Everything left on the payment, from each share as it was paid, once per warning."""
    assert signal.payment_id is not None
    with svc.uow() as uow:
        payment = uow.session.get(Payment, signal.payment_id)
        assert payment is not None
        left = refunds.refundable(uow, payment)
    refunds.refund_payment(
        svc, signal.payment_id, amount=left.amount, from_host=left.host,
        from_platform=left.platform, from_expert=left.expert,
        reason=f"early fraud warning from the card issuer ({signal.reason})",
        initiated_by="system", actor_user_id=None, purpose=_fraud_purpose(signal.stripe_id),
    )  # fmt: skip


def _fraud_purpose(warning_id: str) -> str:
    return f"fraud:{warning_id}"


def _finish_warning(svc: Services, signal_id: uuid.UUID) -> Flagged:
    """Mark the signal refunded when its refund went through, and tell the host and the
    admins once (after the refund decision, so the message can say what happened)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.get(RiskSignal, signal_id, with_for_update=True)
        assert row is not None
        refunded = uow.session.scalar(
            select(func.count())
            .select_from(RefundRow)
            .where(
                RefundRow.purpose == _fraud_purpose(row.stripe_id),
                RefundRow.status == RefundStatus.SUCCEEDED,
            )
        )
        if refunded and not row.refunded:
            row.refunded, row.open, row.updated_at = True, False, now
        data = booking_data(uow.session, row.booking_id)
        data["warning"] = {
            "id": row.stripe_id,
            "fraud_type": row.reason,
            "actionable": row.actionable,
            "refunded": row.refunded,
        }
        people = team_and_admins(uow.session, row.organization_id)
        sent = tell(uow, f"risk:{row.stripe_id}:warning", "payments.fraud_warning", people,
                     data, row.booking_id, now)  # fmt: skip
        uow.commit()
        return Flagged(row.id, row.booking_id, row.kind, row.open, row.refunded, sent)


# --- who is told ---------------------------------------------------------------------------


def platform_admins(session: Session) -> list[Recipient]:
    """Every active admin: disputes, fraud and failed refunds are theirs to decide."""
    users = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == PlatformRole.ADMIN, User.is_active.is_(True))
        .order_by(User.created_at, User.id)
    ).all()
    return [
        Recipient(u.id, u.name, u.email, u.phone, locale=u.locale, time_zone=u.time_zone)
        for u in users
    ]


def team_and_admins(session: Session, organization_id: uuid.UUID | None) -> list[Recipient]:
    """The host's owners and managers, then the admins (a person in both hears once: the
    notification key names the recipient)."""
    team = [] if organization_id is None else notices.host_team(session, organization_id)
    return team + platform_admins(session)


def booking_data(session: Session, booking_id: uuid.UUID | None) -> dict[str, Any]:
    """The booking's usual message snapshot, or nothing for a payment without one."""
    booking = None if booking_id is None else session.get(Booking, booking_id)
    listing = None if booking is None else session.get(Listing, booking.listing_id)
    if booking is None or listing is None:
        return {}
    return notices.snapshot(session, booking, listing, before=None)


def tell(
    uow: UnitOfWork,
    key: str,
    template: str,
    people: list[Recipient],
    data: dict[str, Any],
    booking_id: uuid.UUID | None,
    now: datetime,
) -> int:
    return notify(
        uow, key=key, template=template, recipients=people, data=data, now=now,
        booking_id=booking_id,
    )  # fmt: skip


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputePage:
    items: Sequence[Dispute]
    total: int
    limit: int
    offset: int


def of_organization(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    *,
    status: DisputeFilter | None,
    limit: int,
    offset: int,
) -> DisputePage:
    """The organization's disputes, newest first, for members who see its bookings (owners,
    managers, staff) and admins; strangers learn nothing."""
    if actor is None:
        raise Unauthenticated("log in to see disputes")
    if not actor.may(organization_id, Permission.VIEW_BOOKINGS):
        raise NotFound(f"organization {organization_id} not found")
    return _page(svc, [Dispute.organization_id == organization_id], status, limit, offset)


def for_admins(
    svc: Services, actor: Actor | None, *, status: DisputeFilter | None, limit: int, offset: int
) -> DisputePage:
    """Every dispute, newest first: the admins' queue (``status=open`` for what waits)."""
    if actor is None:
        raise Unauthenticated("log in to see disputes")
    require_admin(actor)
    return _page(svc, [], status, limit, offset)


def of_booking(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Sequence[Dispute]:
    """A booking's disputes, oldest first, for its host's members who see bookings and
    admins; its guest may not (a chargeback is between the bank and the platform)."""
    with svc.uow() as uow:
        _check_host_view(uow.session, actor, booking_id, "disputes")
        return uow.session.scalars(
            select(Dispute)
            .where(Dispute.booking_id == booking_id)
            .order_by(Dispute.created_at, Dispute.id)
        ).all()


def signals_of_booking(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID
) -> Sequence[RiskSignal]:
    """The booking's fraud warnings and reviews, oldest first: the flag a host sees before
    handing over the keys. Same audience as its disputes."""
    with svc.uow() as uow:
        _check_host_view(uow.session, actor, booking_id, "risk signals")
        return uow.session.scalars(
            select(RiskSignal)
            .where(RiskSignal.booking_id == booking_id)
            .order_by(RiskSignal.created_at, RiskSignal.id)
        ).all()


def signals_for_admins(
    svc: Services, actor: Actor | None, *, open_only: bool, limit: int, offset: int
) -> tuple[Sequence[RiskSignal], int]:
    """Every risk signal, newest first (``open_only``: those not yet closed)."""
    if actor is None:
        raise Unauthenticated("log in to see risk signals")
    require_admin(actor)
    conditions = [RiskSignal.open.is_(True)] if open_only else []
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(RiskSignal).where(*conditions))
        rows = uow.session.scalars(
            select(RiskSignal)
            .where(*conditions)
            .order_by(RiskSignal.created_at.desc(), RiskSignal.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return rows, int(total or 0)


def _check_host_view(
    session: Session, actor: Actor | None, booking_id: uuid.UUID, what: str
) -> None:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    roles_of(
        actor, guest_user_id=booking.guest_user_id, expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id, entity=f"booking {booking_id}",
    )  # fmt: skip
    assert actor is not None
    if not actor.may(booking.organization_id, Permission.VIEW_BOOKINGS):
        raise Forbidden(f"only the host and admins may see a booking's {what}")


def _page(
    svc: Services,
    conditions: list[Any],
    status: DisputeFilter | None,
    limit: int,
    offset: int,
) -> DisputePage:
    if status is DisputeFilter.OPEN:
        conditions.append(Dispute.status.not_in(CLOSED))
    elif status is DisputeFilter.CLOSED:
        conditions.append(Dispute.status.in_(CLOSED))
    elif status is not None:
        conditions.append(Dispute.status == status.value)
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(Dispute).where(*conditions))
        rows = uow.session.scalars(
            select(Dispute)
            .where(*conditions)
            .order_by(Dispute.created_at.desc(), Dispute.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return DisputePage(rows, int(total or 0), limit, offset)


def field(obj: Any, name: str) -> Any:
    """A field of a Stripe object (or of plain JSON), None when absent: the SDK's objects
    are not dicts and have no ``.get``."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _text(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


def _id(value: Any) -> str | None:
    """A Stripe reference as an id, whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])
