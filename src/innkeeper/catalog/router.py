"""Listings API: hosts manage their organization's listings; anyone reads published ones."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from innkeeper.catalog import service
from innkeeper.catalog.domain import (
    ExperienceCategory,
    ExperienceDetails,
    KindDetails,
    LeaseDetails,
    ListingAction,
    ListingDraft,
    ListingKind,
    ListingStatus,
    Location,
    Photo,
    StayDetails,
)
from innkeeper.catalog.repository import ListingFilters
from innkeeper.catalog.schemas import (
    ExperienceIn,
    GuideIn,
    GuideOut,
    LeaseIn,
    ListingCreate,
    ListingOut,
    ListingUpdate,
    LocationOut,
    PhotoOut,
    PriceOut,
    StatusChange,
    StayIn,
    UnitOut,
)
from innkeeper.core.errors import InvalidInput
from innkeeper.core.money import Money
from innkeeper.deps import OptionalActor, PagingDep, ServicesDep
from innkeeper.schemas import Page

router = APIRouter(tags=["listings"])
HOST = "/organizations/{organization_id}/listings"
PRICE_PER = {
    ListingKind.STAY: "night",
    ListingKind.LEASE: "month",
    ListingKind.EXPERIENCE: "person",
}


def _filters(
    kind: ListingKind | None = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    category: ExperienceCategory | None = None,
    guests: Annotated[
        int | None, Query(ge=1, le=100, description="At least this many guests")
    ] = None,
) -> ListingFilters:
    return ListingFilters(kind=kind, city=city, area=area, category=category, min_guests=guests)


Filters = Annotated[ListingFilters, Depends(_filters)]


@router.get("/listings", response_model=Page[ListingOut])
def public_listings(services: ServicesDep, paging: PagingDep, filters: Filters) -> Page[ListingOut]:
    """Published listings, newest first. Availability search comes with quotes."""
    page = service.list_published_listings(
        services, filters, limit=paging.limit, offset=paging.offset
    )
    return _page(page)


@router.get("/listings/{listing_id}", response_model=ListingOut)
def public_listing(listing_id: uuid.UUID, services: ServicesDep) -> ListingOut:
    return listing_out(service.get_published_listing(services, listing_id))


@router.get(HOST, response_model=Page[ListingOut])
def host_listings(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    filters: Filters,
    status_: Annotated[ListingStatus | None, Query(alias="status")] = None,
) -> Page[ListingOut]:
    """Every listing of the organization, drafts and archived ones included."""
    scoped = ListingFilters(**{**_as_dict(filters), "status": status_})
    page = service.list_host_listings(
        services, actor, organization_id, scoped, limit=paging.limit, offset=paging.offset
    )
    return _page(page)


@router.post(HOST, status_code=status.HTTP_201_CREATED, response_model=ListingOut)
def create_listing(
    organization_id: uuid.UUID, body: ListingCreate, services: ServicesDep, actor: OptionalActor
) -> ListingOut:
    """Create a draft listing; publish it once it has a description, a photo and a price."""
    return listing_out(service.create_listing(services, actor, organization_id, draft_from(body)))


@router.get(HOST + "/{listing_id}", response_model=ListingOut)
def host_listing(
    organization_id: uuid.UUID, listing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> ListingOut:
    return listing_out(service.get_host_listing(services, actor, organization_id, listing_id))


@router.patch(HOST + "/{listing_id}", response_model=ListingOut)
def update_listing(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: ListingUpdate,
    services: ServicesDep,
    actor: OptionalActor,
) -> ListingOut:
    """Change any fields; ``location`` and the kind's details may be sent in part."""
    view = service.update_listing(services, actor, organization_id, listing_id, changes_from(body))
    return listing_out(view)


@router.get(HOST + "/{listing_id}/units", response_model=list[UnitOut])
def listing_units(
    organization_id: uuid.UUID, listing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[UnitOut]:
    units = service.list_units(services, actor, organization_id, listing_id)
    return [UnitOut.model_validate(unit) for unit in units]


@router.get(HOST + "/{listing_id}/guide", response_model=GuideOut)
def listing_guide(
    organization_id: uuid.UUID, listing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> GuideOut:
    """The private arrival guide: sent to confirmed guests, never shown publicly."""
    guide = service.get_guide(services, actor, organization_id, listing_id)
    return GuideOut.model_validate(guide, from_attributes=True)


@router.put(HOST + "/{listing_id}/guide", response_model=GuideOut)
def set_listing_guide(
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    body: GuideIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> GuideOut:
    """Check-in instructions go out with the check-in reminder (a day before arrival),
    check-out instructions the evening before departure."""
    guide = service.set_guide(
        services,
        actor,
        organization_id,
        listing_id,
        check_in=body.check_in_instructions,
        check_out=body.check_out_instructions,
    )
    return GuideOut.model_validate(guide, from_attributes=True)


def _status_route(action: ListingAction, summary: str) -> None:
    def change(
        organization_id: uuid.UUID,
        listing_id: uuid.UUID,
        services: ServicesDep,
        actor: OptionalActor,
        body: StatusChange | None = None,
    ) -> ListingOut:
        reason = body.reason if body is not None else None
        view = service.change_status(
            services, actor, organization_id, listing_id, action, reason=reason
        )
        return listing_out(view)

    router.add_api_route(
        f"{HOST}/{{listing_id}}/{action.value}",
        change,
        methods=["POST"],
        response_model=ListingOut,
        summary=summary,
        name=f"{action.value}_listing",
    )


_status_route(ListingAction.PUBLISH, "Publish a draft (needs a description, a photo and a price)")
_status_route(ListingAction.UNPUBLISH, "Take a published listing back to draft")
_status_route(ListingAction.ARCHIVE, "Retire a listing")
_status_route(ListingAction.RESTORE, "Bring an archived listing back as a draft")


def draft_from(body: ListingCreate) -> ListingDraft:
    return ListingDraft(
        kind=body.kind,
        title=body.title,
        description=body.description,
        location=Location(**body.location.model_dump()),
        time_zone=body.time_zone,
        currency=body.currency.upper(),
        base_price_minor=body.base_price_minor,
        details=_details(body),
        amenities=frozenset(body.amenities),
        photos=tuple(Photo(p.url, p.caption) for p in body.photos),
    )


def _details(body: ListingCreate) -> KindDetails:
    sent = {kind: getattr(body, kind.value) for kind in ListingKind}
    stray = [
        kind.value for kind, value in sent.items() if value is not None and kind is not body.kind
    ]
    if stray:
        raise InvalidInput.for_fields({k: f"only allowed on {k} listings" for k in stray})
    chosen = sent[body.kind]
    if chosen is None:
        raise InvalidInput.for_field(
            body.kind.value, f"details for a {body.kind} listing are required"
        )
    if isinstance(chosen, StayIn):
        return StayDetails(**chosen.model_dump())
    if isinstance(chosen, LeaseIn):
        return LeaseDetails(**chosen.model_dump())
    assert isinstance(chosen, ExperienceIn)
    return ExperienceDetails(**chosen.model_dump())


def changes_from(body: ListingUpdate) -> service.ListingChanges:
    sent = body.model_dump(exclude_unset=True)
    parts = {kind: sent.pop(kind.value) for kind in ListingKind if kind.value in sent}
    location = sent.pop("location", {})
    nulls = [k for k, v in {**sent, **(location or {})}.items() if v is None]
    nulls += [kind.value for kind, part in parts.items() if part is None]
    nulls += [k for part in parts.values() for k, v in (part or {}).items() if v is None]
    if location is None:
        nulls.append("location")
    if nulls:
        raise InvalidInput.for_fields(
            dict.fromkeys(nulls, "may not be null; leave it out to keep it")
        )
    if len(parts) > 1:
        raise InvalidInput.for_fields({k.value: "send the details of one kind only" for k in parts})
    if sent.get("currency") is not None:
        sent["currency"] = sent["currency"].upper()
    kind, details = next(iter(parts.items()), (None, {}))
    return service.ListingChanges(
        fields=sent, location=location, details=details, details_kind=kind
    )


def listing_out(view: service.ListingView) -> ListingOut:
    listing = view.listing
    price = Money(listing.base_price_minor, listing.currency)
    details = {listing.kind.value: _row_details(view)}
    return ListingOut(
        id=listing.id,
        organization_id=listing.organization_id,
        kind=listing.kind,
        status=listing.status,
        title=listing.title,
        description=listing.description,
        location=LocationOut(
            address=listing.address,
            area=listing.area,
            city=listing.city,
            country=listing.country,
            latitude=listing.latitude,
            longitude=listing.longitude,
        ),  # fmt: skip
        time_zone=listing.time_zone,
        base_price=PriceOut(
            amount_minor=price.minor,
            currency=price.currency,
            formatted=str(price),
            per=PRICE_PER[listing.kind],
        ),
        amenities=list(listing.amenities),
        photos=[PhotoOut(url=p.url, caption=p.caption) for p in view.photos],
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        published_at=listing.published_at,
        **details,
    )


def _row_details(view: service.ListingView) -> StayIn | LeaseIn | ExperienceIn:
    from innkeeper.catalog.repository import read_draft

    details = read_draft(view.listing, view.photos, view.unit_count).details
    if isinstance(details, StayDetails):
        return StayIn.model_validate(details, from_attributes=True)
    if isinstance(details, LeaseDetails):
        return LeaseIn.model_validate(details, from_attributes=True)
    return ExperienceIn.model_validate(details, from_attributes=True)


def _as_dict(filters: ListingFilters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in ListingFilters.__slots__}


def _page(page: service.ListingPage) -> Page[ListingOut]:
    return Page(
        items=[listing_out(v) for v in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
