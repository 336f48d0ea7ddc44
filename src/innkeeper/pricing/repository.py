"""Loading a listing's rate plan as the pure ``RatePlan`` value, and replacing it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from innkeeper.bookings.policies import CancellationPolicy, PolicyKind, RefundTier, policy
from innkeeper.catalog.models import Listing
from innkeeper.pricing.domain import (
    GroupDiscount,
    PriceBasis,
    RatePlan,
    Season,
    Tax,
)
from innkeeper.pricing.fees import DepositPolicy
from innkeeper.pricing.models import (
    GroupDiscountRow,
    ListingTax,
    RateOverride,
    RatePlanSettings,
    RateSeason,
)

DEFAULT_CANCELLATION = policy(PolicyKind.FLEXIBLE)


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """Everything about a listing's price: the plan, the deposit, the security deposit and
    the cancellation policy a booking made now would snapshot."""

    plan: RatePlan
    deposit: DepositPolicy
    security_deposit_minor: int
    cancellation: CancellationPolicy = DEFAULT_CANCELLATION


def default_basis(listing: Listing) -> PriceBasis:
    """Per person for experiences; per unit for stays and leases, so two of a listing's
    identical units cost twice one (one unit costs the same under either basis)."""
    return PriceBasis.PER_PERSON if listing.kind == "experience" else PriceBasis.PER_UNIT


def load_terms(
    session: Session,
    listing: Listing,
    *,
    overrides_from: date | None = None,
    overrides_to: date | None = None,
) -> PlanTerms:
    """The listing's terms; only the overrides inside ``[overrides_from, overrides_to)`` are
    loaded when a window is given (a quote needs its own nights, not a year of them)."""
    terms = load_terms_many(
        session, [listing], overrides_from=overrides_from, overrides_to=overrides_to
    )
    return terms[listing.id]


def load_terms_many(
    session: Session,
    listings: Sequence[Listing],
    *,
    overrides_from: date | None = None,
    overrides_to: date | None = None,
) -> dict[uuid.UUID, PlanTerms]:
    """Terms for several listings in five queries, whatever their number (search pages)."""
    ids = [listing.id for listing in listings]
    settings = {r.listing_id: r for r in _rows(session, RatePlanSettings, ids)}
    seasons = _grouped(_rows(session, RateSeason, ids))
    groups = _grouped(_rows(session, GroupDiscountRow, ids))
    taxes = _grouped(_rows(session, ListingTax, ids, order_by=ListingTax.position))
    override_query = select(RateOverride).where(RateOverride.listing_id.in_(ids))
    if overrides_from is not None and overrides_to is not None:
        override_query = override_query.where(
            RateOverride.night >= overrides_from, RateOverride.night < overrides_to
        )
    overrides = _grouped(session.scalars(override_query))
    result = {}
    for listing in listings:
        plan = RatePlan(
            currency=listing.currency,
            base_minor=listing.base_price_minor,
            seasons=tuple(
                Season(s.name, s.start_date, s.end_date, s.multiplier, s.fixed_minor, s.priority)
                for s in seasons.get(listing.id, [])
            ),
            overrides={o.night: o.price_minor for o in overrides.get(listing.id, [])},
            group_discounts=tuple(
                GroupDiscount(g.min_people, g.percent) for g in groups.get(listing.id, [])
            ),
            taxes=tuple(
                Tax(t.code, t.label, t.kind, t.percent, t.amount_minor)
                for t in taxes.get(listing.id, [])
            ),
            basis=default_basis(listing),
        )
        row = settings.get(listing.id)
        result[listing.id] = (
            PlanTerms(plan, DepositPolicy(), 0)
            if row is None
            else PlanTerms(
                _with_settings(plan, row),
                _deposit(row),
                row.security_deposit_minor,
                _cancellation(row),
            )
        )
    return result


Row = TypeVar("Row", RatePlanSettings, RateSeason, GroupDiscountRow, ListingTax, RateOverride)


def _rows(
    session: Session, model: type[Row], ids: list[uuid.UUID], *, order_by: Any = None
) -> list[Row]:
    query = select(model).where(model.listing_id.in_(ids))
    return list(session.scalars(query if order_by is None else query.order_by(order_by)))


def _grouped(rows: Iterable[Row]) -> dict[uuid.UUID, list[Row]]:
    grouped: dict[uuid.UUID, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.listing_id].append(row)
    return grouped


def _with_settings(plan: RatePlan, s: RatePlanSettings) -> RatePlan:
    return RatePlan(
        currency=plan.currency,
        base_minor=plan.base_minor,
        basis=s.basis,
        weekend_nights=frozenset(s.weekend_nights),
        weekend_multiplier=s.weekend_multiplier,
        seasons=plan.seasons,
        overrides=plan.overrides,
        weekly_discount_percent=s.weekly_discount_percent,
        monthly_discount_percent=s.monthly_discount_percent,
        base_occupancy=s.base_occupancy,
        extra_guest_minor=s.extra_guest_minor,
        group_discounts=plan.group_discounts,
        cleaning_minor=s.cleaning_minor,
        taxes=plan.taxes,
        quote_only=s.quote_only,
    )


def _cancellation(s: RatePlanSettings) -> CancellationPolicy:
    tiers = tuple(
        RefundTier(int(str(t["hours_before"])), Decimal(str(t["percent"])))
        for t in s.cancellation_tiers
    )
    return policy(s.cancellation_policy, tiers)


def _deposit(s: RatePlanSettings) -> DepositPolicy:
    return DepositPolicy(s.deposit_kind, s.deposit_percent, s.deposit_minor, s.balance_due_days)


def save_terms(session: Session, listing_id: uuid.UUID, terms: PlanTerms, *, at: datetime) -> None:
    """Replace the stored plan (not its overrides, which are edited by date range)."""
    plan, deposit = terms.plan, terms.deposit
    row = session.get(RatePlanSettings, listing_id) or RatePlanSettings(listing_id=listing_id)
    row.basis, row.weekend_nights = plan.basis, sorted(plan.weekend_nights)
    row.weekend_multiplier = plan.weekend_multiplier
    row.weekly_discount_percent = plan.weekly_discount_percent
    row.monthly_discount_percent = plan.monthly_discount_percent
    row.base_occupancy, row.extra_guest_minor = plan.base_occupancy, plan.extra_guest_minor
    row.cleaning_minor, row.quote_only = plan.cleaning_minor, plan.quote_only
    row.deposit_kind, row.deposit_percent = deposit.kind, deposit.percent
    row.deposit_minor, row.balance_due_days = deposit.amount_minor, deposit.balance_due_days
    row.security_deposit_minor, row.updated_at = terms.security_deposit_minor, at
    row.cancellation_policy = terms.cancellation.kind
    row.cancellation_tiers = (
        [
            {"hours_before": t.hours_before, "percent": str(t.percent)}
            for t in terms.cancellation.tiers
        ]
        if terms.cancellation.kind is PolicyKind.CUSTOM
        else []
    )
    session.add(row)
    for model in (RateSeason, GroupDiscountRow, ListingTax):
        session.execute(delete(model).where(model.listing_id == listing_id))
    session.add_all(
        RateSeason(
            listing_id=listing_id,
            name=s.name,
            start_date=s.start,
            end_date=s.end,
            multiplier=s.multiplier,
            fixed_minor=s.fixed_minor,
            priority=s.priority,
        )
        for s in plan.seasons
    )
    session.add_all(
        GroupDiscountRow(listing_id=listing_id, min_people=g.min_people, percent=g.percent)
        for g in plan.group_discounts
    )
    session.add_all(
        ListingTax(
            position=position,
            listing_id=listing_id,
            code=t.code,
            label=t.label,
            kind=t.kind,
            percent=t.percent,
            amount_minor=t.amount_minor,
        )
        for position, t in enumerate(plan.taxes)
    )


def set_overrides(
    session: Session, listing_id: uuid.UUID, nights: list[date], price_minor: int | None
) -> None:
    """Fix the price of ``nights`` (or clear it with None): a host's bulk calendar edit."""
    session.execute(
        delete(RateOverride).where(
            RateOverride.listing_id == listing_id, RateOverride.night.in_(nights)
        )
    )
    if price_minor is not None:
        session.add_all(
            RateOverride(listing_id=listing_id, night=night, price_minor=price_minor)
            for night in nights
        )
