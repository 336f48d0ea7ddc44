"""The host's calendar: one listing's month, night by night, booked, blocked, closed or free,
with each night's price; and forms to block or unblock a date range and to set the price of
a range. Blocks go through the availability service the API uses, so a blocked night leaves
guest search at once (the service reindexes the listing)."""

from __future__ import annotations

import calendar as months
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts.domain import Permission
from innkeeper.availability import service as availability
from innkeeper.availability.domain import AvailabilityRules, night_is_open
from innkeeper.bookings import queries as bookings
from innkeeper.bookings.domain import BLOCKING
from innkeeper.bookings.models import Booking
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.repository import ListingFilters
from innkeeper.catalog.service import ListingView
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import DomainError
from innkeeper.core.money import Money
from innkeeper.deps import ServicesDep
from innkeeper.pricing import service as pricing
from innkeeper.pricing.domain import nightly_rate
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.host.listings import absorb, minor
from innkeeper.web.render import redirect, render

router = page_router()
LONGEST_STAY = timedelta(days=366)  # bookings that began this long before the month still show


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    state: str  # booked, blocked, closed or free
    label: str  # the state in words
    price: Money
    rule: str  # which pricing rule set the price
    booked_units: int
    note: str  # the block's reason
    past: bool


def _month(text: str | None, today: date) -> date:
    if text:
        try:
            year, month = (int(part) for part in text.split("-", 1))
            return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


@router.get("/host/{org_id}/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    host: HostDep,
    services: ServicesDep,
    listing: uuid.UUID | None = None,
    month: str | None = None,
) -> Response:
    return _page(request, services, host, listing, month)


def _page(
    request: Request,
    services: Services,
    host: HostContext,
    listing_id: uuid.UUID | None,
    month_text: str | None,
    reader: FormReader | None = None,
    form_name: str = "",
) -> Response:
    actor = host.viewer.actor
    listings = [
        view
        for view in catalog.list_host_listings(
            services, actor, host.org_id, ListingFilters(), limit=200, offset=0
        ).items
        if view.listing.status is not ListingStatus.ARCHIVED
    ]
    chosen = next((v for v in listings if v.listing.id == listing_id), None)
    if listing_id is not None and chosen is None:  # archived, or not this organization's
        chosen = catalog.get_host_listing(services, actor, host.org_id, listing_id)
    if chosen is None and listings:
        chosen = listings[0]
    context: dict[str, Any] = {
        "listings": listings,
        "listing": None if chosen is None else chosen.listing,
        "may_edit": host.may(Permission.EDIT_LISTINGS),
        "form_name": form_name,
        "form": reader.values if reader else {},
        "errors": reader.errors if reader else {},
    }
    if chosen is not None:
        context |= _month_context(services, host, chosen, month_text)
    return render(
        request,
        "host/calendar.html.j2",
        status=422 if reader is not None else 200,
        **context,
        **host.layout(),
    )


def _month_context(
    services: Services, host: HostContext, view: ListingView, month_text: str | None
) -> dict[str, Any]:
    actor, listing = host.viewer.actor, view.listing
    today = local_date(services.clock.now(), listing.time_zone)
    first = _month(month_text, today)
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    span = StayRange(first, last + timedelta(days=1))
    rules = availability.get_rules(services, actor, host.org_id, listing.id)
    plan = pricing.get_terms(services, actor, host.org_id, listing.id).plan
    stays = _bookings(services, host, listing.id, first, last)
    units = max(view.unit_count, 1)
    days = [
        _day(night, rules, nightly_rate(plan, night), stays, units, today)
        for night in span.each_night()
    ]
    return {
        "month": first,
        "month_text": f"{first:%Y-%m}",
        "previous_month": f"{(first - timedelta(days=1)):%Y-%m}",
        "next_month": f"{(last + timedelta(days=1)):%Y-%m}",
        "leading": first.weekday(),
        "days": days,
        "units": units if listing.kind is not ListingKind.EXPERIENCE else 0,
        "blocks": [b for b in rules.blocks if b.span.check_out > first],
        "stays": stays,
        "today": today,
        "currency": listing.currency,
        "one_day": timedelta(days=1),
    }


def _bookings(
    services: Services, host: HostContext, listing_id: uuid.UUID, first: date, last: date
) -> list[Booking]:
    """The listing's bookings that hold nights in the month, through the bookings list the
    API's ``GET /organizations/{id}/bookings`` uses."""
    filters = bookings.Filters(
        listing_id=listing_id,
        arriving_from=first - LONGEST_STAY,
        arriving_to=last + timedelta(days=1),
        limit=1000,
    )
    rows, _ = bookings.for_organization(services, host.viewer.actor, host.org_id, filters)
    return sorted(
        (b for b in rows if b.status in BLOCKING and b.check_out > first),
        key=lambda b: b.check_in,
    )


def _day(
    night: date,
    rules: AvailabilityRules,
    rate: Any,
    stays: list[Booking],
    units: int,
    today: date,
) -> Day:
    booked = sum(b.units for b in stays if b.check_in <= night < b.check_out)
    block = next((b for b in rules.blocks if b.span.contains(night)), None)
    if block is not None:
        state, label = "blocked", "Blocked"
    elif booked >= units:
        state, label = "booked", "Booked"
    elif not night_is_open(rules, night):
        state, label = "closed", "Closed"
    else:
        state = "free"
        label = "Free" if not booked else f"{booked} of {units} booked"
    if block is not None and booked:
        label = f"Blocked, {booked} booked"
    return Day(
        date=night,
        state=state,
        label=label,
        price=rate.amount,
        rule=rate.rule,
        booked_units=booked,
        note=block.note if block is not None else "",
        past=night < today,
    )


# --- the forms ----------------------------------------------------------------------------


def _range(reader: FormReader, prefix: str, today: date) -> StayRange | None:
    """The form's nights ``[start, end]``: end is the last night, included. Dates before
    today are refused here: the past cannot be booked, so editing it means a mistyped year."""
    start = reader.date(f"{prefix}_start")
    end = reader.date(f"{prefix}_end")
    if start is not None and start < today:
        reader.error(f"{prefix}_start", f"must not be in the past (today is {today.isoformat()})")
    if start is not None and end is not None and end < start:
        reader.error(f"{prefix}_end", "must not be before the first night")
    if not reader.ok or start is None or end is None:
        return None
    return StayRange(start, end + timedelta(days=1))


def _edit(
    request: Request,
    services: Services,
    host: HostContext,
    reader: FormReader,
    form_name: str,
    change: Any,
    done: str,
) -> Response:
    """Run ``change(listing, span)`` for the form's listing and range; back to the month."""
    listing_id = _listing_id(reader)
    month_text = reader.raw("month") or None
    if listing_id is None:
        return _page(request, services, host, None, month_text, reader, form_name)
    view = catalog.get_host_listing(services, host.viewer.actor, host.org_id, listing_id)
    today = local_date(services.clock.now(), view.listing.time_zone)
    span = _range(reader, form_name, today)
    if span is not None:
        try:
            change(view, span)
        except DomainError as error:
            ends = {"end": f"{form_name}_end", "check_out": f"{form_name}_end"}
            absorb(reader, error, {**ends, "start": f"{form_name}_start"})
        else:
            month = month_text or f"{span.check_in:%Y-%m}"
            return redirect(f"{host.base}/calendar?listing={listing_id}&month={month}", flash=done)
    return _page(request, services, host, listing_id, month_text, reader, form_name)


def _listing_id(reader: FormReader) -> uuid.UUID | None:
    try:
        return uuid.UUID(reader.raw("listing"))
    except ValueError:
        reader.error("listing", "choose a listing")
        return None


@router.post("/host/{org_id}/calendar/block", response_class=HTMLResponse)
def block_dates(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    note = reader.text("note", required=False, max_length=200) or ""

    def change(view: ListingView, span: StayRange) -> None:
        availability.mark_span(
            services, host.viewer.actor, host.org_id, view.listing.id,
            kind="blocked", span=span, add=True, note=note,
        )  # fmt: skip

    return _edit(request, services, host, reader, "block", change, "Dates blocked.")


@router.post("/host/{org_id}/calendar/unblock", response_class=HTMLResponse)
def unblock_dates(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)

    def change(view: ListingView, span: StayRange) -> None:
        availability.mark_span(
            services, host.viewer.actor, host.org_id, view.listing.id,
            kind="blocked", span=span, add=False,
        )  # fmt: skip

    return _edit(request, services, host, reader, "unblock", change, "Dates unblocked.")


@router.post("/host/{org_id}/calendar/price", response_class=HTMLResponse)
def set_price(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    clear = reader.flag("clear")

    def change(view: ListingView, span: StayRange) -> None:
        price = None if clear else minor(reader, "price", view.listing.currency)
        if not reader.ok:
            raise _Refused
        pricing.set_nightly_price(
            services, host.viewer.actor, host.org_id, view.listing.id, span, price
        )

    try:
        return _edit(request, services, host, reader, "price", change, "Prices saved.")
    except _Refused:
        listing_id = _listing_id(reader)
        return _page(request, services, host, listing_id, reader.raw("month") or None, reader,
                     "price")  # fmt: skip


class _Refused(Exception):
    """The price field was refused: show the form again."""
