"""Accounts on PostgreSQL: sign-up, sessions, tokens, throttling, password changes, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from innkeeper.accounts import service
from innkeeper.accounts.domain import PlatformRole
from innkeeper.accounts.models import AuthSession, LoginAttempt, User
from innkeeper.accounts.repository import EmailTaken
from innkeeper.audit.models import AuditEntry
from innkeeper.core.clock import FixedClock
from innkeeper.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from innkeeper.services import Services
from tests.builders import PASSWORD, actor_for, make_user


def _count(services: Services, model: type) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_sign_up_normalizes_email_and_opens_a_session(services: Services) -> None:
    issued = service.sign_up(
        services, service.SignUp(" Amira@Example.COM ", PASSWORD, "Amira", "+971 50 123 4567")
    )
    assert issued.user.email == "amira@example.com"
    assert issued.user.phone == "+971501234567"
    assert issued.secret.startswith("iks_")
    authenticated = service.authenticate_session(services, issued.secret)
    assert authenticated.actor.user_id == issued.user.id
    with services.uow() as uow:
        stored = uow.session.scalars(select(AuthSession.token_hash)).one()
    assert issued.secret.encode() not in stored  # only a digest is kept


def test_the_same_email_in_another_case_is_taken(services: Services) -> None:
    make_user(services, email="amira@example.com")
    with pytest.raises(EmailTaken):
        service.sign_up(services, service.SignUp("AMIRA@example.com", PASSWORD, "Other"))
    assert _count(services, User) == 1


def test_the_database_refuses_duplicate_emails_even_without_the_service(services: Services) -> None:
    make_user(services, email="amira@example.com")
    with pytest.raises(EmailTaken), services.uow() as uow:
        service.create_user(
            uow,
            services,
            service.SignUp("Amira@Example.com", PASSWORD, "x"),
            email="Amira@Example.com",
            password_hash="x",
        )


def test_weak_password_refused_and_nothing_written(services: Services) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.sign_up(services, service.SignUp("a@example.com", "short", "A"))
    assert refused.value.fields[0].field == "password"
    assert _count(services, User) == 0


def test_log_in_and_out(services: Services) -> None:
    user = make_user(services, email="host@example.com")
    issued = service.log_in(services, "HOST@example.com", PASSWORD, ip_address="10.0.0.1")
    assert issued.user.id == user.id
    service.log_out(services, issued.secret)
    with pytest.raises(Unauthenticated):
        service.authenticate_session(services, issued.secret)


def test_wrong_password_and_unknown_email_get_the_same_answer(services: Services) -> None:
    make_user(services, email="host@example.com")
    with pytest.raises(service.InvalidCredentials) as wrong:
        service.log_in(services, "host@example.com", "not the password", ip_address=None)
    with pytest.raises(service.InvalidCredentials) as unknown:
        service.log_in(services, "nobody@example.com", "not the password", ip_address=None)
    assert wrong.value.message == unknown.value.message


def test_five_failures_lock_the_email_until_the_window_passes(
    services: Services, clock: FixedClock
) -> None:
    make_user(services, email="host@example.com")
    for _ in range(5):
        with pytest.raises(service.InvalidCredentials):
            service.log_in(services, "host@example.com", "wrong password", ip_address="10.0.0.2")
    with pytest.raises(TooManyRequests) as throttled:
        service.log_in(services, "host@example.com", PASSWORD, ip_address="10.0.0.3")
    assert throttled.value.retry_after_seconds == 15 * 60 + 1
    clock.advance(minutes=15, seconds=1)
    assert service.log_in(services, "host@example.com", PASSWORD, ip_address="10.0.0.3").user


def test_sessions_expire(services: Services, clock: FixedClock) -> None:
    make_user(services, email="host@example.com")
    issued = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    clock.advance(days=services.settings.session_days, seconds=1)
    with pytest.raises(Unauthenticated, match="expired"):
        service.authenticate_session(services, issued.secret)


def test_api_tokens_authenticate_until_revoked_or_expired(
    services: Services, clock: FixedClock
) -> None:
    user = make_user(services, email="host@example.com")
    forever = service.create_api_token(
        services, "host@example.com", PASSWORD, name="ci", expires_in_days=None, ip_address=None
    )
    weekly = service.create_api_token(
        services, "host@example.com", PASSWORD, name="w", expires_in_days=7, ip_address=None
    )
    assert service.authenticate_token(services, forever.secret).actor.user_id == user.id
    clock.advance(days=8)
    with pytest.raises(Unauthenticated, match="expired"):
        service.authenticate_token(services, weekly.secret)
    actor = actor_for(services, user)
    service.revoke_api_token(services, actor, forever.token.id)
    with pytest.raises(Unauthenticated):
        service.authenticate_token(services, forever.secret)
    assert service.list_api_tokens(services, actor) == [] or all(
        t.id != forever.token.id for t in service.list_api_tokens(services, actor)
    )


def test_a_token_cannot_be_revoked_by_someone_else(services: Services) -> None:
    make_user(services, email="host@example.com")
    other = make_user(services, email="other@example.com")
    token = service.create_api_token(
        services, "host@example.com", PASSWORD, name="ci", expires_in_days=None, ip_address=None
    )
    with pytest.raises(NotFound):
        service.revoke_api_token(services, actor_for(services, other), token.token.id)


def test_password_change_signs_out_other_sessions(services: Services) -> None:
    user = make_user(services, email="host@example.com")
    here = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    elsewhere = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    keep = service.authenticate_session(services, here.secret).session_id
    service.change_password(
        services, actor_for(services, user), PASSWORD, "a brand new passphrase", keep_session=keep
    )
    assert service.authenticate_session(services, here.secret)
    with pytest.raises(Unauthenticated):
        service.authenticate_session(services, elsewhere.secret)
    assert service.log_in(services, "host@example.com", "a brand new passphrase", ip_address=None)


def test_password_change_needs_the_current_password(services: Services) -> None:
    user = make_user(services, email="host@example.com")
    with pytest.raises(InvalidInput) as refused:
        service.change_password(
            services,
            actor_for(services, user),
            "wrong one!!",
            "a brand new passphrase",
            keep_session=None,
        )
    assert refused.value.fields[0].field == "current_password"


def test_deactivated_users_cannot_log_in_or_use_sessions(services: Services) -> None:
    user = make_user(services, email="host@example.com")
    issued = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    with services.uow() as uow:
        uow.session.get(User, user.id).is_active = False  # type: ignore[union-attr]
        uow.commit()
    with pytest.raises(Unauthenticated):
        service.authenticate_session(services, issued.secret)
    with pytest.raises(service.InvalidCredentials):
        service.log_in(services, "host@example.com", PASSWORD, ip_address=None)


def test_admins_grant_and_revoke_roles_with_an_audit_trail(services: Services) -> None:
    admin = make_user(services, roles=(PlatformRole.ADMIN,))
    expert = make_user(services)
    admin_actor = actor_for(services, admin)
    service.grant_role(services, admin_actor, expert.id, PlatformRole.LOCAL_EXPERT)
    service.grant_role(services, admin_actor, expert.id, PlatformRole.LOCAL_EXPERT)  # idempotent
    assert actor_for(services, expert).roles == {PlatformRole.LOCAL_EXPERT}
    service.revoke_role(services, admin_actor, expert.id, PlatformRole.LOCAL_EXPERT)
    assert actor_for(services, expert).roles == set()
    with services.uow() as uow:
        actions = list(
            uow.session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_id == str(expert.id))
            )
        )
    assert actions.count("role_granted") == 1
    assert actions.count("role_revoked") == 1


def test_only_admins_manage_roles_and_not_their_own_admin_role(services: Services) -> None:
    admin = make_user(services, roles=(PlatformRole.ADMIN,))
    guest = make_user(services)
    with pytest.raises(NotFound):
        service.grant_role(services, actor_for(services, guest), guest.id, PlatformRole.ADMIN)
    with pytest.raises(Forbidden):
        service.revoke_role(services, actor_for(services, admin), admin.id, PlatformRole.ADMIN)


def test_purge_removes_dead_credentials_and_old_attempts(
    services: Services, clock: FixedClock
) -> None:
    make_user(services, email="host@example.com")
    live = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    dead = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    service.log_out(services, dead.secret)
    clock.advance(days=2)
    assert service.purge_expired_credentials(services) == 3  # 1 revoked session + 2 attempts
    assert _count(services, LoginAttempt) == 0
    assert service.authenticate_session(services, live.secret)


def test_token_creation_is_audited_with_the_tokens_id(services: Services) -> None:
    make_user(services, email="host@example.com")
    issued = service.create_api_token(
        services, "host@example.com", PASSWORD, name="ci", expires_in_days=None, ip_address=None
    )
    with services.uow() as uow:
        entity_ids = list(
            uow.session.scalars(
                select(AuditEntry.entity_id).where(AuditEntry.entity_type == "api_token")
            )
        )
    assert entity_ids == [str(issued.token.id)]
