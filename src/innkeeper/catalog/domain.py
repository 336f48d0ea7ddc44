"""Listings as values: kinds, the status table, the amenity vocabulary and what makes a
listing valid or publishable. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Final

from innkeeper.core.currency import is_supported
from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.core.zones import is_time_zone


class ListingKind(StrEnum):
    STAY = "stay"  # nightly, on one of N identical units
    LEASE = "lease"  # monthly, long-term, with viewings
    EXPERIENCE = "experience"  # dated or time-slot items with a capacity


class ListingStatus(StrEnum):
    DRAFT = "draft"  # visible to its organization only
    PUBLISHED = "published"  # visible to everyone, bookable once it has availability
    ARCHIVED = "archived"  # retired; kept for bookings and history


class ListingAction(StrEnum):
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    RESTORE = "restore"


class ExperienceCategory(StrEnum):
    ACTIVITY = "activity"
    MEAL = "meal"
    TRANSPORT = "transport"
    TOUR = "tour"
    OTHER = "other"


S, A = ListingStatus, ListingAction

TRANSITIONS: Final[Mapping[tuple[ListingStatus, ListingAction], ListingStatus]] = {
    (S.DRAFT, A.PUBLISH): S.PUBLISHED,
    (S.PUBLISHED, A.UNPUBLISH): S.DRAFT,
    (S.DRAFT, A.ARCHIVE): S.ARCHIVED,
    (S.PUBLISHED, A.ARCHIVE): S.ARCHIVED,
    (S.ARCHIVED, A.RESTORE): S.DRAFT,
}

AMENITIES: Final = frozenset(
    {
        "air_conditioning", "balcony", "bbq", "beach_access", "burj_view", "crib",
        "dedicated_workspace", "dishwasher", "doorman", "dryer", "elevator", "family_friendly",
        "free_parking", "gym", "heating", "hot_tub", "kitchen", "marina_view", "pets_allowed",
        "pool", "private_pool", "sea_view", "self_check_in", "smoking_allowed", "tv", "washer",
        "wheelchair_accessible", "wifi",
    }
)  # fmt: skip

MAX_UNITS: Final = 500
MAX_PHOTOS: Final = 30
MIN_DESCRIPTION_TO_PUBLISH: Final = 30


class IllegalListingTransition(Conflict):
    code = "illegal_listing_transition"


class NotPublishable(InvalidInput):
    code = "not_publishable"


@dataclass(frozen=True, slots=True)
class Location:
    address: str
    area: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True, slots=True)
class Photo:
    url: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class StayDetails:
    bedrooms: int
    bathrooms: Decimal
    beds: int
    max_guests: int
    check_in_time: time = time(15, 0)
    check_out_time: time = time(11, 0)
    house_rules: str = ""
    unit_count: int = 1


@dataclass(frozen=True, slots=True)
class LeaseDetails:
    bedrooms: int
    bathrooms: Decimal
    max_occupants: int
    minimum_term_months: int
    furnished: bool = False
    viewings_enabled: bool = True


@dataclass(frozen=True, slots=True)
class ExperienceDetails:
    category: ExperienceCategory
    duration_minutes: int
    capacity: int
    meeting_point: str


KindDetails = StayDetails | LeaseDetails | ExperienceDetails

DETAILS_FOR_KIND: Final[Mapping[ListingKind, type[KindDetails]]] = {
    ListingKind.STAY: StayDetails,
    ListingKind.LEASE: LeaseDetails,
    ListingKind.EXPERIENCE: ExperienceDetails,
}


@dataclass(frozen=True, slots=True)
class ListingDraft:
    """Everything a host edits. ``base_price_minor`` is per night (stay), per month (lease)
    or per person (experience), in ``currency``'s minor units."""

    kind: ListingKind
    title: str
    description: str
    location: Location
    time_zone: str
    currency: str
    base_price_minor: int
    details: KindDetails
    amenities: frozenset[str] = frozenset()
    photos: tuple[Photo, ...] = field(default=())


def next_status(current: ListingStatus, action: ListingAction) -> ListingStatus:
    try:
        return TRANSITIONS[current, action]
    except KeyError:
        raise IllegalListingTransition(f"cannot {action} a {current} listing") from None


def validate(draft: ListingDraft) -> None:
    """Raise ``InvalidInput`` naming every field whose value the engine refuses."""
    problems = {**_common_problems(draft), **_details_problems(draft)}
    if problems:
        raise InvalidInput.for_fields(problems)


def publish_problems(draft: ListingDraft) -> dict[str, str]:
    """What still stops a valid draft from going public."""
    problems: dict[str, str] = {}
    if len(draft.description.strip()) < MIN_DESCRIPTION_TO_PUBLISH:
        problems["description"] = (
            f"needs at least {MIN_DESCRIPTION_TO_PUBLISH} characters to publish"
        )
    if not draft.photos:
        problems["photos"] = "add at least one photo to publish"
    if draft.base_price_minor <= 0:
        problems["base_price_minor"] = "set a price above zero to publish"
    return problems


def check_publishable(draft: ListingDraft) -> None:
    problems = publish_problems(draft)
    if problems:
        raise NotPublishable.for_fields(problems)


def _common_problems(draft: ListingDraft) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not isinstance(draft.details, DETAILS_FOR_KIND[draft.kind]):
        problems[draft.kind.value] = f"details for a {draft.kind} listing are required"
    if not draft.title.strip():
        problems["title"] = "must not be blank"
    if not is_supported(draft.currency):
        problems["currency"] = "must be an ISO 4217 currency code such as AED"
    if not is_time_zone(draft.time_zone):
        problems["time_zone"] = "must be an IANA time zone such as Asia/Dubai"
    if draft.base_price_minor < 0:
        problems["base_price_minor"] = "must not be negative"
    unknown = sorted(draft.amenities - AMENITIES)
    if unknown:
        problems["amenities"] = f"unknown amenities: {', '.join(unknown)}"
    if len(draft.photos) > MAX_PHOTOS:
        problems["photos"] = f"at most {MAX_PHOTOS} photos"
    problems.update(_location_problems(draft.location))
    return problems


def _location_problems(location: Location) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("address", "city"):
        if not getattr(location, name).strip():
            problems[f"location.{name}"] = "must not be blank"
    if (
        len(location.country) != 2
        or not location.country.isalpha()
        or not location.country.isupper()
    ):
        problems["location.country"] = "must be an ISO 3166 alpha-2 code such as AE"
    if not Decimal(-90) <= location.latitude <= Decimal(90):
        problems["location.latitude"] = "must be between -90 and 90"
    if not Decimal(-180) <= location.longitude <= Decimal(180):
        problems["location.longitude"] = "must be between -180 and 180"
    return problems


def _details_problems(draft: ListingDraft) -> dict[str, str]:
    details = draft.details
    if isinstance(details, StayDetails):
        return _stay_problems(details)
    if isinstance(details, LeaseDetails):
        return _positive(
            {
                "lease.max_occupants": details.max_occupants,
                "lease.minimum_term_months": details.minimum_term_months,
            }
        ) | _rooms("lease", details.bedrooms, details.bathrooms)
    return _positive(
        {
            "experience.duration_minutes": details.duration_minutes,
            "experience.capacity": details.capacity,
        }
    ) | ({} if details.meeting_point.strip() else {"experience.meeting_point": "must not be blank"})


def _stay_problems(details: StayDetails) -> dict[str, str]:
    problems = _positive({"stay.beds": details.beds, "stay.max_guests": details.max_guests})
    problems |= _rooms("stay", details.bedrooms, details.bathrooms)
    if not 1 <= details.unit_count <= MAX_UNITS:
        problems["stay.unit_count"] = f"must be between 1 and {MAX_UNITS}"
    if details.check_out_time > details.check_in_time:
        problems["stay.check_out_time"] = "must not be later than the check-in time"
    return problems


def _rooms(prefix: str, bedrooms: int, bathrooms: Decimal) -> dict[str, str]:
    problems: dict[str, str] = {}
    if bedrooms < 0:
        problems[f"{prefix}.bedrooms"] = "must not be negative"
    if bathrooms < 0 or (bathrooms * 2) % 1 != 0:
        problems[f"{prefix}.bathrooms"] = "must be a non-negative number of whole or half bathrooms"
    return problems


def _positive(values: dict[str, int]) -> dict[str, str]:
    return {name: "must be at least 1" for name, value in values.items() if value < 1}
