"""Quotes: an itemized, stored, expiring price for a listing, dates and party.

Everything is decided in one short transaction from stored rules (rate plan, availability,
fee rules); the guest's client never sends an amount. The stored row is what a booking
will charge, and the database refuses a row whose split does not balance.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from innkeeper.accounts.domain import Actor
from innkeeper.admin.repository import active_fee_rules
from innkeeper.availability import allocation
from innkeeper.availability.allocation import Unavailable
from innkeeper.availability.domain import Occupancy, check_stay
from innkeeper.availability.models import DayCapacity, PlaceAllocation, TimeSlot
from innkeeper.availability.repository import day_supply, load_rules, slots_between
from innkeeper.bookings.policies import CancellationPolicy, deadlines
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.core.money import Money
from innkeeper.db.uow import UnitOfWork
from innkeeper.pricing.domain import Line, Priced, QuoteOnly, offered, price
from innkeeper.pricing.experts import rule_for_quote
from innkeeper.pricing.fees import (
    ExpertFeeKind,
    FeeRule,
    FeeSide,
    Split,
    expert_fee,
    fee_amount,
    schedule,
    select_rule,
    split,
)
from innkeeper.pricing.models import QuoteRow
from innkeeper.pricing.repository import PlanTerms, load_terms, load_terms_many
from innkeeper.services import Services

QUOTE_TTL = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    listing_id: uuid.UUID
    check_in: date
    check_out: date | None = None  # None for an experience: one session on check_in
    guests: int = 1
    units: int = 1
    slot_id: uuid.UUID | None = None  # the session, for experiences that run in sessions
    expert_id: uuid.UUID | None = None  # a local expert arranging this booking
    expert_hours: Decimal = Decimal(0)  # for experts who charge by the hour
    price_on_request: bool = False  # quote-only listings: the host prices the request


@dataclass(frozen=True, slots=True)
class Requote:
    """How a booking re-prices itself (modification, counter-offer): its own inventory does
    not count against it, and a host's counter-offer may name the price."""

    booking_id: uuid.UUID
    offered_charges: Money | None = None  # the host's price before tax; None: the rate plan
    any_status: bool = False  # a host may re-price a listing that is no longer published


def create_quote(svc: Services, actor: Actor | None, request: QuoteRequest) -> QuoteRow:
    now = svc.clock.now()
    with svc.uow() as uow:
        row = build_quote(uow, actor, request, now=now)
        uow.commit()
    return row


def preview_quote(svc: Services, actor: Actor | None, request: QuoteRequest) -> QuoteRow:
    """Priced and checked exactly as ``create_quote``, but not stored: a page that shows
    the price while a guest tries dates must not write a row per look. The guest books
    from a stored quote, made when they choose to book."""
    with svc.uow() as uow:  # never committed: closing the unit of work drops the row
        return build_quote(uow, actor, request, now=svc.clock.now())


def build_quote(
    uow: UnitOfWork,
    actor: Actor | None,
    request: QuoteRequest,
    *,
    now: datetime,
    requote: Requote | None = None,
) -> QuoteRow:
    """Price, check and store a quote inside the caller's transaction (not committed)."""
    listing = _listing(
        uow, request.listing_id, any_status=requote is not None and requote.any_status
    )
    stay, session = _stay_for(listing, request)
    today = local_date(now, listing.time_zone)
    terms = load_terms(
        uow.session, listing, overrides_from=stay.check_in, overrides_to=stay.check_out
    )
    exclude = requote.booking_id if requote else None
    check_available(uow, listing, stay, request, today=today, exclude_booking=exclude)
    nights = list(stay.each_night())
    if request.price_on_request and not terms.plan.quote_only:
        raise InvalidInput.for_field(
            "price_on_request", "this listing has an instant price: leave it out"
        )
    if requote is not None and requote.offered_charges is not None:
        priced = offered(
            terms.plan,
            len(nights),
            charges=requote.offered_charges,
            guests=request.guests,
            units=request.units,
        )
    elif request.price_on_request:
        return _on_request(uow, actor, listing, stay, request, terms, now)
    else:
        try:
            priced = price(
                terms.plan, nights, guests=request.guests, units=request.units, session=session
            )
        except QuoteOnly:
            raise QuoteOnly(
                "this listing has no instant price: ask with price_on_request true, send it "
                "as a request, and the host will answer with an offer"
            ) from None
    expert = _expert_fee(uow, listing, priced, request)
    shares, lines, rules = _fees(uow, listing, priced, expert=expert)
    row = _row(listing, stay, request, priced, shares, lines)
    row.installments = _installments(terms, shares.guest_total, stay.check_in, today)
    row.security_deposit_minor = terms.security_deposit_minor
    row.fee_rules, row.created_at, row.expires_at = rules, now, now + QUOTE_TTL
    row.guest_user_id = actor.user_id if actor else None
    row.slot_id = request.slot_id
    row.expert_user_id, row.expert_hours = request.expert_id, request.expert_hours
    arrival = arrival_at(uow, listing, stay, request.slot_id)
    row.cancellation_policy = policy_snapshot(terms.cancellation, arrival)
    uow.session.add(row)
    uow.flush()
    return row


PRICE_ON_REQUEST = "price_on_request"


def is_on_request(lines: list[dict[str, object]]) -> bool:
    """Whether a stored quote (or booking) still waits for the host to name a price."""
    return any(line.get("code") == PRICE_ON_REQUEST for line in lines)


def _on_request(
    uow: UnitOfWork,
    actor: Actor | None,
    listing: Listing,
    stay: StayRange,
    request: QuoteRequest,
    terms: PlanTerms,
    now: datetime,
) -> QuoteRow:
    """A quote for a listing without an instant price: the dates and party are checked and
    held in a quote worth nothing yet, so a request can be sent; the host's counter-offer
    names the price."""
    zero = Money.zero(listing.currency)
    line = Line(PRICE_ON_REQUEST, "Price on request: the host will make you an offer", zero)
    priced = Priced((line,), zero, zero)
    shares = split(
        host_charges=zero, taxes=zero, guest_service_fee=zero, host_commission=zero,
        expert_fee=zero,
    )  # fmt: skip
    row = _row(listing, stay, request, priced, shares, list(priced.lines))
    row.installments, row.security_deposit_minor = [], terms.security_deposit_minor
    row.fee_rules, row.created_at, row.expires_at = {}, now, now + QUOTE_TTL
    row.guest_user_id = actor.user_id if actor else None
    row.slot_id = request.slot_id
    row.expert_user_id, row.expert_hours = None, Decimal(0)
    arrival = arrival_at(uow, listing, stay, request.slot_id)
    row.cancellation_policy = policy_snapshot(terms.cancellation, arrival)
    uow.session.add(row)
    uow.flush()
    return row


def _row(
    listing: Listing,
    stay: StayRange,
    request: QuoteRequest,
    priced: Priced,
    shares: Split,
    lines: list[Line],
) -> QuoteRow:
    return QuoteRow(
        listing_id=listing.id,
        check_in=stay.check_in,
        check_out=stay.check_out,
        guests=request.guests,
        units=request.units,
        currency=listing.currency,
        lines=[_line_json(line) for line in lines],
        charges_minor=priced.charges.minor,
        taxes_minor=priced.taxes.minor,
        guest_service_fee_minor=shares.guest_service_fee.minor,
        host_commission_minor=shares.host_commission.minor,
        expert_fee_minor=shares.expert_fee.minor,
        guest_total_minor=shares.guest_total.minor,
        host_payout_minor=shares.host_payout.minor,
        platform_fee_minor=shares.platform_fee.minor,
    )


def get_quote(svc: Services, quote_id: uuid.UUID) -> QuoteRow:
    """Quotes are addressed by their unguessable id, like a cart; anyone holding it may read it."""
    with svc.uow() as uow:
        row = uow.session.get(QuoteRow, quote_id)
        if row is None:
            raise NotFound(f"quote {quote_id} not found")
        return row


def _listing(uow: UnitOfWork, listing_id: uuid.UUID, *, any_status: bool = False) -> Listing:
    listing = uow.session.get(Listing, listing_id)
    if listing is None or (not any_status and listing.status is not ListingStatus.PUBLISHED):
        raise NotFound(f"listing {listing_id} not found")
    return listing


def _stay_for(listing: Listing, request: QuoteRequest) -> tuple[StayRange, bool]:
    if listing.kind is ListingKind.LEASE:
        raise QuoteOnly("leases are arranged by request and viewing, not quoted instantly")
    if listing.kind is ListingKind.EXPERIENCE:
        if request.check_out not in (None, request.check_in + timedelta(days=1)):
            raise InvalidInput.for_field("check_out", "leave it out: an experience is one session")
        return StayRange(request.check_in, request.check_in + timedelta(days=1)), True
    if request.check_out is None:
        raise InvalidInput.for_field("check_out", "is required for a stay")
    return StayRange(request.check_in, request.check_out), False


def check_available(
    uow: UnitOfWork,
    listing: Listing,
    stay: StayRange,
    request: QuoteRequest,
    *,
    today: date,
    exclude_booking: uuid.UUID | None = None,
) -> None:
    """Every reason the stay cannot be had, including what bookings already hold. Booking
    re-checks inventory under its locks; this is what the guest sees before."""
    if listing.kind is ListingKind.EXPERIENCE:
        capacity, left = _places(uow, listing, stay, request, exclude_booking)
        # Too large for the session or day at all, or sold out (a day set to 0 is closed, so
        # sold out): never both.
        too_large = 0 < capacity < request.guests
        rules = load_rules(uow.session, listing.id, max_guests=capacity if too_large else None)
        remaining = {} if too_large else {stay.check_in: left}
        occupancy = Occupancy(remaining=remaining)
        problems = check_stay(rules, stay, today=today, party=request.guests, occupancy=occupancy)
    else:
        if request.slot_id is not None:
            raise InvalidInput.for_field("slot_id", "only experiences have sessions")
        limit = None if listing.max_guests is None else listing.max_guests * request.units
        rules = load_rules(uow.session, listing.id, max_guests=limit)
        problems = check_stay(rules, stay, today=today, party=request.guests)
        fitted = allocation.fit(
            uow.session,
            listing.id,
            stay,
            turnover=rules.turnover_days,
            exclude_booking=exclude_booking,
        )
        if request.units > fitted.total:
            raise InvalidInput.for_field("units", f"this listing has {fitted.total} unit(s)")
        problems += allocation.problems(fitted, units=request.units, turnover=rules.turnover_days)
    if problems:
        raise Unavailable(problems)


def _places(
    uow: UnitOfWork,
    listing: Listing,
    stay: StayRange,
    request: QuoteRequest,
    exclude_booking: uuid.UUID | None,
) -> tuple[int, int]:
    """(capacity, places left) of the chosen session on a day with sessions; else the day's.
    A booking being re-priced gets its own places back."""
    day = stay.check_in
    own = _own_places(uow, exclude_booking, day, request.slot_id)
    slots = slots_between(uow.session, listing.id, stay)
    if not slots:
        if request.slot_id is not None:
            raise InvalidInput.for_field("slot_id", f"there are no sessions on {day}")
        default = listing.capacity or 0
        row = uow.session.get(DayCapacity, (listing.id, day))
        capacity = default if row is None or row.inherited else row.capacity
        return capacity, day_supply(uow.session, listing.id, default, stay)[day] + own
    chosen = next((slot for slot in slots if slot.id == request.slot_id), None)
    if chosen is None:
        starts = ", ".join(slot.starts_at.strftime("%H:%M") for slot in slots)
        raise InvalidInput.for_field("slot_id", f"choose one of the sessions on {day}: {starts}")
    return chosen.capacity, chosen.capacity - chosen.booked + own


def _own_places(
    uow: UnitOfWork, booking_id: uuid.UUID | None, day: date, slot_id: uuid.UUID | None
) -> int:
    if booking_id is None:
        return 0
    query = select(func.coalesce(func.sum(PlaceAllocation.places), 0)).where(
        PlaceAllocation.booking_id == booking_id,
        PlaceAllocation.day == day,
        PlaceAllocation.slot_id.is_(None)
        if slot_id is None
        else PlaceAllocation.slot_id == slot_id,
    )
    return int(uow.session.scalar(query) or 0)


def _category(listing: Listing) -> str:
    if listing.kind is ListingKind.STAY:
        return "accommodation"
    return listing.category.value if listing.category is not None else "other"


def guest_totals(
    svc: Services, listing_ids: list[uuid.UUID], stay: StayRange, *, guests: int, units: int
) -> dict[uuid.UUID, Money]:
    """What each listing's quote would total for this stay and party, without storing a
    quote or re-checking availability (search has done that): the numbers a result shows."""
    totals: dict[uuid.UUID, Money] = {}
    nights = list(stay.each_night())
    with svc.uow() as uow:
        rules = active_fee_rules(uow.session)
        listings = list(uow.session.scalars(select(Listing).where(Listing.id.in_(listing_ids))))
        all_terms = load_terms_many(
            uow.session, listings, overrides_from=stay.check_in, overrides_to=stay.check_out
        )
        for listing in listings:
            terms = all_terms[listing.id]
            if terms.plan.quote_only:
                continue
            session = listing.kind is ListingKind.EXPERIENCE
            priced = price(terms.plan, nights, guests=guests, units=units, session=session)
            totals[listing.id] = _fees(uow, listing, priced, rules)[0].guest_total
    return totals


def _fees(
    uow: UnitOfWork,
    listing: Listing,
    priced: Priced,
    rules: list[FeeRule] | None = None,
    expert: Money | None = None,
) -> tuple[Split, list[Line], dict[str, Any]]:
    """Fees on the host's charges before tax; the guest sees the service fee (and any expert
    fee) as lines."""
    rules = active_fee_rules(uow.session) if rules is None else rules
    context = {"provider": str(listing.organization_id), "category": _category(listing)}
    guest_rule = select_rule(rules, side=FeeSide.GUEST, **context)
    host_rule = select_rule(rules, side=FeeSide.HOST, **context)
    guest_fee = fee_amount(guest_rule, priced.charges)
    expert_share = expert if expert is not None else Money.zero(listing.currency)
    shares = split(
        host_charges=priced.charges,
        taxes=priced.taxes,
        guest_service_fee=guest_fee,
        host_commission=fee_amount(host_rule, priced.charges),
        expert_fee=expert_share,
    )
    lines = list(priced.lines)
    if guest_fee.minor:
        lines.append(
            Line(
                "service_fee",
                "Service fee",
                guest_fee,
                1,
                f"fee_rule:{guest_rule.id if guest_rule else ''}",
            )
        )
    if expert_share.minor:
        lines.append(Line("expert_fee", "Local expert's fee", expert_share, 1, "expert_fee_rule"))
    chosen = {
        "guest": guest_rule.id if guest_rule else None,
        "host": host_rule.id if host_rule else None,
    }
    return shares, lines, chosen


def arrival_at(
    uow: UnitOfWork, listing: Listing, stay: StayRange, slot_id: uuid.UUID | None
) -> datetime:
    """When the guest arrives, as an instant: the listing's check-in time (or the session's
    start) on the arrival date, in the listing's own time zone."""
    slot = uow.session.get(TimeSlot, slot_id) if slot_id is not None else None
    local = slot.starts_at if slot is not None else (listing.check_in_time or time(0, 0))
    return datetime.combine(stay.check_in, local, ZoneInfo(listing.time_zone)).astimezone(UTC)


def policy_snapshot(cancellation: CancellationPolicy, arrival_at: datetime) -> dict[str, object]:
    return {
        "kind": cancellation.kind.value,
        "tiers": [
            {"hours_before": t.hours_before, "percent": str(t.percent)} for t in cancellation.tiers
        ],
        "non_refundable": sorted(cancellation.non_refundable),
        "deadlines": [
            {"until": d.until.isoformat(), "refund_percent": str(d.percent)}
            for d in deadlines(cancellation, arrival_at=arrival_at)
        ],
    }


def _expert_fee(
    uow: UnitOfWork, listing: Listing, priced: Priced, request: QuoteRequest
) -> Money | None:
    """The named expert's fee on the host's charges, from the expert's own rule."""
    if request.expert_id is None:
        return None
    rule = rule_for_quote(uow.session, request.expert_id)
    if rule.kind is ExpertFeeKind.HOURLY and request.expert_hours <= 0:
        raise InvalidInput.for_field("expert_hours", "this expert charges by the hour")
    try:
        return expert_fee(rule, priced.charges, hours=request.expert_hours)
    except ValueError:
        message = f"this expert charges in {rule.currency}; the listing is in {listing.currency}"
        raise InvalidInput.for_field("expert_id", message) from None


def _line_json(line: Line) -> dict[str, object]:
    return {
        "code": line.code,
        "label": line.label,
        "amount_minor": line.amount.minor,
        "quantity": line.quantity,
        "rule": line.rule,
    }


def _installments(
    terms: PlanTerms, total: Money, check_in: date, today: date
) -> list[dict[str, object]]:
    return [
        {
            "due": None if i.due is None else i.due.isoformat(),
            "amount_minor": i.amount.minor,
            "label": i.label,
        }
        for i in schedule(terms.deposit, total, check_in=check_in, today=today)
    ]
