"""Queries and writes for users, credentials and roles; DB errors become domain errors."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor, MemberRole, PlatformRole, RecentFailures
from innkeeper.accounts.models import (
    ApiToken,
    AuthSession,
    LoginAttempt,
    OrganizationMember,
    User,
    UserRole,
)
from innkeeper.core.errors import Conflict


def add_user(session: Session, user: User) -> User:
    """Insert ``user``; the unique citext email makes a duplicate impossible, even in a race."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        if "uq_user_account_email" in str(exc.orig):
            raise EmailTaken(f"an account already exists for {user.email}") from None
        raise
    return user


class EmailTaken(Conflict):
    code = "email_taken"


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def load_actor(session: Session, user_id: uuid.UUID) -> Actor:
    roles = session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    members = session.execute(
        select(OrganizationMember.organization_id, OrganizationMember.role).where(
            OrganizationMember.user_id == user_id
        )
    )
    return Actor(
        user_id=user_id,
        roles=frozenset(roles),
        memberships={org_id: MemberRole(role) for org_id, role in members},
    )


def roles_of(session: Session, user_id: uuid.UUID) -> list[PlatformRole]:
    return sorted(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def recent_failures(
    session: Session, *, email: str | None, ip_address: str | None, since: datetime
) -> RecentFailures:
    if email is None and ip_address is None:
        return RecentFailures(0, None)
    query = select(func.count(), func.min(LoginAttempt.at)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    else:
        query = query.where(LoginAttempt.ip_address == ip_address)
    count, oldest = session.execute(query).one()
    return RecentFailures(count, oldest)


def session_by_digest(session: Session, token_digest: bytes) -> AuthSession | None:
    return session.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest))


def active_session_by_digest(session: Session, token_digest: bytes) -> AuthSession | None:
    """The session, if its user is active: one round trip on every cookie request."""
    return session.scalar(
        select(AuthSession)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == token_digest, User.is_active.is_(True))
    )


def active_api_token_by_digest(session: Session, token_digest: bytes) -> ApiToken | None:
    """The token, if its user is active: one round trip on every API request."""
    return session.scalar(
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest, User.is_active.is_(True))
    )


def revoke_sessions(
    session: Session, user_id: uuid.UUID, *, at: datetime, keep: uuid.UUID | None = None
) -> None:
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    session.execute(query.values(revoked_at=at))


def purge_credentials(session: Session, *, now: datetime, attempts_before: datetime) -> int:
    """Delete sessions and tokens that can never authenticate again, and old login attempts."""
    deleted = 0
    for statement in (
        delete(AuthSession).where(
            (AuthSession.expires_at < now) | AuthSession.revoked_at.is_not(None)
        ),
        delete(ApiToken).where(ApiToken.revoked_at.is_not(None) | (ApiToken.expires_at < now)),
        delete(LoginAttempt).where(LoginAttempt.at < attempts_before),
    ):
        deleted += session.execute(statement).rowcount  # type: ignore[attr-defined]
    return deleted
