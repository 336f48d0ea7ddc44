"""Listing rows. Kind-specific columns are typed and nullable, and CHECK constraints make
each kind's required columns required, so the database refuses half-described listings."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.catalog.domain import ExperienceCategory, ListingKind, ListingStatus
from innkeeper.db.base import Base, IdMixin, TimestampMixin
from innkeeper.db.enums import str_enum

_STAY_COLUMNS = "bedrooms, bathrooms, beds, max_guests, check_in_time, check_out_time"
_LEASE_COLUMNS = "bedrooms, bathrooms, max_guests, minimum_term_months, furnished"
_EXPERIENCE_COLUMNS = "category, duration_minutes, capacity, meeting_point"


def _required_for(kind: str, columns: str) -> str:
    checks = " AND ".join(f"{column.strip()} IS NOT NULL" for column in columns.split(","))
    return f"kind <> '{kind}' OR ({checks})"


class Listing(IdMixin, TimestampMixin, Base):
    __tablename__ = "listing"
    __table_args__ = (
        CheckConstraint(_required_for("stay", _STAY_COLUMNS), name="stay_details"),
        CheckConstraint(_required_for("lease", _LEASE_COLUMNS), name="lease_details"),
        CheckConstraint(
            _required_for("experience", _EXPERIENCE_COLUMNS), name="experience_details"
        ),
        CheckConstraint("base_price_minor >= 0", name="price_not_negative"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_format"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_format"),
        Index("ix_listing_public", "status", "kind", "city", "area"),
        Index("ix_listing_status_created_at", "status", "created_at"),
        Index("ix_listing_organization_id_created_at", "organization_id", "created_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[ListingKind] = mapped_column(str_enum(ListingKind))
    status: Mapped[ListingStatus] = mapped_column(str_enum(ListingStatus))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)

    address: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    time_zone: Mapped[str] = mapped_column(String(64))

    currency: Mapped[str] = mapped_column(String(3))
    base_price_minor: Mapped[int] = mapped_column(BigInteger)
    amenities: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)

    # stay and lease
    bedrooms: Mapped[int | None] = mapped_column(SmallInteger)
    bathrooms: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    max_guests: Mapped[int | None] = mapped_column(SmallInteger)  # max occupants for a lease
    # stay
    beds: Mapped[int | None] = mapped_column(SmallInteger)
    check_in_time: Mapped[time | None] = mapped_column(Time)
    check_out_time: Mapped[time | None] = mapped_column(Time)
    house_rules: Mapped[str | None] = mapped_column(Text)
    # lease
    minimum_term_months: Mapped[int | None] = mapped_column(SmallInteger)
    furnished: Mapped[bool | None] = mapped_column(Boolean)
    viewings_enabled: Mapped[bool | None] = mapped_column(Boolean)
    # experience
    category: Mapped[ExperienceCategory | None] = mapped_column(str_enum(ExperienceCategory))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    meeting_point: Mapped[str | None] = mapped_column(String(300))

    published_at: Mapped[datetime | None]


class ListingUnit(IdMixin, Base):
    """One physical, bookable thing. A stay with N identical rooms has N units; bookings
    (a later capability) claim a concrete unit, so the calendar constraint can hold."""

    __tablename__ = "listing_unit"
    __table_args__ = (UniqueConstraint("listing_id", "position"),)

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ListingPhoto(IdMixin, Base):
    __tablename__ = "listing_photo"
    __table_args__ = (UniqueConstraint("listing_id", "position"),)

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    url: Mapped[str] = mapped_column(String(2000))
    caption: Mapped[str] = mapped_column(String(200), default="")


class ArrivalGuide(Base):
    """What a guest needs on the day: door codes, parking, Wi-Fi, what to do on leaving.
    Kept apart from the listing because it is private: only confirmed guests receive it,
    in their check-in reminder and check-out instructions."""

    __tablename__ = "arrival_guide"

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True
    )
    check_in_instructions: Mapped[str] = mapped_column(Text, default="")
    check_out_instructions: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
