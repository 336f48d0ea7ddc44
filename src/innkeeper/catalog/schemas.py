"""Listing request and response shapes. A listing carries the details of its kind in a
field named after the kind (``stay``, ``lease`` or ``experience``)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from innkeeper.catalog.domain import ExperienceCategory, ListingKind, ListingStatus
from innkeeper.schemas import LocalTime, StrictInput

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0, le=1000)]


Strict = StrictInput


class LocationIn(Strict):
    address: Annotated[str, Field(min_length=1, max_length=300)]
    area: Annotated[str, Field(max_length=100)] = ""
    city: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(min_length=2, max_length=2, description="ISO 3166 alpha-2")]
    latitude: Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
    longitude: Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]


class LocationPatch(Strict):
    address: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    area: Annotated[str | None, Field(max_length=100)] = None
    city: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    country: Annotated[str | None, Field(min_length=2, max_length=2)] = None
    latitude: Annotated[Decimal | None, Field(ge=-90, le=90, max_digits=9, decimal_places=6)] = None
    longitude: Annotated[Decimal | None, Field(ge=-180, le=180, max_digits=9, decimal_places=6)] = (
        None
    )


class PhotoIn(Strict):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    caption: Annotated[str, Field(max_length=200)] = ""

    @field_validator("url")
    @classmethod
    def _http_or_local(cls, url: str) -> str:
        if url.startswith(("https://", "http://")) or (
            url.startswith("/") and not url.startswith("//")
        ):
            return url
        raise ValueError("must be an http(s) URL or a path on this site starting with /")


Bathrooms = Annotated[Decimal, Field(ge=0, le=50, max_digits=3, decimal_places=1)]


class StayIn(Strict):
    bedrooms: Count
    bathrooms: Bathrooms
    beds: Count
    max_guests: Annotated[int, Field(ge=1, le=100)]
    check_in_time: LocalTime = time(15, 0)
    check_out_time: LocalTime = time(11, 0)
    house_rules: Annotated[str, Field(max_length=5000)] = ""
    unit_count: Annotated[int, Field(ge=1, le=500, description="Identical units sold together")] = 1


class LeaseIn(Strict):
    bedrooms: Count
    bathrooms: Bathrooms
    max_occupants: Annotated[int, Field(ge=1, le=100)]
    minimum_term_months: Annotated[int, Field(ge=1, le=120)]
    furnished: bool = False
    viewings_enabled: bool = True


class ExperienceIn(Strict):
    category: ExperienceCategory
    duration_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 14)]
    capacity: Annotated[int, Field(ge=1, le=10_000)]
    meeting_point: Annotated[str, Field(min_length=1, max_length=300)]


class StayPatch(Strict):
    bedrooms: Count | None = None
    bathrooms: Bathrooms | None = None
    beds: Count | None = None
    max_guests: Annotated[int | None, Field(ge=1, le=100)] = None
    check_in_time: LocalTime | None = None
    check_out_time: LocalTime | None = None
    house_rules: Annotated[str | None, Field(max_length=5000)] = None
    unit_count: Annotated[int | None, Field(ge=1, le=500)] = None


class LeasePatch(Strict):
    bedrooms: Count | None = None
    bathrooms: Bathrooms | None = None
    max_occupants: Annotated[int | None, Field(ge=1, le=100)] = None
    minimum_term_months: Annotated[int | None, Field(ge=1, le=120)] = None
    furnished: bool | None = None
    viewings_enabled: bool | None = None


class ExperiencePatch(Strict):
    category: ExperienceCategory | None = None
    duration_minutes: Annotated[int | None, Field(ge=1, le=60 * 24 * 14)] = None
    capacity: Annotated[int | None, Field(ge=1, le=10_000)] = None
    meeting_point: Annotated[str | None, Field(min_length=1, max_length=300)] = None


class ListingCreate(Strict):
    kind: ListingKind
    title: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=10_000)] = ""
    location: LocationIn
    time_zone: Annotated[str, Field(max_length=64)] = "Asia/Dubai"
    currency: Annotated[str, Field(min_length=3, max_length=3, description="ISO 4217")] = "AED"
    base_price_minor: Annotated[
        int, Field(ge=0, le=10**12, description="Per night, month or person, in minor units")
    ]
    amenities: Annotated[list[str], Field(max_length=100)] = []
    photos: Annotated[list[PhotoIn], Field(max_length=30)] = []
    stay: StayIn | None = None
    lease: LeaseIn | None = None
    experience: ExperienceIn | None = None


class ListingUpdate(Strict):
    title: Annotated[str | None, Field(min_length=1, max_length=120)] = None
    description: Annotated[str | None, Field(max_length=10_000)] = None
    location: LocationPatch | None = None
    time_zone: Annotated[str | None, Field(max_length=64)] = None
    currency: Annotated[str | None, Field(min_length=3, max_length=3)] = None
    base_price_minor: Annotated[int | None, Field(ge=0, le=10**12)] = None
    amenities: Annotated[list[str] | None, Field(max_length=100)] = None
    photos: Annotated[list[PhotoIn] | None, Field(max_length=30)] = None
    stay: StayPatch | None = None
    lease: LeasePatch | None = None
    experience: ExperiencePatch | None = None


class StatusChange(Strict):
    reason: Annotated[str | None, Field(max_length=500)] = None


class LocationOut(BaseModel):
    address: str
    area: str
    city: str
    country: str
    latitude: Decimal
    longitude: Decimal


class PhotoOut(BaseModel):
    url: str
    caption: str


class PriceOut(BaseModel):
    amount_minor: int
    currency: str
    formatted: str = Field(description="Exact, in major units: 'AED 450.00'")
    per: Literal["night", "month", "person"]


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    name: str
    is_active: bool


class ListingOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: ListingKind
    status: ListingStatus
    title: str
    description: str
    location: LocationOut
    time_zone: str
    base_price: PriceOut
    amenities: list[str]
    photos: list[PhotoOut]
    stay: StayIn | None = None
    lease: LeaseIn | None = None
    experience: ExperienceIn | None = None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class GuideIn(StrictInput):
    """What confirmed guests receive before arrival and before leaving: door codes,
    parking, Wi-Fi, rubbish, keys. Never shown on the public listing."""

    check_in_instructions: Annotated[str, Field(max_length=5_000)] = ""
    check_out_instructions: Annotated[str, Field(max_length=5_000)] = ""


class GuideOut(BaseModel):
    check_in_instructions: str
    check_out_instructions: str
    updated_at: datetime | None
