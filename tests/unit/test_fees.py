"""Fee rules: the most specific wins, clamps hold, and the money always adds up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.core.money import Money
from innkeeper.pricing.fees import (
    DEFAULT_FEE_RULES,
    DepositKind,
    DepositPolicy,
    ExpertFeeKind,
    ExpertFeeRule,
    FeeRule,
    FeeScope,
    FeeSide,
    expert_fee,
    fee_amount,
    schedule,
    select_rule,
    split,
)

HOST, GUEST = FeeSide.HOST, FeeSide.GUEST
AED = "AED"


def chosen(
    rules: tuple[FeeRule, ...],
    *,
    side: FeeSide = HOST,
    provider: str = "org-1",
    category: str = "accommodation",
) -> str | None:
    rule = select_rule(rules, side=side, provider=provider, category=category)
    return None if rule is None else rule.id


@pytest.mark.parametrize(
    ("_case", "category", "expected"),
    [
        ("stays", "accommodation", "accommodation-host"),
        ("activities", "activity", "activity-host"),
        ("meals", "meal", "meal-host"),
        ("transport", "transport", "transport-host"),
        ("anything else falls back to global", "tour", "global-host"),
    ],
)
def test_the_customers_default_commissions(_case: str, category: str, expected: str) -> None:
    assert chosen(DEFAULT_FEE_RULES, category=category) == expected


def test_provider_beats_category_beats_global() -> None:
    provider = FeeRule("org-1-deal", HOST, FeeScope.PROVIDER, "org-1", Decimal(3))
    rules = (*DEFAULT_FEE_RULES, provider)
    assert chosen(rules) == "org-1-deal"
    assert chosen(rules, provider="org-2") == "accommodation-host"


def test_ties_are_broken_by_priority_then_id() -> None:
    low = FeeRule("b-low", HOST, FeeScope.CATEGORY, "accommodation", Decimal(1), priority=1)
    high = FeeRule("a-high", HOST, FeeScope.CATEGORY, "accommodation", Decimal(2), priority=5)
    assert chosen((low, high)) == "a-high"
    same = FeeRule("c-same", HOST, FeeScope.CATEGORY, "accommodation", Decimal(2), priority=5)
    assert chosen((low, high, same)) == "c-same"


def test_inactive_rules_and_the_other_side_are_ignored() -> None:
    off = FeeRule("off", HOST, FeeScope.PROVIDER, "org-1", Decimal(1), active=False)
    assert chosen((*DEFAULT_FEE_RULES, off)) == "accommodation-host"
    assert chosen(DEFAULT_FEE_RULES, side=GUEST) == "global-guest"
    assert chosen(()) is None


def test_percentage_plus_fixed_clamped() -> None:
    rule = FeeRule(
        "r",
        GUEST,
        FeeScope.GLOBAL,
        percent=Decimal(10),
        fixed_minor=5_00,
        min_minor=20_00,
        max_minor=100_00,
        currency=AED,
    )
    assert fee_amount(rule, Money(100_00, AED)) == Money(20_00, AED)  # 15 -> min 20
    assert fee_amount(rule, Money(500_00, AED)) == Money(55_00, AED)
    assert fee_amount(rule, Money(5000_00, AED)) == Money(100_00, AED)  # 505 -> max 100
    assert fee_amount(rule, Money(500_00, "USD")) == Money(50_00, "USD")  # fixed and clamps are AED
    assert fee_amount(None, Money(500_00, AED)) == Money(0, AED)


def test_expert_fees() -> None:
    base = Money(1000_00, AED)
    assert expert_fee(ExpertFeeRule(ExpertFeeKind.PERCENT, percent=Decimal(5)), base) == Money(
        50_00, AED
    )
    assert expert_fee(
        ExpertFeeRule(ExpertFeeKind.FIXED, amount_minor=75_00, currency=AED), base
    ) == Money(75_00, AED)
    hourly = ExpertFeeRule(ExpertFeeKind.HOURLY, amount_minor=120_00, currency=AED)
    assert expert_fee(hourly, base, hours=Decimal("2.5")) == Money(300_00, AED)
    with pytest.raises(ValueError, match="cannot apply"):
        expert_fee(hourly, Money(100, "USD"), hours=Decimal(1))


def test_the_split_of_a_stay() -> None:
    result = split(
        host_charges=Money(1500_00, AED),
        taxes=Money(120_00, AED),
        guest_service_fee=Money(75_00, AED),
        host_commission=Money(112_50, AED),
        expert_fee=Money(0, AED),
    )
    assert result.guest_total == Money(1695_00, AED)
    assert result.host_payout == Money(1507_50, AED)
    assert result.platform_fee == Money(187_50, AED)


money = st.integers(min_value=0, max_value=10**9)


@given(
    charges=money,
    taxes=money,
    guest_fee=money,
    commission=money,
    expert=money,
    currency=st.sampled_from(["AED", "JPY", "KWD"]),
)
def test_the_split_always_sums_and_nobody_gets_a_negative_amount(
    charges: int, taxes: int, guest_fee: int, commission: int, expert: int, currency: str
) -> None:
    result = split(
        host_charges=Money(charges, currency),
        taxes=Money(taxes, currency),
        guest_service_fee=Money(guest_fee, currency),
        host_commission=Money(commission, currency),
        expert_fee=Money(expert, currency),
    )
    assert result.host_payout + result.platform_fee + result.expert_fee == result.guest_total
    assert not any(
        m.is_negative for m in (result.host_payout, result.platform_fee, result.expert_fee)
    )


def test_deposit_and_balance() -> None:
    policy = DepositPolicy(DepositKind.PERCENT, percent=Decimal(30), balance_due_days=14)
    plan = schedule(
        policy, Money(1000_00, AED), check_in=date(2027, 1, 20), today=date(2026, 11, 22)
    )
    assert [(i.due, i.amount.minor) for i in plan] == [(None, 300_00), (date(2027, 1, 6), 700_00)]


def test_a_balance_due_already_is_taken_at_booking() -> None:
    policy = DepositPolicy(DepositKind.FIXED, amount_minor=200_00, balance_due_days=14)
    plan = schedule(
        policy, Money(1000_00, AED), check_in=date(2026, 12, 1), today=date(2026, 11, 22)
    )
    assert [(i.due, i.amount.minor) for i in plan] == [(None, 1000_00)]


@given(
    kind=st.sampled_from(list(DepositKind)),
    percent=st.decimals(min_value=0, max_value=100, places=2),
    fixed=money,
    total=money,
    lead=st.integers(min_value=0, max_value=400),
    due_days=st.integers(min_value=0, max_value=60),
)
def test_installments_sum_to_the_total(
    kind: DepositKind, percent: Decimal, fixed: int, total: int, lead: int, due_days: int
) -> None:
    today = date(2026, 11, 22)
    policy = DepositPolicy(kind, percent=percent, amount_minor=fixed, balance_due_days=due_days)
    check_in = date.fromordinal(today.toordinal() + lead)
    plan = schedule(policy, Money(total, AED), check_in=check_in, today=today)
    assert Money.total((i.amount for i in plan), AED) == Money(total, AED)
    assert all(not i.amount.is_negative for i in plan)
    assert all(i.due is None or today < i.due < check_in or i.due == check_in for i in plan)
