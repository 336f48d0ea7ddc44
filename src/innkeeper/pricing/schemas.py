"""Rate-plan and quote shapes. Amounts are integer minor units; rates are decimals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from innkeeper.bookings.policies import PolicyKind
from innkeeper.pricing.domain import PriceBasis, TaxKind
from innkeeper.pricing.fees import DepositKind, ExpertFeeKind
from innkeeper.schemas import MoneyOut, StrictInput

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Multiplier = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=3)]
Minor = Annotated[int, Field(ge=0, le=10**12)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]


class SeasonIn(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    start: date
    end: date = Field(description="The first night after the season")
    multiplier: Multiplier | None = None
    fixed_minor: Minor | None = None
    priority: Annotated[int, Field(ge=0, le=1000)] = 0


class GroupDiscountIn(StrictInput):
    min_people: Annotated[int, Field(ge=2, le=1000)]
    percent: Percent


class TaxIn(StrictInput):
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
    label: Annotated[str, Field(min_length=1, max_length=100)]
    kind: TaxKind
    percent: Percent = Decimal(0)
    amount_minor: Minor = 0


class DepositIn(StrictInput):
    kind: DepositKind = DepositKind.NONE
    percent: Percent = Decimal(0)
    amount_minor: Minor = 0
    balance_due_days: Annotated[int, Field(ge=0, le=365)] = 14


class RefundTierIn(StrictInput):
    hours_before: Annotated[int, Field(ge=0, le=24 * 366, description="Notice before arrival")]
    percent: Percent


class CancellationIn(StrictInput):
    kind: PolicyKind = PolicyKind.FLEXIBLE
    tiers: Annotated[list[RefundTierIn], Field(max_length=10, description="Custom only")] = []


class PricingIn(StrictInput):
    """A listing's whole rate plan; PUT replaces it. Base price and currency live on the
    listing; nightly overrides are set by date range."""

    basis: PriceBasis | None = Field(
        default=None,
        description="Omit to keep the listing's: per_unit for stays, per_person for experiences",
    )
    weekend_nights: Annotated[list[Weekday], Field(max_length=7)] = [4, 5]
    weekend_multiplier: Multiplier = Decimal(1)
    seasons: Annotated[list[SeasonIn], Field(max_length=100)] = []
    weekly_discount_percent: Percent = Decimal(0)
    monthly_discount_percent: Percent = Decimal(0)
    base_occupancy: Annotated[int | None, Field(ge=1, le=100)] = None
    extra_guest_minor: Minor = 0
    group_discounts: Annotated[list[GroupDiscountIn], Field(max_length=20)] = []
    cleaning_minor: Minor = 0
    taxes: Annotated[list[TaxIn], Field(max_length=20)] = []
    quote_only: bool = False
    deposit: DepositIn = DepositIn()
    security_deposit_minor: Minor = 0
    cancellation: CancellationIn = CancellationIn()


class PricingOut(PricingIn):
    currency: str
    base_price_minor: int


class NightlyPriceIn(StrictInput):
    start: date
    end: date = Field(description="The first night not changed")
    price_minor: Minor | None = Field(description="null clears the override")


class NightPriceOut(BaseModel):
    night: date
    price: MoneyOut
    rule: str


class QuoteIn(StrictInput):
    listing_id: uuid.UUID
    check_in: date = Field(description="Arrival, or the session date of an experience")
    check_out: date | None = Field(default=None, description="Departure; omit for experiences")
    guests: Annotated[int, Field(ge=1, le=1000)] = 1
    units: Annotated[
        int, Field(ge=1, le=500, description="Identical units, for multi-unit stays")
    ] = 1
    slot_id: uuid.UUID | None = Field(default=None, description="The session, for experiences")
    expert_id: uuid.UUID | None = Field(default=None, description="A local expert arranging it")
    expert_hours: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)] = Decimal(0)
    price_on_request: bool = Field(
        default=False,
        description="For listings without an instant price: a quote to send as a request; "
        "the host answers with an offer",
    )


class QuoteLineOut(BaseModel):
    code: str
    label: str
    amount: MoneyOut
    quantity: int
    rule: str


class InstallmentOut(BaseModel):
    due: date | None = Field(description="null: at booking")
    amount: MoneyOut
    label: str


class DeadlineOut(BaseModel):
    until: datetime = Field(description="Cancel before this instant...")
    refund_percent: Decimal = Field(description="...to get this share of refundable lines back")


class CancellationOut(BaseModel):
    kind: str
    tiers: list[RefundTierIn]
    non_refundable: list[str] = Field(description="Line codes never refunded")
    deadlines: list[DeadlineOut]


class QuoteOut(BaseModel):
    id: uuid.UUID
    listing_id: uuid.UUID
    check_in: date
    check_out: date
    nights: int
    guests: int
    units: int
    slot_id: uuid.UUID | None
    currency: str
    lines: list[QuoteLineOut]
    guest_total: MoneyOut
    host_payout: MoneyOut
    platform_fee: MoneyOut = Field(description="Guest service fee plus host commission")
    expert_fee: MoneyOut
    guest_service_fee: MoneyOut
    host_commission: MoneyOut
    taxes: MoneyOut
    installments: list[InstallmentOut]
    security_deposit: MoneyOut
    fee_rules: dict[str, str | None]
    cancellation_policy: CancellationOut
    created_at: datetime
    expires_at: datetime


class AreaPricesOut(BaseModel):
    city: str
    area: str
    kind: str
    listings: int
    average: MoneyOut
    median: MoneyOut = Field(description="The middle listing's price (lower middle if even)")
    minimum: MoneyOut
    maximum: MoneyOut


class ComparisonOut(BaseModel):
    listing_id: uuid.UUID
    price: MoneyOut
    area: AreaPricesOut
    cheaper_listings: int = Field(description="Listings in the same area and kind that cost less")
    percent_of_median: Decimal = Field(description="100 means exactly the area's median")


class ExpertFeeIn(StrictInput):
    kind: ExpertFeeKind
    percent: Percent = Decimal(0)
    amount_minor: Minor = 0
    currency: Annotated[str | None, Field(min_length=3, max_length=3)] = None


class ExpertFeeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ExpertFeeKind
    percent: Decimal
    amount_minor: int
    currency: str | None
    created_at: datetime
