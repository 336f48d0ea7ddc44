"""Reports read from the ledger, never from payment rows: a host's earnings, the platform's
fee revenue and one booking's money events. Balances are sums of postings, so a report
can only disagree with the journal if the journal itself is wrong."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import roles_of
from innkeeper.core.errors import Forbidden, NotFound, Unauthenticated
from innkeeper.payments import ledger
from innkeeper.payments.domain import Account
from innkeeper.payments.models import LedgerEntry, LedgerPosting
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class Totals:
    """Credits earned, debits given back and the net, in one currency."""

    currency: str
    earned: int
    refunded: int

    @property
    def net(self) -> int:
        return self.earned - self.refunded


@dataclass(frozen=True, slots=True)
class PostingView:
    account: str
    ref: str
    currency: str
    amount_minor: int
    stripe_source: str | None


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    at: datetime
    kind: str
    memo: str
    postings: tuple[PostingView, ...]


@dataclass(frozen=True, slots=True)
class BookingLedger:
    entries: tuple[EntryView, ...]
    balances: dict[tuple[str, str], int]


def host_earnings(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Totals]:
    """An organization's earnings from its ``host_payable`` postings, for its members (and
    admins): what guests paid it, what it gave back in refunds, and the net."""
    if actor is None:
        raise Unauthenticated("log in to see earnings")
    if not actor.may(organization_id, Permission.VIEW_ORGANIZATION):
        raise NotFound(f"organization {organization_id} not found")
    return _totals(
        svc, Account.HOST_PAYABLE, since, until, LedgerPosting.organization_id == organization_id
    )


def platform_revenue(
    svc: Services,
    actor: Actor | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Totals]:
    """The platform's fee revenue from its ``platform_revenue`` postings, for admins."""
    if actor is None:
        raise Unauthenticated("log in to see revenue")
    if not actor.is_admin:
        raise Forbidden("only admins may see the platform's revenue")
    return _totals(svc, Account.PLATFORM_REVENUE, since, until)


def booking_ledger(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> BookingLedger:
    """A booking's entries with their postings, and its balances, for the booking's host
    members who may view bookings, and admins; its guest may not, strangers learn nothing."""
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        roles_of(
            actor, guest_user_id=booking.guest_user_id, expert_user_id=booking.expert_user_id,
            organization_id=booking.organization_id, entity=f"booking {booking_id}",
        )  # fmt: skip
        assert actor is not None
        if not actor.may(booking.organization_id, Permission.VIEW_BOOKINGS):
            raise Forbidden("only the host and admins may see a booking's ledger")
        entries = ledger.entries_for(uow.session, booking_id)
        postings = _postings_of(uow.session, [e.id for e in entries])
        return BookingLedger(
            entries=tuple(
                EntryView(e.id, e.at, e.kind, e.memo, tuple(postings.get(e.id, ())))
                for e in entries
            ),
            balances=ledger.balances(uow.session, booking_id=booking_id),
        )


def _postings_of(session: Any, entry_ids: Sequence[int]) -> dict[int, list[PostingView]]:
    found: dict[int, list[PostingView]] = {}
    if not entry_ids:
        return found
    rows = session.scalars(
        select(LedgerPosting)
        .where(LedgerPosting.entry_id.in_(entry_ids))
        .order_by(LedgerPosting.entry_id, LedgerPosting.id)
    )
    for p in rows:
        found.setdefault(p.entry_id, []).append(
            PostingView(str(p.account), p.ref, p.currency, p.amount_minor, p.stripe_source)
        )
    return found


def _totals(
    svc: Services,
    account: Account,
    since: datetime | None,
    until: datetime | None,
    *where: Any,
) -> list[Totals]:
    """Per currency: credits to ``account`` (earned) and debits (given back)."""
    credit = func.coalesce(
        func.sum(case((LedgerPosting.amount_minor < 0, -LedgerPosting.amount_minor), else_=0)), 0
    )
    debit = func.coalesce(
        func.sum(case((LedgerPosting.amount_minor > 0, LedgerPosting.amount_minor), else_=0)), 0
    )
    query = (
        select(LedgerPosting.currency, credit, debit)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerPosting.account == account, *where)
        .group_by(LedgerPosting.currency)
        .order_by(LedgerPosting.currency)
    )
    if since is not None:
        query = query.where(LedgerEntry.at >= since)
    if until is not None:
        query = query.where(LedgerEntry.at < until)
    with svc.uow() as uow:
        return [Totals(str(c), int(e), int(r)) for c, e, r in uow.session.execute(query)]


# --- a host's earnings, broken down (the host pages) -------------------------------------

EARNING_ACCOUNTS = (Account.HOST_PAYABLE, Account.PLATFORM_REVENUE, Account.EXPERT_PAYABLE)


@dataclass(frozen=True, slots=True)
class EarningsLine:
    """One row of a host's earnings in one currency, from the ledger. ``gross`` is what
    guests paid net of refunds (the host's share plus the fees), ``fees`` the platform's and
    experts' part of it, ``net`` the host's share (``gross - fees``, the same figure as
    ``host_earnings``), ``refunded`` what was given back from the host's share; ``paid_out``
    what left the organization's Stripe balances for its bank (months and totals only)."""

    key: str  # "2026-11" for a month, a listing id, or the currency for the totals
    currency: str
    gross: int
    fees: int
    refunded: int
    net: int
    paid_out: int = 0

    @property
    def pending(self) -> int:
        """Earned and not yet paid out (totals only: payouts are not per listing)."""
        return self.net - self.paid_out


@dataclass(frozen=True, slots=True)
class EarningsBreakdown:
    by_month: list[EarningsLine]  # in the organization's time zone, oldest first
    by_listing: list[EarningsLine]  # key: the listing's id
    totals: list[EarningsLine]  # one per currency


def host_earnings_breakdown(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    *,
    time_zone: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> EarningsBreakdown:
    """An organization's earnings by month (on ``time_zone``'s calendar) and by listing, for
    its members and admins, from the postings of its entries: the same sums as
    ``host_earnings`` cut finer, with the fees and the payouts beside them."""
    if actor is None:
        raise Unauthenticated("log in to see earnings")
    if not actor.may(organization_id, Permission.VIEW_ORGANIZATION):
        raise NotFound(f"organization {organization_id} not found")
    month = func.to_char(func.timezone(time_zone, LedgerEntry.at), "YYYY-MM")
    with svc.uow() as uow:
        months = _breakdown(uow.session, organization_id, month, since, until)
        listings = _breakdown(uow.session, organization_id, Booking.listing_id, since, until)
        totals = _breakdown(uow.session, organization_id, LedgerPosting.currency, since, until)
    return EarningsBreakdown(
        by_month=sorted(months, key=lambda line: (line.key, line.currency)),
        by_listing=[line for line in listings if line.key != "None"],
        totals=totals,
    )


def _breakdown(
    session: Any,
    organization_id: uuid.UUID,
    key: Any,
    since: datetime | None,
    until: datetime | None,
) -> list[EarningsLine]:
    def total(*accounts: Account, sign: int = -1, only: str | None = None) -> Any:
        amount: Any = LedgerPosting.amount_minor
        if only == "debit":
            amount = case((LedgerPosting.amount_minor > 0, LedgerPosting.amount_minor), else_=0)
        wanted = LedgerPosting.account.in_(accounts)
        return func.coalesce(func.sum(case((wanted, sign * amount), else_=0)), 0)

    query = (
        select(
            key,
            LedgerPosting.currency,
            total(*EARNING_ACCOUNTS),
            total(Account.PLATFORM_REVENUE, Account.EXPERT_PAYABLE),
            total(Account.HOST_PAYABLE, sign=1, only="debit"),
            total(Account.HOST_PAYABLE),
            total(Account.PAYOUTS, sign=1),
        )
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .outerjoin(Booking, Booking.id == LedgerPosting.booking_id)
        .where(
            LedgerPosting.organization_id == organization_id,
            LedgerPosting.account.in_((*EARNING_ACCOUNTS, Account.PAYOUTS)),
        )
        .group_by(key, LedgerPosting.currency)
        .order_by(key, LedgerPosting.currency)
    )
    if since is not None:
        query = query.where(LedgerEntry.at >= since)
    if until is not None:
        query = query.where(LedgerEntry.at < until)
    return [
        EarningsLine(str(k), str(c), int(g), int(f), int(r), int(n), int(p))
        for k, c, g, f, r, n, p in session.execute(query)
    ]
