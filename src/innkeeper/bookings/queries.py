"""Reading bookings: one booking for anyone related to it, lists for a guest, a host
organization (through the tenancy scope) and admins, the refund preview and the history
of modifications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.accounts.service import require_admin
from innkeeper.accounts.tenancy import scope_for, scoped
from innkeeper.bookings import service
from innkeeper.bookings.domain import TABLE, BookingStatus, Event, Role, ViewingStatus
from innkeeper.bookings.models import Booking, BookingChange, Viewing
from innkeeper.bookings.refunds import Refund
from innkeeper.bookings.roles import may_view, related_roles, roles_of
from innkeeper.core.errors import Forbidden, NotFound, Unauthenticated
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class Seen:
    """A booking as one caller sees it: the row, their roles, and what they may do next."""

    booking: Booking
    roles: list[Role]
    actions: list[Event]


@dataclass(frozen=True, slots=True)
class Filters:
    status: BookingStatus | None = None
    listing_id: uuid.UUID | None = None
    code: str | None = None
    arriving_from: date | None = None
    arriving_to: date | None = None
    organization_id: uuid.UUID | None = None  # admins only
    limit: int = 50
    offset: int = 0
    statuses: tuple[BookingStatus, ...] | None = None  # any of these (with ``status``: both)
    departing_from: date | None = None
    departing_to: date | None = None
    soonest_first: bool = False  # by arrival, soonest first (default: latest first)


def get(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Seen:
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        roles = _roles(actor, booking)
        return Seen(booking, roles, actions(booking.status, roles))


def actions(state: BookingStatus, roles: list[Role]) -> list[Event]:
    """The events the caller could fire now, by the table (timing and permissions are
    checked when they do)."""
    return [
        event
        for (source, event), found in TABLE.items()
        if source is state and any(role in found.roles for role in roles)
    ]


def refund_preview(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID
) -> tuple[Seen, Role, Refund]:
    """What cancelling now would refund, as the caller would cancel (a guest by the policy;
    the host or an admin in full)."""
    seen = get(svc, actor, booking_id)
    role = seen.roles[0]
    return seen, role, service.preview(seen.booking, role=role, at=svc.clock.now())


def roles_for_list(actor: Actor, booking: Booking) -> list[Role]:
    """The caller's roles on a booking they found through a list (so they may see it)."""
    return related_roles(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
    )


def changes(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> list[BookingChange]:
    get(svc, actor, booking_id)
    with svc.uow() as uow:
        query = (
            select(BookingChange)
            .where(BookingChange.booking_id == booking_id)
            .order_by(BookingChange.at)
        )
        return list(uow.session.scalars(query))


def for_guest(svc: Services, actor: Actor | None, filters: Filters) -> tuple[list[Booking], int]:
    if actor is None:
        raise Unauthenticated("log in to see your bookings")
    query = select(Booking).where(Booking.guest_user_id == actor.user_id)
    return _page(svc, _filtered(query, filters), filters)


def for_organization(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, filters: Filters
) -> tuple[list[Booking], int]:
    scope = scope_for(actor, organization_id, Permission.VIEW_BOOKINGS)
    query = scoped(select(Booking), Booking.organization_id, scope)
    return _page(svc, _filtered(query, filters), filters)


def for_admin(svc: Services, actor: Actor | None, filters: Filters) -> tuple[list[Booking], int]:
    if actor is None:
        raise Unauthenticated("log in as an admin")
    require_admin(actor)
    query = select(Booking)
    if filters.organization_id is not None:
        query = query.where(Booking.organization_id == filters.organization_id)
    return _page(svc, _filtered(query, filters), filters)


def _filtered(query: Select[Booking], filters: Filters) -> Select[Booking]:
    if filters.status is not None:
        query = query.where(Booking.status == filters.status)
    if filters.listing_id is not None:
        query = query.where(Booking.listing_id == filters.listing_id)
    if filters.code is not None:
        query = query.where(Booking.code == filters.code.upper())
    if filters.arriving_from is not None:
        query = query.where(Booking.check_in >= filters.arriving_from)
    if filters.arriving_to is not None:
        query = query.where(Booking.check_in < filters.arriving_to)
    if filters.statuses is not None:
        query = query.where(Booking.status.in_(filters.statuses))
    if filters.departing_from is not None:
        query = query.where(Booking.check_out >= filters.departing_from)
    if filters.departing_to is not None:
        query = query.where(Booking.check_out < filters.departing_to)
    return query


def _page(svc: Services, query: Select[Booking], filters: Filters) -> tuple[list[Booking], int]:
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        arrival = Booking.check_in.asc() if filters.soonest_first else Booking.check_in.desc()
        rows = uow.session.scalars(
            query.order_by(arrival, Booking.id).limit(filters.limit).offset(filters.offset)
        )
        return list(rows), total


def _roles(actor: Actor | None, booking: Booking) -> list[Role]:
    if actor is None:
        raise Unauthenticated("log in to see this booking")
    roles = roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking.id}",
    )
    if not may_view(actor, booking.organization_id, roles):
        raise Forbidden("your role may not see bookings")
    return roles


def viewings_for_guest(svc: Services, actor: Actor | None) -> list[Viewing]:
    if actor is None:
        raise Unauthenticated("log in to see your viewings")
    with svc.uow() as uow:
        query = (
            select(Viewing)
            .where(Viewing.guest_user_id == actor.user_id)
            .order_by(Viewing.starts_at.desc())
            .limit(200)
        )
        return list(uow.session.scalars(query))


def viewings_for_organization(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    status: ViewingStatus | None,
) -> list[Viewing]:
    scope = scope_for(actor, organization_id, Permission.VIEW_BOOKINGS)
    with svc.uow() as uow:
        query = scoped(select(Viewing), Viewing.organization_id, scope)
        if status is not None:
            query = query.where(Viewing.status == status)
        return list(uow.session.scalars(query.order_by(Viewing.starts_at).limit(500)))
