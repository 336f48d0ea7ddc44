"""Roles, permissions, password and phone rules, and login throttling."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from innkeeper.accounts.domain import (
    ROLE_PERMISSIONS,
    Actor,
    LoginThrottle,
    MemberRole,
    Permission,
    PlatformRole,
    RecentFailures,
    check_password,
    normalize_email,
    normalize_phone,
    seconds_until_allowed,
)
from innkeeper.core.errors import InvalidInput

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
THROTTLE = LoginThrottle(timedelta(minutes=15), max_failures_per_email=5, max_failures_per_ip=30)
ORG = uuid.uuid4()


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (role, permission, permission in ROLE_PERMISSIONS[role])
        for role in MemberRole
        for permission in Permission
    ],
)
def test_member_permissions_follow_the_table(
    role: MemberRole, permission: Permission, allowed: bool
) -> None:
    actor = Actor(uuid.uuid4(), memberships={ORG: role})
    assert actor.may(ORG, permission) is allowed
    assert actor.may(uuid.uuid4(), permission) is False


def test_roles_are_ordered_owner_manager_staff() -> None:
    owner, manager, staff = (ROLE_PERMISSIONS[r] for r in MemberRole)
    assert staff < manager < owner
    assert Permission.MANAGE_MEMBERS not in manager
    assert Permission.EDIT_LISTINGS not in staff


def test_admin_may_do_anything_anywhere() -> None:
    admin = Actor(uuid.uuid4(), roles=frozenset({PlatformRole.ADMIN}))
    assert all(admin.may(uuid.uuid4(), p) for p in Permission)


@pytest.mark.parametrize(
    ("_case", "password", "message"),
    [
        ("too short", "short", "at least 10"),
        ("too long", "x" * 257, "at most 256"),
        ("is the email", "Guest@Example.com", "email"),
    ],
)
def test_weak_passwords_are_refused(_case: str, password: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        check_password(password, email="guest@example.com")
    assert refused.value.fields[0].field == "password"


def test_long_passphrases_without_symbols_are_fine() -> None:
    check_password("correct horse battery staple", email="guest@example.com")


def test_emails_are_trimmed_and_lowercased() -> None:
    assert normalize_email("  Amira.Khan@Example.COM ") == "amira.khan@example.com"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("+971 50 123 4567", "+971501234567"), ("+1 (415) 555-0100", "+14155550100"), ("", None)],
)
def test_phones_become_e164(raw: str, normalized: str | None) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["0501234567", "+0501234567", "+97150abc", "+12"])
def test_non_e164_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="phone"):
        normalize_phone(raw)


def test_login_allowed_under_the_limits() -> None:
    few = RecentFailures(4, NOW - timedelta(minutes=5))
    assert seconds_until_allowed(THROTTLE, NOW, few, few) is None


def test_fifth_failure_for_an_email_locks_until_the_oldest_ages_out() -> None:
    by_email = RecentFailures(5, NOW - timedelta(minutes=10))
    wait = seconds_until_allowed(THROTTLE, NOW, by_email, RecentFailures(5, by_email.oldest_at))
    assert wait == 5 * 60 + 1


def test_spraying_from_one_address_is_throttled_too() -> None:
    by_ip = RecentFailures(30, NOW - timedelta(minutes=1))
    assert seconds_until_allowed(THROTTLE, NOW, RecentFailures(0, None), by_ip) == 14 * 60 + 1
