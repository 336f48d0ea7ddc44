"""Booking use cases. Each is one transaction that asks the state machine (``domain``) what
an event does, then carries out the transition's effects: inventory, deadline, refund,
audit entry and search index, all committed together or not at all.

Every transition goes through ``_run``, which takes its locks in the order
``bookings.inventory`` documents, so concurrent accepts, bookings, modifications,
cancellations and expiries never deadlock and never double-book.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.models import User
from innkeeper.audit.repository import Change, record
from innkeeper.availability.allocation import Unavailable
from innkeeper.availability.models import AvailabilitySettings
from innkeeper.bookings import inventory, notices
from innkeeper.bookings.domain import (
    TERMINAL,
    BookingSource,
    BookingStatus,
    Deadline,
    Deadlines,
    Effect,
    Event,
    Role,
    Transition,
    confirmation_code,
    decide,
    refund_in_full,
    transition_for,
)
from innkeeper.bookings.models import Booking
from innkeeper.bookings.refunds import Refund, Shares, policy_from_snapshot, refund
from innkeeper.bookings.roles import acting_role, roles_of
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing
from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.errors import Conflict, Forbidden, NotFound, Unauthenticated
from innkeeper.db.uow import UnitOfWork
from innkeeper.jobs.names import JobName
from innkeeper.payments.payees import ready_payee
from innkeeper.pricing.models import QuoteRow
from innkeeper.pricing.quotes import QuoteRequest, arrival_at, check_available, is_on_request
from innkeeper.services import Services
from innkeeper.settings import Settings

# Events whose transitions allocate: they take the listing lock before any booking row.
ALLOCATING = frozenset({Event.ACCEPT, Event.ACCEPT_OFFER, Event.MODIFY})


class QuoteExpired(Conflict):
    code = "quote_expired"


class QuoteUsed(Conflict):
    code = "quote_used"


class TooEarly(Conflict):
    code = "too_early"


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class NewBooking:
    quote_id: uuid.UUID
    contact: Contact
    special_requests: str = ""
    message: str = ""  # to the host, with a request
    source: BookingSource = BookingSource.API
    guest_user_id: uuid.UUID | None = None  # an admin booking for someone else


@dataclass
class Step:
    """What one transition carries: the caller's reason, audit details, a deadline that
    overrides the default, and the waiting requests locked for ``decline_conflicts``."""

    transition: Transition
    role: Role
    actor_user_id: uuid.UUID | None
    now: datetime
    reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    deadline: timedelta | None = None
    candidates: list[Booking] = field(default_factory=list)
    paid_minor: int | None = None  # what payments recorded; None: paid in full (manual)


Prepare = Callable[[UnitOfWork, Booking, Listing, Step], None]


def deadlines(settings: Settings, listing_settings: AvailabilitySettings | None) -> Deadlines:
    response = listing_settings.response_hours if listing_settings is not None else 24
    return Deadlines(
        hold=timedelta(minutes=settings.booking_hold_minutes),
        payment_after_accept=timedelta(hours=settings.booking_payment_hours),
        host_response=timedelta(hours=response),
        offer_response=timedelta(hours=settings.booking_offer_hours),
        payment_grace=timedelta(hours=settings.booking_payment_grace_hours),
    )


def book(svc: Services, actor: Actor | None, new: NewBooking) -> Booking:
    """Book from a stored quote: a hold (instant booking) or a request, by the listing's
    setting. Posting the same quote again returns the same booking: retries are safe (a
    retried hold finds its own allocation and then its booking; a retried request finds
    its booking under the lock)."""
    if actor is None:
        raise Unauthenticated("log in to book")
    now = svc.clock.now()
    with svc.uow() as uow:
        quote = _quote(uow, actor, new)  # a retry finds its booking below, by the quote
        guest_id, role = _guest(uow, actor, new)
        listing = uow.session.get(Listing, quote.listing_id)
        if listing is None or listing.status is not ListingStatus.PUBLISHED:
            raise NotFound(f"listing {quote.listing_id} not found")
        rules = uow.session.get(AvailabilitySettings, listing.id)
        instant = (rules is None or rules.instant_book) and not is_on_request(quote.lines)
        transition = decide(None, Event.BOOK if instant else Event.REQUEST, role)
        if quote.expires_at <= now:
            if (existing := _booked(uow, actor, new, quote)) is not None:
                return existing  # a late retry of a booking that was made in time
            raise QuoteExpired("this quote has expired; ask for a new one")
        # Judged before the lock, so that most losers of a busy date never wait for it;
        # under the lock, allocation checks the inventory again, exactly.
        try:
            check_available(uow, listing, _stay(quote), _request(quote), today=_today(now, listing))
        except Unavailable:
            # Taken by a booking that committed, perhaps one of this very quote: say so.
            if (existing := _booked(uow, actor, new, quote)) is not None:
                return existing
            raise
        if svc.settings.payments_connect_required:
            # A guest must not pay a host who cannot be paid: say what is missing now.
            ready_payee(uow.session, organization_id=listing.organization_id, listing_id=listing.id)
        inventory.lock_listing(uow.session, listing.id)
        # Every booking of a quote is made under this lock: a racing booking of the same
        # quote has committed by now, and this query sees it.
        existing = _booked(uow, actor, new, quote)
        if existing is not None:
            return existing
        booking = _new_booking(uow, quote, listing, new, guest_id=guest_id, by=actor.user_id)
        step = Step(transition, role, actor.user_id, now, reason=new.message or None)
        _carry_out(uow, svc.settings, booking, listing, step)
        uow.commit()
    return booking


def transition(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    event: Event,
    *,
    reason: str | None = None,
    prepare: Prepare | None = None,
) -> Booking:
    """Fire ``event`` on a booking as the caller (guest, host member, expert or admin)."""
    return _run(svc, actor, booking_id, event, reason=reason, prepare=prepare)


def system_transition(
    svc: Services,
    booking_id: uuid.UUID,
    event: Event,
    *,
    reason: str | None = None,
    prepare: Prepare | None = None,
) -> Booking:
    """Fire ``event`` as the engine itself (expiry, completion, payments)."""
    return _run(svc, None, booking_id, event, reason=reason, prepare=prepare, system=True)


def _run(
    svc: Services,
    actor: Actor | None,
    booking_id: uuid.UUID,
    event: Event,
    *,
    reason: str | None,
    prepare: Prepare | None = None,
    system: bool = False,
) -> Booking:
    now = svc.clock.now()
    with svc.uow() as uow:
        session = uow.session
        peek = session.get(Booking, booking_id)
        if peek is None:
            raise NotFound(f"booking {booking_id} not found")
        role = _role(actor, peek, event, system=system)
        if event in ALLOCATING:
            inventory.lock_listing(session, peek.listing_id)
        booking = session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        found = decide(booking.status, event, role)  # it may have moved while we waited
        listing = session.get(Listing, booking.listing_id)
        if listing is None:
            raise NotFound(f"listing {booking.listing_id} not found")
        check_timing(booking, listing, event, now)
        step = Step(found, role, None if system or actor is None else actor.user_id, now, reason)
        if prepare is not None:
            prepare(uow, booking, listing, step)
        if Effect.DECLINE_CONFLICTS in found.effects:
            step.candidates = inventory.lock_waiting_requests(session, booking)
        _carry_out(uow, svc.settings, booking, listing, step)
        uow.commit()
    return booking


def fire_in(
    uow: UnitOfWork,
    settings: Settings,
    booking: Booking,
    event: Event,
    *,
    now: datetime,
    reason: str | None = None,
    paid_minor: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Fire a system ``event`` inside the caller's transaction, for payments, which must
    record money and move the booking atomically. The caller holds the locks in the
    documented order (the listing's first when the event allocates, then the booking row)."""
    found = decide(booking.status, event, Role.SYSTEM)
    listing = uow.session.get(Listing, booking.listing_id)
    if listing is None:
        raise NotFound(f"listing {booking.listing_id} not found")
    step = Step(found, Role.SYSTEM, None, now, reason, changes=dict(changes or {}))
    step.paid_minor = paid_minor
    if Effect.DECLINE_CONFLICTS in found.effects:
        step.candidates = inventory.lock_waiting_requests(uow.session, booking)
    _carry_out(uow, settings, booking, listing, step)


def _role(actor: Actor | None, booking: Booking, event: Event, *, system: bool) -> Role:
    """Who the caller is comes first: strangers learn nothing, not even the state."""
    if system:
        return Role.SYSTEM
    roles = roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking.id}",
    )
    assert actor is not None  # roles_of refuses anonymous callers
    found = transition_for(booking.status, event)
    return acting_role(actor, booking.organization_id, roles, found)


def _carry_out(
    uow: UnitOfWork, settings: Settings, booking: Booking, listing: Listing, step: Step
) -> None:
    """Apply ``step.transition`` to ``booking``: state, deadline, effects, audit, index."""
    session, found, now = uow.session, step.transition, step.now
    before = booking.status if found.source is not None else None
    with session.no_autoflush:  # a new booking is written once its state is complete
        deadline = _deadline(settings, session, booking, step)
    booking.status, booking.deadline_at = found.target, deadline
    booking.updated_at = now
    _stamp(booking, step)
    effects = set(found.effects)
    if Effect.ALLOCATE in effects:
        inventory.allocate(session, booking, listing, replacing=False)
    if Effect.REALLOCATE in effects:
        inventory.allocate(session, booking, listing, replacing=True)
    if Effect.RELEASE in effects:
        inventory.release(session, booking)
    if Effect.MARK_PAID in effects:
        booking.paid_minor = (
            booking.guest_total_minor if step.paid_minor is None else step.paid_minor
        )
    if Effect.REFUND_BY_POLICY in effects:
        outcome = preview(booking, role=step.role, at=now, cancelling=found)
        booking.refund_due_minor = outcome.refund_minor
        step.changes["refund_minor"] = outcome.refund_minor
        step.changes["refund_percent"] = str(outcome.percent)
        if outcome.refund_minor > 0:  # paid by payments.refunds.refund_due, retried by the job
            uow.defer(JobName.REFUND_DUE, lock=f"refund:{booking.id}", booking_id=str(booking.id))
    session.flush()
    if Effect.DECLINE_CONFLICTS in effects:
        _decline_conflicts(uow, booking, listing, step)
    if effects & {Effect.ALLOCATE, Effect.REALLOCATE, Effect.RELEASE}:
        inventory.reindex(session, listing.id, now=now)
    _audit(uow, booking, step, before)
    notices.announce(uow, booking, listing, found.event, before, now=now)


def _deadline(
    settings: Settings, session: Session, booking: Booking, step: Step
) -> datetime | None:
    """When the new state ends by itself: never later than arrival for a request or offer,
    so nobody is left waiting past the date they wanted. Staying in a state (a modified
    hold) keeps its deadline."""
    kind = step.transition.deadline
    if kind is None:
        return None
    if step.transition.source is step.transition.target and booking.deadline_at is not None:
        return booking.deadline_at  # a modification keeps the time the guest had to pay
    duration = step.deadline or deadlines(
        settings, session.get(AvailabilitySettings, booking.listing_id)
    ).of(kind)
    until = step.now + duration
    if kind in (Deadline.HOST_RESPONSE, Deadline.OFFER_RESPONSE) and booking.arrival_at > step.now:
        until = min(until, booking.arrival_at)
    return until


def _stamp(booking: Booking, step: Step) -> None:
    target = step.transition.target
    if target is BookingStatus.CONFIRMED and booking.confirmed_at is None:
        booking.confirmed_at = step.now
    if target is BookingStatus.CHECKED_IN:
        booking.checked_in_at = step.now
    if step.transition.event is Event.CHECK_OUT:
        booking.checked_out_at = step.now
    if target in TERMINAL and target is not BookingStatus.COMPLETED:
        booking.ended_at, booking.ended_by = step.now, step.role
        booking.reason = step.reason or _default_reason(step.transition.event)


def _default_reason(event: Event) -> str:
    return {
        Event.EXPIRE: "nobody answered before the deadline",
        Event.NO_SHOW: "the guest did not arrive",
    }.get(event, event.replace("_", " "))


def _decline_conflicts(uow: UnitOfWork, booking: Booking, listing: Listing, step: Step) -> None:
    """Decline the waiting requests this allocation has made impossible, as the system."""
    decline = decide(BookingStatus.REQUESTED, Event.DECLINE, Role.SYSTEM)
    for other in step.candidates:
        if inventory.still_fits(uow.session, other, listing):
            continue
        found = decline if other.status is BookingStatus.REQUESTED else _offer_declined()
        other_step = Step(
            found, Role.SYSTEM, None, step.now, reason="the dates were booked by another guest"
        )
        before = other.status
        other.status, other.deadline_at, other.updated_at = found.target, None, step.now
        _stamp(other, other_step)
        _audit(uow, other, other_step, before)
        notices.announce(uow, other, listing, Event.DECLINE, before, now=step.now)


def _offer_declined() -> Transition:
    """A counter-offer overtaken by another booking ends as if the host had withdrawn it."""
    found = transition_for(BookingStatus.COUNTER_OFFERED, Event.CANCEL)
    return Transition(found.source, found.event, found.target, frozenset({Role.SYSTEM}))


def _audit(uow: UnitOfWork, booking: Booking, step: Step, before: BookingStatus | None) -> None:
    record(
        uow.session,
        Change(
            entity_type="booking",
            entity_id=booking.id,
            action=f"booking.{step.transition.event}",
            actor_user_id=step.actor_user_id,
            organization_id=booking.organization_id,
            from_state=None if before is None else before.value,
            to_state=booking.status.value,
            reason=step.reason,
            changes={"role": step.role.value, **step.changes},
        ),
        at=step.now,
    )


def preview(
    booking: Booking, *, role: Role, at: datetime, cancelling: Transition | None = None
) -> Refund:
    """What cancelling ``booking`` at ``at`` as ``role`` refunds, and who gives it back."""
    found = cancelling or transition_for(booking.status, Event.CANCEL)
    return refund(
        policy_from_snapshot(booking.cancellation_policy),
        lines=booking.lines,
        shares=Shares(
            guest_total=booking.guest_total_minor,
            host_payout=booking.host_payout_minor,
            platform_fee=booking.platform_fee_minor,
            expert_fee=booking.expert_fee_minor,
        ),
        paid_minor=booking.paid_minor,
        arrival_at=booking.arrival_at,
        cancelled_at=at,
        in_full=refund_in_full(found, role),
    )


def _quote(uow: UnitOfWork, actor: Actor, new: NewBooking) -> QuoteRow:
    quote = uow.session.get(QuoteRow, new.quote_id)
    guest_id = new.guest_user_id or actor.user_id
    if quote is None or quote.guest_user_id not in (None, guest_id, actor.user_id):
        raise NotFound(f"quote {new.quote_id} not found")
    return quote


def _booked(uow: UnitOfWork, actor: Actor, new: NewBooking, quote: QuoteRow) -> Booking | None:
    """The booking already made from ``quote`` by this caller (a retry gets the same answer),
    None if there is none; a booking of it by someone else is ``QuoteUsed``."""
    existing = uow.session.scalar(select(Booking).where(Booking.quote_id == quote.id))
    if existing is None:
        return None
    guest_id = new.guest_user_id or actor.user_id
    if existing.guest_user_id == guest_id and existing.booked_by_user_id == actor.user_id:
        return existing
    raise QuoteUsed("this quote has been booked already; ask for a new quote")


def _guest(uow: UnitOfWork, actor: Actor, new: NewBooking) -> tuple[uuid.UUID, Role]:
    if new.guest_user_id is None or new.guest_user_id == actor.user_id:
        return actor.user_id, Role.GUEST
    if not actor.is_admin:
        raise Forbidden("only an admin may book for another guest")
    if uow.session.get(User, new.guest_user_id) is None:
        raise NotFound(f"user {new.guest_user_id} not found")
    return new.guest_user_id, Role.ADMIN


def _new_booking(
    uow: UnitOfWork,
    quote: QuoteRow,
    listing: Listing,
    new: NewBooking,
    *,
    guest_id: uuid.UUID,
    by: uuid.UUID,
) -> Booking:
    booking = Booking(
        code=confirmation_code(),
        listing_id=listing.id,
        organization_id=listing.organization_id,
        kind=listing.kind,
        status=BookingStatus.REQUESTED,  # replaced by the transition's target
        source=new.source,
        guest_user_id=guest_id,
        booked_by_user_id=by,
        contact_name=new.contact.name,
        contact_email=new.contact.email,
        contact_phone=new.contact.phone,
        special_requests=new.special_requests,
        message=new.message,
        paid_minor=0,
        refund_due_minor=0,
    )
    apply_quote(uow, booking, quote, listing)
    uow.session.add(booking)
    return booking


def apply_quote(uow: UnitOfWork, booking: Booking, quote: QuoteRow, listing: Listing) -> None:
    """Copy what the guest agreed to from ``quote``: dates, party, lines, split, policy."""
    booking.quote_id = quote.id
    booking.check_in, booking.check_out = quote.check_in, quote.check_out
    booking.guests, booking.units, booking.slot_id = quote.guests, quote.units, quote.slot_id
    booking.expert_user_id = quote.expert_user_id
    booking.currency, booking.lines = quote.currency, quote.lines
    booking.guest_total_minor = quote.guest_total_minor
    booking.host_payout_minor = quote.host_payout_minor
    booking.platform_fee_minor = quote.platform_fee_minor
    booking.expert_fee_minor = quote.expert_fee_minor
    booking.installments = quote.installments
    booking.security_deposit_minor = quote.security_deposit_minor
    booking.cancellation_policy = quote.cancellation_policy
    booking.arrival_at = arrival_at(uow, listing, _stay(quote), quote.slot_id)


def _stay(quote: QuoteRow) -> StayRange:
    return StayRange(quote.check_in, quote.check_out)


def _request(quote: QuoteRow) -> QuoteRequest:
    return QuoteRequest(
        listing_id=quote.listing_id,
        check_in=quote.check_in,
        check_out=quote.check_out,
        guests=quote.guests,
        units=quote.units,
        slot_id=quote.slot_id,
    )


def _today(now: datetime, listing: Listing) -> date:
    return local_date(now, listing.time_zone)


def check_timing(booking: Booking, listing: Listing, event: Event, now: datetime) -> None:
    """Check-in from the arrival date, no-show from the arrival time, completion from the
    departure date, all in the listing's own time zone."""
    today = _today(now, listing)
    if event is Event.CHECK_IN and today < booking.check_in:
        raise TooEarly(f"guests check in from {booking.check_in}")
    if event is Event.NO_SHOW and now < booking.arrival_at:
        raise TooEarly(f"a no-show can be recorded from {booking.arrival_at.isoformat()}")
    if event is Event.COMPLETE:
        last = booking.check_in if listing.kind is ListingKind.EXPERIENCE else booking.check_out
        if today < last:
            raise TooEarly(f"the booking runs until {last}")
