"""Viewings for leases: a prospective tenant asks for one of the host's viewing slots; the
host confirms (taking a place on the slot under its ``booked <= capacity`` CHECK) or
declines; either side may cancel; unanswered requests expire when the slot starts or after
the listing's response time, whichever is first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.audit.repository import Change, record
from innkeeper.availability.allocation import Unavailable
from innkeeper.availability.domain import Problem, Reason
from innkeeper.availability.models import AvailabilitySettings, TimeSlot
from innkeeper.bookings import notices
from innkeeper.bookings.domain import (
    Role,
    ViewingEvent,
    ViewingStatus,
    decide_viewing,
)
from innkeeper.bookings.models import Viewing
from innkeeper.bookings.roles import roles_of
from innkeeper.catalog.domain import ListingKind, ListingStatus
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from innkeeper.services import Services


class AlreadyRequested(Conflict):
    code = "viewing_already_requested"


@dataclass(frozen=True, slots=True)
class ViewingRequest:
    listing_id: uuid.UUID
    slot_id: uuid.UUID
    name: str
    email: str
    phone: str | None = None
    party: int = 1
    message: str = ""


def request(svc: Services, actor: Actor | None, new: ViewingRequest) -> Viewing:
    if actor is None:
        raise Unauthenticated("log in to ask for a viewing")
    now = svc.clock.now()
    with svc.uow() as uow:
        session = uow.session
        listing = session.get(Listing, new.listing_id)
        if listing is None or listing.status is not ListingStatus.PUBLISHED:
            raise NotFound(f"listing {new.listing_id} not found")
        if listing.kind is not ListingKind.LEASE or listing.viewings_enabled is False:
            raise InvalidInput.for_field("listing_id", "this listing does not offer viewings")
        slot = session.get(TimeSlot, new.slot_id)
        if slot is None or slot.listing_id != listing.id:
            raise InvalidInput.for_field("slot_id", "not a viewing slot of this listing")
        zone = ZoneInfo(listing.time_zone)
        starts = datetime.combine(slot.day, slot.starts_at, zone).astimezone(UTC)
        ends = datetime.combine(slot.day, slot.ends_at, zone).astimezone(UTC)
        if starts <= now:
            raise InvalidInput.for_field("slot_id", "this viewing slot has already started")
        if slot.capacity - slot.booked < new.party:
            message = f"fewer than {new.party} places left at this viewing"
            raise Unavailable([Problem(Reason.SOLD_OUT, message, (slot.day,))])
        settings = session.get(AvailabilitySettings, listing.id)
        response = timedelta(hours=settings.response_hours if settings else 24)
        viewing = Viewing(
            listing_id=listing.id,
            organization_id=listing.organization_id,
            slot_id=slot.id,
            guest_user_id=actor.user_id,
            status=ViewingStatus.REQUESTED,
            starts_at=starts,
            ends_at=ends,
            party=new.party,
            contact_name=new.name,
            contact_email=new.email,
            contact_phone=new.phone,
            message=new.message,
            deadline_at=min(now + response, starts),
            created_at=now,
            updated_at=now,
        )
        session.add(viewing)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:
            if "uq_viewing_open_per_guest_slot" in str(exc.orig):
                raise AlreadyRequested("you have already asked for this viewing") from None
            raise
        _audit(uow.session, viewing, None, Role.GUEST, actor.user_id, now, new.message or None)
        notices.announce_viewing(uow, viewing, now=now)
        uow.commit()
    return viewing


def act(
    svc: Services,
    actor: Actor | None,
    viewing_id: uuid.UUID,
    event: ViewingEvent,
    *,
    reason: str | None = None,
    system: bool = False,
) -> Viewing:
    """Confirm, decline, cancel or expire a viewing. Confirming takes a place on the slot;
    cancelling a confirmed viewing gives it back."""
    now = svc.clock.now()
    with svc.uow() as uow:
        session = uow.session
        viewing = session.get(Viewing, viewing_id, with_for_update=True)
        if viewing is None:
            raise NotFound(f"viewing {viewing_id} not found")
        role = Role.SYSTEM if system else _role(actor, viewing, event)
        before = viewing.status
        viewing.status = decide_viewing(viewing.status, event, role)
        viewing.deadline_at, viewing.updated_at = None, now  # answered: nothing waits now
        if viewing.status is ViewingStatus.CONFIRMED:
            _take_place(session, viewing)
        elif before is ViewingStatus.CONFIRMED:
            session.execute(
                update(TimeSlot)
                .where(TimeSlot.id == viewing.slot_id)
                .values(booked=TimeSlot.booked - viewing.party)
            )
        if event is not ViewingEvent.CONFIRM:
            viewing.reason = reason or ("nobody answered in time" if system else event.value)
        user = None if system or actor is None else actor.user_id
        _audit(session, viewing, before, role, user, now, reason)
        notices.announce_viewing(uow, viewing, now=now)
        uow.commit()
    return viewing


def expire_due(svc: Services) -> int:
    now = svc.clock.now()
    with svc.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(Viewing.id).where(
                    Viewing.deadline_at <= now, Viewing.status == ViewingStatus.REQUESTED
                )
            )
        )
    done = 0
    for viewing_id in ids:
        try:
            act(svc, None, viewing_id, ViewingEvent.EXPIRE, system=True)
            done += 1
        except Conflict:
            continue  # answered meanwhile
    return done


def _take_place(session: Session, viewing: Viewing) -> None:
    try:
        with session.begin_nested():
            session.execute(
                update(TimeSlot)
                .where(TimeSlot.id == viewing.slot_id)
                .values(booked=TimeSlot.booked + viewing.party)
            )
    except IntegrityError as exc:
        if "not_oversold" in str(exc.orig):
            full = Problem(Reason.SOLD_OUT, "this viewing slot is full")
            raise Unavailable([full]) from None
        raise


def _role(actor: Actor | None, viewing: Viewing, event: ViewingEvent) -> Role:
    roles = roles_of(
        actor,
        guest_user_id=viewing.guest_user_id,
        expert_user_id=None,
        organization_id=viewing.organization_id,
        entity=f"viewing {viewing.id}",
    )
    assert actor is not None
    if Role.GUEST in roles and event is ViewingEvent.CANCEL:
        return Role.GUEST
    if Role.ADMIN in roles:
        return Role.ADMIN
    if Role.HOST in roles:
        if not actor.may(viewing.organization_id, Permission.MANAGE_BOOKINGS):
            raise Forbidden(f"a {actor.memberships[viewing.organization_id]} may not {event}")
        return Role.HOST
    return roles[0]


def _audit(
    session: Session,
    viewing: Viewing,
    before: ViewingStatus | None,
    role: Role,
    user: uuid.UUID | None,
    at: datetime,
    reason: str | None,
) -> None:
    record(
        session,
        Change(
            entity_type="viewing",
            entity_id=viewing.id,
            action=f"viewing.{viewing.status}",
            actor_user_id=user,
            organization_id=viewing.organization_id,
            from_state=None if before is None else before.value,
            to_state=viewing.status.value,
            reason=reason,
            changes={"role": role.value},
        ),
        at=at,
    )
