"""Cancellation policies as values: how much of a booking comes back, decided by how long
before arrival the guest cancels. Pure: the caller supplies the instants.

A policy is a list of tiers, "cancel at least N hours before arrival, get P% back",
checked from the longest notice down. Lines whose codes are non-refundable (the service fee
by default) never come back, whatever the tier. Quotes show the policy that would apply;
bookings snapshot it when they are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from innkeeper.core.errors import InvalidInput


class PolicyKind(StrEnum):
    FLEXIBLE = "flexible"  # full refund until a day before arrival
    MODERATE = "moderate"  # full refund until 5 days before, half until a day before
    STRICT = "strict"  # full refund until 14 days before, half until 7 days before
    NON_REFUNDABLE = "non_refundable"
    CUSTOM = "custom"  # the host's own tiers


@dataclass(frozen=True, slots=True)
class RefundTier:
    hours_before: int  # cancelled at least this long before arrival...
    percent: Decimal  # ...refunds this share of the refundable lines


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    kind: PolicyKind
    tiers: tuple[RefundTier, ...]
    non_refundable: frozenset[str] = frozenset({"service_fee"})


PRESETS: Final[Mapping[PolicyKind, tuple[RefundTier, ...]]] = {
    PolicyKind.FLEXIBLE: (RefundTier(24, Decimal(100)),),
    PolicyKind.MODERATE: (RefundTier(120, Decimal(100)), RefundTier(24, Decimal(50))),
    PolicyKind.STRICT: (RefundTier(336, Decimal(100)), RefundTier(168, Decimal(50))),
    PolicyKind.NON_REFUNDABLE: (),
}
MAX_TIERS: Final = 10


def policy(kind: PolicyKind, custom_tiers: tuple[RefundTier, ...] = ()) -> CancellationPolicy:
    """A preset, or the host's custom tiers (validated, longest notice first)."""
    if kind is not PolicyKind.CUSTOM:
        if custom_tiers:
            raise InvalidInput.for_field(
                "cancellation.tiers", f"only custom policies have tiers, not {kind}"
            )
        return CancellationPolicy(kind, PRESETS[kind])
    check_tiers(custom_tiers)
    return CancellationPolicy(kind, tuple(sorted(custom_tiers, key=lambda t: -t.hours_before)))


def check_tiers(tiers: tuple[RefundTier, ...]) -> None:
    if not tiers or len(tiers) > MAX_TIERS:
        raise InvalidInput.for_field(
            "cancellation.tiers", f"a custom policy needs 1 to {MAX_TIERS} tiers"
        )
    if len({t.hours_before for t in tiers}) != len(tiers):
        raise InvalidInput.for_field("cancellation.tiers", "two tiers have the same notice")
    ordered = sorted(tiers, key=lambda t: -t.hours_before)
    for longer, shorter in zip(ordered, ordered[1:], strict=False):
        if shorter.percent > longer.percent:
            raise InvalidInput.for_field("cancellation.tiers", "less notice cannot refund more")
    if any(not Decimal(0) <= t.percent <= Decimal(100) or t.hours_before < 0 for t in tiers):
        raise InvalidInput.for_field("cancellation.tiers", "percent 0-100 and hours 0 or more")


def refund_percent(
    policy: CancellationPolicy, *, cancelled_at: datetime, arrival_at: datetime
) -> Decimal:
    """The share of refundable lines returned for a cancellation at ``cancelled_at``."""
    notice = arrival_at - cancelled_at
    for tier in policy.tiers:  # longest notice first
        if notice >= timedelta(hours=tier.hours_before):
            return tier.percent
    return Decimal(0)


@dataclass(frozen=True, slots=True)
class Deadline:
    until: datetime  # cancel before this instant...
    percent: Decimal  # ...to get this share back


def deadlines(policy: CancellationPolicy, *, arrival_at: datetime) -> tuple[Deadline, ...]:
    """The policy in instants for one arrival, as a guest reads it: "100% until ..."."""
    return tuple(
        Deadline(arrival_at - timedelta(hours=tier.hours_before), tier.percent)
        for tier in policy.tiers
    )
