"""Payments: connected (payout) accounts, Stripe customers, payments, the operations that
carry every Stripe write's idempotency key, refunds, escrow transfers, and the double-entry
ledger, whose postings a deferred constraint trigger keeps summing to zero per entry and
currency.

Revision ID: 0011_payments
Revises: 0010_notifications
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_payments"
down_revision = "0010_notifications"
branch_labels = None
depends_on = None

# A journal entry's postings must sum to zero per currency. Checked at commit (DEFERRABLE
# INITIALLY DEFERRED), once the whole entry is written, whatever code wrote it.
BALANCED_FUNCTION = """
CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced record;
BEGIN
    SELECT currency, sum(amount_minor) AS total INTO unbalanced
    FROM ledger_posting WHERE entry_id = NEW.entry_id
    GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % does not balance in %: %',
            NEW.entry_id, unbalanced.currency, unbalanced.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""
BALANCED_TRIGGER = """
CREATE CONSTRAINT TRIGGER ledger_posting_balanced
AFTER INSERT OR UPDATE ON ledger_posting
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()
"""


def upgrade() -> None:
    op.create_table(
        "stripe_customer",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("default_payment_method", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_stripe_customer_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_stripe_customer")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_stripe_customer_customer_id")),
    )
    op.create_table(
        "payout_account",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("listing_id", sa.UUID(), nullable=True),
        sa.Column("stripe_account_id", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("charges_enabled", sa.Boolean(), nullable=False),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("details_submitted", sa.Boolean(), nullable=False),
        sa.Column("requirements_due", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("disabled_reason", sa.String(length=100), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_payout_account_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_payout_account_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_account")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_payout_account_listing_id")),
        sa.UniqueConstraint("stripe_account_id", name=op.f("uq_payout_account_stripe_account_id")),
    )
    op.create_index(
        op.f("ix_payout_account_organization_id"),
        "payout_account",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "uq_payout_account_organization_default",
        "payout_account",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("listing_id IS NULL"),
    )
    op.create_table(
        "payment",
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("payer_user_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "booking",
                "extra",
                "security_hold",
                "cart",
                "difference",
                name="paymentkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("installment", sa.SmallInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "created",
                "requires_payment_method",
                "requires_action",
                "processing",
                "authorized",
                "succeeded",
                "canceled",
                name="paymentstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("host_share_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_share_minor", sa.BigInteger(), nullable=False),
        sa.Column("expert_share_minor", sa.BigInteger(), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("stripe_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.String(length=64), nullable=True),
        sa.Column("transfer_group", sa.String(length=64), nullable=True),
        sa.Column("off_session", sa.Boolean(), nullable=False),
        sa.Column("capture_manual", sa.Boolean(), nullable=False),
        sa.Column("payment_method", sa.String(length=64), nullable=True),
        sa.Column("stripe_intent_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_charge_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_transfer_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_application_fee_id", sa.String(length=64), nullable=True),
        sa.Column("checkout_session_id", sa.String(length=80), nullable=True),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("action_url", sa.Text(), nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorized_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_amount_positive")),
        sa.CheckConstraint(
            "captured_minor >= 0 AND captured_minor <= amount_minor AND refunded_minor >= 0 AND refunded_minor <= captured_minor",
            name=op.f("ck_payment_captured_and_refunded_in_range"),
        ),
        sa.CheckConstraint(
            "host_share_minor >= 0 AND platform_share_minor >= 0 AND expert_share_minor >= 0 AND host_share_minor + platform_share_minor + expert_share_minor = amount_minor",
            name=op.f("ck_payment_shares_balance"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_payment_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_payment_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_user_id"],
            ["user_account.id"],
            name=op.f("fk_payment_payer_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("checkout_session_id", name=op.f("uq_payment_checkout_session_id")),
        sa.UniqueConstraint("stripe_intent_id", name=op.f("uq_payment_stripe_intent_id")),
    )
    op.create_index(op.f("ix_payment_booking_id"), "payment", ["booking_id"], unique=False)
    op.create_index(op.f("ix_payment_payer_user_id"), "payment", ["payer_user_id"], unique=False)
    op.create_index("ix_payment_status_due_at", "payment", ["status", "due_at"], unique=False)
    op.create_index(
        "uq_payment_open_installment",
        "payment",
        ["booking_id", "installment"],
        unique=True,
        postgresql_where=sa.text("kind = 'booking' AND status <> 'canceled'"),
    )
    op.create_table(
        "escrow_transfer",
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reversed_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "held",
                "paid",
                "reversed",
                "canceled",
                name="transferstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_transfer_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_escrow_transfer_amount_positive")),
        sa.CheckConstraint(
            "reversed_minor >= 0 AND reversed_minor <= amount_minor",
            name=op.f("ck_escrow_transfer_reversed_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_escrow_transfer_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_escrow_transfer_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_escrow_transfer_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_transfer")),
        sa.UniqueConstraint(
            "stripe_transfer_id", name=op.f("uq_escrow_transfer_stripe_transfer_id")
        ),
    )
    op.create_index(
        op.f("ix_escrow_transfer_payment_id"), "escrow_transfer", ["payment_id"], unique=False
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_ledger_entry_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_ledger_entry_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_ledger_entry_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_ledger_entry_dedupe_key")),
    )
    op.create_index(op.f("ix_ledger_entry_at"), "ledger_entry", ["at"], unique=False)
    op.create_index(
        op.f("ix_ledger_entry_booking_id"), "ledger_entry", ["booking_id"], unique=False
    )
    op.create_table(
        "payment_operation",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("stripe_account", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "started",
                "succeeded",
                "failed",
                name="operationstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("stripe_id", sa.String(length=80), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_payment_operation_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
            name=op.f("fk_payment_operation_payment_id_payment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_operation")),
    )
    op.create_index(
        op.f("ix_payment_operation_booking_id"), "payment_operation", ["booking_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_operation_payment_id"), "payment_operation", ["payment_id"], unique=False
    )
    op.create_index(
        "uq_payment_operation_purpose",
        "payment_operation",
        ["purpose"],
        unique=True,
        postgresql_where=sa.text("purpose IS NOT NULL"),
    )
    op.create_table(
        "refund",
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                name="refundstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("from_host_minor", sa.BigInteger(), nullable=False),
        sa.Column("from_platform_minor", sa.BigInteger(), nullable=False),
        sa.Column("from_expert_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("initiated_by", sa.String(length=20), nullable=False),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("stripe_refund_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_reversal_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_fee_refund_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_refund_amount_positive")),
        sa.CheckConstraint(
            "from_host_minor >= 0 AND from_platform_minor >= 0 AND from_expert_minor >= 0 AND from_host_minor + from_platform_minor + from_expert_minor = amount_minor",
            name=op.f("ck_refund_parts_balance"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_refund_actor_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_refund_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_refund_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("stripe_refund_id", name=op.f("uq_refund_stripe_refund_id")),
        sa.UniqueConstraint("purpose", name=op.f("uq_refund_purpose")),
    )
    op.create_index(op.f("ix_refund_booking_id"), "refund", ["booking_id"], unique=False)
    op.create_index(op.f("ix_refund_payment_id"), "refund", ["payment_id"], unique=False)
    op.create_table(
        "ledger_posting",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "account",
            sa.Enum(
                "stripe_balance",
                "stripe_fees",
                "host_payable",
                "platform_revenue",
                "expert_payable",
                "dispute_losses",
                "payouts",
                name="account",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("stripe_source", sa.String(length=80), nullable=True),
        sa.CheckConstraint("amount_minor <> 0", name=op.f("ck_ledger_posting_not_zero")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_ledger_posting_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_ledger_posting_entry_id_ledger_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_ledger_posting_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_posting")),
    )
    op.create_index(
        "ix_ledger_posting_account_ref", "ledger_posting", ["account", "ref"], unique=False
    )
    op.create_index("ix_ledger_posting_booking_id", "ledger_posting", ["booking_id"], unique=False)
    op.create_index(
        op.f("ix_ledger_posting_entry_id"), "ledger_posting", ["entry_id"], unique=False
    )
    op.create_index(
        "ix_ledger_posting_organization_id", "ledger_posting", ["organization_id"], unique=False
    )
    op.execute(BALANCED_FUNCTION)
    op.execute(BALANCED_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting")
    op.execute("DROP FUNCTION IF EXISTS ledger_entry_balanced()")
    op.drop_index("ix_ledger_posting_organization_id", table_name="ledger_posting")
    op.drop_index(op.f("ix_ledger_posting_entry_id"), table_name="ledger_posting")
    op.drop_index("ix_ledger_posting_booking_id", table_name="ledger_posting")
    op.drop_index("ix_ledger_posting_account_ref", table_name="ledger_posting")
    op.drop_table("ledger_posting")
    op.drop_index(op.f("ix_refund_payment_id"), table_name="refund")
    op.drop_index(op.f("ix_refund_booking_id"), table_name="refund")
    op.drop_table("refund")
    op.drop_index(
        "uq_payment_operation_purpose",
        table_name="payment_operation",
        postgresql_where=sa.text("purpose IS NOT NULL"),
    )
    op.drop_index(op.f("ix_payment_operation_payment_id"), table_name="payment_operation")
    op.drop_index(op.f("ix_payment_operation_booking_id"), table_name="payment_operation")
    op.drop_table("payment_operation")
    op.drop_index(op.f("ix_ledger_entry_booking_id"), table_name="ledger_entry")
    op.drop_index(op.f("ix_ledger_entry_at"), table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_index(op.f("ix_escrow_transfer_payment_id"), table_name="escrow_transfer")
    op.drop_table("escrow_transfer")
    op.drop_index(
        "uq_payment_open_installment",
        table_name="payment",
        postgresql_where=sa.text("kind = 'booking' AND status <> 'canceled'"),
    )
    op.drop_index("ix_payment_status_due_at", table_name="payment")
    op.drop_index(op.f("ix_payment_payer_user_id"), table_name="payment")
    op.drop_index(op.f("ix_payment_booking_id"), table_name="payment")
    op.drop_table("payment")
    op.drop_index(
        "uq_payout_account_organization_default",
        table_name="payout_account",
        postgresql_where=sa.text("listing_id IS NULL"),
    )
    op.drop_index(op.f("ix_payout_account_organization_id"), table_name="payout_account")
    op.drop_table("payout_account")
    op.drop_table("stripe_customer")
