"""Who the caller is to a booking: its guest, its expert, a member of its host organization
(with which permission), or an admin. Outsiders learn nothing: ``NotFound``."""

from __future__ import annotations

import uuid

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.bookings.domain import Event, Role, Transition
from innkeeper.core.errors import Forbidden, NotFound, Unauthenticated

# Host-side events a staff member may fire; every other host event needs MANAGE_BOOKINGS.
FRONT_DESK_EVENTS = frozenset({Event.CHECK_IN, Event.CHECK_OUT, Event.NO_SHOW})


def roles_of(
    actor: Actor | None,
    *,
    guest_user_id: uuid.UUID,
    expert_user_id: uuid.UUID | None,
    organization_id: uuid.UUID,
    entity: str,
) -> list[Role]:
    """Every role ``actor`` holds on the booking, most specific first; strangers get
    ``NotFound`` and anonymous callers ``Unauthenticated``."""
    if actor is None:
        raise Unauthenticated(f"log in to see this {entity}")
    roles = related_roles(
        actor,
        guest_user_id=guest_user_id,
        expert_user_id=expert_user_id,
        organization_id=organization_id,
    )
    if not roles:
        raise NotFound(f"{entity} not found")
    return roles


def related_roles(
    actor: Actor,
    *,
    guest_user_id: uuid.UUID,
    expert_user_id: uuid.UUID | None,
    organization_id: uuid.UUID,
) -> list[Role]:
    """The roles ``actor`` holds on a booking or viewing, possibly none."""
    roles = []
    if actor.user_id == guest_user_id:
        roles.append(Role.GUEST)
    if expert_user_id is not None and actor.user_id == expert_user_id:
        roles.append(Role.EXPERT)
    if organization_id in actor.memberships:
        roles.append(Role.HOST)
    if actor.is_admin:
        roles.append(Role.ADMIN)
    return roles


def may_view(actor: Actor, organization_id: uuid.UUID, roles: list[Role]) -> bool:
    """Staff see bookings through VIEW_BOOKINGS; guests, experts and admins see their own."""
    if roles != [Role.HOST]:
        return True
    return actor.may(organization_id, Permission.VIEW_BOOKINGS)


def acting_role(
    actor: Actor,
    organization_id: uuid.UUID,
    roles: list[Role],
    transition: Transition,
) -> Role:
    """The role the caller fires ``transition`` as: the first of theirs the table allows, and
    for a host member, only with the permission the event needs."""
    for role in roles:
        if role not in transition.roles:
            continue
        if role is Role.HOST and not actor.is_admin:
            needed = (
                Permission.FRONT_DESK
                if transition.event in FRONT_DESK_EVENTS
                else Permission.MANAGE_BOOKINGS
            )
            if not actor.may(organization_id, needed):
                member = actor.memberships[organization_id]
                raise Forbidden(f"a {member} may not {transition.event.replace('_', ' ')}")
        return role
    raise Forbidden(f"you may not {transition.event.replace('_', ' ')} this booking")
