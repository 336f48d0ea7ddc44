"""Read-only projections for admin screens and the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from innkeeper.accounts.domain import PlatformRole
from innkeeper.accounts.models import Organization, User, UserRole
from innkeeper.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class UserWithRoles:
    user: User
    roles: list[PlatformRole]


def users(
    uow: UnitOfWork,
    *,
    email_contains: str | None,
    role: PlatformRole | None,
    limit: int,
    offset: int,
) -> tuple[list[UserWithRoles], int]:
    query = select(User)
    if email_contains:
        query = query.where(User.email.contains(email_contains, autoescape=True))
    if role is not None:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(uow.session.scalars(query.order_by(User.email).limit(limit).offset(offset)))
    roles: dict[object, list[PlatformRole]] = defaultdict(list)
    for user_id, user_role in uow.session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_([u.id for u in rows]))
    ):
        roles[user_id].append(PlatformRole(user_role))
    return [UserWithRoles(user, sorted(roles[user.id])) for user in rows], total


def organizations(
    uow: UnitOfWork, *, name_contains: str | None, limit: int, offset: int
) -> tuple[list[Organization], int]:
    query = select(Organization)
    if name_contains:
        query = query.where(Organization.name.icontains(name_contains, autoescape=True))
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(query.order_by(Organization.name).limit(limit).offset(offset))
    return list(rows), total
