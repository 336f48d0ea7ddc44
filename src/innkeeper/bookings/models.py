"""Booking rows. A booking copies what it was priced at from its quote (lines, split, policy),
so later changes to rate plans or fee rules never change what a guest agreed to.

Inventory is not here: ``availability.models.Allocation`` (units, with the exclusion
constraint) and ``PlaceAllocation`` (places on capacity rows) hold what a booking occupies.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.bookings.domain import BookingSource, BookingStatus, Role, ViewingStatus
from innkeeper.catalog.domain import ListingKind
from innkeeper.db.base import Base, IdMixin, TimestampMixin
from innkeeper.db.enums import str_enum

_HAS_DEADLINE = text("deadline_at IS NOT NULL")
_WAITING = "'requested', 'counter_offered', 'pending_payment', 'payment_action_required'"


class Booking(IdMixin, TimestampMixin, Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("check_out > check_in", name="stay_not_empty"),
        CheckConstraint("guests >= 1 AND units >= 1", name="party_positive"),
        CheckConstraint(
            "guest_total_minor = host_payout_minor + platform_fee_minor + expert_fee_minor",
            name="split_balances",
        ),
        CheckConstraint(
            "paid_minor >= 0 AND refund_due_minor >= 0 AND refund_due_minor <= paid_minor",
            name="paid_and_refund_in_range",
        ),
        CheckConstraint(
            f"(status IN ({_WAITING})) = (deadline_at IS NOT NULL)",
            name="waiting_states_have_deadlines",
        ),
        Index(
            "ix_booking_deadline_at",
            "deadline_at",
            postgresql_where=text("deadline_at IS NOT NULL"),
        ),
        Index("ix_booking_organization_id_check_in", "organization_id", "check_in"),
        Index("ix_booking_listing_id_status", "listing_id", "status"),
        Index("ix_booking_guest_user_id_created_at", "guest_user_id", "created_at"),
    )

    code: Mapped[str] = mapped_column(String(12), unique=True)
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[ListingKind] = mapped_column(str_enum(ListingKind))
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus))
    source: Mapped[BookingSource] = mapped_column(str_enum(BookingSource))
    guest_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    booked_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    expert_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote.id"), unique=True)

    check_in: Mapped[date]
    check_out: Mapped[date]
    arrival_at: Mapped[datetime]  # check-in time (or the session's start) as an instant
    guests: Mapped[int] = mapped_column(SmallInteger)
    units: Mapped[int] = mapped_column(SmallInteger)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("time_slot.id"))

    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    guest_total_minor: Mapped[int] = mapped_column(BigInteger)
    host_payout_minor: Mapped[int] = mapped_column(BigInteger)
    platform_fee_minor: Mapped[int] = mapped_column(BigInteger)
    expert_fee_minor: Mapped[int] = mapped_column(BigInteger)
    installments: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    security_deposit_minor: Mapped[int] = mapped_column(BigInteger)
    cancellation_policy: Mapped[dict[str, object]] = mapped_column(JSONB)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_due_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # for payments to pay

    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    special_requests: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")  # the guest's note to the host

    deadline_at: Mapped[datetime | None]  # when the waiting state ends by itself
    offer: Mapped[dict[str, object] | None] = mapped_column(JSONB)  # the host's counter-offer
    reason: Mapped[str | None] = mapped_column(Text)  # why it was declined or cancelled
    ended_by: Mapped[Role | None] = mapped_column(str_enum(Role))
    confirmed_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]  # declined, expired, cancelled or no-show


class BookingChange(IdMixin, Base):
    """A modification: what the booking was and became, and the price difference the payments
    capability charges (positive) or refunds (negative)."""

    __tablename__ = "booking_change"
    __table_args__ = (
        CheckConstraint("settlement IN ('none', 'due', 'settled')", name="settlement_known"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    before: Mapped[dict[str, object]] = mapped_column(JSONB)
    after: Mapped[dict[str, object]] = mapped_column(JSONB)
    old_quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote.id"))
    new_quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quote.id"))
    difference_minor: Mapped[int] = mapped_column(BigInteger)
    settlement: Mapped[str] = mapped_column(String(10))


class Viewing(IdMixin, TimestampMixin, Base):
    """A request to view a lease at one of the host's viewing slots."""

    __tablename__ = "viewing"
    __table_args__ = (
        CheckConstraint(
            "(status = 'requested') = (deadline_at IS NOT NULL)", name="requested_has_deadline"
        ),
        Index("ix_viewing_organization_id_created_at", "organization_id", "created_at"),
        Index(
            "ix_viewing_deadline_at",
            "deadline_at",
            postgresql_where=text("deadline_at IS NOT NULL"),
        ),
        Index(
            "uq_viewing_open_per_guest_slot",
            "slot_id",
            "guest_user_id",
            unique=True,
            postgresql_where=text("status IN ('requested', 'confirmed')"),
        ),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("time_slot.id"))
    guest_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ViewingStatus] = mapped_column(str_enum(ViewingStatus))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    party: Mapped[int] = mapped_column(SmallInteger, default=1)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    deadline_at: Mapped[datetime | None]
