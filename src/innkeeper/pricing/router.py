"""Pricing API: hosts edit a listing's rate plan and nightly prices; anyone reads a
published listing's prices and asks for a quote."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from innkeeper.bookings.policies import PolicyKind, RefundTier, policy
from innkeeper.catalog.domain import ListingKind
from innkeeper.core.dates import StayRange
from innkeeper.core.money import Money
from innkeeper.deps import CurrentActor, OptionalActor, ServicesDep
from innkeeper.pricing import experts, market, quotes, service
from innkeeper.pricing.domain import GroupDiscount, PriceBasis, RatePlan, Season, Tax
from innkeeper.pricing.fees import DepositPolicy
from innkeeper.pricing.models import QuoteRow
from innkeeper.pricing.repository import PlanTerms
from innkeeper.pricing.schemas import (
    AreaPricesOut,
    CancellationIn,
    CancellationOut,
    ComparisonOut,
    DepositIn,
    ExpertFeeIn,
    ExpertFeeOut,
    GroupDiscountIn,
    InstallmentOut,
    NightlyPriceIn,
    NightPriceOut,
    PricingIn,
    PricingOut,
    QuoteIn,
    QuoteLineOut,
    QuoteOut,
    RefundTierIn,
    SeasonIn,
    TaxIn,
)
from innkeeper.schemas import MoneyOut, money_out

router = APIRouter(tags=["pricing"])
HOST = "/organizations/{organization_id}/listings/{listing_id}/pricing"


@router.get(HOST, response_model=PricingOut)
def get_pricing(
    organization_id: uuid.UUID, listing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> PricingOut:
    return pricing_out(service.get_terms(services, actor, organization_id, listing_id))


@router.put(HOST, response_model=PricingOut)
def put_pricing(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: PricingIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> PricingOut:
    """Replace the rate plan: basis, weekends, seasons, discounts, fees, taxes, deposits."""
    current = service.get_terms(services, actor, organization_id, listing_id)
    plan = current.plan
    terms = terms_from(body, currency=plan.currency, base_minor=plan.base_minor, basis=plan.basis)
    return pricing_out(service.put_terms(services, actor, organization_id, listing_id, terms))


@router.put(HOST + "/nights", status_code=status.HTTP_204_NO_CONTENT)
def set_nightly_price(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: NightlyPriceIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> None:
    """Fix the price of every night from ``start`` up to ``end``, or clear it with null."""
    span = StayRange(body.start, body.end)
    service.set_nightly_price(services, actor, organization_id, listing_id, span, body.price_minor)


@router.get("/listings/{listing_id}/prices", response_model=list[NightPriceOut])
def nightly_prices(
    listing_id: uuid.UUID,
    services: ServicesDep,
    start: Annotated[date, Query()],
    end: Annotated[date, Query(description="The first night not shown")],
) -> list[NightPriceOut]:
    """Each night's price and the rule that set it."""
    rates = service.price_calendar(services, listing_id, StayRange(start, end))
    return [NightPriceOut(night=r.night, price=money_out(r.amount), rule=r.rule) for r in rates]


@router.post("/quotes", status_code=status.HTTP_201_CREATED, response_model=QuoteOut)
def create_quote(body: QuoteIn, services: ServicesDep, actor: OptionalActor) -> QuoteOut:
    """An itemized price that holds for 30 minutes; 409 ``unavailable`` says why not."""
    request = quotes.QuoteRequest(**body.model_dump())
    return quote_out(quotes.create_quote(services, actor, request))


@router.get("/quotes/{quote_id}", response_model=QuoteOut)
def get_quote(quote_id: uuid.UUID, services: ServicesDep) -> QuoteOut:
    return quote_out(quotes.get_quote(services, quote_id))


def terms_from(body: PricingIn, *, currency: str, base_minor: int, basis: PriceBasis) -> PlanTerms:
    """``basis`` is the listing's current one, kept when the body leaves it out."""
    plan = RatePlan(
        currency=currency,
        base_minor=base_minor,
        basis=body.basis or basis,
        weekend_nights=frozenset(body.weekend_nights),
        weekend_multiplier=body.weekend_multiplier,
        seasons=tuple(
            Season(s.name, s.start, s.end, s.multiplier, s.fixed_minor, s.priority)
            for s in body.seasons
        ),
        weekly_discount_percent=body.weekly_discount_percent,
        monthly_discount_percent=body.monthly_discount_percent,
        base_occupancy=body.base_occupancy,
        extra_guest_minor=body.extra_guest_minor,
        group_discounts=tuple(GroupDiscount(g.min_people, g.percent) for g in body.group_discounts),
        cleaning_minor=body.cleaning_minor,
        taxes=tuple(Tax(t.code, t.label, t.kind, t.percent, t.amount_minor) for t in body.taxes),
        quote_only=body.quote_only,
    )
    d = body.deposit
    deposit = DepositPolicy(d.kind, d.percent, d.amount_minor, d.balance_due_days)
    tiers = tuple(RefundTier(t.hours_before, t.percent) for t in body.cancellation.tiers)
    cancellation = policy(body.cancellation.kind, tiers)
    return PlanTerms(plan, deposit, body.security_deposit_minor, cancellation)


def pricing_out(terms: PlanTerms) -> PricingOut:
    plan, d = terms.plan, terms.deposit
    return PricingOut(
        currency=plan.currency,
        base_price_minor=plan.base_minor,
        basis=plan.basis,
        weekend_nights=sorted(plan.weekend_nights),
        weekend_multiplier=plan.weekend_multiplier,
        seasons=[
            SeasonIn(
                name=s.name,
                start=s.start,
                end=s.end,
                multiplier=s.multiplier,
                fixed_minor=s.fixed_minor,
                priority=s.priority,
            )
            for s in sorted(plan.seasons, key=lambda s: (s.start, s.name))
        ],
        weekly_discount_percent=plan.weekly_discount_percent,
        monthly_discount_percent=plan.monthly_discount_percent,
        base_occupancy=plan.base_occupancy,
        extra_guest_minor=plan.extra_guest_minor,
        group_discounts=[
            GroupDiscountIn(min_people=g.min_people, percent=g.percent)
            for g in sorted(plan.group_discounts, key=lambda g: g.min_people)
        ],
        cleaning_minor=plan.cleaning_minor,
        taxes=[
            TaxIn(
                code=t.code,
                label=t.label,
                kind=t.kind,
                percent=t.percent,
                amount_minor=t.amount_minor,
            )
            for t in plan.taxes
        ],
        quote_only=plan.quote_only,
        deposit=DepositIn(
            kind=d.kind,
            percent=d.percent,
            amount_minor=d.amount_minor,
            balance_due_days=d.balance_due_days,
        ),
        security_deposit_minor=terms.security_deposit_minor,
        cancellation=CancellationIn(
            kind=terms.cancellation.kind,
            tiers=[]
            if terms.cancellation.kind is not PolicyKind.CUSTOM
            else [
                RefundTierIn(hours_before=t.hours_before, percent=t.percent)
                for t in terms.cancellation.tiers
            ],
        ),
    )


def line_out(line: dict[str, object], currency: str) -> QuoteLineOut:
    """One stored priced line (quotes and bookings store the same shape)."""
    return QuoteLineOut(
        code=str(line["code"]),
        label=str(line["label"]),
        amount=money_out(Money(int(str(line["amount_minor"])), currency)),
        quantity=int(str(line["quantity"])),
        rule=str(line["rule"]),
    )


def installments_out(rows: list[dict[str, object]], currency: str) -> list[InstallmentOut]:
    """A stored payment schedule (quotes and bookings store the same shape)."""
    return [
        InstallmentOut(
            due=None if i["due"] is None else date.fromisoformat(str(i["due"])),
            amount=money_out(Money(int(str(i["amount_minor"])), currency)),
            label=str(i["label"]),
        )
        for i in rows
    ]


def quote_out(row: QuoteRow) -> QuoteOut:
    def money(minor: int) -> MoneyOut:
        return money_out(Money(minor, row.currency))

    return QuoteOut(
        id=row.id,
        listing_id=row.listing_id,
        check_in=row.check_in,
        check_out=row.check_out,
        nights=(row.check_out - row.check_in).days,
        guests=row.guests,
        units=row.units,
        slot_id=row.slot_id,
        currency=row.currency,
        lines=[line_out(line, row.currency) for line in row.lines],
        guest_total=money(row.guest_total_minor),
        host_payout=money(row.host_payout_minor),
        platform_fee=money(row.platform_fee_minor),
        expert_fee=money(row.expert_fee_minor),
        guest_service_fee=money(row.guest_service_fee_minor),
        host_commission=money(row.host_commission_minor),
        taxes=money(row.taxes_minor),
        installments=installments_out(row.installments, row.currency),
        security_deposit=money(row.security_deposit_minor),
        fee_rules={k: None if v is None else str(v) for k, v in row.fee_rules.items()},
        cancellation_policy=CancellationOut.model_validate(row.cancellation_policy),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


@router.get("/market/prices", response_model=list[AreaPricesOut], tags=["market"])
def market_prices(
    services: ServicesDep,
    city: Annotated[str | None, Query(max_length=100)] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    kind: ListingKind | None = None,
) -> list[AreaPricesOut]:
    """Average, median, minimum and maximum base price by area and kind."""
    return [
        area_out(stats) for stats in market.area_prices(services, city=city, area=area, kind=kind)
    ]


@router.get("/listings/{listing_id}/market", response_model=ComparisonOut, tags=["market"])
def listing_market(listing_id: uuid.UUID, services: ServicesDep) -> ComparisonOut:
    """How this listing's price compares with its area's."""
    found = market.compare(services, listing_id)
    return ComparisonOut(
        listing_id=found.listing_id,
        price=money_out(found.price),
        area=area_out(found.area),
        cheaper_listings=found.cheaper_listings,
        percent_of_median=found.percent_of_median,
    )


def area_out(stats: market.AreaPrices) -> AreaPricesOut:
    return AreaPricesOut(
        city=stats.city,
        area=stats.area,
        kind=stats.kind.value,
        listings=stats.listings,
        average=money_out(stats.average),
        median=money_out(stats.median),
        minimum=money_out(stats.minimum),
        maximum=money_out(stats.maximum),
    )


@router.get("/me/expert-fee", response_model=ExpertFeeOut, tags=["experts"])
def my_expert_fee(services: ServicesDep, actor: CurrentActor) -> ExpertFeeOut:
    """What the caller, a local expert, charges for arranging a booking."""
    return ExpertFeeOut.model_validate(experts.my_fee(services, actor))


@router.put("/me/expert-fee", response_model=ExpertFeeOut, tags=["experts"])
def set_my_expert_fee(
    body: ExpertFeeIn, services: ServicesDep, actor: CurrentActor
) -> ExpertFeeOut:
    """Set the caller's fee: a percentage of the host's charges, a fixed amount, or hourly."""
    fee = experts.ExpertFee(
        body.kind, body.percent, body.amount_minor, body.currency.upper() if body.currency else None
    )
    return ExpertFeeOut.model_validate(experts.set_my_fee(services, actor, fee))
