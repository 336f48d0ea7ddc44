"""The inbox: one row per Stripe event id, however often it is delivered, and the effects
its handler reported.

The primary key is Stripe's event id, so a second delivery (or two at once) meets the
unique index and changes nothing but the delivery count. The payload is kept as received
(parsed JSON) for the admin page and for replays.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.db.base import Base
from innkeeper.db.enums import str_enum
from innkeeper.webhooks.domain import EventSource, EventStatus


class StripeEvent(Base):
    __tablename__ = "stripe_event"
    __table_args__ = (
        Index("ix_stripe_event_status_next", "status", "next_attempt_at"),
        Index("ix_stripe_event_type_created", "type", "created"),
        Index("ix_stripe_event_object", "object_id"),
        Index("ix_stripe_event_booking", "booking_id"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # evt_...
    type: Mapped[str] = mapped_column(String(100))
    account: Mapped[str | None] = mapped_column(String(64))  # a connected account's event
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(100))
    api_version: Mapped[str | None] = mapped_column(String(40))
    livemode: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime]  # when Stripe created the event
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source: Mapped[EventSource] = mapped_column(str_enum(EventSource))
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus))
    deliveries: Mapped[int] = mapped_column(SmallInteger, default=1)  # copies received
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)  # handler runs
    last_error: Mapped[str | None] = mapped_column(Text)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    received_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]  # a worker's lease on a processing event
    next_attempt_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]


class EventEffect(Base):
    """What one run of a handler did (or decided not to do), in words an admin can read."""

    __tablename__ = "stripe_event_effect"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("stripe_event.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(60))  # e.g. booking.confirmed, ledger, recorded
    detail: Mapped[str] = mapped_column(Text)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    at: Mapped[datetime]
