"""Platform fee rules as rows. The CHECKs refuse a rule ``pricing.fees.fee_amount`` could not
apply sensibly, and a partial unique index keeps at most one active rule per (side, scope,
scope value, priority): with no two active rules able to tie, "most specific wins, then the
highest priority" never needs the id tie-break for live rules."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, Numeric, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.db.base import Base, IdMixin, TimestampMixin
from innkeeper.db.enums import str_enum
from innkeeper.pricing.fees import FeeScope, FeeSide

ACTIVE_SLOT_INDEX = "uq_fee_rule_active_slot"


class FeeRuleRow(IdMixin, TimestampMixin, Base):
    """One fee rule. Deactivated rather than deleted, so history and old quotes keep a rule
    to point at. ``scope_value`` is an organization id (provider) or a category name."""

    __tablename__ = "fee_rule"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("fixed_minor >= 0", name="fixed_not_negative"),
        CheckConstraint("min_minor IS NULL OR min_minor >= 0", name="min_not_negative"),
        CheckConstraint("max_minor IS NULL OR max_minor >= 0", name="max_not_negative"),
        CheckConstraint(
            "min_minor IS NULL OR max_minor IS NULL OR max_minor >= min_minor",
            name="max_not_below_min",
        ),
        CheckConstraint("(scope = 'global') = (scope_value IS NULL)", name="scope_value_needed"),
        CheckConstraint(
            "currency IS NOT NULL OR (fixed_minor = 0 AND min_minor IS NULL AND max_minor IS NULL)",
            name="amounts_need_currency",
        ),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_format"),
        Index(
            ACTIVE_SLOT_INDEX,
            "side",
            "scope",
            sql("coalesce(scope_value, '')"),
            "priority",
            unique=True,
            postgresql_where=sql("active"),
        ),
    )

    side: Mapped[FeeSide] = mapped_column(str_enum(FeeSide))
    scope: Mapped[FeeScope] = mapped_column(str_enum(FeeScope))
    scope_value: Mapped[str | None] = mapped_column(Text)
    percent: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(0), server_default="0")
    fixed_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    min_minor: Mapped[int | None] = mapped_column(BigInteger)
    max_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
