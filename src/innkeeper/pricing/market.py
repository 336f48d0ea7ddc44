"""Market research over published listings: what places like this cost, and how one
listing compares with its area. The concierge and hosts' pricing screens read these.

Figures use each listing's base price (per night, month or person, by kind), grouped by
currency so amounts are never mixed. The median is ``percentile_disc``: the price of the
middle listing (the lower middle for an even count), so no float enters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import Select, func, select

from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import NotFound
from innkeeper.core.money import Money
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class AreaPrices:
    city: str
    area: str
    kind: ListingKind
    listings: int
    average: Money
    median: Money
    minimum: Money
    maximum: Money


@dataclass(frozen=True, slots=True)
class Comparison:
    listing_id: uuid.UUID
    price: Money
    area: AreaPrices
    cheaper_listings: int  # in the same area, kind and currency
    percent_of_median: Decimal  # 100 = exactly the median


def area_prices(
    svc: Services, *, city: str | None, area: str | None, kind: ListingKind | None
) -> list[AreaPrices]:
    query = _stats_query()
    for value, column in ((city, Listing.city), (area, Listing.area)):
        if value is not None:
            query = query.where(func.lower(column) == value.lower())
    if kind is not None:
        query = query.where(Listing.kind == kind)
    with svc.uow() as uow:
        rows = uow.session.execute(query.order_by(Listing.city, Listing.area, Listing.kind)).all()
    return [_area(row) for row in rows]


def compare(svc: Services, listing_id: uuid.UUID) -> Comparison:
    with svc.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.status is not ListingStatus.PUBLISHED:
            raise NotFound(f"listing {listing_id} not found")
        same = (
            Listing.city == listing.city,
            Listing.area == listing.area,
            Listing.kind == listing.kind,
            Listing.currency == listing.currency,
        )
        row = uow.session.execute(_stats_query().where(*same)).one()
        cheaper = uow.session.scalar(
            select(func.count()).where(
                *same,
                Listing.status == ListingStatus.PUBLISHED,
                Listing.base_price_minor < listing.base_price_minor,
            )
        )
    stats = _area(row)
    ratio = (
        Decimal(100)
        if stats.median.minor == 0
        else (Decimal(listing.base_price_minor * 100) / stats.median.minor)
    )
    return Comparison(
        listing.id,
        Money(listing.base_price_minor, listing.currency),
        stats,
        cheaper or 0,
        ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN),
    )


def _stats_query() -> Select[str, str, ListingKind, str, int, Decimal, int, int, int]:
    price = Listing.base_price_minor
    return (
        select(
            Listing.city,
            Listing.area,
            Listing.kind,
            Listing.currency,
            func.count(),
            func.avg(price),
            func.percentile_disc(0.5).within_group(price),
            func.min(price),
            func.max(price),
        )
        .where(Listing.status == ListingStatus.PUBLISHED)
        .group_by(Listing.city, Listing.area, Listing.kind, Listing.currency)
    )


def _area(row: tuple[str, str, ListingKind, str, int, Decimal, int, int, int]) -> AreaPrices:
    city, area, kind, currency, count, average, median, low, high = row
    mean = int(Decimal(average).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return AreaPrices(
        city, area, ListingKind(kind), count,
        Money(mean, currency), Money(int(median), currency),
        Money(int(low), currency), Money(int(high), currency),
    )  # fmt: skip
