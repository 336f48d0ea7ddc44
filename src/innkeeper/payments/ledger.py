"""The double-entry ledger: every money movement is one entry whose postings sum to zero per
currency, posted in the same transaction as the state change it records.

Sign: a debit is positive, a credit negative. ``stripe_balance`` postings carry the id of
the Stripe object whose balance transaction they mirror (``stripe_source``), per Stripe
account (``ref``: ``platform`` or ``acct_…``), so ``reconcile`` can compare them one by one.
Balances are sums of postings; nothing stores a running total.

Booking money flows (A paid, f Stripe's fee, H the host's share, F the application fee):

=====================  ==================================================================
guest charge           Dr stripe_balance[platform] A−f, Dr stripe_fees f,
                       Cr host_payable[org] H, Cr platform_revenue, Cr expert_payable
destination transfer   Cr stripe_balance[platform] A, Dr stripe_balance[acct] A
application fee        Dr stripe_balance[platform] F, Cr stripe_balance[acct] F
refund                 Cr stripe_balance[platform] R, Dr host_payable, platform_revenue,
                       expert_payable by the refund's parts; its transfer reversal and
                       application-fee refund move money between the two balances
=====================  ==================================================================
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from innkeeper.payments.domain import Account
from innkeeper.payments.models import LedgerEntry, LedgerPosting

PLATFORM: Final = "platform"


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    amount_minor: int  # debit positive, credit negative
    ref: str = ""
    stripe_source: str | None = None
    organization_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    dedupe_key: str  # one entry per money event, however often it is reported
    currency: str
    postings: tuple[Posting, ...]
    booking_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None
    memo: str = ""


class Unbalanced(ValueError):
    """A bug: postings that do not sum to zero are never written (the database would refuse
    them too, with its deferred constraint trigger)."""


def post(session: Session, entry: Entry, *, at: datetime) -> bool:
    """Write ``entry`` unless an entry with its ``dedupe_key`` exists; True if written."""
    postings = [p for p in entry.postings if p.amount_minor != 0]
    if sum(p.amount_minor for p in postings) != 0:
        raise Unbalanced(f"{entry.kind} {entry.dedupe_key} does not balance: {postings}")
    entry_id = session.scalar(
        insert(LedgerEntry)
        .values(
            at=at,
            kind=entry.kind,
            dedupe_key=entry.dedupe_key,
            booking_id=entry.booking_id,
            organization_id=entry.organization_id,
            payment_id=entry.payment_id,
            memo=entry.memo,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(LedgerEntry.id)
    )
    if entry_id is None:
        return False
    session.execute(
        insert(LedgerPosting),
        [
            {
                "entry_id": entry_id,
                "account": p.account,
                "ref": p.ref,
                "currency": entry.currency,
                "amount_minor": p.amount_minor,
                "organization_id": p.organization_id or entry.organization_id,
                "booking_id": entry.booking_id,
                "stripe_source": p.stripe_source,
            }
            for p in postings
        ],
    )
    return True


# --- the postings of each money event ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Split:
    host: int
    platform: int
    expert: int
    organization_id: uuid.UUID | None


def charge_postings(
    *, amount: int, stripe_fee: int, charge_id: str, split: Split
) -> tuple[Posting, ...]:
    """A captured guest charge on the platform, and who earned it."""
    return (
        Posting(Account.STRIPE_BALANCE, amount - stripe_fee, PLATFORM, charge_id),
        Posting(Account.STRIPE_FEES, stripe_fee),
        Posting(Account.HOST_PAYABLE, -split.host, _org(split.organization_id)),
        Posting(Account.PLATFORM_REVENUE, -split.platform),
        Posting(Account.EXPERT_PAYABLE, -split.expert),
    )


def transfer_postings(
    *, amount: int, destination: str, transfer_id: str, destination_payment: str | None
) -> tuple[Posting, ...]:
    """Money moved from the platform's balance to a connected account's."""
    return (
        Posting(Account.STRIPE_BALANCE, -amount, PLATFORM, transfer_id),
        Posting(Account.STRIPE_BALANCE, amount, destination, destination_payment),
    )


def application_fee_postings(*, amount: int, destination: str, fee_id: str) -> tuple[Posting, ...]:
    """The platform's fee, collected back from the connected account."""
    return (
        Posting(Account.STRIPE_BALANCE, amount, PLATFORM, fee_id),
        Posting(Account.STRIPE_BALANCE, -amount, destination, fee_id),
    )


def refund_postings(*, amount: int, refund_id: str, split: Split) -> tuple[Posting, ...]:
    """Money back to the guest from the platform's balance, taken from each earner."""
    return (
        Posting(Account.STRIPE_BALANCE, -amount, PLATFORM, refund_id),
        Posting(Account.HOST_PAYABLE, split.host, _org(split.organization_id)),
        Posting(Account.PLATFORM_REVENUE, split.platform),
        Posting(Account.EXPERT_PAYABLE, split.expert),
    )


def reversal_postings(
    *, amount: int, destination: str, reversal_id: str, destination_refund: str | None
) -> tuple[Posting, ...]:
    """A transfer reversed: the connected account gives money back to the platform."""
    return (
        Posting(Account.STRIPE_BALANCE, amount, PLATFORM, reversal_id),
        Posting(Account.STRIPE_BALANCE, -amount, destination, destination_refund),
    )


def fee_refund_postings(
    *, amount: int, destination: str, fee_refund_id: str
) -> tuple[Posting, ...]:
    """Part of the application fee given back to the connected account."""
    return (
        Posting(Account.STRIPE_BALANCE, -amount, PLATFORM, fee_refund_id),
        Posting(Account.STRIPE_BALANCE, amount, destination, fee_refund_id),
    )


def dispute_postings(
    *, amount: int, fee: int, account: str, source: str, reinstated: bool
) -> tuple[Posting, ...]:
    """Funds withdrawn for a dispute (amount and Stripe's dispute fee), or reinstated."""
    sign = -1 if reinstated else 1
    return (
        Posting(Account.STRIPE_BALANCE, -sign * (amount + fee), account, source),
        Posting(Account.DISPUTE_LOSSES, sign * (amount + fee), account),
    )


def payout_postings(*, amount: int, account: str, payout_id: str) -> tuple[Posting, ...]:
    """Money paid out from a Stripe balance to a bank account."""
    return (
        Posting(Account.STRIPE_BALANCE, -amount, account, payout_id),
        Posting(Account.PAYOUTS, amount, account),
    )


def _org(organization_id: uuid.UUID | None) -> str:
    return "" if organization_id is None else str(organization_id)


# --- balances ----------------------------------------------------------------------------


def balances(
    session: Session,
    *,
    booking_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
) -> dict[tuple[str, str], int]:
    """(account, currency) → balance, over every posting or those of one booking or
    organization."""
    query = select(
        LedgerPosting.account, LedgerPosting.currency, func.sum(LedgerPosting.amount_minor)
    ).group_by(LedgerPosting.account, LedgerPosting.currency)
    if booking_id is not None:
        query = query.where(LedgerPosting.booking_id == booking_id)
    if organization_id is not None:
        query = query.where(LedgerPosting.organization_id == organization_id)
    return {
        (str(account), str(currency)): int(total)
        for account, currency, total in session.execute(query)
    }


def unbalanced(session: Session) -> list[tuple[int, str, int]]:
    """(entry id, currency, sum) of every entry that does not sum to zero: always empty."""
    rows = session.execute(
        select(LedgerPosting.entry_id, LedgerPosting.currency, func.sum(LedgerPosting.amount_minor))
        .group_by(LedgerPosting.entry_id, LedgerPosting.currency)
        .having(func.sum(LedgerPosting.amount_minor) != 0)
    )
    return [(int(e), str(c), int(s)) for e, c, s in rows]


def totals_by_currency(session: Session) -> dict[str, int]:
    """The sum of every posting per currency: zero, always, for a balanced journal."""
    rows = session.execute(
        select(LedgerPosting.currency, func.sum(LedgerPosting.amount_minor)).group_by(
            LedgerPosting.currency
        )
    )
    return {str(c): int(s) for c, s in rows}


def stripe_mirror(session: Session, account: str) -> dict[str, int]:
    """Source id → net amount of the postings mirroring one Stripe balance."""
    rows = session.execute(
        select(LedgerPosting.stripe_source, func.sum(LedgerPosting.amount_minor))
        .where(LedgerPosting.account == Account.STRIPE_BALANCE, LedgerPosting.ref == account)
        .group_by(LedgerPosting.stripe_source)
    )
    return {str(source): int(total) for source, total in rows}


def entries_for(session: Session, booking_id: uuid.UUID) -> Sequence[LedgerEntry]:
    return session.scalars(
        select(LedgerEntry).where(LedgerEntry.booking_id == booking_id).order_by(LedgerEntry.id)
    ).all()
