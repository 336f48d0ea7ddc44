"""Cancellation policies: each rate plan names one (a preset or custom tiers), and each
quote stores a snapshot of the policy that would apply, with its deadlines.

Existing rate plans become flexible, the engine's default for a listing with no plan.

Revision ID: 0007_cancellation_policies
Revises: 0006_experience_inventory
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_cancellation_policies"
down_revision = "0006_experience_inventory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "quote",
        sa.Column(
            "cancellation_policy",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column(
        "rate_plan",
        sa.Column(
            "cancellation_policy",
            sa.Enum(
                "flexible",
                "moderate",
                "strict",
                "non_refundable",
                "custom",
                name="policykind",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="flexible",
            nullable=False,
        ),
    )
    op.add_column(
        "rate_plan",
        sa.Column(
            "cancellation_tiers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("rate_plan", "cancellation_tiers")
    op.drop_column("rate_plan", "cancellation_policy")
    op.drop_column("quote", "cancellation_policy")
