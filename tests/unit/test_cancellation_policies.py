"""Cancellation policies: what comes back depends on notice, tier by tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.bookings.policies import (
    PolicyKind,
    RefundTier,
    deadlines,
    policy,
    refund_percent,
)
from innkeeper.core.errors import InvalidInput

ARRIVAL = datetime(2027, 1, 11, 11, 0, tzinfo=UTC)  # 15:00 in Dubai


def _percent(kind: PolicyKind, hours: float) -> Decimal:
    return refund_percent(
        policy(kind), cancelled_at=ARRIVAL - timedelta(hours=hours), arrival_at=ARRIVAL
    )


@pytest.mark.parametrize(
    ("kind", "hours", "percent"),
    [
        (PolicyKind.FLEXIBLE, 24, 100), (PolicyKind.FLEXIBLE, 23.9, 0),
        (PolicyKind.MODERATE, 120, 100), (PolicyKind.MODERATE, 119, 50),
        (PolicyKind.MODERATE, 23, 0),
        (PolicyKind.STRICT, 336, 100), (PolicyKind.STRICT, 200, 50), (PolicyKind.STRICT, 167, 0),
        (PolicyKind.NON_REFUNDABLE, 10_000, 0),
    ],
)  # fmt: skip
def test_presets_at_their_boundaries(kind: PolicyKind, hours: float, percent: int) -> None:
    assert _percent(kind, hours) == Decimal(percent)


def test_custom_tiers_are_ordered_and_checked() -> None:
    custom = policy(PolicyKind.CUSTOM, (RefundTier(24, Decimal(25)), RefundTier(72, Decimal(80))))
    assert [t.hours_before for t in custom.tiers] == [72, 24]
    assert [d.until for d in deadlines(custom, arrival_at=ARRIVAL)] == [
        ARRIVAL - timedelta(hours=72),
        ARRIVAL - timedelta(hours=24),
    ]
    for tiers, message in (
        ((), "1 to 10 tiers"),
        ((RefundTier(24, Decimal(10)), RefundTier(24, Decimal(20))), "same notice"),
        ((RefundTier(72, Decimal(20)), RefundTier(24, Decimal(50))), "less notice"),
        ((RefundTier(24, Decimal(120)),), "percent 0-100"),
    ):
        with pytest.raises(InvalidInput, match=message):
            policy(PolicyKind.CUSTOM, tiers)
    with pytest.raises(InvalidInput, match="only custom"):
        policy(PolicyKind.STRICT, (RefundTier(24, Decimal(10)),))


def test_the_service_fee_is_never_refunded_by_default() -> None:
    assert policy(PolicyKind.FLEXIBLE).non_refundable == frozenset({"service_fee"})


@given(
    kind=st.sampled_from([k for k in PolicyKind if k is not PolicyKind.CUSTOM]),
    hours=st.floats(0, 2000),
    more=st.floats(0, 500),
)
def test_more_notice_never_refunds_less(kind: PolicyKind, hours: float, more: float) -> None:
    assert _percent(kind, hours + more) >= _percent(kind, hours)
