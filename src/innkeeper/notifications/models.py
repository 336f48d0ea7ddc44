"""Rows for the outbox (one per message, unique per idempotency key), its delivery attempts,
people's preferences, and the development mailbox that stands in for SMTP and SMS."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.db.base import Base, IdMixin
from innkeeper.db.enums import str_enum
from innkeeper.notifications.domain import Category, Channel, DeliveryStatus


class Notification(IdMixin, Base):
    """One message to one person on one channel. The unique ``idempotency_key`` is what
    makes "never twice": however often an event is reported, its message exists once."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_has_sent_at"),
        CheckConstraint(
            "(status = 'failed') = (failed_at IS NOT NULL)", name="failed_has_failed_at"
        ),
        CheckConstraint(
            "(status = 'sending') = (lease_until IS NOT NULL)", name="sending_has_lease"
        ),
        CheckConstraint(
            "(channel = 'in_app') = (to_address IS NULL)", name="address_unless_in_app"
        ),
        CheckConstraint("read_at IS NULL OR channel = 'in_app'", name="only_in_app_is_read"),
        Index("ix_notification_status_created_at", "status", "created_at"),
        Index(
            "ix_notification_inbox",
            "recipient_user_id",
            "created_at",
            postgresql_where=text("channel = 'in_app'"),
        ),
        Index("ix_notification_booking_id", "booking_id"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    template: Mapped[str] = mapped_column(String(60))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str | None] = mapped_column(String(254))  # email or E.164 phone
    locale: Mapped[str] = mapped_column(String(10))
    time_zone: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JSONB)  # the snapshot templates render
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("booking.id", ondelete="SET NULL")
    )
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    skipped_reason: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime]  # quiet hours or the next retry
    lease_until: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(200))  # Message-ID or SMS sid
    title: Mapped[str | None] = mapped_column(String(300))  # in-app: shown in the list
    body: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    """Each try at delivering a notification, so admins see why one failed."""

    __tablename__ = "notification_attempt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(SmallInteger)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # sent, retry, failed
    error: Mapped[str | None] = mapped_column(Text)


class NotificationPreference(Base):
    """A choice differing from the defaults: a reminder turned off, marketing turned on."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        CheckConstraint("category <> 'transactional'", name="transactional_always_on"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), primary_key=True)
    category: Mapped[Category] = mapped_column(str_enum(Category), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class QuietHoursRow(Base):
    """A person's quiet hours; no row means the defaults (22:00 to 08:00, local time)."""

    __tablename__ = "notification_quiet_hours"
    __table_args__ = (
        CheckConstraint(
            "NOT enabled OR (starts_at IS NOT NULL AND ends_at IS NOT NULL)",
            name="enabled_has_times",
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    updated_at: Mapped[datetime]


class MailboxMessage(IdMixin, Base):
    """A message "sent" while no SMTP server or SMS provider is configured: written in the
    same transaction that marks its notification sent, so it exists exactly once."""

    __tablename__ = "mailbox_message"
    __table_args__ = (Index("ix_mailbox_message_created_at", "created_at"),)

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    from_address: Mapped[str] = mapped_column(String(254))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # the whole RFC 5322 message
    created_at: Mapped[datetime]


class MailboxAttachment(Base):
    __tablename__ = "mailbox_attachment"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mailbox_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
