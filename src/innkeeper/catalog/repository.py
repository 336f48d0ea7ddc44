"""Listing queries and writes. Host-side reads take a ``TenantScope``; public reads only
ever see published listings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from innkeeper.accounts.tenancy import TenantScope, scoped
from innkeeper.catalog.domain import (
    ExperienceCategory,
    ExperienceDetails,
    KindDetails,
    LeaseDetails,
    ListingDraft,
    ListingKind,
    ListingStatus,
    Location,
    Photo,
    StayDetails,
)
from innkeeper.catalog.models import Listing, ListingPhoto, ListingUnit


@dataclass(frozen=True, slots=True)
class ListingFilters:
    kind: ListingKind | None = None
    status: ListingStatus | None = None
    city: str | None = None
    area: str | None = None
    category: ExperienceCategory | None = None
    min_guests: int | None = None
    organization_id: uuid.UUID | None = None


def host_listing(
    session: Session, scope: TenantScope, listing_id: uuid.UUID, *, lock: bool = False
) -> Listing | None:
    query = scoped(select(Listing).where(Listing.id == listing_id), Listing.organization_id, scope)
    return session.scalar(query.with_for_update() if lock else query)


# Read paths fetch each listing with its active unit count in the same round trip.
WithUnits = tuple[Listing, int]


def _active_units() -> Any:
    return (
        select(func.count())
        .where(ListingUnit.listing_id == Listing.id, ListingUnit.is_active.is_(True))
        .correlate(Listing)
        .scalar_subquery()
    )


def host_listings(
    session: Session, scope: TenantScope, filters: ListingFilters, *, limit: int, offset: int
) -> tuple[list[WithUnits], int]:
    query = scoped(_filtered(select(Listing), filters), Listing.organization_id, scope)
    return _page(session, query, limit=limit, offset=offset)


def published_listing(session: Session, listing_id: uuid.UUID) -> WithUnits | None:
    row = session.execute(
        select(Listing, _active_units()).where(
            Listing.id == listing_id, Listing.status == ListingStatus.PUBLISHED
        )
    ).first()
    return None if row is None else (row[0], row[1])


def published_by_ids(session: Session, listing_ids: Sequence[uuid.UUID]) -> list[Listing]:
    query = select(Listing).where(
        Listing.id.in_(listing_ids), Listing.status == ListingStatus.PUBLISHED
    )
    return list(session.scalars(query))


def published_listings(
    session: Session, filters: ListingFilters, *, limit: int, offset: int
) -> tuple[list[WithUnits], int]:
    query = _filtered(select(Listing), filters).where(Listing.status == ListingStatus.PUBLISHED)
    return _page(session, query, limit=limit, offset=offset)


def photos_of(
    session: Session, listing_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ListingPhoto]]:
    result: dict[uuid.UUID, list[ListingPhoto]] = {listing_id: [] for listing_id in listing_ids}
    rows = session.scalars(
        select(ListingPhoto)
        .where(ListingPhoto.listing_id.in_(listing_ids))
        .order_by(ListingPhoto.listing_id, ListingPhoto.position)
    )
    for photo in rows:
        result[photo.listing_id].append(photo)
    return result


def units_of(session: Session, listing_id: uuid.UUID) -> list[ListingUnit]:
    return list(
        session.scalars(
            select(ListingUnit)
            .where(ListingUnit.listing_id == listing_id)
            .order_by(ListingUnit.position)
        )
    )


def active_unit_counts(session: Session, listing_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(ListingUnit.listing_id, func.count())
        .where(ListingUnit.listing_id.in_(listing_ids), ListingUnit.is_active.is_(True))
        .group_by(ListingUnit.listing_id)
    )
    counts = dict.fromkeys(listing_ids, 0)
    counts.update(dict(rows.all()))  # not dict(rows): a Result has keys(), so dict() misreads it
    return counts


def replace_photos(session: Session, listing_id: uuid.UUID, photos: Sequence[Photo]) -> None:
    for old in session.scalars(select(ListingPhoto).where(ListingPhoto.listing_id == listing_id)):
        session.delete(old)
    session.flush()  # the unique (listing_id, position) must be free before re-inserting
    for position, photo in enumerate(photos):
        session.add(
            ListingPhoto(
                listing_id=listing_id, position=position, url=photo.url, caption=photo.caption
            )
        )


def set_unit_count(session: Session, listing_id: uuid.UUID, wanted: int) -> None:
    """Keep ``wanted`` active units: reactivate or add at the end, deactivate from the end.

    Units are never deleted, so bookings (later) keep pointing at real rows.
    """
    units = units_of(session, listing_id)
    for unit in units:
        unit.is_active = unit.position < wanted
    for position in range(len(units), wanted):
        session.add(
            ListingUnit(listing_id=listing_id, position=position, name=f"Unit {position + 1}")
        )


def write_draft(listing: Listing, draft: ListingDraft) -> None:
    """Copy a validated draft onto the row, clearing the columns of other kinds."""
    location = draft.location
    listing.kind = draft.kind
    listing.title, listing.description = draft.title.strip(), draft.description.strip()
    listing.address, listing.area, listing.city = location.address, location.area, location.city
    listing.country, listing.latitude, listing.longitude = (
        location.country,
        location.latitude,
        location.longitude,
    )
    listing.time_zone, listing.currency = draft.time_zone, draft.currency
    listing.base_price_minor = draft.base_price_minor
    listing.amenities = sorted(draft.amenities)
    for column in _KIND_COLUMNS:
        setattr(listing, column, None)
    for column, value in _details_columns(draft.details).items():
        setattr(listing, column, value)


_KIND_COLUMNS = (
    "bedrooms", "bathrooms", "max_guests", "beds", "check_in_time", "check_out_time", "house_rules",
    "minimum_term_months", "furnished", "viewings_enabled", "category", "duration_minutes",
    "capacity", "meeting_point",
)  # fmt: skip


def _details_columns(details: KindDetails) -> dict[str, object]:
    if isinstance(details, StayDetails):
        return {
            "bedrooms": details.bedrooms, "bathrooms": details.bathrooms, "beds": details.beds,
            "max_guests": details.max_guests, "check_in_time": details.check_in_time,
            "check_out_time": details.check_out_time, "house_rules": details.house_rules,
        }  # fmt: skip
    if isinstance(details, LeaseDetails):
        return {
            "bedrooms": details.bedrooms, "bathrooms": details.bathrooms,
            "max_guests": details.max_occupants, "minimum_term_months": details.minimum_term_months,
            "furnished": details.furnished, "viewings_enabled": details.viewings_enabled,
        }  # fmt: skip
    return {
        "category": details.category, "duration_minutes": details.duration_minutes,
        "capacity": details.capacity, "meeting_point": details.meeting_point,
    }  # fmt: skip


def read_draft(listing: Listing, photos: Sequence[ListingPhoto], unit_count: int) -> ListingDraft:
    return ListingDraft(
        kind=listing.kind,
        title=listing.title,
        description=listing.description,
        location=Location(
            listing.address,
            listing.area,
            listing.city,
            listing.country,
            listing.latitude,
            listing.longitude,
        ),
        time_zone=listing.time_zone,
        currency=listing.currency,
        base_price_minor=listing.base_price_minor,
        details=_read_details(listing, unit_count),
        amenities=frozenset(listing.amenities),
        photos=tuple(Photo(p.url, p.caption) for p in photos),
    )


def _read_details(listing: Listing, unit_count: int) -> KindDetails:
    if listing.kind is ListingKind.STAY:
        assert listing.check_in_time is not None
        assert listing.check_out_time is not None
        return StayDetails(
            bedrooms=_int(listing.bedrooms), bathrooms=_dec(listing.bathrooms),
            beds=_int(listing.beds), max_guests=_int(listing.max_guests),
            check_in_time=listing.check_in_time,
            check_out_time=listing.check_out_time, house_rules=listing.house_rules or "",
            unit_count=unit_count,
        )  # fmt: skip
    if listing.kind is ListingKind.LEASE:
        return LeaseDetails(
            bedrooms=_int(listing.bedrooms), bathrooms=_dec(listing.bathrooms),
            max_occupants=_int(listing.max_guests),
            minimum_term_months=_int(listing.minimum_term_months),
            furnished=bool(listing.furnished), viewings_enabled=bool(listing.viewings_enabled),
        )  # fmt: skip
    assert listing.category is not None
    assert listing.meeting_point is not None
    return ExperienceDetails(
        category=listing.category, duration_minutes=_int(listing.duration_minutes),
        capacity=_int(listing.capacity), meeting_point=listing.meeting_point,
    )  # fmt: skip


def _int(value: int | None) -> int:
    assert value is not None, "the kind's CHECK constraint guarantees this column"
    return value


def _dec(value: Decimal | None) -> Decimal:
    assert value is not None, "the kind's CHECK constraint guarantees this column"
    return value


def _filtered(query: Select[Listing], filters: ListingFilters) -> Select[Listing]:
    conditions = [
        (filters.kind, Listing.kind == filters.kind),
        (filters.status, Listing.status == filters.status),
        (filters.city, func.lower(Listing.city) == (filters.city or "").lower()),
        (filters.area, func.lower(Listing.area) == (filters.area or "").lower()),
        (filters.category, Listing.category == filters.category),
        (filters.min_guests, Listing.max_guests >= (filters.min_guests or 0)),
        (filters.organization_id, Listing.organization_id == filters.organization_id),
    ]
    for value, condition in conditions:
        if value is not None:
            query = query.where(condition)
    return query


def _page(
    session: Session, query: Select[Listing], *, limit: int, offset: int
) -> tuple[list[WithUnits], int]:
    """One page, newest first, and the total: ``count(*) OVER ()`` is computed before LIMIT,
    so the page and its total come back in one round trip."""
    page = query.add_columns(_active_units(), func.count().over())
    ordered = page.order_by(Listing.created_at.desc(), Listing.id).limit(limit).offset(offset)
    rows = session.execute(ordered).all()
    if rows:
        total = int(rows[0][2])
    elif offset == 0:
        total = 0
    else:  # past the end: the window had no row to ride on
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return [(row[0], int(row[1])) for row in rows], total
