"""Notifications: the outbox (one row per message, unique per idempotency key), delivery
attempts, preferences and quiet hours, the development mailbox, and each listing's private
arrival guide (check-in and check-out instructions).

Revision ID: 0010_notifications
Revises: 0009_bookings
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_notifications"
down_revision = "0009_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email", "sms", "in_app", name="channel", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "transactional",
                "reminder",
                "marketing",
                name="category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category <> 'transactional'",
            name=op.f("ck_notification_preference_transactional_always_on"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "channel", "category", name=op.f("pk_notification_preference")
        ),
    )
    op.create_table(
        "notification_quiet_hours",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("ends_at", sa.Time(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT enabled OR (starts_at IS NOT NULL AND ends_at IS NOT NULL)",
            name=op.f("ck_notification_quiet_hours_enabled_has_times"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_quiet_hours_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_quiet_hours")),
    )
    op.create_table(
        "arrival_guide",
        sa.Column("listing_id", sa.UUID(), nullable=False),
        sa.Column("check_in_instructions", sa.Text(), nullable=False),
        sa.Column("check_out_instructions", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listing.id"],
            name=op.f("fk_arrival_guide_listing_id_listing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["user_account.id"],
            name=op.f("fk_arrival_guide_updated_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_arrival_guide")),
    )
    op.create_table(
        "notification",
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email", "sms", "in_app", name="channel", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "transactional",
                "reminder",
                "marketing",
                name="category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("recipient_user_id", sa.UUID(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "skipped",
                name="deliverystatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("skipped_reason", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "(channel = 'in_app') = (to_address IS NULL)",
            name=op.f("ck_notification_address_unless_in_app"),
        ),
        sa.CheckConstraint(
            "(status = 'failed') = (failed_at IS NOT NULL)",
            name=op.f("ck_notification_failed_has_failed_at"),
        ),
        sa.CheckConstraint(
            "(status = 'sending') = (lease_until IS NOT NULL)",
            name=op.f("ck_notification_sending_has_lease"),
        ),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_at IS NOT NULL)",
            name=op.f("ck_notification_sent_has_sent_at"),
        ),
        sa.CheckConstraint(
            "read_at IS NULL OR channel = 'in_app'",
            name=op.f("ck_notification_only_in_app_is_read"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notification_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_notification_booking_id_booking"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_recipient_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_idempotency_key")),
    )
    op.create_index("ix_notification_booking_id", "notification", ["booking_id"], unique=False)
    op.create_index(
        "ix_notification_inbox",
        "notification",
        ["recipient_user_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("channel = 'in_app'"),
    )
    op.create_index(
        "ix_notification_status_created_at", "notification", ["status", "created_at"], unique=False
    )
    op.create_table(
        "mailbox_message",
        sa.Column("notification_id", sa.UUID(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email", "sms", "in_app", name="channel", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_mailbox_message_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_message")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_mailbox_message_notification_id")),
    )
    op.create_index(
        "ix_mailbox_message_created_at", "mailbox_message", ["created_at"], unique=False
    )
    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("notification_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_attempt_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempt")),
    )
    op.create_index(
        op.f("ix_notification_attempt_notification_id"),
        "notification_attempt",
        ["notification_id"],
        unique=False,
    )
    op.create_table(
        "mailbox_attachment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mailbox_message.id"],
            name=op.f("fk_mailbox_attachment_message_id_mailbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_attachment")),
    )
    op.create_index(
        op.f("ix_mailbox_attachment_message_id"), "mailbox_attachment", ["message_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mailbox_attachment_message_id"), table_name="mailbox_attachment")
    op.drop_table("mailbox_attachment")
    op.drop_index(
        op.f("ix_notification_attempt_notification_id"), table_name="notification_attempt"
    )
    op.drop_table("notification_attempt")
    op.drop_index("ix_mailbox_message_created_at", table_name="mailbox_message")
    op.drop_table("mailbox_message")
    op.drop_index("ix_notification_status_created_at", table_name="notification")
    op.drop_index(
        "ix_notification_inbox",
        table_name="notification",
        postgresql_where=sa.text("channel = 'in_app'"),
    )
    op.drop_index("ix_notification_booking_id", table_name="notification")
    op.drop_table("notification")
    op.drop_table("arrival_guide")
    op.drop_table("notification_quiet_hours")
    op.drop_table("notification_preference")
