"""Rate plans, availability rules and date spans, and stored quotes.

A listing without a rate_plan or availability_settings row is priced and judged with the
defaults, so existing listings need no data migration. The quote table's CHECK makes an
unbalanced split (guest total != host payout + platform fee + expert fee) unstorable.

Revision ID: 0004_pricing_availability
Revises: 0003_fee_rules
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_pricing_availability"
down_revision = "0003_fee_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability_settings",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("open_dates_only", sa.Boolean(), nullable=False),
        sa.Column("closed_weekdays", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("closed_yearly", sa.ARRAY(sa.String(length=5)), nullable=False),
        sa.Column("check_in_weekdays", sa.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("check_out_weekdays", sa.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("min_nights", sa.SmallInteger(), nullable=False),
        sa.Column("max_nights", sa.SmallInteger(), nullable=True),
        sa.Column("advance_days", sa.SmallInteger(), nullable=False),
        sa.Column("min_notice_days", sa.SmallInteger(), nullable=False),
        sa.Column("turnover_days", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "advance_days BETWEEN 1 AND 1095",
            name=op.f("ck_availability_settings_advance_days_range"),
        ),
        sa.CheckConstraint(
            "check_in_weekdays <@ ARRAY[0,1,2,3,4,5,6]::smallint[]",
            name=op.f("ck_availability_settings_check_in_weekdays_range"),
        ),
        sa.CheckConstraint(
            "check_out_weekdays <@ ARRAY[0,1,2,3,4,5,6]::smallint[]",
            name=op.f("ck_availability_settings_check_out_weekdays_range"),
        ),
        sa.CheckConstraint(
            "closed_weekdays <@ ARRAY[0,1,2,3,4,5,6]::smallint[]",
            name=op.f("ck_availability_settings_closed_weekdays_range"),
        ),
        sa.CheckConstraint(
            "max_nights IS NULL OR max_nights >= min_nights",
            name=op.f("ck_availability_settings_max_after_min"),
        ),
        sa.CheckConstraint(
            "min_nights >= 1", name=op.f("ck_availability_settings_min_nights_positive")
        ),
        sa.CheckConstraint(
            "min_notice_days BETWEEN 0 AND 365",
            name=op.f("ck_availability_settings_min_notice_range"),
        ),
        sa.CheckConstraint(
            "turnover_days BETWEEN 0 AND 30", name=op.f("ck_availability_settings_turnover_range")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_availability_settings_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_availability_settings")),
    )
    op.create_table(
        "calendar_span",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("kind IN ('blocked', 'open')", name=op.f("ck_calendar_span_kind_known")),
        sa.CheckConstraint("end_date > start_date", name=op.f("ck_calendar_span_span_not_empty")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_calendar_span_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_span")),
    )
    op.create_index(
        "ix_calendar_span_listing_id_kind_start_date",
        "calendar_span",
        ["listing_id", "kind", "start_date"],
        unique=False,
    )
    op.create_table(
        "group_discount",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("min_people", sa.SmallInteger(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint("min_people >= 2", name=op.f("ck_group_discount_min_people")),
        sa.CheckConstraint(
            "percent BETWEEN 0 AND 100", name=op.f("ck_group_discount_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_group_discount_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "min_people", name=op.f("pk_group_discount")),
    )
    op.create_table(
        "listing_tax",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "percent",
                "per_night",
                "per_unit_night",
                "per_person_night",
                name="taxkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_listing_tax_amount_not_negative")),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_listing_tax_percent_range")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_listing_tax_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_tax")),
        sa.UniqueConstraint("listing_id", "code", name=op.f("uq_listing_tax_listing_id_code")),
    )
    op.create_table(
        "quote",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("guest_user_id", sa.UUID(), nullable=True),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("guests", sa.SmallInteger(), nullable=False),
        sa.Column("units", sa.SmallInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("charges_minor", sa.BigInteger(), nullable=False),
        sa.Column("taxes_minor", sa.BigInteger(), nullable=False),
        sa.Column("guest_service_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("host_commission_minor", sa.BigInteger(), nullable=False),
        sa.Column("expert_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("guest_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("host_payout_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("installments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("security_deposit_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("check_out > check_in", name=op.f("ck_quote_stay_not_empty")),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_quote_expires_after_creation")),
        sa.CheckConstraint(
            "guest_total_minor = host_payout_minor + platform_fee_minor + expert_fee_minor",
            name=op.f("ck_quote_split_balances"),
        ),
        sa.CheckConstraint("guests >= 1 AND units >= 1", name=op.f("ck_quote_party_positive")),
        sa.CheckConstraint(
            "host_payout_minor >= 0 AND platform_fee_minor >= 0 AND expert_fee_minor >= 0",
            name=op.f("ck_quote_shares_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["guest_user_id"], ["user_account.id"], name=op.f("fk_quote_guest_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_quote_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
    )
    op.create_index(op.f("ix_quote_listing_id"), "quote", ["listing_id"], unique=False)
    op.create_table(
        "rate_override",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_rate_override_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_rate_override_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "night", name=op.f("pk_rate_override")),
    )
    op.create_table(
        "rate_plan",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "per_night",
                "per_unit",
                "per_person",
                name="pricebasis",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("weekend_nights", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("weekend_multiplier", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("weekly_discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("monthly_discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("base_occupancy", sa.SmallInteger(), nullable=True),
        sa.Column("extra_guest_minor", sa.BigInteger(), nullable=False),
        sa.Column("cleaning_minor", sa.BigInteger(), nullable=False),
        sa.Column("quote_only", sa.Boolean(), nullable=False),
        sa.Column(
            "deposit_kind",
            sa.Enum(
                "none",
                "percent",
                "fixed",
                name="depositkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("deposit_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("deposit_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_due_days", sa.SmallInteger(), nullable=False),
        sa.Column("security_deposit_minor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "balance_due_days BETWEEN 0 AND 365", name=op.f("ck_rate_plan_balance_due_days")
        ),
        sa.CheckConstraint(
            "base_occupancy IS NULL OR base_occupancy >= 1", name=op.f("ck_rate_plan_occupancy")
        ),
        sa.CheckConstraint(
            "deposit_percent BETWEEN 0 AND 100", name=op.f("ck_rate_plan_deposit_percent")
        ),
        sa.CheckConstraint(
            "extra_guest_minor >= 0 AND cleaning_minor >= 0 AND deposit_minor >= 0 AND security_deposit_minor >= 0",
            name=op.f("ck_rate_plan_amounts_not_negative"),
        ),
        sa.CheckConstraint(
            "monthly_discount_percent BETWEEN 0 AND 100", name=op.f("ck_rate_plan_monthly_percent")
        ),
        sa.CheckConstraint(
            "weekend_multiplier > 0 AND weekend_multiplier <= 10",
            name=op.f("ck_rate_plan_weekend_mult"),
        ),
        sa.CheckConstraint(
            "weekend_nights <@ ARRAY[0,1,2,3,4,5,6]::smallint[]",
            name=op.f("ck_rate_plan_weekend_range"),
        ),
        sa.CheckConstraint(
            "weekly_discount_percent BETWEEN 0 AND 100", name=op.f("ck_rate_plan_weekly_percent")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_rate_plan_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_rate_plan")),
    )
    op.create_table(
        "rate_season",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=6, scale=3), nullable=True),
        sa.Column("fixed_minor", sa.BigInteger(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "(multiplier IS NULL) <> (fixed_minor IS NULL)",
            name=op.f("ck_rate_season_multiplier_or_fixed"),
        ),
        sa.CheckConstraint("end_date > start_date", name=op.f("ck_rate_season_span_not_empty")),
        sa.CheckConstraint(
            "fixed_minor IS NULL OR fixed_minor >= 0",
            name=op.f("ck_rate_season_fixed_not_negative"),
        ),
        sa.CheckConstraint(
            "multiplier IS NULL OR (multiplier > 0 AND multiplier <= 10)",
            name=op.f("ck_rate_season_mult"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_rate_season_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_season")),
    )
    op.create_index(op.f("ix_rate_season_listing_id"), "rate_season", ["listing_id"], unique=False)
    op.create_table(
        "stay_limit",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("min_nights", sa.SmallInteger(), nullable=False),
        sa.Column("max_nights", sa.SmallInteger(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("end_date > start_date", name=op.f("ck_stay_limit_span_not_empty")),
        sa.CheckConstraint(
            "max_nights IS NULL OR max_nights >= min_nights",
            name=op.f("ck_stay_limit_max_after_min"),
        ),
        sa.CheckConstraint("min_nights >= 1", name=op.f("ck_stay_limit_min_nights_positive")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_stay_limit_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stay_limit")),
    )
    op.create_index(op.f("ix_stay_limit_listing_id"), "stay_limit", ["listing_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stay_limit_listing_id"), table_name="stay_limit")
    op.drop_table("stay_limit")
    op.drop_index(op.f("ix_rate_season_listing_id"), table_name="rate_season")
    op.drop_table("rate_season")
    op.drop_table("rate_plan")
    op.drop_table("rate_override")
    op.drop_index(op.f("ix_quote_listing_id"), table_name="quote")
    op.drop_table("quote")
    op.drop_table("listing_tax")
    op.drop_table("group_discount")
    op.drop_index("ix_calendar_span_listing_id_kind_start_date", table_name="calendar_span")
    op.drop_table("calendar_span")
    op.drop_table("availability_settings")
