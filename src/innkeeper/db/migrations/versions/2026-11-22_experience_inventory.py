"""Experience inventory: per-day capacity overrides and dated time slots, and the slot a
quote was made for.

``time_slot.booked`` is kept by bookings; its CHECK (booked <= capacity) makes overselling
a session impossible, however many processes book at once.

Revision ID: 0006_experience_inventory
Revises: 0005_search_index
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_experience_inventory"
down_revision = "0005_search_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_capacity",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_day_capacity_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_day_capacity_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "day", name=op.f("pk_day_capacity")),
    )
    op.create_table(
        "time_slot",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("booked <= capacity", name=op.f("ck_time_slot_not_oversold")),
        sa.CheckConstraint(
            "capacity >= 0 AND booked >= 0", name=op.f("ck_time_slot_counts_not_negative")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_time_slot_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_time_slot_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_slot")),
        sa.UniqueConstraint(
            "listing_id", "day", "starts_at", name=op.f("uq_time_slot_listing_id_day_starts_at")
        ),
    )
    op.add_column("quote", sa.Column("slot_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_quote_slot_id_time_slot"), "quote", "time_slot", ["slot_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_quote_slot_id_time_slot"), "quote", type_="foreignkey")
    op.drop_column("quote", "slot_id")
    op.drop_table("time_slot")
    op.drop_table("day_capacity")
