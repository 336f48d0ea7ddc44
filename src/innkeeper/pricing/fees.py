"""Platform fee rules, expert fees, and the exact split of what a guest pays.

A fee rule applies to one side: a guest service fee is added on top of the host's charges,
a host commission is deducted from the host's payout. For each side the most specific
active rule wins (provider, then category, then global); among equally specific rules the
highest priority wins, then the rule id, so the choice is always deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from innkeeper.core.money import Money
from innkeeper.pricing.domain import HUNDRED


class FeeSide(StrEnum):
    GUEST = "guest"  # a service fee added to the guest total
    HOST = "host"  # a commission deducted from the host payout


class FeeScope(StrEnum):
    PROVIDER = "provider"  # one organization
    CATEGORY = "category"  # accommodation, lease, activity, meal, transport, tour, other
    GLOBAL = "global"


SPECIFICITY: Final = {FeeScope.PROVIDER: 3, FeeScope.CATEGORY: 2, FeeScope.GLOBAL: 1}


@dataclass(frozen=True, slots=True)
class FeeRule:
    """``percent`` of the base plus ``fixed_minor``, clamped to ``[min_minor, max_minor]``.

    Fixed amounts and clamps are in ``currency``; on a base in another currency only the
    percentage applies (a fixed AED 10 is not USD 10).
    """

    id: str
    side: FeeSide
    scope: FeeScope
    scope_value: str | None = None  # the organization id or the category
    percent: Decimal = Decimal(0)
    fixed_minor: int = 0
    min_minor: int | None = None
    max_minor: int | None = None
    currency: str | None = None
    priority: int = 0
    active: bool = True

    def matches(self, *, provider: str, category: str) -> bool:
        if self.scope is FeeScope.PROVIDER:
            return self.scope_value == provider
        if self.scope is FeeScope.CATEGORY:
            return self.scope_value == category
        return True


def select_rule(
    rules: Iterable[FeeRule], *, side: FeeSide, provider: str, category: str
) -> FeeRule | None:
    candidates = [
        rule
        for rule in rules
        if rule.active and rule.side is side and rule.matches(provider=provider, category=category)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (SPECIFICITY[r.scope], r.priority, r.id))


def fee_amount(rule: FeeRule | None, base: Money) -> Money:
    """The fee on ``base``; never negative."""
    if rule is None:
        return Money.zero(base.currency)
    amount = base.percent(rule.percent)
    if rule.currency == base.currency:
        amount = amount + Money(rule.fixed_minor, base.currency)
        if rule.min_minor is not None:
            amount = max(amount, Money(rule.min_minor, base.currency))
        if rule.max_minor is not None:
            amount = min(amount, Money(rule.max_minor, base.currency))
    return max(amount, Money.zero(base.currency))


class ExpertFeeKind(StrEnum):
    PERCENT = "percent"  # of the host's charges
    FIXED = "fixed"  # per booking
    HOURLY = "hourly"  # per hour of the expert's time


@dataclass(frozen=True, slots=True)
class ExpertFeeRule:
    kind: ExpertFeeKind
    percent: Decimal = Decimal(0)
    amount_minor: int = 0
    currency: str | None = None


def expert_fee(rule: ExpertFeeRule | None, base: Money, *, hours: Decimal = Decimal(0)) -> Money:
    if rule is None:
        return Money.zero(base.currency)
    if rule.kind is ExpertFeeKind.PERCENT:
        return base.percent(rule.percent)
    if rule.currency != base.currency:
        raise ValueError(f"expert fee in {rule.currency} cannot apply to {base.currency}")
    if rule.kind is ExpertFeeKind.FIXED:
        return Money(rule.amount_minor, base.currency)
    return Money(rule.amount_minor, base.currency).percent(hours * HUNDRED)


@dataclass(frozen=True, slots=True)
class Split:
    """Who gets what. ``host_payout + platform_fee + expert_fee == guest_total``, always."""

    guest_total: Money
    host_payout: Money
    platform_fee: Money  # guest service fee + host commission: Stripe's application fee
    expert_fee: Money
    guest_service_fee: Money
    host_commission: Money


def split(
    *,
    host_charges: Money,
    taxes: Money,
    guest_service_fee: Money,
    host_commission: Money,
    expert_fee: Money,
) -> Split:
    """Split a booking's money. Taxes are the host's to remit, so they travel with the payout;
    a commission larger than the host's charges is capped, so no payout is negative."""
    commission = min(host_commission, host_charges)
    host_payout = host_charges + taxes - commission
    platform_fee = guest_service_fee + commission
    guest_total = host_charges + taxes + guest_service_fee + expert_fee
    return Split(guest_total, host_payout, platform_fee, expert_fee, guest_service_fee, commission)


class DepositKind(StrEnum):
    NONE = "none"  # everything at booking
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class DepositPolicy:
    kind: DepositKind = DepositKind.NONE
    percent: Decimal = Decimal(0)
    amount_minor: int = 0
    balance_due_days: int = 14  # before check-in


@dataclass(frozen=True, slots=True)
class Installment:
    due: date | None  # None: at booking
    amount: Money
    label: str


def schedule(
    policy: DepositPolicy, total: Money, *, check_in: date, today: date
) -> tuple[Installment, ...]:
    """When the guest pays what. Installments sum to ``total``; a balance that would fall
    due today or earlier is taken at booking instead."""
    balance_due = check_in - timedelta(days=policy.balance_due_days)
    if policy.kind is DepositKind.NONE or balance_due <= today:
        return (Installment(None, total, "Paid in full at booking"),)
    if policy.kind is DepositKind.PERCENT:
        deposit = total.percent(policy.percent)
    else:
        deposit = min(Money(policy.amount_minor, total.currency), total)
    if deposit == total:
        return (Installment(None, total, "Paid in full at booking"),)
    return (
        Installment(None, deposit, "Deposit at booking"),
        Installment(
            balance_due, total - deposit, f"Balance, {policy.balance_due_days} days before arrival"
        ),
    )


# The customer's plan: host commission by category, a global default, and a guest service
# fee that each marketplace configures (none until it does).
DEFAULT_FEE_RULES: Final = (
    FeeRule("global-host", FeeSide.HOST, FeeScope.GLOBAL, percent=Decimal(15)),
    FeeRule("accommodation-host", FeeSide.HOST, FeeScope.CATEGORY, "accommodation", Decimal("7.5")),
    FeeRule("activity-host", FeeSide.HOST, FeeScope.CATEGORY, "activity", Decimal(15)),
    FeeRule("meal-host", FeeSide.HOST, FeeScope.CATEGORY, "meal", Decimal(5)),
    FeeRule("transport-host", FeeSide.HOST, FeeScope.CATEGORY, "transport", Decimal(10)),
    FeeRule("global-guest", FeeSide.GUEST, FeeScope.GLOBAL, percent=Decimal(0)),
)
