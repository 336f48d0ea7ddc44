"""Availability rows: one rules row per listing (defaults apply when it is missing),
date spans (blocked, or open when the listing is whitelist-only) and seasonal stay limits.

Spans are half-open date ranges like stays; CHECKs keep every value in its domain, so a
bad rule cannot be stored even by SQL written outside the application.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE, DATERANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.db.base import Base, IdMixin

_WEEKDAYS = "<@ ARRAY[0,1,2,3,4,5,6]::smallint[]"


class AvailabilitySettings(Base):
    __tablename__ = "availability_settings"
    __table_args__ = (
        CheckConstraint(f"closed_weekdays {_WEEKDAYS}", name="closed_weekdays_range"),
        CheckConstraint(f"check_in_weekdays {_WEEKDAYS}", name="check_in_weekdays_range"),
        CheckConstraint(f"check_out_weekdays {_WEEKDAYS}", name="check_out_weekdays_range"),
        CheckConstraint("min_nights >= 1", name="min_nights_positive"),
        CheckConstraint("max_nights IS NULL OR max_nights >= min_nights", name="max_after_min"),
        CheckConstraint("advance_days BETWEEN 1 AND 1095", name="advance_days_range"),
        CheckConstraint("min_notice_days BETWEEN 0 AND 365", name="min_notice_range"),
        CheckConstraint("turnover_days BETWEEN 0 AND 30", name="turnover_range"),
        CheckConstraint("response_hours BETWEEN 1 AND 168", name="response_hours_range"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    open_dates_only: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)
    closed_yearly: Mapped[list[str]] = mapped_column(ARRAY(String(5)), default=list)  # MM-DD
    check_in_weekdays: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    check_out_weekdays: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    min_nights: Mapped[int] = mapped_column(SmallInteger, default=1)
    max_nights: Mapped[int | None] = mapped_column(SmallInteger)
    advance_days: Mapped[int] = mapped_column(SmallInteger, default=365)
    min_notice_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    turnover_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    instant_book: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    response_hours: Mapped[int] = mapped_column(SmallInteger, default=24, server_default="24")
    updated_at: Mapped[datetime]


class CalendarSpan(IdMixin, Base):
    """Nights ``[start_date, end_date)`` that are ``blocked``, or ``open`` for a whitelist."""

    __tablename__ = "calendar_span"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="span_not_empty"),
        CheckConstraint("kind IN ('blocked', 'open')", name="kind_known"),
        Index("ix_calendar_span_listing_id_kind_start_date", "listing_id", "kind", "start_date"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date]
    end_date: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")


class StayLimit(IdMixin, Base):
    """Minimum and maximum nights for arrivals inside ``[start_date, end_date)``."""

    __tablename__ = "stay_limit"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="span_not_empty"),
        CheckConstraint("min_nights >= 1", name="min_nights_positive"),
        CheckConstraint("max_nights IS NULL OR max_nights >= min_nights", name="max_after_min"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date]
    end_date: Mapped[date]
    min_nights: Mapped[int] = mapped_column(SmallInteger)
    max_nights: Mapped[int | None] = mapped_column(SmallInteger)


class ListingCalendar(Base):
    """The search index: one row per listing with its next nights precomputed.

    ``open_nights`` holds every night a guest could book (one-night rules applied), so "is
    the whole window open?" is ``open_nights @> daterange(check_in, check_out)``, answered
    by a GiST index. Per-night arrays, indexed from ``start_date`` (1-based, as in SQL),
    hold the rate, the free units (or capacity) and the stay limits for arrivals that night.
    Rebuilt by ``availability.index`` whenever a listing, its rules or its prices change,
    and rolled forward daily by a job.
    """

    __tablename__ = "listing_calendar"
    __table_args__ = (
        Index("ix_listing_calendar_open_nights", "open_nights", postgresql_using="gist"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    start_date: Mapped[date]
    nights: Mapped[int] = mapped_column(SmallInteger)
    open_nights: Mapped[list[Range[date]]] = mapped_column(DATEMULTIRANGE)
    rate_minor: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    free: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    min_stay: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    max_stay: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))  # 0: no maximum
    check_in_days: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    check_out_days: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    min_notice_days: Mapped[int] = mapped_column(SmallInteger)
    advance_days: Mapped[int] = mapped_column(SmallInteger)
    basis: Mapped[str] = mapped_column(String(20))
    cleaning_minor: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime]


class DayCapacity(Base):
    """A day's capacity for an experience and the places booked on it, for days without
    sessions. ``inherited`` rows follow the listing's capacity (bookings create them);
    the others are the host's override (0 closes the day). The CHECK makes overselling a
    day impossible, whoever writes."""

    __tablename__ = "day_capacity"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= capacity", name="not_oversold"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inherited: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class TimeSlot(IdMixin, Base):
    """A dated session of an experience with its own capacity. ``booked`` is kept by the
    bookings capability; the CHECK makes overselling a slot impossible."""

    __tablename__ = "time_slot"
    __table_args__ = (
        UniqueConstraint("listing_id", "day", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 0 AND booked >= 0", name="counts_not_negative"),
        CheckConstraint("booked <= capacity", name="not_oversold"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    day: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Allocation(IdMixin, Base):
    """A booking's claim on one unit. ``nights`` are the nights sold; ``blocks`` adds the
    listing's turnover days after check-out, so the exclusion constraint keeps cleaning days
    free too. No two rows for one unit may overlap: PostgreSQL refuses the second, whoever
    writes it. Rows exist only while the booking holds inventory."""

    __tablename__ = "allocation"
    __table_args__ = (
        ExcludeConstraint(
            ("unit_id", "="), ("blocks", "&&"), name="no_double_booking", using="gist"
        ),
        CheckConstraint("NOT isempty(nights) AND blocks @> nights", name="blocks_cover_nights"),
        Index("ix_allocation_listing_id_nights", "listing_id", "nights", postgresql_using="gist"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing_unit.id"))
    nights: Mapped[Range[date]] = mapped_column(DATERANGE)
    blocks: Mapped[Range[date]] = mapped_column(DATERANGE)


class PlaceAllocation(IdMixin, Base):
    """A booking's places on a session (``slot_id``) or a day without sessions: what to give
    back on release. The counters themselves live on ``time_slot`` and ``day_capacity``."""

    __tablename__ = "place_allocation"
    __table_args__ = (CheckConstraint("places >= 1", name="places_positive"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    day: Mapped[date]
    slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("time_slot.id"))
    places: Mapped[int] = mapped_column(Integer)
