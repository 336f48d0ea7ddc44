"""What the platform admin's pages read: key figures and their series over time, and the
payments, refunds and disputes of every organization.

Money figures come from the ledger, never from payment rows: GMV is what guests' charges
brought in (the debits of ``guest_charge`` entries), fee revenue is the net of
``platform_revenue``, refunds are what the earners gave back (refund entries, less the
refunds Stripe later failed). Booking counts come from the bookings themselves. Every
function is for admins only (anyone else gets ``NotFound``, as the admin API answers).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor, normalize_email
from innkeeper.accounts.models import Organization, User
from innkeeper.accounts.service import require_admin
from innkeeper.bookings.models import Booking
from innkeeper.core.errors import NotFound
from innkeeper.core.money import Money
from innkeeper.payments import disputes, refunds
from innkeeper.payments.disputes import DisputeFilter
from innkeeper.payments.domain import Account, PaymentKind, PaymentStatus, RefundStatus
from innkeeper.payments.models import (
    Dispute,
    LedgerEntry,
    LedgerPosting,
    Payment,
    RefundRow,
    RiskSignal,
)
from innkeeper.services import Services
from innkeeper.webhooks import service as inbox
from innkeeper.webhooks.domain import EventStatus

EARNERS: Final = (Account.HOST_PAYABLE, Account.PLATFORM_REVENUE, Account.EXPERT_PAYABLE)
CHARGE: Final = "guest_charge"
REFUND_KINDS: Final = ("refund", "refund_failure")  # a failed refund gives the money back
MAX_BUCKETS: Final = 400


class Period(StrEnum):
    """How a chart groups its figures (weeks start on Monday, as ISO weeks do)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Figures:
    """The overview's key figures for ``[since, until)``; money per currency."""

    bookings: int
    paid_bookings: int  # of those, bookings with money received
    gmv: list[Money]
    fee_revenue: list[Money]
    refunds: list[Money]
    open_disputes: int  # at the moment, whatever the range
    dead_webhooks: int  # at the moment, whatever the range


@dataclass(frozen=True, slots=True)
class Point:
    start: dt.date
    bookings: int
    gmv: int  # minor units of the series' currency
    fees: int


@dataclass(frozen=True, slots=True)
class Series:
    period: Period
    currency: str | None  # None when the ledger holds no charge yet
    points: list[Point]


def figures(svc: Services, actor: Actor, *, since: dt.datetime, until: dt.datetime) -> Figures:
    require_admin(actor)
    in_range = (LedgerEntry.at >= since, LedgerEntry.at < until)
    with svc.uow() as uow:
        session = uow.session
        made = (Booking.created_at >= since, Booking.created_at < until)
        bookings = session.scalar(select(func.count()).select_from(Booking).where(*made)) or 0
        paid = session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(*made, Booking.paid_minor > 0)
        ) or 0  # fmt: skip
        gmv = _money(session, _gmv_query().where(*in_range))
        fees = _money(session, _fees_query().where(*in_range))
        refunded = _money(session, _refunds_query().where(*in_range))
    open_disputes = disputes.for_admins(
        svc, actor, status=DisputeFilter.OPEN, limit=1, offset=0
    ).total
    dead = inbox.search(svc, actor, inbox.Filters(status=EventStatus.DEAD), limit=1, offset=0)
    return Figures(
        bookings=int(bookings), paid_bookings=int(paid), gmv=gmv, fee_revenue=fees,
        refunds=refunded, open_disputes=open_disputes, dead_webhooks=dead.total,
    )  # fmt: skip


def currencies(svc: Services, actor: Actor) -> list[str]:
    """The currencies guests have paid in, the busiest first: what a chart can show."""
    require_admin(actor)
    query = (
        select(LedgerPosting.currency)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerEntry.kind == CHARGE, LedgerPosting.amount_minor > 0)
        .group_by(LedgerPosting.currency)
        .order_by(func.sum(LedgerPosting.amount_minor).desc(), LedgerPosting.currency)
    )
    with svc.uow() as uow:
        return [str(c) for c in uow.session.scalars(query)]


def series(
    svc: Services,
    actor: Actor,
    *,
    since: dt.date,
    until: dt.date,
    period: Period,
    currency: str | None,
) -> Series:
    """Bookings made, GMV and fee revenue per day, week or month of ``[since, until)``
    (UTC dates), every bucket present even when nothing happened in it."""
    require_admin(actor)
    starts = bucket_starts(since, until, period)
    low = dt.datetime.combine(starts[0], dt.time(), dt.UTC)
    high = dt.datetime.combine(until, dt.time(), dt.UTC)
    with svc.uow() as uow:
        session = uow.session
        bucket = _bucket(Booking.created_at, period)
        counted = session.execute(
            select(bucket, func.count())
            .where(Booking.created_at >= low, Booking.created_at < high)
            .group_by(bucket)
        )
        bookings = {_day(b): int(n) for b, n in counted}
        gmv: dict[dt.date, int] = {}
        fees: dict[dt.date, int] = {}
        if currency is not None:
            entry_bucket = _bucket(LedgerEntry.at, period)
            where = (
                LedgerEntry.at >= low, LedgerEntry.at < high, LedgerPosting.currency == currency
            )  # fmt: skip
            gmv = _by_bucket(session, _gmv_query(entry_bucket).where(*where))
            fees = _by_bucket(session, _fees_query(entry_bucket).where(*where))
    points = [Point(s, bookings.get(s, 0), gmv.get(s, 0), fees.get(s, 0)) for s in starts]
    return Series(period, currency, points)


def bucket_starts(since: dt.date, until: dt.date, period: Period) -> list[dt.date]:
    """The first day of every bucket that meets ``[since, until)`` (at least one)."""
    start = _floor(since, period)
    starts = [start]
    while len(starts) < MAX_BUCKETS:
        start = _next(start, period)
        if start >= until:
            break
        starts.append(start)
    return starts


# --- payments and refunds ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentFilters:
    status: PaymentStatus | None = None
    kind: PaymentKind | None = None
    organization_id: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment: Payment
    organization: str | None
    booking_code: str | None


@dataclass(frozen=True, slots=True)
class RefundFilters:
    status: RefundStatus | None = None
    organization_id: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RefundLine:
    refund: RefundRow
    organization: str | None
    booking_code: str | None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PaymentDetail:
    line: PaymentLine
    refunds: Sequence[RefundRow]
    disputes: Sequence[Dispute]
    risk_signals: Sequence[RiskSignal]
    refundable_minor: int  # what is left to refund (0 when nothing was captured)
    ledger: list[tuple[str, dt.datetime, str, int]] = field(default_factory=list)


def payments(
    svc: Services, actor: Actor, filters: PaymentFilters, *, limit: int, offset: int
) -> Page[PaymentLine]:
    """Every payment, newest first, with its organization's name and booking's code."""
    require_admin(actor)
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Payment.status == filters.status)
    if filters.kind is not None:
        conditions.append(Payment.kind == filters.kind)
    if filters.organization_id is not None:
        conditions.append(Payment.organization_id == filters.organization_id)
    if filters.since is not None:
        conditions.append(Payment.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(Payment.created_at < filters.until)
    query = (
        select(Payment, Organization.name, Booking.code)
        .outerjoin(Organization, Organization.id == Payment.organization_id)
        .outerjoin(Booking, Booking.id == Payment.booking_id)
        .where(*conditions)
    )
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(Payment).where(*conditions))
        rows = uow.session.execute(
            query.order_by(Payment.created_at.desc(), Payment.id).limit(limit).offset(offset)
        ).all()
    items = [PaymentLine(p, name, code) for p, name, code in rows]
    return Page(items, int(total or 0), limit, offset)


def payment_detail(svc: Services, actor: Actor, payment_id: uuid.UUID) -> PaymentDetail:
    """One payment with its refunds, disputes, risk signals and ledger postings."""
    require_admin(actor)
    with svc.uow() as uow:
        session = uow.session
        found = session.execute(
            select(Payment, Organization.name, Booking.code)
            .outerjoin(Organization, Organization.id == Payment.organization_id)
            .outerjoin(Booking, Booking.id == Payment.booking_id)
            .where(Payment.id == payment_id)
        ).one_or_none()
        if found is None:
            raise NotFound(f"payment {payment_id} not found")
        payment, name, code = found
        given = session.scalars(
            select(RefundRow)
            .where(RefundRow.payment_id == payment_id)
            .order_by(RefundRow.created_at, RefundRow.id)
        ).all()
        disputed = session.scalars(
            select(Dispute).where(Dispute.payment_id == payment_id).order_by(Dispute.created_at)
        ).all()
        signals = session.scalars(
            select(RiskSignal)
            .where(RiskSignal.payment_id == payment_id)
            .order_by(RiskSignal.created_at)
        ).all()
        left = refunds.refundable(uow, payment).amount if payment.captured_minor else 0
        postings = session.execute(
            select(LedgerEntry.kind, LedgerEntry.at, LedgerPosting.account,
                   LedgerPosting.amount_minor)
            .join(LedgerPosting, LedgerPosting.entry_id == LedgerEntry.id)
            .where(LedgerEntry.payment_id == payment_id)
            .order_by(LedgerEntry.id, LedgerPosting.id)
        ).all()  # fmt: skip
    return PaymentDetail(
        line=PaymentLine(payment, name, code), refunds=given, disputes=disputed,
        risk_signals=signals, refundable_minor=max(left, 0),
        ledger=[(str(k), at, str(acc), int(a)) for k, at, acc, a in postings],
    )  # fmt: skip


def refund_list(
    svc: Services, actor: Actor, filters: RefundFilters, *, limit: int, offset: int
) -> Page[RefundLine]:
    """Every refund, newest first; the organization is its payment's."""
    require_admin(actor)
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(RefundRow.status == filters.status)
    if filters.organization_id is not None:
        conditions.append(Payment.organization_id == filters.organization_id)
    if filters.since is not None:
        conditions.append(RefundRow.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(RefundRow.created_at < filters.until)
    base = select(RefundRow).join(Payment, Payment.id == RefundRow.payment_id).where(*conditions)
    query = (
        select(RefundRow, Organization.name, Booking.code)
        .join(Payment, Payment.id == RefundRow.payment_id)
        .outerjoin(Organization, Organization.id == Payment.organization_id)
        .outerjoin(Booking, Booking.id == RefundRow.booking_id)
        .where(*conditions)
    )
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(base.subquery()))
        rows = uow.session.execute(
            query.order_by(RefundRow.created_at.desc(), RefundRow.id).limit(limit).offset(offset)
        ).all()
    return Page([RefundLine(r, n, c) for r, n, c in rows], int(total or 0), limit, offset)


# --- disputes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeDetail:
    dispute: Dispute
    organization: str | None
    booking_code: str | None
    open: bool


def dispute_detail(svc: Services, actor: Actor, dispute_id: uuid.UUID) -> DisputeDetail:
    require_admin(actor)
    with svc.uow() as uow:
        found = uow.session.execute(
            select(Dispute, Organization.name, Booking.code)
            .outerjoin(Organization, Organization.id == Dispute.organization_id)
            .outerjoin(Booking, Booking.id == Dispute.booking_id)
            .where(Dispute.id == dispute_id)
        ).one_or_none()
    if found is None:
        raise NotFound(f"dispute {dispute_id} not found")
    row, name, code = found
    return DisputeDetail(row, name, code, row.status not in disputes.CLOSED)


# --- helpers ---------------------------------------------------------------------------------


def _gmv_query(*group: Any) -> Select[*tuple[Any, ...]]:
    """What guests paid: the debits of charge entries (the balance and Stripe's fee)."""
    return (
        select(*group, LedgerPosting.currency, func.sum(LedgerPosting.amount_minor))
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerEntry.kind == CHARGE, LedgerPosting.amount_minor > 0)
        .group_by(*group, LedgerPosting.currency)
    )


def _fees_query(*group: Any) -> Select[*tuple[Any, ...]]:
    """The platform's fee revenue, net of what refunds gave back (credits are negative)."""
    return (
        select(*group, LedgerPosting.currency, -func.sum(LedgerPosting.amount_minor))
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerPosting.account == Account.PLATFORM_REVENUE)
        .group_by(*group, LedgerPosting.currency)
    )


def _refunds_query() -> Select[*tuple[Any, ...]]:
    """What the earners gave back to guests, less the refunds Stripe failed."""
    given = func.sum(
        case((LedgerPosting.account.in_(EARNERS), LedgerPosting.amount_minor), else_=0)
    )
    return (
        select(LedgerPosting.currency, given)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerEntry.kind.in_(REFUND_KINDS))
        .group_by(LedgerPosting.currency)
    )


def _money(session: Session, query: Select[*tuple[Any, ...]]) -> list[Money]:
    rows = session.execute(query.order_by(LedgerPosting.currency)).all()
    return [Money(int(amount), str(currency)) for currency, amount in rows if amount]


def _by_bucket(session: Session, query: Select[*tuple[Any, ...]]) -> dict[dt.date, int]:
    return {_day(b): int(amount) for b, _, amount in session.execute(query)}


def _bucket(column: Any, period: Period) -> Any:
    return func.date_trunc(period.value, func.timezone("UTC", column))


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _floor(day: dt.date, period: Period) -> dt.date:
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _next(day: dt.date, period: Period) -> dt.date:
    if period is Period.WEEK:
        return day + dt.timedelta(days=7)
    if period is Period.MONTH:
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


# --- people, for the audit log -------------------------------------------------------------


def find_user(svc: Services, actor: Actor, who: str) -> uuid.UUID | None:
    """The user an admin names by id or by email (exactly, any case); None for nobody."""
    require_admin(actor)
    try:
        user_id: uuid.UUID | None = uuid.UUID(who)
    except ValueError:
        user_id = None
    with svc.uow() as uow:
        if user_id is not None:
            return user_id if uow.session.get(User, user_id) is not None else None
        found: uuid.UUID | None = uow.session.scalar(
            select(User.id).where(User.email == normalize_email(who))
        )
        return found


def emails_of(svc: Services, actor: Actor, user_ids: Sequence[uuid.UUID | None]
              ) -> dict[uuid.UUID, str]:  # fmt: skip
    """Email addresses of the given users, to name actors in the audit log."""
    require_admin(actor)
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    with svc.uow() as uow:
        rows = uow.session.execute(select(User.id, User.email).where(User.id.in_(wanted)))
        return {user_id: str(email) for user_id, email in rows}
