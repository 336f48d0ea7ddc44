"""Read-only projections the guest pages need and the public API does not expose.

The listing page shows who hosts a listing, whether it books instantly or by request, and
the terms a booking made now would carry; the search form offers only the areas, kinds and
currencies the catalog actually has. Nothing here decides anything: each value is read
from the same rows the services read (``bookings.service.book`` reads ``instant_book``
the same way), and a published listing is the only kind ever shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from innkeeper.accounts.models import Organization
from innkeeper.availability.models import AvailabilitySettings, ListingCalendar
from innkeeper.bookings.policies import CancellationPolicy
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import NotFound
from innkeeper.pricing.fees import DepositPolicy
from innkeeper.pricing.market import area_prices
from innkeeper.pricing.repository import load_terms
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class ListingFacts:
    """What the listing page states besides the listing itself."""

    host_name: str
    instant_book: bool  # False: the guest sends a request the host answers
    response_hours: int
    quote_only: bool  # no instant price: the host answers a request with an offer
    cancellation: CancellationPolicy
    deposit: DepositPolicy
    security_deposit_minor: int
    open_nights: frozenset[date] | None  # from the search index; None when not indexed
    indexed_from: date | None
    indexed_to: date | None  # the first night the index no longer covers


@dataclass(frozen=True, slots=True)
class CatalogChoices:
    """The search form's options: areas, kinds and currencies of published listings."""

    areas: list[str]
    kinds: list[ListingKind]
    currencies: list[str]


def listing_facts(svc: Services, listing_id: uuid.UUID) -> ListingFacts:
    """One short read for a published listing; a draft or unknown id is ``NotFound``."""
    with svc.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.status is not ListingStatus.PUBLISHED:
            raise NotFound(f"listing {listing_id} not found")
        host = uow.session.get(Organization, listing.organization_id)
        settings = uow.session.get(AvailabilitySettings, listing.id)
        # An empty override window: the page needs the plan's terms, not a year of prices.
        terms = load_terms(uow.session, listing, overrides_from=date.min, overrides_to=date.min)
        index = uow.session.get(ListingCalendar, listing.id)
        nights = _open_nights(index)
    return ListingFacts(
        host_name=host.name if host is not None else "",
        instant_book=settings is None or settings.instant_book,
        response_hours=settings.response_hours if settings is not None else 24,
        quote_only=terms.plan.quote_only,
        cancellation=terms.cancellation,
        deposit=terms.deposit,
        security_deposit_minor=terms.security_deposit_minor,
        open_nights=nights,
        indexed_from=index.start_date if index is not None else None,
        indexed_to=_index_end(index),
    )


def _open_nights(index: ListingCalendar | None) -> frozenset[date] | None:
    """Every night the index says a guest could book: rules, bookings and capacity applied."""
    if index is None:
        return None
    found: set[date] = set()
    for span in index.open_nights:
        night, end = span.lower, span.upper
        if night is None or end is None:
            continue
        while night < end:
            found.add(night)
            night = date.fromordinal(night.toordinal() + 1)
    return frozenset(found)


def _index_end(index: ListingCalendar | None) -> date | None:
    if index is None:
        return None
    return date.fromordinal(index.start_date.toordinal() + index.nights)


def catalog_choices(svc: Services) -> CatalogChoices:
    """From the market figures (one grouped query), so the form never offers an empty area."""
    stats = area_prices(svc, city=None, area=None, kind=None)
    kinds = {row.kind for row in stats}
    return CatalogChoices(
        areas=sorted({row.area for row in stats}, key=str.lower),
        kinds=[kind for kind in ListingKind if kind in kinds],
        currencies=sorted({row.average.currency for row in stats}),
    )


def host_names(svc: Services, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Organization names for a page of listings, in one query."""
    if not organization_ids:
        return {}
    with svc.uow() as uow:
        rows = uow.session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_(set(organization_ids))
            )
        ).all()
    return {row[0]: row[1] for row in rows}
