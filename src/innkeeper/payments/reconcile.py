"""Reconciliation: the ledger against Stripe's balance transactions, one by one.

Every ``stripe_balance`` posting carries the Stripe account it mirrors (``platform`` or a
connected ``acct_…``) and the id of the object whose balance transaction it stands for.
For the platform and every payout account, the net of Stripe's balance transactions per
source must equal the ledger's; and the journal itself must balance. Stripe is read first,
the database after, in one short transaction (no network call inside it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import stripe
from sqlalchemy import select

from innkeeper.payments import ledger
from innkeeper.payments.gateway import raise_for
from innkeeper.payments.models import PayoutAccount
from innkeeper.services import Services


class Kind(StrEnum):
    MISSING_IN_LEDGER = "missing_in_ledger"  # Stripe moved money the ledger never booked
    MISSING_AT_STRIPE = "missing_at_stripe"  # the ledger booked money Stripe never moved
    AMOUNT_DIFFERS = "amount_differs"
    UNBALANCED_ENTRY = "unbalanced_entry"  # an entry whose postings do not sum to zero
    CURRENCY_NOT_ZERO = "currency_not_zero"  # the whole journal does not sum to zero


@dataclass(frozen=True, slots=True)
class Difference:
    kind: Kind
    account: str  # "platform", a connected account id, or "" for the journal itself
    source: str  # a Stripe object id, an entry id, or a currency
    stripe_net: int
    ledger_net: int

    def describe(self) -> str:
        where = f"{self.account} {self.source}".strip()
        return f"{self.kind.value}: {where}: Stripe {self.stripe_net}, ledger {self.ledger_net}"


def reconcile(svc: Services) -> list[Difference]:
    """Every difference between the ledger and Stripe, and within the ledger; empty when
    they agree."""
    accounts = [ledger.PLATFORM, *_connected_accounts(svc)]
    at_stripe = {account: stripe_net(svc, account) for account in accounts}
    differences: list[Difference] = []
    with svc.uow() as uow:
        for account in accounts:
            mirror = ledger.stripe_mirror(uow.session, account)
            differences.extend(compare(account, at_stripe[account], mirror))
        differences.extend(
            Difference(Kind.UNBALANCED_ENTRY, "", str(entry), 0, total)
            for entry, _currency, total in ledger.unbalanced(uow.session)
        )
        differences.extend(
            Difference(Kind.CURRENCY_NOT_ZERO, "", currency, 0, total)
            for currency, total in ledger.totals_by_currency(uow.session).items()
            if total != 0
        )
    return differences


def compare(account: str, stripe: dict[str, int], booked: dict[str, int]) -> list[Difference]:
    """Per source id: Stripe's net against the ledger's (pure, for tests and reuse)."""
    found = []
    for source in sorted(set(stripe) | set(booked)):
        at_stripe, in_ledger = stripe.get(source, 0), booked.get(source, 0)
        if at_stripe == in_ledger:
            continue
        if source not in booked:
            kind = Kind.MISSING_IN_LEDGER
        elif source not in stripe:
            kind = Kind.MISSING_AT_STRIPE
        else:
            kind = Kind.AMOUNT_DIFFERS
        found.append(Difference(kind, account, source, at_stripe, in_ledger))
    return found


def stripe_net(svc: Services, account: str) -> dict[str, int]:
    """Source id → net of an account's balance transactions, every page of them."""
    options: dict[str, Any] = {} if account == ledger.PLATFORM else {"stripe_account": account}
    try:
        listed = svc.stripe.v1.balance_transactions.list({"limit": 100}, options)
        return _sum_by_source(listed.auto_paging_iter())
    except stripe.StripeError as error:
        raise_for(error)


def _sum_by_source(transactions: Iterable[Any]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for txn in transactions:
        source = txn.source if isinstance(txn.source, str) or txn.source is None else txn.source.id
        totals[str(source)] += int(txn.net)
    return dict(totals)


def _connected_accounts(svc: Services) -> list[str]:
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(PayoutAccount.stripe_account_id).order_by(PayoutAccount.stripe_account_id)
            ).all()
        )


def report(svc: Services, echo: Callable[[str], None]) -> int:
    """What ``innkeeper reconcile`` prints, and its exit code: 1 if anything differs."""
    differences = reconcile(svc)
    for difference in differences:
        echo(difference.describe())
    if differences:
        echo(f"{len(differences)} difference(s) between the ledger and Stripe")
        return 1
    echo("ledger and Stripe agree")
    return 0
