"""Expert fee rules: what each local expert charges (percent, fixed or hourly), one active
rule per expert, enforced by a partial unique index.

Revision ID: 0008_expert_fee_rules
Revises: 0007_cancellation_policies
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_expert_fee_rules"
down_revision = "0007_cancellation_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expert_fee_rule",
        sa.Column("expert_user_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "percent",
                "fixed",
                "hourly",
                name="expertfeekind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "kind = 'percent' OR currency IS NOT NULL",
            name=op.f("ck_expert_fee_rule_fixed_and_hourly_need_currency"),
        ),
        sa.CheckConstraint(
            "amount_minor >= 0", name=op.f("ck_expert_fee_rule_amount_not_negative")
        ),
        sa.CheckConstraint(
            "percent BETWEEN 0 AND 100", name=op.f("ck_expert_fee_rule_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["expert_user_id"],
            ["user_account.id"],
            name=op.f("fk_expert_fee_rule_expert_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_fee_rule")),
    )
    op.create_index(
        "uq_expert_fee_rule_active_expert",
        "expert_fee_rule",
        ["expert_user_id"],
        unique=True,
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_expert_fee_rule_active_expert",
        table_name="expert_fee_rule",
        postgresql_where=sa.text("active"),
    )
    op.drop_table("expert_fee_rule")
