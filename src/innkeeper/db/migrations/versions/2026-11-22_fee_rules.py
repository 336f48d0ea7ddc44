"""Platform fee rules, seeded with the customer's plan.

Admins manage the platform's guest service fees and host commissions as rows, so a change
of commission is a data change with an audit entry, not a deploy. CHECKs refuse rules the
fee arithmetic cannot apply (a percentage outside 0-100, negative amounts, a minimum above
the maximum, fixed amounts without a currency). A partial unique index allows one active
rule per (side, scope, scope value, priority), so two live rules can never tie.

The seeded rules are the plan as agreed: a 15% host commission by default; 7.5% on
accommodation, 15% on activities, 5% on meals, 10% on transport; and a guest service fee
of 0% that each marketplace's admins set. Their ids are written out because a migration
must produce the same rows on every database, forever.

Revision ID: 0003_fee_rules
Revises: 0002_accounts_catalog
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0003_fee_rules"
down_revision = "0002_accounts_catalog"
branch_labels = None
depends_on = None


def _rule(
    rule_id: str, side: str, scope: str, value: str | None, percent: str, what: str
) -> dict[str, object]:
    return {
        "id": uuid.UUID(rule_id),
        "side": side,
        "scope": scope,
        "scope_value": value,
        "percent": Decimal(percent),
        "description": what,
    }


DEFAULT_RULES = (
    _rule("91b3c56c-03a3-4a4a-bee8-4e7ed1ab28b0", "host", "global", None, "15", "Default host commission"),
    _rule("e9ec78fc-1c1e-4b1f-9a95-b0b981c12575", "host", "category", "accommodation", "7.5", "Host commission on accommodation"),
    _rule("4d998fd9-1561-4294-890f-16513a43c495", "host", "category", "activity", "15", "Host commission on activities"),
    _rule("c903d6f3-8b8d-4278-b24c-4fbafb1cde7e", "host", "category", "meal", "5", "Host commission on meals"),
    _rule("6d794b2b-5a79-48a2-a085-8a421a204a7f", "host", "category", "transport", "10", "Host commission on transport"),
    _rule("f3e0dbe2-795b-4faa-9c33-af405f9caba8", "guest", "global", None, "0", "Guest service fee, none until admins set one"),
)  # fmt: skip


def upgrade() -> None:
    fee_rule = op.create_table(
        "fee_rule",
        sa.Column(
            "side",
            sa.Enum("guest", "host", name="feeside", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "scope",
            sa.Enum(
                "provider",
                "category",
                "global",
                name="feescope",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("scope_value", sa.Text(), nullable=True),
        sa.Column("percent", sa.Numeric(precision=6, scale=3), server_default="0", nullable=False),
        sa.Column("fixed_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("min_minor", sa.BigInteger(), nullable=True),
        sa.Column("max_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
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
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_fee_rule_percent_range")),
        sa.CheckConstraint("fixed_minor >= 0", name=op.f("ck_fee_rule_fixed_not_negative")),
        sa.CheckConstraint(
            "min_minor IS NULL OR min_minor >= 0", name=op.f("ck_fee_rule_min_not_negative")
        ),
        sa.CheckConstraint(
            "max_minor IS NULL OR max_minor >= 0", name=op.f("ck_fee_rule_max_not_negative")
        ),
        sa.CheckConstraint(
            "min_minor IS NULL OR max_minor IS NULL OR max_minor >= min_minor",
            name=op.f("ck_fee_rule_max_not_below_min"),
        ),
        sa.CheckConstraint(
            "(scope = 'global') = (scope_value IS NULL)",
            name=op.f("ck_fee_rule_scope_value_needed"),
        ),
        sa.CheckConstraint(
            "currency IS NOT NULL OR (fixed_minor = 0 AND min_minor IS NULL AND max_minor IS NULL)",
            name=op.f("ck_fee_rule_amounts_need_currency"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_fee_rule_currency_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rule")),
    )
    op.create_index(
        "uq_fee_rule_active_slot",
        "fee_rule",
        ["side", "scope", sa.literal_column("coalesce(scope_value, '')"), "priority"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.bulk_insert(fee_rule, list(DEFAULT_RULES))


def downgrade() -> None:
    op.drop_index("uq_fee_rule_active_slot", table_name="fee_rule")
    op.drop_table("fee_rule")
