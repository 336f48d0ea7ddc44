"""Listing rules: the status table, validation that names each field, publishability."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal

import pytest

from innkeeper.catalog.domain import (
    TRANSITIONS,
    ExperienceCategory,
    ExperienceDetails,
    IllegalListingTransition,
    LeaseDetails,
    ListingAction,
    ListingKind,
    ListingStatus,
    NotPublishable,
    check_publishable,
    next_status,
    validate,
)
from innkeeper.core.errors import InvalidInput
from tests.builders import stay_draft


@pytest.mark.parametrize(
    ("status", "action"), [(s, a) for s in ListingStatus for a in ListingAction]
)
def test_every_status_and_action_pair(status: ListingStatus, action: ListingAction) -> None:
    if (status, action) in TRANSITIONS:
        assert next_status(status, action) is TRANSITIONS[status, action]
    else:
        with pytest.raises(IllegalListingTransition):
            next_status(status, action)


def test_archived_listings_come_back_only_as_drafts() -> None:
    assert next_status(ListingStatus.ARCHIVED, ListingAction.RESTORE) is ListingStatus.DRAFT
    with pytest.raises(IllegalListingTransition):
        next_status(ListingStatus.ARCHIVED, ListingAction.PUBLISH)


def test_a_valid_stay_passes() -> None:
    validate(stay_draft())


def _fields(error: InvalidInput) -> set[str]:
    return {problem.field for problem in error.fields}


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("blank title", {"title": "  "}, "title"),
        ("unknown currency", {"currency": "XYZ"}, "currency"),
        ("unknown zone", {"time_zone": "Mars/Olympus"}, "time_zone"),
        ("negative price", {"base_price_minor": -1}, "base_price_minor"),
        ("unknown amenity", {"amenities": frozenset({"wifi", "helipad"})}, "amenities"),
    ],
)
def test_each_bad_field_is_named(_case: str, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate(stay_draft(**overrides))
    assert _fields(refused.value) == {field}


def test_location_problems_are_named_by_path() -> None:
    draft = stay_draft()
    bad = replace(draft.location, country="ae", latitude=Decimal(91), city="")
    with pytest.raises(InvalidInput) as refused:
        validate(replace(draft, location=bad))
    assert _fields(refused.value) == {"location.country", "location.latitude", "location.city"}


def test_stay_details_are_checked() -> None:
    draft = stay_draft()
    details = replace(
        draft.details,  # type: ignore[type-var]
        bathrooms=Decimal("1.3"),
        max_guests=0,
        unit_count=0,
        check_out_time=time(16, 0),
    )
    with pytest.raises(InvalidInput) as refused:
        validate(replace(draft, details=details))
    assert _fields(refused.value) == {
        "stay.bathrooms",
        "stay.max_guests",
        "stay.unit_count",
        "stay.check_out_time",
    }


def test_details_must_match_the_kind() -> None:
    lease = LeaseDetails(bedrooms=2, bathrooms=Decimal(2), max_occupants=4, minimum_term_months=12)
    with pytest.raises(InvalidInput) as refused:
        validate(stay_draft(details=lease))
    assert "stay" in _fields(refused.value)


def test_experience_needs_a_meeting_point_and_capacity() -> None:
    experience = ExperienceDetails(
        ExperienceCategory.TOUR, duration_minutes=90, capacity=0, meeting_point=" "
    )
    with pytest.raises(InvalidInput) as refused:
        validate(stay_draft(kind=ListingKind.EXPERIENCE, details=experience))
    assert _fields(refused.value) == {"experience.capacity", "experience.meeting_point"}


def test_publishing_needs_a_description_a_photo_and_a_price() -> None:
    draft = stay_draft(description="Short.", photos=(), base_price_minor=0)
    with pytest.raises(NotPublishable) as refused:
        check_publishable(draft)
    assert _fields(refused.value) == {"description", "photos", "base_price_minor"}
    check_publishable(stay_draft())
