"""The transitions that re-price a booking: accepting a request, the host's counter-offer
and the guest's answer, and modifications of dates or party. Each re-quotes on the server
inside the transition's transaction, under the listing lock, so what is checked is what is
allocated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from innkeeper.accounts.domain import Actor
from innkeeper.availability.models import AvailabilitySettings
from innkeeper.bookings import service
from innkeeper.bookings.domain import Event, Role
from innkeeper.bookings.models import Booking, BookingChange
from innkeeper.bookings.policies import deadlines
from innkeeper.bookings.refunds import policy_from_snapshot
from innkeeper.bookings.service import Step
from innkeeper.catalog.domain import ListingKind
from innkeeper.catalog.models import Listing
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from innkeeper.core.money import Money
from innkeeper.db.uow import UnitOfWork
from innkeeper.pricing.models import QuoteRow
from innkeeper.pricing.quotes import (
    QuoteRequest,
    Requote,
    build_quote,
    check_available,
    is_on_request,
)
from innkeeper.services import Services


class PriceRequired(Conflict):
    """A request for a listing without an instant price is answered with a priced offer."""

    code = "price_required"


@dataclass(frozen=True, slots=True)
class NewTerms:
    """Dates and party for a modification or a counter-offer; None keeps the booking's."""

    check_in: date | None = None
    check_out: date | None = None
    guests: int | None = None
    units: int | None = None
    slot_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    terms: NewTerms
    message: str
    price_minor: int | None = None  # the host's price before tax; None: the rate plan's
    hours: int | None = None  # how long the guest has to answer; None: the default


def accept(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Booking:
    """The host accepts a request: re-checked and allocated at once; requests it now
    conflicts with are declined in the same transaction."""

    def prepare(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
        if is_on_request(booking.lines):
            raise PriceRequired("this request has no price yet: answer with an offer and yours")
        _recheck(uow, booking, listing, step)

    return service.transition(svc, actor, booking_id, Event.ACCEPT, prepare=prepare)


def counter_offer(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID, offer: Offer
) -> Booking:
    """The host answers a request with other dates, party or price, and a message."""

    def prepare(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
        if offer.price_minor is None and is_on_request(booking.lines):
            raise InvalidInput.for_field("price_minor", "this request has no price yet: name yours")
        charges = None
        if offer.price_minor is not None:
            charges = Money(offer.price_minor, listing.currency)
        request = _request(booking, offer.terms, listing)
        requote = Requote(booking.id, offered_charges=charges, any_status=True)
        quote = build_quote(uow, None, request, now=step.now, requote=requote)
        quote.guest_user_id = booking.guest_user_id
        booking.offer = {
            "quote_id": str(quote.id),
            "message": offer.message,
            "check_in": quote.check_in.isoformat(),
            "check_out": quote.check_out.isoformat(),
            "guests": quote.guests,
            "units": quote.units,
            "slot_id": None if quote.slot_id is None else str(quote.slot_id),
            "guest_total_minor": quote.guest_total_minor,
            "currency": quote.currency,
        }
        step.reason = offer.message
        step.changes["offer"] = booking.offer
        if offer.hours is not None:
            step.deadline = timedelta(hours=offer.hours)

    return service.transition(svc, actor, booking_id, Event.COUNTER_OFFER, prepare=prepare)


def accept_offer(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Booking:
    """The guest takes the host's offer: its quote becomes the booking's, then allocated."""

    def prepare(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
        offer = booking.offer or {}
        quote = uow.session.get(QuoteRow, uuid.UUID(str(offer.get("quote_id"))))
        if quote is None:
            raise NotFound("the offer's quote is gone")
        service.apply_quote(uow, booking, quote, listing)
        _recheck(uow, booking, listing, step)

    return service.transition(svc, actor, booking_id, Event.ACCEPT_OFFER, prepare=prepare)


def modify(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    terms: NewTerms,
    *,
    reason: str | None = None,
) -> Booking:
    """Change dates or party: re-quote, re-allocate atomically (a failure keeps the old
    allocation: the whole transaction rolls back), and record the price difference."""

    def prepare(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
        settings = uow.session.get(AvailabilitySettings, listing.id)
        if step.role is Role.GUEST and settings is not None and not settings.instant_book:
            raise Forbidden("this host approves changes: ask them, or cancel and request again")
        agreed = uow.session.get(QuoteRow, booking.quote_id)
        hours = agreed.expert_hours if agreed is not None else Decimal(0)
        request = _request(booking, terms, listing, expert_hours=hours)
        if _unchanged(booking, request):
            raise InvalidInput.for_field("check_in", "the booking already has these terms")
        requote = Requote(booking.id, any_status=step.role is not Role.GUEST)
        quote = build_quote(uow, None, request, now=step.now, requote=requote)
        quote.guest_user_id = booking.guest_user_id
        _record_change(uow, booking, listing, quote, step)

    return service.transition(svc, actor, booking_id, Event.MODIFY, reason=reason, prepare=prepare)


def _record_change(
    uow: UnitOfWork, booking: Booking, listing: Listing, quote: QuoteRow, step: Step
) -> None:
    before, old_quote, old_total = _terms(booking), booking.quote_id, booking.guest_total_minor
    policy = booking.cancellation_policy
    service.apply_quote(uow, booking, quote, listing)
    booking.cancellation_policy = _reanchored(policy, booking)  # the same policy, new dates
    difference = booking.guest_total_minor - old_total
    settlement = "due" if difference and booking.paid_minor > 0 else "none"
    if step.actor_user_id is None:
        raise Forbidden("modifications are made by people")
    uow.session.add(
        BookingChange(
            booking_id=booking.id,
            at=step.now,
            actor_user_id=step.actor_user_id,
            before=before,
            after=_terms(booking),
            old_quote_id=old_quote,
            new_quote_id=quote.id,
            difference_minor=difference,
            settlement=settlement,
        )
    )
    step.changes.update(before=before, after=_terms(booking), difference_minor=difference)


def _recheck(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
    """Rules and inventory as they are now (the listing lock is held): clear reasons
    instead of a bare "sold out" when the host blocked the dates meanwhile."""
    request = _request(booking, NewTerms(), listing)
    today = local_date(step.now, listing.time_zone)
    stay = StayRange(booking.check_in, booking.check_out)
    check_available(uow, listing, stay, request, today=today)


def _request(
    booking: Booking, terms: NewTerms, listing: Listing, *, expert_hours: Decimal = Decimal(0)
) -> QuoteRequest:
    check_in = terms.check_in or booking.check_in
    check_out: date | None = None  # an experience is one session on check_in
    slot = None
    if listing.kind is ListingKind.EXPERIENCE:
        moved = terms.check_in not in (None, booking.check_in)
        slot = terms.slot_id or (None if moved else booking.slot_id)  # a new day, a new session
    else:
        check_out = terms.check_out or check_in + (booking.check_out - booking.check_in)
    return QuoteRequest(
        listing_id=booking.listing_id,
        check_in=check_in,
        check_out=check_out,
        guests=terms.guests or booking.guests,
        units=terms.units or booking.units,
        slot_id=slot,
        expert_id=booking.expert_user_id,
        expert_hours=expert_hours,
    )


def _unchanged(booking: Booking, request: QuoteRequest) -> bool:
    return (
        request.check_in == booking.check_in
        and (request.check_out in (None, booking.check_out))
        and request.guests == booking.guests
        and request.units == booking.units
        and request.slot_id == booking.slot_id
    )


def _terms(booking: Booking) -> dict[str, object]:
    return {
        "check_in": booking.check_in.isoformat(),
        "check_out": booking.check_out.isoformat(),
        "guests": booking.guests,
        "units": booking.units,
        "slot_id": None if booking.slot_id is None else str(booking.slot_id),
        "guest_total_minor": booking.guest_total_minor,
    }


def _reanchored(snapshot: dict[str, object], booking: Booking) -> dict[str, object]:
    """The booking keeps the policy it was made under; only its deadlines move with the
    new arrival."""
    policy = policy_from_snapshot(snapshot)
    return {
        **snapshot,
        "deadlines": [
            {"until": d.until.isoformat(), "refund_percent": str(d.percent)}
            for d in deadlines(policy, arrival_at=booking.arrival_at)
        ],
    }
