"""Account use cases: sign up, log in and out, tokens, profile, platform roles.

Each public function owns its transaction. Login attempts are committed even when the login
fails, since the throttle must count them.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from innkeeper.accounts import queries, repository
from innkeeper.accounts.credentials import (
    API_TOKEN_PREFIX,
    SESSION_TOKEN_PREFIX,
    digest,
    issue_token,
)
from innkeeper.accounts.domain import (
    Actor,
    LoginThrottle,
    PlatformRole,
    check_password,
    normalize_email,
    normalize_phone,
    seconds_until_allowed,
)
from innkeeper.accounts.models import ApiToken, AuthSession, LoginAttempt, User, UserRole
from innkeeper.audit.repository import Change, record
from innkeeper.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from innkeeper.db.uow import UnitOfWork
from innkeeper.services import Services


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


@dataclass(frozen=True, slots=True)
class SignUp:
    email: str
    password: str
    name: str
    phone: str | None = None
    locale: str = "en"
    time_zone: str = "Asia/Dubai"


@dataclass(frozen=True, slots=True)
class IssuedSession:
    user: User
    secret: str  # the cookie value; never stored
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedApiToken:
    token: ApiToken
    secret: str  # shown once


@dataclass(frozen=True, slots=True)
class Authenticated:
    actor: Actor
    session_id: uuid.UUID | None  # None for API tokens
    csrf_token: str | None


def sign_up(svc: Services, cmd: SignUp) -> IssuedSession:
    email = normalize_email(cmd.email)
    check_password(cmd.password, email=email)
    password_hash = svc.passwords.hash(cmd.password)  # slow on purpose: outside the transaction
    with svc.uow() as uow:
        user = create_user(uow, svc, cmd, email=email, password_hash=password_hash)
        issued = _open_session(uow, svc, user)
        uow.commit()
    return issued


def create_user(
    uow: UnitOfWork, svc: Services, cmd: SignUp, *, email: str, password_hash: str
) -> User:
    """Insert a user inside the caller's transaction (sign-up, demo data, admin tools)."""
    now = svc.clock.now()
    user = User(
        email=email,
        name=_required_text(cmd.name, "name", 200),
        phone=normalize_phone(cmd.phone),
        password_hash=password_hash,
        locale=cmd.locale,
        time_zone=cmd.time_zone,
        created_at=now,
        updated_at=now,
    )
    repository.add_user(uow.session, user)
    record(uow.session, Change("user", user.id, "signed_up", user.id), at=now)
    return user


def log_in(svc: Services, email: str, password: str, *, ip_address: str | None) -> IssuedSession:
    user = _check_password_login(svc, email, password, ip_address=ip_address)
    with svc.uow() as uow:
        issued = _open_session(uow, svc, uow.session.merge(user))
        uow.commit()
    return issued


def log_out(svc: Services, session_secret: str) -> None:
    with svc.uow() as uow:
        row = repository.session_by_digest(uow.session, digest(session_secret))
        if row is not None and row.revoked_at is None:
            row.revoked_at = svc.clock.now()
            uow.commit()


def create_api_token(
    svc: Services,
    email: str,
    password: str,
    *,
    name: str,
    expires_in_days: int | None,
    ip_address: str | None,
) -> IssuedApiToken:
    """Exchange a password for a bearer token (scripts, integrations); throttled like login."""
    user = _check_password_login(svc, email, password, ip_address=ip_address)
    now = svc.clock.now()
    issued = issue_token(API_TOKEN_PREFIX)
    token = ApiToken(
        user_id=user.id,
        name=_required_text(name, "name", 100),
        token_hash=issued.digest,
        token_prefix=issued.display_prefix,
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
    )
    with svc.uow() as uow:
        uow.session.add(token)
        record(uow.session, Change("api_token", token.id, "created", user.id), at=now)
        uow.commit()
    return IssuedApiToken(token, issued.secret)


def list_api_tokens(svc: Services, actor: Actor) -> list[ApiToken]:
    with svc.uow() as uow:
        query = (
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at)
        )
        return list(uow.session.scalars(query))


def revoke_api_token(svc: Services, actor: Actor, token_id: uuid.UUID) -> None:
    with svc.uow() as uow:
        token = uow.session.get(ApiToken, token_id)
        if token is None or token.user_id != actor.user_id or token.revoked_at is not None:
            raise NotFound(f"API token {token_id} not found")
        token.revoked_at = svc.clock.now()
        record(
            uow.session,
            Change("api_token", token.id, "revoked", actor.user_id),
            at=token.revoked_at,
        )
        uow.commit()


def authenticate_session(svc: Services, secret: str) -> Authenticated:
    now = svc.clock.now()
    with svc.uow() as uow:
        row = repository.active_session_by_digest(uow.session, digest(secret))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthenticated("the session has expired or was revoked; log in again")
        actor = repository.load_actor(uow.session, row.user_id)
        return Authenticated(actor, row.id, row.csrf_token)


def authenticate_token(svc: Services, secret: str) -> Authenticated:
    now = svc.clock.now()
    with svc.uow() as uow:
        token = repository.active_api_token_by_digest(uow.session, digest(secret))
        if token is None or token.revoked_at is not None:
            raise Unauthenticated("the API token is not valid")
        if token.expires_at is not None and token.expires_at <= now:
            raise Unauthenticated("the API token has expired")
        actor = repository.load_actor(uow.session, token.user_id)
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            token.last_used_at = now  # coarse, so busy clients don't write on every request
            uow.commit()
        return Authenticated(actor, None, None)


def _check_password_login(
    svc: Services, email: str, password: str, *, ip_address: str | None
) -> User:
    """Throttle, verify and record the attempt; raise ``InvalidCredentials`` on any mismatch."""
    email = normalize_email(email)
    now = svc.clock.now()
    _refuse_if_throttled(svc, email, ip_address, now)
    with svc.uow() as uow:
        user = repository.user_by_email(uow.session, email)
    valid = svc.passwords.verify(user.password_hash if user else None, password)
    accepted = valid and user is not None and user.is_active
    upgraded = None  # argon2 parameters changed since this hash: re-hash, outside the transaction
    if accepted and user is not None and svc.passwords.needs_rehash(user.password_hash):
        upgraded = svc.passwords.hash(password)
    with svc.uow() as uow:
        attempt = LoginAttempt(email=email, ip_address=ip_address, succeeded=accepted, at=now)
        uow.session.add(attempt)
        if upgraded is not None and user is not None:
            uow.session.merge(user).password_hash = upgraded
        uow.commit()
    if not accepted or user is None:
        raise InvalidCredentials("the email or password is not correct")
    return user


def _refuse_if_throttled(svc: Services, email: str, ip: str | None, now: datetime) -> None:
    settings = svc.settings
    throttle = LoginThrottle(
        window=timedelta(minutes=settings.login_window_minutes),
        max_failures_per_email=settings.login_max_failures_per_email,
        max_failures_per_ip=settings.login_max_failures_per_ip,
    )
    since = now - throttle.window
    with svc.uow() as uow:
        by_email = repository.recent_failures(
            uow.session, email=email, ip_address=None, since=since
        )
        by_ip = repository.recent_failures(uow.session, email=None, ip_address=ip, since=since)
    wait = seconds_until_allowed(throttle, now, by_email, by_ip)
    if wait is not None:
        raise TooManyRequests(
            f"too many failed logins; try again in {wait} seconds", retry_after_seconds=wait
        )


def _open_session(uow: UnitOfWork, svc: Services, user: User) -> IssuedSession:
    now = svc.clock.now()
    issued = issue_token(SESSION_TOKEN_PREFIX)
    row = AuthSession(
        user_id=user.id,
        token_hash=issued.digest,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(days=svc.settings.session_days),
    )
    uow.session.add(row)
    return IssuedSession(user, issued.secret, row.csrf_token, row.expires_at)


def _required_text(value: str, field: str, max_length: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput.for_field(field, "must not be blank")
    if len(text) > max_length:
        raise InvalidInput.for_field(field, f"must be at most {max_length} characters")
    return text


# --- profile ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    user: User
    roles: list[PlatformRole]
    actor: Actor


def get_profile(svc: Services, actor: Actor) -> Profile:
    with svc.uow() as uow:
        user = repository.user_by_id(uow.session, actor.user_id)
        if user is None:
            raise NotFound("user not found")
        return Profile(user, repository.roles_of(uow.session, actor.user_id), actor)


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    name: str | None = None
    phone: str | None = None
    locale: str | None = None
    time_zone: str | None = None
    clear_phone: bool = False


def update_profile(svc: Services, actor: Actor, changes: ProfileChanges) -> Profile:
    with svc.uow() as uow:
        user = repository.user_by_id(uow.session, actor.user_id)
        if user is None:
            raise NotFound("user not found")
        if changes.name is not None:
            user.name = _required_text(changes.name, "name", 200)
        if changes.phone is not None or changes.clear_phone:
            user.phone = None if changes.clear_phone else normalize_phone(changes.phone)
        if changes.locale is not None:
            user.locale = changes.locale
        if changes.time_zone is not None:
            user.time_zone = changes.time_zone
        user.updated_at = svc.clock.now()
        uow.commit()
    return get_profile(svc, actor)


def change_password(
    svc: Services, actor: Actor, current: str, new: str, *, keep_session: uuid.UUID | None
) -> None:
    """Verify the current password, store the new one and sign out every other session."""
    with svc.uow() as uow:
        user = repository.user_by_id(uow.session, actor.user_id)
    if user is None or not svc.passwords.verify(user.password_hash, current):
        raise InvalidInput.for_field("current_password", "is not correct")
    check_password(new, email=user.email, field_name="new_password")
    new_hash = svc.passwords.hash(new)
    now = svc.clock.now()
    with svc.uow() as uow:
        uow.session.merge(user).password_hash = new_hash
        repository.revoke_sessions(uow.session, user.id, at=now, keep=keep_session)
        record(uow.session, Change("user", user.id, "password_changed", user.id), at=now)
        uow.commit()


# --- platform roles (admin) -----------------------------------------------------------------


def grant_role(svc: Services, actor: Actor, user_id: uuid.UUID, role: PlatformRole) -> None:
    require_admin(actor)
    now = svc.clock.now()
    with svc.uow() as uow:
        if repository.user_by_id(uow.session, user_id) is None:
            raise NotFound(f"user {user_id} not found")
        if uow.session.get(UserRole, (user_id, role)) is None:
            uow.session.add(
                UserRole(user_id=user_id, role=role, granted_at=now, granted_by=actor.user_id)
            )
            record(
                uow.session,
                Change("user", user_id, "role_granted", actor.user_id, to_state=role),
                at=now,
            )
            uow.commit()


def revoke_role(svc: Services, actor: Actor, user_id: uuid.UUID, role: PlatformRole) -> None:
    require_admin(actor)
    if user_id == actor.user_id and role is PlatformRole.ADMIN:
        raise Forbidden("admins cannot remove their own admin role")
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.get(UserRole, (user_id, role))
        if row is None:
            raise NotFound(f"user {user_id} does not have the role {role}")
        uow.session.delete(row)
        record(
            uow.session,
            Change("user", user_id, "role_revoked", actor.user_id, from_state=role),
            at=now,
        )
        uow.commit()


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotFound("not found")  # admin routes do not reveal themselves to others


def purge_expired_credentials(svc: Services) -> int:
    now = svc.clock.now()
    with svc.uow() as uow:
        deleted = repository.purge_credentials(
            uow.session, now=now, attempts_before=now - timedelta(days=1)
        )
        uow.commit()
    return deleted


def admin_users(
    svc: Services,
    actor: Actor,
    *,
    email_contains: str | None,
    role: PlatformRole | None,
    limit: int,
    offset: int,
) -> tuple[list[queries.UserWithRoles], int]:
    require_admin(actor)
    with svc.uow() as uow:
        return queries.users(
            uow, email_contains=email_contains, role=role, limit=limit, offset=offset
        )
