"""What a cancellation gives back, and who gives it: pure arithmetic over the booking's
snapshotted policy, its priced lines and its split. The payments capability moves the money;
this module only decides the amounts, so the preview and the cancellation always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from innkeeper.bookings.policies import (
    CancellationPolicy,
    PolicyKind,
    RefundTier,
    refund_percent,
)

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Shares:
    """A booking's money as split when it was priced (see ``pricing.fees.split``)."""

    guest_total: int
    host_payout: int
    platform_fee: int
    expert_fee: int


@dataclass(frozen=True, slots=True)
class Refund:
    percent: Decimal  # of the refundable lines
    refundable_minor: int  # of the booking's total
    refund_minor: int  # of what the guest has paid so far: what goes back now
    from_host_minor: int  # how the refundable amount is taken back from each share
    from_platform_minor: int
    from_expert_minor: int
    non_refundable: tuple[str, ...]  # line codes that never come back under this policy
    in_full: bool  # a cancellation by the host, an admin or the system


def policy_from_snapshot(snapshot: Mapping[str, object]) -> CancellationPolicy:
    """The policy a booking snapshotted when it was made (the shape ``quotes`` stores)."""
    tiers = snapshot.get("tiers", [])
    codes = snapshot.get("non_refundable", ["service_fee"])
    if not isinstance(tiers, list) or not isinstance(codes, list):
        raise TypeError(f"not a cancellation policy snapshot: {snapshot!r}")
    return CancellationPolicy(
        PolicyKind(str(snapshot.get("kind", PolicyKind.FLEXIBLE))),
        tuple(RefundTier(int(t["hours_before"]), Decimal(str(t["percent"]))) for t in tiers),
        frozenset(str(code) for code in codes),
    )


def refund(
    policy: CancellationPolicy,
    *,
    lines: Sequence[Mapping[str, object]],
    shares: Shares,
    paid_minor: int,
    arrival_at: datetime,
    cancelled_at: datetime,
    in_full: bool,
) -> Refund:
    """The refund for a cancellation at ``cancelled_at``. A full refund returns every line; a
    policy refund returns its percentage of the lines that are not non-refundable, taken from
    the host, the platform and the expert in proportion to their shares."""
    if in_full:
        percent, kept = HUNDRED, 0
    else:
        percent = refund_percent(policy, cancelled_at=cancelled_at, arrival_at=arrival_at)
        kept = sum(
            _minor(line["amount_minor"]) for line in lines if line["code"] in policy.non_refundable
        )
    refundable = _share(shares.guest_total - kept, percent)
    from_host = _share(shares.host_payout, percent)
    from_expert = _share(shares.expert_fee, percent)
    from_platform = refundable - from_host - from_expert
    if from_platform < 0:  # rounding: never ask the platform for a negative amount
        from_host += from_platform
        from_platform = 0
    platform_base = max(shares.guest_total - kept - shares.host_payout - shares.expert_fee, 0)
    excess = from_platform - platform_base
    if excess > 0:  # rounding: floored host and expert shares left units the platform never had
        to_host = min(excess, shares.host_payout - from_host)
        from_host += to_host
        from_expert += excess - to_host
        from_platform -= excess
    return Refund(
        percent=percent,
        refundable_minor=refundable,
        refund_minor=min(refundable, paid_minor),
        from_host_minor=from_host,
        from_platform_minor=from_platform,
        from_expert_minor=from_expert,
        non_refundable=() if in_full else tuple(sorted(policy.non_refundable)),
        in_full=in_full,
    )


def _share(amount: int, percent: Decimal) -> int:
    """``percent`` of ``amount`` minor units, rounded down: a refund never exceeds the policy."""
    return int((Decimal(amount) * percent / HUNDRED).to_integral_value(ROUND_FLOOR))


def _minor(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"amount_minor must be an int, not {value!r}")
    return value
