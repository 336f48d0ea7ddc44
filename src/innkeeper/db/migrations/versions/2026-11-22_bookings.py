"""Bookings: the booking table with its state and deadlines, modifications, lease viewings,
and allocation: unit claims under an exclusion constraint (btree_gist) and place claims on
capacity rows whose CHECK (booked <= capacity) refuses an oversell. Listings get instant
booking and a host response time; quotes remember the expert who arranged them.

Revision ID: 0009_bookings
Revises: 0008_expert_fee_rules
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_bookings"
down_revision = "0008_expert_fee_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "viewing",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column("guest_user_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "confirmed",
                "declined",
                "cancelled",
                "expired",
                name="viewingstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party", sa.SmallInteger(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'requested') = (deadline_at IS NOT NULL)",
            name=op.f("ck_viewing_requested_has_deadline"),
        ),
        sa.ForeignKeyConstraint(
            ["guest_user_id"],
            ["user_account.id"],
            name=op.f("fk_viewing_guest_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_viewing_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_viewing_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["time_slot.id"], name=op.f("fk_viewing_slot_id_time_slot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewing")),
    )
    op.create_index(
        "ix_viewing_deadline_at",
        "viewing",
        ["deadline_at"],
        unique=False,
        postgresql_where=sa.text("deadline_at IS NOT NULL"),
    )
    op.create_index(op.f("ix_viewing_guest_user_id"), "viewing", ["guest_user_id"], unique=False)
    op.create_index(op.f("ix_viewing_listing_id"), "viewing", ["listing_id"], unique=False)
    op.create_index(
        "ix_viewing_organization_id_created_at",
        "viewing",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_viewing_open_per_guest_slot",
        "viewing",
        ["slot_id", "guest_user_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('requested', 'confirmed')"),
    )
    op.create_table(
        "booking",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "stay",
                "lease",
                "experience",
                name="listingkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "counter_offered",
                "pending_payment",
                "payment_action_required",
                "confirmed",
                "checked_in",
                "completed",
                "no_show",
                "declined",
                "expired",
                "cancelled",
                name="bookingstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "web",
                "api",
                "concierge",
                "expert",
                "import",
                name="bookingsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("guest_user_id", sa.UUID(), nullable=False),
        sa.Column("booked_by_user_id", sa.UUID(), nullable=False),
        sa.Column("expert_user_id", sa.UUID(), nullable=True),
        sa.Column("quote_id", sa.UUID(), nullable=False),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("arrival_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("guests", sa.SmallInteger(), nullable=False),
        sa.Column("units", sa.SmallInteger(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("guest_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("host_payout_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("expert_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("installments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("security_deposit_minor", sa.BigInteger(), nullable=False),
        sa.Column("cancellation_policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("refund_due_minor", sa.BigInteger(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("special_requests", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "ended_by",
            sa.Enum(
                "guest",
                "host",
                "admin",
                "expert",
                "system",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status IN ('requested', 'counter_offered', 'pending_payment', 'payment_action_required')) = (deadline_at IS NOT NULL)",
            name=op.f("ck_booking_waiting_states_have_deadlines"),
        ),
        sa.CheckConstraint("check_out > check_in", name=op.f("ck_booking_stay_not_empty")),
        sa.CheckConstraint(
            "guest_total_minor = host_payout_minor + platform_fee_minor + expert_fee_minor",
            name=op.f("ck_booking_split_balances"),
        ),
        sa.CheckConstraint("guests >= 1 AND units >= 1", name=op.f("ck_booking_party_positive")),
        sa.CheckConstraint(
            "paid_minor >= 0 AND refund_due_minor >= 0 AND refund_due_minor <= paid_minor",
            name=op.f("ck_booking_paid_and_refund_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_booking_booked_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_user_id"],
            ["user_account.id"],
            name=op.f("fk_booking_expert_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["guest_user_id"],
            ["user_account.id"],
            name=op.f("fk_booking_guest_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listing.id"], name=op.f("fk_booking_listing_id_listing")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_booking_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], name=op.f("fk_booking_quote_id_quote")),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["time_slot.id"], name=op.f("fk_booking_slot_id_time_slot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("code", name=op.f("uq_booking_code")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_booking_quote_id")),
    )
    op.create_index(
        "ix_booking_deadline_at",
        "booking",
        ["deadline_at"],
        unique=False,
        postgresql_where=sa.text("deadline_at IS NOT NULL"),
    )
    op.create_index(
        "ix_booking_guest_user_id_created_at",
        "booking",
        ["guest_user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_booking_listing_id_status", "booking", ["listing_id", "status"], unique=False
    )
    op.create_index(
        "ix_booking_organization_id_check_in",
        "booking",
        ["organization_id", "check_in"],
        unique=False,
    )
    op.create_table(
        "allocation",
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("unit_id", sa.UUID(), nullable=False),
        sa.Column("nights", postgresql.DATERANGE(), nullable=False),
        sa.Column("blocks", postgresql.DATERANGE(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("unit_id"), "="),
            (sa.column("blocks"), "&&"),
            using="gist",
            name="no_double_booking",
        ),
        sa.CheckConstraint(
            "NOT isempty(nights) AND blocks @> nights",
            name=op.f("ck_allocation_blocks_cover_nights"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_allocation_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_allocation_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["listing_unit.id"], name=op.f("fk_allocation_unit_id_listing_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    op.create_index(op.f("ix_allocation_booking_id"), "allocation", ["booking_id"], unique=False)
    op.create_index(
        "ix_allocation_listing_id_nights",
        "allocation",
        ["listing_id", "nights"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_table(
        "booking_change",
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.UUID(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("old_quote_id", sa.UUID(), nullable=False),
        sa.Column("new_quote_id", sa.UUID(), nullable=False),
        sa.Column("difference_minor", sa.BigInteger(), nullable=False),
        sa.Column("settlement", sa.String(length=10), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "settlement IN ('none', 'due', 'settled')",
            name=op.f("ck_booking_change_settlement_known"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_booking_change_actor_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_change_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["new_quote_id"], ["quote.id"], name=op.f("fk_booking_change_new_quote_id_quote")
        ),
        sa.ForeignKeyConstraint(
            ["old_quote_id"], ["quote.id"], name=op.f("fk_booking_change_old_quote_id_quote")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_change")),
    )
    op.create_index(
        op.f("ix_booking_change_booking_id"), "booking_change", ["booking_id"], unique=False
    )
    op.create_table(
        "place_allocation",
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("places >= 1", name=op.f("ck_place_allocation_places_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_place_allocation_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_place_allocation_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["time_slot.id"], name=op.f("fk_place_allocation_slot_id_time_slot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_allocation")),
    )
    op.create_index(
        op.f("ix_place_allocation_booking_id"), "place_allocation", ["booking_id"], unique=False
    )
    op.add_column(
        "availability_settings",
        sa.Column("instant_book", sa.Boolean(), server_default="true", nullable=False),
    )
    op.add_column(
        "availability_settings",
        sa.Column("response_hours", sa.SmallInteger(), server_default="24", nullable=False),
    )
    op.add_column(
        "day_capacity", sa.Column("booked", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "day_capacity", sa.Column("inherited", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("quote", sa.Column("expert_user_id", sa.UUID(), nullable=True))
    op.add_column(
        "quote",
        sa.Column(
            "expert_hours", sa.Numeric(precision=6, scale=2), server_default="0", nullable=False
        ),
    )
    op.create_foreign_key(
        op.f("fk_quote_expert_user_id_user_account"),
        "quote",
        "user_account",
        ["expert_user_id"],
        ["id"],
    )
    op.create_check_constraint(
        op.f("ck_day_capacity_booked_not_negative"), "day_capacity", "booked >= 0"
    )
    op.create_check_constraint(
        op.f("ck_day_capacity_not_oversold"), "day_capacity", "booked <= capacity"
    )
    op.create_check_constraint(
        op.f("ck_availability_settings_response_hours_range"),
        "availability_settings",
        "response_hours BETWEEN 1 AND 168",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_availability_settings_response_hours_range"),
        "availability_settings",
        type_="check",
    )
    op.drop_constraint(op.f("ck_day_capacity_not_oversold"), "day_capacity", type_="check")
    op.drop_constraint(op.f("ck_day_capacity_booked_not_negative"), "day_capacity", type_="check")
    op.drop_constraint(op.f("fk_quote_expert_user_id_user_account"), "quote", type_="foreignkey")
    op.drop_column("quote", "expert_hours")
    op.drop_column("quote", "expert_user_id")
    op.drop_column("day_capacity", "inherited")
    op.drop_column("day_capacity", "booked")
    op.drop_column("availability_settings", "response_hours")
    op.drop_column("availability_settings", "instant_book")
    op.drop_index(op.f("ix_place_allocation_booking_id"), table_name="place_allocation")
    op.drop_table("place_allocation")
    op.drop_index(op.f("ix_booking_change_booking_id"), table_name="booking_change")
    op.drop_table("booking_change")
    op.drop_index(
        "ix_allocation_listing_id_nights", table_name="allocation", postgresql_using="gist"
    )
    op.drop_index(op.f("ix_allocation_booking_id"), table_name="allocation")
    op.drop_table("allocation")
    op.drop_index("ix_booking_organization_id_check_in", table_name="booking")
    op.drop_index("ix_booking_listing_id_status", table_name="booking")
    op.drop_index("ix_booking_guest_user_id_created_at", table_name="booking")
    op.drop_index(
        "ix_booking_deadline_at",
        table_name="booking",
        postgresql_where=sa.text("deadline_at IS NOT NULL"),
    )
    op.drop_table("booking")
    op.drop_index(
        "uq_viewing_open_per_guest_slot",
        table_name="viewing",
        postgresql_where=sa.text("status IN ('requested', 'confirmed')"),
    )
    op.drop_index("ix_viewing_organization_id_created_at", table_name="viewing")
    op.drop_index(op.f("ix_viewing_listing_id"), table_name="viewing")
    op.drop_index(op.f("ix_viewing_guest_user_id"), table_name="viewing")
    op.drop_index(
        "ix_viewing_deadline_at",
        table_name="viewing",
        postgresql_where=sa.text("deadline_at IS NOT NULL"),
    )
    op.drop_table("viewing")
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
