"""Organization use cases: create, edit, and manage members (owners only).

An organization always keeps at least one owner; the check runs with the organization row
locked, so two owners demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from innkeeper.accounts import queries, repository
from innkeeper.accounts.domain import (
    Actor,
    MemberRole,
    OrganizationKind,
    Permission,
    normalize_email,
    normalize_phone,
)
from innkeeper.accounts.models import Organization, OrganizationMember, User
from innkeeper.accounts.tenancy import TenantScope, scope_for, scoped
from innkeeper.audit.repository import Change, record
from innkeeper.core.currency import is_supported
from innkeeper.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from innkeeper.core.zones import is_time_zone
from innkeeper.db.uow import UnitOfWork
from innkeeper.services import Services

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class SlugTaken(Conflict):
    code = "slug_taken"


class LastOwner(Conflict):
    code = "last_owner"


class AlreadyMember(Conflict):
    code = "already_member"


@dataclass(frozen=True, slots=True)
class OrganizationDetails:
    name: str
    slug: str
    kind: OrganizationKind
    contact_email: str
    country: str
    default_currency: str
    time_zone: str
    contact_phone: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    user_id: uuid.UUID
    email: str
    name: str
    role: MemberRole


def create_organization(
    svc: Services, actor: Actor | None, details: OrganizationDetails
) -> Organization:
    """Any signed-in user may open an organization and becomes its owner."""
    if actor is None:
        raise Unauthenticated("log in to create an organization")
    _validate(details)
    now = svc.clock.now()
    org = Organization(**_columns(details), created_at=now, updated_at=now)
    with svc.uow() as uow:
        _insert(uow, org)
        uow.session.add(
            OrganizationMember(
                organization_id=org.id, user_id=actor.user_id, role=MemberRole.OWNER, added_at=now
            )
        )
        record(
            uow.session, Change("organization", org.id, "created", actor.user_id, org.id), at=now
        )
        uow.commit()
    return org


def list_my_organizations(svc: Services, actor: Actor) -> list[tuple[Organization, MemberRole]]:
    with svc.uow() as uow:
        rows = uow.session.execute(
            select(Organization, OrganizationMember.role)
            .join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
            .where(OrganizationMember.user_id == actor.user_id)
            .order_by(Organization.name)
        )
        return [(org, MemberRole(role)) for org, role in rows]


def get_organization(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID
) -> Organization:
    scope = scope_for(actor, organization_id, Permission.VIEW_ORGANIZATION)
    with svc.uow() as uow:
        return _load(uow, scope)


def update_organization(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, changes: dict[str, object]
) -> Organization:
    scope = scope_for(actor, organization_id, Permission.EDIT_ORGANIZATION)
    with svc.uow() as uow:
        org = _load(uow, scope, lock=True)
        current = OrganizationDetails(**{k: getattr(org, k) for k in OrganizationDetails.__slots__})
        merged = OrganizationDetails(**{**_asdict(current), **changes})  # type: ignore[arg-type]
        _validate(merged)
        for key, value in _columns(merged).items():
            setattr(org, key, value)
        org.updated_at = svc.clock.now()
        record(
            uow.session,
            Change(
                "organization",
                org.id,
                "updated",
                scope.actor.user_id,
                org.id,
                changes=_jsonable(changes),
            ),
            at=org.updated_at,
        )
        try:
            uow.session.flush()
        except IntegrityError:
            raise SlugTaken(f"the slug {merged.slug!r} is taken") from None
        uow.commit()
    return org


def list_members(svc: Services, actor: Actor | None, organization_id: uuid.UUID) -> list[Member]:
    scope = scope_for(actor, organization_id, Permission.VIEW_ORGANIZATION)
    with svc.uow() as uow:
        return _members(uow, scope)


def add_member(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, email: str, role: MemberRole
) -> Member:
    """Add an existing user by email. Inviting people without an account comes with email."""
    scope = scope_for(actor, organization_id, Permission.MANAGE_MEMBERS)
    now = svc.clock.now()
    with svc.uow() as uow:
        _load(uow, scope, lock=True)
        user = repository.user_by_email(uow.session, normalize_email(email))
        if user is None:
            raise InvalidInput.for_field("email", "no Innkeeper account uses this email address")
        if uow.session.get(OrganizationMember, (organization_id, user.id)) is not None:
            raise AlreadyMember(f"{user.email} is already a member")
        uow.session.add(
            OrganizationMember(
                organization_id=organization_id, user_id=user.id, role=role, added_at=now
            )
        )
        record(
            uow.session,
            Change(
                "organization_member",
                user.id,
                "added",
                scope.actor.user_id,
                organization_id,
                to_state=role,
            ),
            at=now,
        )
        uow.commit()
    return Member(user.id, user.email, user.name, role)


def change_member_role(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    role: MemberRole,
) -> Member:
    scope = scope_for(actor, organization_id, Permission.MANAGE_MEMBERS)
    with svc.uow() as uow:
        _load(uow, scope, lock=True)
        member, user = _member(uow, organization_id, user_id)
        previous = member.role
        if previous is MemberRole.OWNER and role is not MemberRole.OWNER:
            _keep_an_owner(uow, organization_id)
        member.role = role
        record(
            uow.session,
            Change(
                "organization_member",
                user_id,
                "role_changed",
                scope.actor.user_id,
                organization_id,
                from_state=previous,
                to_state=role,
            ),
            at=svc.clock.now(),
        )
        uow.commit()
    return Member(user.id, user.email, user.name, role)


def remove_member(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Owners remove anyone; any member may remove themselves (leave)."""
    leaving = (
        actor is not None and actor.user_id == user_id and organization_id in actor.memberships
    )
    permission = Permission.VIEW_ORGANIZATION if leaving else Permission.MANAGE_MEMBERS
    scope = scope_for(actor, organization_id, permission)
    with svc.uow() as uow:
        _load(uow, scope, lock=True)
        member, _ = _member(uow, organization_id, user_id)
        if member.role is MemberRole.OWNER:
            _keep_an_owner(uow, organization_id)
        uow.session.delete(member)
        record(
            uow.session,
            Change(
                "organization_member",
                user_id,
                "removed",
                scope.actor.user_id,
                organization_id,
                from_state=member.role,
            ),
            at=svc.clock.now(),
        )
        uow.commit()


def _keep_an_owner(uow: UnitOfWork, organization_id: uuid.UUID) -> None:
    owners = uow.session.scalar(
        select(func.count()).where(
            OrganizationMember.organization_id == organization_id,
            OrganizationMember.role == MemberRole.OWNER,
        )
    )
    if (owners or 0) <= 1:
        raise LastOwner("an organization needs at least one owner; add another owner first")


def _member(
    uow: UnitOfWork, organization_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[OrganizationMember, User]:
    member = uow.session.get(OrganizationMember, (organization_id, user_id))
    user = repository.user_by_id(uow.session, user_id)
    if member is None or user is None:
        raise NotFound(f"user {user_id} is not a member of this organization")
    return member, user


def _members(uow: UnitOfWork, scope: TenantScope) -> list[Member]:
    query = select(User.id, User.email, User.name, OrganizationMember.role).join(
        OrganizationMember, OrganizationMember.user_id == User.id
    )
    rows = uow.session.execute(
        scoped(query, OrganizationMember.organization_id, scope).order_by(
            OrganizationMember.role, User.name
        )
    )
    return [Member(uid, email, name, MemberRole(role)) for uid, email, name, role in rows]


def _load(uow: UnitOfWork, scope: TenantScope, *, lock: bool = False) -> Organization:
    """The scoped organization; with ``lock``, also re-check the caller's role under the lock.

    The caller's role was read before this transaction began; an owner demoted a moment
    ago must not manage members once more on the strength of that stale read.
    """
    query = scoped(select(Organization), Organization.id, scope)
    org = uow.session.scalar(query.with_for_update() if lock else query)
    if org is None:
        raise NotFound(f"organization {scope.organization_id} not found")
    if lock and not scope.actor.is_admin:
        member = uow.session.get(OrganizationMember, (org.id, scope.actor.user_id))
        current = {org.id: member.role} if member is not None else {}
        scope_for(replace(scope.actor, memberships=current), org.id, scope.permission)
    return org


def _insert(uow: UnitOfWork, org: Organization) -> None:
    try:
        with uow.session.begin_nested():
            uow.session.add(org)
            uow.session.flush()
    except IntegrityError:
        raise SlugTaken(f"the slug {org.slug!r} is taken") from None


def _validate(details: OrganizationDetails) -> None:
    problems: dict[str, str] = {}
    if not details.name.strip():
        problems["name"] = "must not be blank"
    if not SLUG.match(details.slug) or len(details.slug) > 80:
        problems["slug"] = "must be lowercase letters, digits and single hyphens (at most 80)"
    if not re.fullmatch(r"[A-Z]{2}", details.country):
        problems["country"] = "must be an ISO 3166 alpha-2 code such as AE"
    if not is_supported(details.default_currency):
        problems["default_currency"] = "must be an ISO 4217 currency code such as AED"
    if not is_time_zone(details.time_zone):
        problems["time_zone"] = "must be an IANA time zone such as Asia/Dubai"
    if problems:
        raise InvalidInput.for_fields(problems)


def _columns(details: OrganizationDetails) -> dict[str, object]:
    values = _asdict(details)
    values["name"] = details.name.strip()
    values["contact_email"] = normalize_email(details.contact_email)
    values["contact_phone"] = normalize_phone(details.contact_phone)
    return values


def _asdict(details: OrganizationDetails) -> dict[str, object]:
    return {key: getattr(details, key) for key in OrganizationDetails.__slots__}


def _jsonable(changes: dict[str, object]) -> dict[str, object]:
    return {key: str(value) if value is not None else None for key, value in changes.items()}


def admin_organizations(
    svc: Services, actor: Actor, *, name_contains: str | None, limit: int, offset: int
) -> tuple[list[Organization], int]:
    """Every organization, for platform admins."""
    if not actor.is_admin:
        raise NotFound("not found")
    with svc.uow() as uow:
        return queries.organizations(uow, name_contains=name_contains, limit=limit, offset=offset)
