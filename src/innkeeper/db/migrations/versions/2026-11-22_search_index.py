"""The search index: one row per published listing with its next nights precomputed.

``open_nights`` is a datemultirange under a GiST index, so "open for the whole window" is
an index probe; per-night arrays hold rates, free units and stay limits. Rows are built by
the application (``innkeeper.availability.index``), so after this migration existing
listings are indexed by ``innkeeper reindex`` or the daily job, not by SQL here.

Revision ID: 0005_search_index
Revises: 0004_pricing_availability
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_search_index"
down_revision = "0004_pricing_availability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_calendar",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("nights", sa.SmallInteger(), nullable=False),
        sa.Column("open_nights", postgresql.DATEMULTIRANGE(), nullable=False),
        sa.Column("rate_minor", sa.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("free", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("min_stay", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("max_stay", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("check_in_days", sa.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("check_out_days", sa.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("min_notice_days", sa.SmallInteger(), nullable=False),
        sa.Column("advance_days", sa.SmallInteger(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("cleaning_minor", sa.BigInteger(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_listing_calendar_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_listing_calendar")),
    )
    op.create_index(
        "ix_listing_calendar_open_nights",
        "listing_calendar",
        ["open_nights"],
        unique=False,
        postgresql_using="gist",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_listing_calendar_open_nights", table_name="listing_calendar", postgresql_using="gist"
    )
    op.drop_table("listing_calendar")
