"""Availability use cases: hosts edit rules and block or open date ranges in bulk; anyone
reads a published listing's calendar, night by night, with the reason for each closed night.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.accounts.tenancy import scope_for
from innkeeper.audit.repository import Change, record
from innkeeper.availability import index as search_index
from innkeeper.availability import repository
from innkeeper.availability.domain import (
    AvailabilityRules,
    Reason,
    StayLimits,
    check_edit_range,
    check_stay,
)
from innkeeper.availability.models import AvailabilitySettings, TimeSlot
from innkeeper.catalog.domain import ListingKind
from innkeeper.catalog.models import Listing
from innkeeper.catalog.service import listing_in_scope
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.db.uow import UnitOfWork
from innkeeper.services import Services

SPAN_KINDS = ("blocked", "open")
NIGHT_RULES = frozenset(  # the reasons that belong to one night, not to a whole stay
    {
        Reason.BLOCKED,
        Reason.NOT_OPEN,
        Reason.CLOSED_WEEKDAY,
        Reason.CLOSED_YEARLY,
        Reason.MIN_NOTICE,
        Reason.ADVANCE_WINDOW,
        Reason.NOT_BOOKABLE,
        Reason.OCCUPIED,
        Reason.SOLD_OUT,
    }
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The host-edited rules (blocks and open dates are edited by range, not here)."""

    bookable: bool = True
    open_dates_only: bool = False
    closed_weekdays: frozenset[int] = frozenset()
    closed_yearly: frozenset[tuple[int, int]] = frozenset()
    check_in_weekdays: frozenset[int] | None = None
    check_out_weekdays: frozenset[int] | None = None
    min_nights: int = 1
    max_nights: int | None = None
    advance_days: int = 365
    min_notice_days: int = 0
    turnover_days: int = 0
    seasonal_limits: tuple[StayLimits, ...] = ()
    instant_book: bool = True
    response_hours: int = 24


@dataclass(frozen=True, slots=True)
class NightStatus:
    night: date
    available: bool
    reasons: tuple[str, ...]


def get_rules(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID
) -> AvailabilityRules:
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id)
        return repository.load_rules(uow.session, listing.id, max_guests=listing.max_guests)


def put_settings(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    settings: Settings,
) -> AvailabilityRules:
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    _check(settings)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        row = uow.session.get(AvailabilitySettings, listing.id) or AvailabilitySettings(
            listing_id=listing.id
        )
        _write(row, settings)
        row.updated_at = now
        uow.session.add(row)
        repository.replace_stay_limits(uow.session, listing.id, settings.seasonal_limits)
        search_index.reindex(uow.session, listing.id, now=now)
        record(
            uow.session,
            Change(
                "listing", listing.id, "availability_updated", scope.actor.user_id, organization_id
            ),
            at=now,
        )
        uow.commit()
    return get_rules(svc, actor, organization_id, listing_id)


def mark_span(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    *,
    kind: str,
    span: StayRange,
    add: bool,
    note: str = "",
) -> None:
    """Block (or open) ``span``, merging with neighbours; or clear it, splitting what it cuts."""
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    if kind not in SPAN_KINDS:
        raise InvalidInput.for_field("kind", "must be blocked or open")
    check_edit_range(span)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        if add:
            repository.add_span(uow.session, listing.id, kind, span, note)
        else:
            repository.remove_span(uow.session, listing.id, kind, span)
        search_index.reindex(uow.session, listing.id, now=now)
        action = f"{kind}_{'added' if add else 'cleared'}"
        edit = {"from": str(span.check_in), "to": str(span.check_out), "note": note}
        record(
            uow.session,
            Change(
                "listing", listing.id, action, scope.actor.user_id, organization_id, changes=edit
            ),
            at=now,
        )
        uow.commit()


def refresh_search_index(svc: Services) -> int:
    """Rebuild every missing or stale index row, one listing per short transaction, each
    under the listing's row lock so it cannot overwrite a concurrent edit's fresh row."""
    now = svc.clock.now()
    with svc.uow() as uow:
        listing_ids = search_index.needing_rebuild(uow.session, now=now)
    for listing_id in listing_ids:
        with svc.uow() as uow:
            locked = uow.session.scalar(
                select(Listing).where(Listing.id == listing_id).with_for_update()
            )
            if locked is not None:
                search_index.reindex(uow.session, listing_id, now=now)
                uow.commit()
    return len(listing_ids)


def calendar(svc: Services, listing_id: uuid.UUID, span: StayRange) -> list[NightStatus]:
    """A published listing's nights: available, or closed with the reasons (public)."""
    check_edit_range(span)
    with svc.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.status != "published":
            raise NotFound(f"listing {listing_id} not found")
        rules = repository.load_rules(uow.session, listing.id, max_guests=None)
    today = local_date(svc.clock.now(), listing.time_zone)
    one_night = replace(  # judge each night alone: stay-length and arrival rules don't apply
        rules,
        min_nights=1,
        max_nights=None,
        seasonal_limits=(),
        check_in_weekdays=None,
        check_out_weekdays=None,
    )
    statuses = []
    for night in span.each_night():
        problems = check_stay(one_night, StayRange.of_night(night), today=today, party=1)
        reasons = tuple(p.reason.value for p in problems if p.reason in NIGHT_RULES)
        statuses.append(NightStatus(night, not reasons, reasons))
    return statuses


def _write(row: AvailabilitySettings, settings: Settings) -> None:
    row.bookable, row.open_dates_only = settings.bookable, settings.open_dates_only
    row.closed_weekdays = sorted(settings.closed_weekdays)
    row.closed_yearly = sorted(f"{m:02d}-{d:02d}" for m, d in settings.closed_yearly)
    row.check_in_weekdays = (
        None if settings.check_in_weekdays is None else sorted(settings.check_in_weekdays)
    )
    row.check_out_weekdays = (
        None if settings.check_out_weekdays is None else sorted(settings.check_out_weekdays)
    )
    row.min_nights, row.max_nights = settings.min_nights, settings.max_nights
    row.advance_days, row.min_notice_days = settings.advance_days, settings.min_notice_days
    row.turnover_days = settings.turnover_days
    row.instant_book, row.response_hours = settings.instant_book, settings.response_hours


def _check(settings: Settings) -> None:
    problems = {}
    if settings.max_nights is not None and settings.max_nights < settings.min_nights:
        problems["max_nights"] = "must not be less than min_nights"
    for index, limit in enumerate(settings.seasonal_limits):
        if limit.max_nights is not None and limit.max_nights < limit.min_nights:
            problems[f"seasonal_limits.{index}.max_nights"] = "must not be less than min_nights"
    for month, day in settings.closed_yearly:
        if not _real_day(month, day):
            problems["closed_yearly"] = f"{month:02d}-{day:02d} is not a day of the year"
    if problems:
        raise InvalidInput.for_fields(problems)


def _real_day(month: int, day: int) -> bool:
    try:
        date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        return False
    return True


def set_capacity(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    span: StayRange,
    capacity: int | None,
) -> None:
    """Set an experience's capacity for every day of ``span`` (None restores the default)."""
    with _experience_edit(svc, actor, organization_id, listing_id, span, "capacity_set") as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.kind is not ListingKind.EXPERIENCE:
            raise InvalidInput.for_field("kind", "day capacity is for experiences")
        nights = list(span.each_night())
        default = listing.capacity or 0
        repository.set_day_capacity(uow.session, listing_id, nights, capacity, default=default)


def add_slots(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    span: StayRange,
    times: list[repository.SlotTimes],
    *,
    weekdays: frozenset[int] | None = None,
) -> None:
    """Create (or resize) the same sessions on every day of ``span``, or on ``weekdays``."""
    if len({t.starts_at for t in times}) != len(times):
        raise InvalidInput.for_field("times", "two sessions start at the same time")
    for index, slot in enumerate(times):
        if slot.ends_at <= slot.starts_at:
            raise InvalidInput.for_field(f"times.{index}.ends_at", "must be after starts_at")
    days = [d for d in span.each_night() if weekdays is None or d.weekday() in weekdays]
    with _experience_edit(svc, actor, organization_id, listing_id, span, "slots_added") as uow:
        repository.upsert_slots(uow.session, listing_id, days, times)


def clear_slots(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    span: StayRange,
) -> None:
    with _experience_edit(svc, actor, organization_id, listing_id, span, "slots_cleared") as uow:
        repository.clear_slots(uow.session, listing_id, span)


def list_slots(svc: Services, listing_id: uuid.UUID, span: StayRange) -> list[TimeSlot]:
    """A published experience's sessions in ``span``, with capacity and places booked."""
    check_edit_range(span)
    with svc.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.status != "published":
            raise NotFound(f"listing {listing_id} not found")
        return repository.slots_between(uow.session, listing_id, span)


@contextlib.contextmanager
def _experience_edit(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    span: StayRange,
    action: str,
) -> Iterator[UnitOfWork]:
    """One locked, audited, reindexed transaction for an experience's inventory edit."""
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    check_edit_range(span)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        if listing.kind is ListingKind.STAY:
            raise InvalidInput.for_field(
                "kind", "sessions are for experiences, and viewing slots for leases"
            )
        yield uow
        search_index.reindex(uow.session, listing.id, now=now)
        edit = {"from": str(span.check_in), "to": str(span.check_out)}
        change = Change(
            "listing", listing.id, action, scope.actor.user_id, organization_id, changes=edit
        )
        record(uow.session, change, at=now)
        uow.commit()
