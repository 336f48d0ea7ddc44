"""Search: which listings can be had for a window and party, at what price.

One SQL statement does the work over ``listing_calendar``: the GiST-indexed
``open_nights @> daterange(...)`` finds listings open every night of the window, array
lookups check stay limits and arrival days, and notice and advance windows are judged in
each listing's own time zone. Sorting and the price filter use the **stay price**: nightly
rates times the party or units they are per, plus cleaning (before discounts, taxes and
fees). Each result on the page then carries its exact quote total, priced by the same pure
code that makes quotes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import text

from innkeeper.catalog.domain import ExperienceCategory, ListingKind
from innkeeper.core.dates import StayRange
from innkeeper.core.errors import InvalidInput
from innkeeper.core.money import Money
from innkeeper.services import Services

MAX_WINDOW_NIGHTS = 90


class SortOrder(StrEnum):
    PRICE = "price"
    PRICE_DESC = "price_desc"
    DISTANCE = "distance"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class Near:
    latitude: Decimal
    longitude: Decimal
    radius_km: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    check_in: date
    check_out: date | None = None  # experiences: one session on check_in
    guests: int = 1
    units: int = 1
    kind: ListingKind = ListingKind.STAY
    category: ExperienceCategory | None = None
    city: str | None = None
    area: str | None = None
    near: Near | None = None
    amenities: frozenset[str] = frozenset()
    currency: str | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    sort: SortOrder = SortOrder.PRICE
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    listing_id: uuid.UUID
    stay_price: Money
    distance_km: Decimal | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    total: int
    window: StayRange


def search(svc: Services, request: SearchRequest) -> SearchPage:
    window = _window(request)
    sql, params = _query(request, window, now=svc.clock.now())
    with svc.uow() as uow:
        rows = uow.session.execute(text(sql), params).all()
    total = int(rows[0].total) if rows else 0
    hits = [
        Hit(row.id, Money(int(row.stay_price), row.currency), _km(row.distance_km)) for row in rows
    ]
    return SearchPage(hits, total, window)


def _km(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _window(request: SearchRequest) -> StayRange:
    if request.kind is ListingKind.LEASE:
        raise InvalidInput.for_field("kind", "leases are found by listing search, not by dates")
    if request.kind is ListingKind.EXPERIENCE:
        return StayRange.of_night(request.check_in)
    if request.check_out is None:
        raise InvalidInput.for_field("check_out", "is required when searching stays")
    window = StayRange(request.check_in, request.check_out)
    if window.nights > MAX_WINDOW_NIGHTS:
        raise InvalidInput.for_field("check_out", f"search at most {MAX_WINDOW_NIGHTS} nights")
    if request.sort is SortOrder.DISTANCE and request.near is None:
        raise InvalidInput.for_field("sort", "sorting by distance needs latitude and longitude")
    if (request.min_price_minor or request.max_price_minor) and request.currency is None:
        raise InvalidInput.for_field("currency", "is required with a price range")
    return window


_DISTANCE = """6371 * 2 * asin(sqrt(
    power(sin(radians((l.latitude - :lat)::float8) / 2), 2)
    + cos(radians(:lat)) * cos(radians(l.latitude::float8))
    * power(sin(radians((l.longitude - :lng)::float8) / 2), 2)))"""

_ORDER = {
    SortOrder.PRICE: "hits.stay_price ASC, hits.id",
    SortOrder.PRICE_DESC: "hits.stay_price DESC, hits.id",
    SortOrder.DISTANCE: "hits.distance_km ASC, hits.id",
    SortOrder.NEWEST: "hits.created_at DESC, hits.id",
}


def _query(
    request: SearchRequest, window: StayRange, *, now: datetime
) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "ci": window.check_in, "co": window.check_out, "n": window.nights, "now": now,
        "guests": request.guests, "units": request.units, "kind": request.kind.value,
        "ci_dow": window.check_in.weekday(), "co_dow": window.check_out.weekday(),
        "limit": request.limit, "offset": request.offset,
    }  # fmt: skip
    where = [_BASE_CONDITIONS]
    for name, value, clause in _filters(request):
        if value is not None:
            params[name] = value
            where.append(clause)
    distance = "NULL::float8"
    if request.near is not None:
        params["lat"], params["lng"] = request.near.latitude, request.near.longitude
        distance = _DISTANCE
        if request.near.radius_km is not None:
            params["radius"] = request.near.radius_km
            where.append(f"{_DISTANCE} <= :radius")
    inner = f"""
        SELECT l.id, l.currency, l.created_at, {distance} AS distance_km,
               {_STAY_PRICE} AS stay_price
        FROM listing_calendar c
        JOIN listing l ON l.id = c.listing_id
        JOIN zones z ON z.time_zone = l.time_zone
        WHERE {" AND ".join(where)}
    """
    sql = f"""
        WITH zones AS (  -- each zone's local today, once, not once per listing
            SELECT time_zone, (CAST(:now AS timestamptz) AT TIME ZONE time_zone)::date AS today
            FROM (SELECT DISTINCT time_zone FROM listing WHERE status = 'published') distinct_zones
        )
        SELECT hits.*, count(*) OVER () AS total FROM ({inner}) hits
        WHERE TRUE {_price_range(request, params)}
        ORDER BY {_ORDER[request.sort]} LIMIT :limit OFFSET :offset
    """
    return sql, params


_FIRST = "((:ci - c.start_date) + 1)"  # the window's first night in the 1-based arrays
_LAST = "(:co - c.start_date)"
_STAY_PRICE = f"""(
    -- a slice and a sum: rate_minor compresses well and stays inline (a prefix-sum array
    -- would not compress, and each lookup would go to the TOAST table)
    (SELECT sum(r) FROM unnest(c.rate_minor[{_FIRST}:{_LAST}]) r)
    * CASE c.basis WHEN 'per_person' THEN :guests WHEN 'per_unit' THEN :units ELSE 1 END
    + CASE WHEN l.kind = 'stay'
           THEN c.cleaning_minor * CASE c.basis WHEN 'per_unit' THEN :units ELSE 1 END
           ELSE 0 END
)"""
_BASE_CONDITIONS = f"""
    l.status = 'published' AND l.kind = :kind
    AND c.open_nights @> daterange(:ci, :co)
    AND c.start_date <= :ci AND :co <= c.start_date + c.nights
    AND c.min_stay[{_FIRST}] <= :n
    AND (c.max_stay[{_FIRST}] = 0 OR c.max_stay[{_FIRST}] >= :n)
    AND (c.check_in_days IS NULL OR :ci_dow = ANY(c.check_in_days))
    AND (c.check_out_days IS NULL OR :co_dow = ANY(c.check_out_days))
    AND :ci >= z.today + c.min_notice_days
    AND :ci <= z.today + c.advance_days
    AND (
        (l.kind = 'stay' AND :units = 1)  -- open_nights already means a unit is free
        OR (SELECT min(f) FROM unnest(c.free[{_FIRST}:{_LAST}]) f)
           >= CASE l.kind WHEN 'experience' THEN :guests ELSE :units END
    )
    AND CASE l.kind WHEN 'experience' THEN TRUE  -- the free places per day decide
                    ELSE l.max_guests * :units >= :guests END
"""


def _filters(request: SearchRequest) -> list[tuple[str, object, str]]:
    return [
        (
            "category",
            request.category.value if request.category else None,
            "l.category = :category",
        ),
        ("city", request.city.lower() if request.city else None, "lower(l.city) = :city"),
        ("area", request.area.lower() if request.area else None, "lower(l.area) = :area"),
        (
            "amenities",
            sorted(request.amenities) or None,
            "l.amenities @> CAST(:amenities AS varchar[])",
        ),
        ("currency", request.currency, "l.currency = :currency"),
    ]


def _price_range(request: SearchRequest, params: dict[str, Any]) -> str:
    clauses = ""
    if request.min_price_minor is not None:
        params["min_price"] = request.min_price_minor
        clauses += " AND stay_price >= :min_price"
    if request.max_price_minor is not None:
        params["max_price"] = request.max_price_minor
        clauses += " AND stay_price <= :max_price"
    return clauses
