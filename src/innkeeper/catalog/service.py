"""Listing use cases for hosts (scoped to their organization) and for the public.

Edits are validated as a whole listing after merging the changes, so a PATCH can never
leave a listing that a fresh create would refuse.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.accounts.models import Organization
from innkeeper.accounts.tenancy import TenantScope, scope_for
from innkeeper.audit.repository import Change, record
from innkeeper.availability import index as search_index
from innkeeper.catalog import repository
from innkeeper.catalog.domain import (
    ListingAction,
    ListingDraft,
    ListingKind,
    ListingStatus,
    Photo,
    StayDetails,
    check_publishable,
    next_status,
    validate,
)
from innkeeper.catalog.models import ArrivalGuide, Listing, ListingPhoto, ListingUnit
from innkeeper.catalog.repository import ListingFilters
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.db.uow import UnitOfWork
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class ListingView:
    listing: Listing
    photos: list[ListingPhoto]
    unit_count: int


@dataclass(frozen=True, slots=True)
class ListingPage:
    items: list[ListingView]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class ListingChanges:
    """A partial edit: top-level fields, and partial ``location`` and kind ``details``."""

    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    location: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    details_kind: ListingKind | None = None  # which kind the ``details`` were sent for


def create_listing(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, draft: ListingDraft
) -> ListingView:
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    validate(draft)
    now = svc.clock.now()
    with svc.uow() as uow:
        _require_organization(uow, organization_id)
        listing = Listing(
            organization_id=organization_id,
            status=ListingStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        repository.write_draft(listing, draft)
        uow.session.add(listing)
        uow.session.flush()
        repository.replace_photos(uow.session, listing.id, draft.photos)
        repository.set_unit_count(uow.session, listing.id, _unit_count(draft))
        _audit(uow, scope, listing, "created", to_state=ListingStatus.DRAFT)
        view = _view(uow, listing)
        uow.commit()
    return view


def update_listing(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    changes: ListingChanges,
) -> ListingView:
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        current = _view(uow, listing)
        draft = _merge(repository.read_draft(listing, current.photos, current.unit_count), changes)
        validate(draft)
        if listing.status is ListingStatus.PUBLISHED:
            check_publishable(draft)  # a live listing must stay publishable
        repository.write_draft(listing, draft)
        if "photos" in changes.fields:
            repository.replace_photos(uow.session, listing.id, draft.photos)
        repository.set_unit_count(uow.session, listing.id, _unit_count(draft))
        listing.updated_at = svc.clock.now()
        _audit(uow, scope, listing, "updated", changes=_describe(changes))
        uow.session.flush()
        search_index.reindex(uow.session, listing.id, now=listing.updated_at)
        view = _view(uow, listing)
        uow.commit()
    return view


def change_status(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    action: ListingAction,
    *,
    reason: str | None = None,
) -> ListingView:
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        previous = listing.status
        target = next_status(previous, action)
        view = _view(uow, listing)
        if target is ListingStatus.PUBLISHED:
            check_publishable(repository.read_draft(listing, view.photos, view.unit_count))
            listing.published_at = svc.clock.now()
        listing.status = target
        listing.updated_at = svc.clock.now()
        _audit(
            uow, scope, listing, action.value, from_state=previous, to_state=target, reason=reason
        )
        search_index.reindex(uow.session, listing.id, now=listing.updated_at)
        uow.commit()
    return view


def get_host_listing(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID
) -> ListingView:
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        return _view(uow, listing_in_scope(uow, scope, listing_id))


def list_host_listings(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    filters: ListingFilters,
    *,
    limit: int,
    offset: int,
) -> ListingPage:
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        rows, total = repository.host_listings(
            uow.session, scope, filters, limit=limit, offset=offset
        )
        return ListingPage(_with_photos(uow, rows), total, limit, offset)


def list_units(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID
) -> list[ListingUnit]:
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id)
        return repository.units_of(uow.session, listing.id)


def get_published_listing(svc: Services, listing_id: uuid.UUID) -> ListingView:
    with svc.uow() as uow:
        found = repository.published_listing(uow.session, listing_id)
        if found is None:
            raise NotFound(f"listing {listing_id} not found")
        return _with_photos(uow, [found])[0]


def published_views(svc: Services, listing_ids: list[uuid.UUID]) -> list[ListingView]:
    """Published listings by id, in the order asked (search results)."""
    with svc.uow() as uow:
        rows = {
            listing.id: listing for listing in repository.published_by_ids(uow.session, listing_ids)
        }
        found = [rows[i] for i in listing_ids if i in rows]
        return _views(uow, found)


def list_published_listings(
    svc: Services, filters: ListingFilters, *, limit: int, offset: int
) -> ListingPage:
    with svc.uow() as uow:
        rows, total = repository.published_listings(
            uow.session, filters, limit=limit, offset=offset
        )
        return ListingPage(_with_photos(uow, rows), total, limit, offset)


def listing_in_scope(
    uow: UnitOfWork, scope: TenantScope, listing_id: uuid.UUID, *, lock: bool = False
) -> Listing:
    listing = repository.host_listing(uow.session, scope, listing_id, lock=lock)
    if listing is None:
        raise NotFound(f"listing {listing_id} not found")
    return listing


def _require_organization(uow: UnitOfWork, organization_id: uuid.UUID) -> None:
    if uow.session.get(Organization, organization_id) is None:
        raise NotFound(f"organization {organization_id} not found")


def _view(uow: UnitOfWork, listing: Listing) -> ListingView:
    return _views(uow, [listing])[0]


def _views(uow: UnitOfWork, listings: Sequence[Listing]) -> list[ListingView]:
    ids = [listing.id for listing in listings]
    photos = repository.photos_of(uow.session, ids)
    units = repository.active_unit_counts(uow.session, ids)
    return [ListingView(listing, photos[listing.id], units[listing.id]) for listing in listings]


def _with_photos(uow: UnitOfWork, rows: Sequence[tuple[Listing, int]]) -> list[ListingView]:
    photos = repository.photos_of(uow.session, [listing.id for listing, _ in rows])
    return [ListingView(listing, photos[listing.id], units) for listing, units in rows]


def _unit_count(draft: ListingDraft) -> int:
    """Stays have N identical units; a lease is one home; experiences sell capacity, not units."""
    if isinstance(draft.details, StayDetails):
        return draft.details.unit_count
    return 1 if draft.kind is ListingKind.LEASE else 0


def _merge(draft: ListingDraft, changes: ListingChanges) -> ListingDraft:
    fields = dict(changes.fields)
    if changes.details_kind not in (None, draft.kind):
        kind = changes.details_kind
        raise InvalidInput.for_field(str(kind), f"only allowed on {kind} listings")
    if "amenities" in fields:
        fields["amenities"] = frozenset(fields["amenities"])
    if "photos" in fields:
        fields["photos"] = tuple(Photo(**photo) for photo in fields["photos"])
    location = dataclasses.replace(draft.location, **changes.location)
    details = dataclasses.replace(draft.details, **changes.details)
    return dataclasses.replace(draft, **fields, location=location, details=details)


def _describe(changes: ListingChanges) -> dict[str, Any]:
    names = [
        *changes.fields,
        *(f"location.{k}" for k in changes.location),
        *(f"details.{k}" for k in changes.details),
    ]
    return {"fields": sorted(names)}


def _audit(
    uow: UnitOfWork, scope: TenantScope, listing: Listing, action: str, **extra: Any
) -> None:
    record(
        uow.session,
        Change("listing", listing.id, action, scope.actor.user_id, scope.organization_id, **extra),
        at=listing.updated_at,
    )


@dataclass(frozen=True, slots=True)
class Guide:
    check_in_instructions: str
    check_out_instructions: str
    updated_at: datetime | None


def get_guide(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID
) -> Guide:
    """The listing's private arrival guide (empty until the host writes one)."""
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id)
        return _guide(uow.session.get(ArrivalGuide, listing.id))


def set_guide(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    *,
    check_in: str,
    check_out: str,
) -> Guide:
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id)
        guide = uow.session.get(ArrivalGuide, listing.id, with_for_update=True)
        if guide is None:
            guide = ArrivalGuide(listing_id=listing.id)
            uow.session.add(guide)
        guide.check_in_instructions, guide.check_out_instructions = check_in, check_out
        guide.updated_at, guide.updated_by = now, scope.actor.user_id
        record(
            uow.session,
            Change(
                entity_type="listing",
                entity_id=listing.id,
                action="listing.guide_changed",
                actor_user_id=scope.actor.user_id,
                organization_id=listing.organization_id,
            ),
            at=now,
        )
        uow.commit()
        return _guide(guide)


def _guide(row: ArrivalGuide | None) -> Guide:
    if row is None:
        return Guide("", "", None)
    return Guide(row.check_in_instructions, row.check_out_instructions, row.updated_at)
