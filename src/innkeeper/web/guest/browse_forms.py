"""Reading the guest browsing forms (search, quote) from the query string.

A search is a GET, so a bad field must come back beside the field with what was typed,
never as a 500 or as FastAPI's own 422 page: every value is read as text here, and each
problem is named on its field. Anything the services judge (stay limits, availability,
the search window) is left to them and absorbed from their ``InvalidInput``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from innkeeper.availability.search import SortOrder
from innkeeper.catalog.domain import AMENITIES, ListingKind
from innkeeper.core.money import Money
from innkeeper.pricing.quotes import QuoteRequest
from innkeeper.web.forms import FormReader
from innkeeper.web.guest.browse_queries import CatalogChoices

MAX_GUESTS: Final = 100
MAX_PRICE_MINOR: Final = 10**15
PAGE_SIZE: Final = 12
SORTS: Final = [
    (SortOrder.PRICE.value, "Price, lowest first"),
    (SortOrder.PRICE_DESC.value, "Price, highest first"),
    (SortOrder.NEWEST.value, "Newest"),
]
KIND_LABELS: Final = {
    ListingKind.STAY: "Stays",
    ListingKind.EXPERIENCE: "Experiences",
    ListingKind.LEASE: "Leases (monthly)",
}
# What the search service calls a field, and where this form shows it.
SEARCH_ALIASES: Final = {
    "check_in": "check_in",
    "check_out": "check_out",
    "guests": "guests",
    "kind": "kind",
    "area": "area",
    "amenities": "amenities",
    "currency": "min_price",
    "min_price_minor": "min_price",
    "max_price_minor": "max_price",
    "sort": "sort",
}
QUOTE_ALIASES: Final = {
    "check_in": "check_in",
    "check_out": "check_out",
    "guests": "guests",
    "slot_id": "slot_id",
    "units": "guests",
}


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    kind: ListingKind
    area: str | None
    check_in: date | None  # leases are searched without dates
    check_out: date | None
    guests: int
    amenities: frozenset[str]
    currency: str | None
    min_price_minor: int | None
    max_price_minor: int | None
    sort: SortOrder
    offset: int


def amenity_label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def read_search(reader: FormReader, choices: CatalogChoices, *, today: date) -> SearchCriteria:
    """Every field read and checked; ``reader.errors`` says what is wrong, beside each field."""
    kind = _kind(reader, choices)
    area = _area(reader, choices)
    check_in, check_out = _dates(reader, kind, today=today)
    guests = reader.integer("guests", required=False, minimum=1, maximum=MAX_GUESTS) or 1
    amenities = frozenset(reader.many("amenities"))
    unknown = sorted(amenities - AMENITIES)
    if unknown:
        reader.error("amenities", f"unknown amenities: {', '.join(unknown)}")
    currency = _currency(reader, choices)
    low, high = _price(reader, "min_price", currency), _price(reader, "max_price", currency)
    if low is not None and high is not None and high < low:
        reader.error("max_price", "must not be less than the minimum price")
    sort = reader.choice("sort", [value for value, _ in SORTS], required=False)
    return SearchCriteria(
        kind=kind, area=area, check_in=check_in, check_out=check_out, guests=guests,
        amenities=amenities, currency=currency, min_price_minor=low, max_price_minor=high,
        sort=SortOrder(sort or SortOrder.PRICE), offset=_offset(reader),
    )  # fmt: skip


def _kind(reader: FormReader, choices: CatalogChoices) -> ListingKind:
    offered = [kind.value for kind in choices.kinds] or [ListingKind.STAY.value]
    value = reader.choice("kind", offered, required=False)
    return ListingKind(value) if value else ListingKind(offered[0])


def _area(reader: FormReader, choices: CatalogChoices) -> str | None:
    typed = reader.raw("area")
    if not typed:
        return None
    known = {area.lower(): area for area in choices.areas}
    if typed.lower() not in known:
        reader.error("area", "is not an area with listings; choose one from the list")
        return None
    return known[typed.lower()]


def _dates(
    reader: FormReader, kind: ListingKind, *, today: date
) -> tuple[date | None, date | None]:
    if kind is ListingKind.LEASE:  # leases are arranged by request and viewing, not dates
        return None, None
    check_in = reader.date("check_in")
    if check_in is not None and check_in < today:
        reader.error("check_in", f"must be today ({today.isoformat()}) or later")
    if kind is ListingKind.EXPERIENCE:  # one session on the chosen day
        return check_in, None
    check_out = reader.date("check_out")
    if check_in is not None and check_out is not None and check_out <= check_in:
        reader.error("check_out", "must be after the check-in date")
    return check_in, check_out


def _currency(reader: FormReader, choices: CatalogChoices) -> str | None:
    """The price range's currency: the catalog's only one, or the one chosen."""
    if len(choices.currencies) <= 1:
        return choices.currencies[0] if choices.currencies else None
    return reader.choice("currency", choices.currencies, required=False) or choices.currencies[0]


def _price(reader: FormReader, name: str, currency: str | None) -> int | None:
    value = reader.decimal(name, required=False, minimum=Decimal(0))
    if value is None or currency is None:
        return None
    try:
        minor = Money.parse(str(value), currency).minor
    except (ValueError, ArithmeticError):
        reader.error(name, f"must be an amount in {currency}, such as 250 or 250.50")
        return None
    if minor > MAX_PRICE_MINOR:  # the database's bigint would refuse it with a 500
        reader.error(name, "is too large")
        return None
    return minor


def _offset(reader: FormReader) -> int:
    """A bad page number is not worth a message: the first page is shown."""
    raw = reader.raw("offset")
    return int(raw) if raw.isdigit() and int(raw) <= 100_000 else 0


def has_quote_request(reader: FormReader) -> bool:
    return any(reader.raw(name) for name in ("check_in", "check_out"))


def read_quote(
    reader: FormReader, listing_id: uuid.UUID, kind: ListingKind, *, price_on_request: bool
) -> QuoteRequest | None:
    """The quote the listing page asks for, or None with ``reader.errors`` filled in."""
    check_in = reader.date("check_in")
    check_out = reader.date("check_out") if kind is ListingKind.STAY else None
    guests = reader.integer("guests", required=False, minimum=1, maximum=MAX_GUESTS) or 1
    slot_id = _slot(reader) if kind is ListingKind.EXPERIENCE else None
    if not reader.ok or check_in is None:
        return None
    return QuoteRequest(
        listing_id=listing_id,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        slot_id=slot_id,
        price_on_request=price_on_request,
    )


def _slot(reader: FormReader) -> uuid.UUID | None:
    raw = reader.raw("slot_id")
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        reader.error("slot_id", "is not one of the sessions")
        return None


def read_month(raw: str, default: date) -> date:
    """``YYYY-MM`` as the month's first day; anything else shows ``default``'s month."""
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
