"""Rate-plan rows. A listing's base price and currency stay on ``listing``; everything else
about its price lives here, one settings row plus seasons, overrides, group discounts and
taxes. A listing without a settings row is priced with the defaults."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.bookings.policies import PolicyKind
from innkeeper.db.base import Base, IdMixin
from innkeeper.db.enums import str_enum
from innkeeper.pricing.domain import PriceBasis, TaxKind
from innkeeper.pricing.fees import DepositKind, ExpertFeeKind

_PERCENT = "BETWEEN 0 AND 100"


class RatePlanSettings(Base):
    __tablename__ = "rate_plan"
    __table_args__ = (
        CheckConstraint("weekend_nights <@ ARRAY[0,1,2,3,4,5,6]::smallint[]", name="weekend_range"),
        CheckConstraint("weekend_multiplier > 0 AND weekend_multiplier <= 10", name="weekend_mult"),
        CheckConstraint(f"weekly_discount_percent {_PERCENT}", name="weekly_percent"),
        CheckConstraint(f"monthly_discount_percent {_PERCENT}", name="monthly_percent"),
        CheckConstraint(f"deposit_percent {_PERCENT}", name="deposit_percent"),
        CheckConstraint("base_occupancy IS NULL OR base_occupancy >= 1", name="occupancy"),
        CheckConstraint(
            "extra_guest_minor >= 0 AND cleaning_minor >= 0 AND deposit_minor >= 0 "
            "AND security_deposit_minor >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("balance_due_days BETWEEN 0 AND 365", name="balance_due_days"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    basis: Mapped[PriceBasis] = mapped_column(str_enum(PriceBasis))
    weekend_nights: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    weekend_multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    weekly_discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    monthly_discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    base_occupancy: Mapped[int | None] = mapped_column(SmallInteger)
    extra_guest_minor: Mapped[int] = mapped_column(BigInteger)
    cleaning_minor: Mapped[int] = mapped_column(BigInteger)
    quote_only: Mapped[bool] = mapped_column(Boolean)
    deposit_kind: Mapped[DepositKind] = mapped_column(str_enum(DepositKind))
    deposit_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    deposit_minor: Mapped[int] = mapped_column(BigInteger)
    balance_due_days: Mapped[int] = mapped_column(SmallInteger)
    security_deposit_minor: Mapped[int] = mapped_column(BigInteger)
    cancellation_policy: Mapped[PolicyKind] = mapped_column(
        str_enum(PolicyKind), server_default=PolicyKind.FLEXIBLE.value
    )
    cancellation_tiers: Mapped[list[dict[str, object]]] = mapped_column(
        JSONB, server_default="[]"
    )  # custom policies only: [{"hours_before": 72, "percent": "50"}]
    updated_at: Mapped[datetime]


class RateSeason(IdMixin, Base):
    __tablename__ = "rate_season"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="span_not_empty"),
        CheckConstraint(
            "(multiplier IS NULL) <> (fixed_minor IS NULL)", name="multiplier_or_fixed"
        ),
        CheckConstraint("multiplier IS NULL OR (multiplier > 0 AND multiplier <= 10)", name="mult"),
        CheckConstraint("fixed_minor IS NULL OR fixed_minor >= 0", name="fixed_not_negative"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date]
    end_date: Mapped[date]
    multiplier: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    fixed_minor: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)


class RateOverride(Base):
    __tablename__ = "rate_override"
    __table_args__ = (CheckConstraint("price_minor >= 0", name="price_not_negative"),)

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    night: Mapped[date] = mapped_column(primary_key=True)
    price_minor: Mapped[int] = mapped_column(BigInteger)


class GroupDiscountRow(Base):
    __tablename__ = "group_discount"
    __table_args__ = (
        CheckConstraint("min_people >= 2", name="min_people"),
        CheckConstraint(f"percent {_PERCENT}", name="percent_range"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    min_people: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class ListingTax(IdMixin, Base):
    __tablename__ = "listing_tax"
    __table_args__ = (
        UniqueConstraint("listing_id", "code"),
        CheckConstraint(f"percent {_PERCENT}", name="percent_range"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)  # the host's order, kept on receipts
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[TaxKind] = mapped_column(str_enum(TaxKind))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class QuoteRow(IdMixin, Base):
    """A stored, expiring price. A booking is made from a quote; the server never trusts a
    client's amount. The CHECK makes an unbalanced split impossible to store."""

    __tablename__ = "quote"
    __table_args__ = (
        CheckConstraint("check_out > check_in", name="stay_not_empty"),
        CheckConstraint("guests >= 1 AND units >= 1", name="party_positive"),
        CheckConstraint(
            "guest_total_minor = host_payout_minor + platform_fee_minor + expert_fee_minor",
            name="split_balances",
        ),
        CheckConstraint(
            "host_payout_minor >= 0 AND platform_fee_minor >= 0 AND expert_fee_minor >= 0",
            name="shares_not_negative",
        ),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    guest_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    check_in: Mapped[date]
    check_out: Mapped[date]
    guests: Mapped[int] = mapped_column(SmallInteger)
    units: Mapped[int] = mapped_column(SmallInteger)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("time_slot.id"))
    expert_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    expert_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    charges_minor: Mapped[int] = mapped_column(BigInteger)
    taxes_minor: Mapped[int] = mapped_column(BigInteger)
    guest_service_fee_minor: Mapped[int] = mapped_column(BigInteger)
    host_commission_minor: Mapped[int] = mapped_column(BigInteger)
    expert_fee_minor: Mapped[int] = mapped_column(BigInteger)
    guest_total_minor: Mapped[int] = mapped_column(BigInteger)
    host_payout_minor: Mapped[int] = mapped_column(BigInteger)
    platform_fee_minor: Mapped[int] = mapped_column(BigInteger)
    installments: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    security_deposit_minor: Mapped[int] = mapped_column(BigInteger)
    fee_rules: Mapped[dict[str, object]] = mapped_column(JSONB)  # which rules set the fees
    # the policy that would apply, with its deadlines for this arrival
    cancellation_policy: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ExpertFeeRuleRow(IdMixin, Base):
    """What a local expert charges for a booking they arrange: a percentage of the host's
    charges, a fixed amount, or an hourly rate. One active rule per expert."""

    __tablename__ = "expert_fee_rule"
    __table_args__ = (
        CheckConstraint(f"percent {_PERCENT}", name="percent_range"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(
            "kind = 'percent' OR currency IS NOT NULL", name="fixed_and_hourly_need_currency"
        ),
        Index(
            "uq_expert_fee_rule_active_expert",
            "expert_user_id",
            unique=True,
            postgresql_where=text("active"),
        ),
    )

    expert_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[ExpertFeeKind] = mapped_column(str_enum(ExpertFeeKind))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
