"""Who may do what: roles, permissions, password and login-throttling rules. Pure values."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from innkeeper.core.errors import InvalidInput


class PlatformRole(StrEnum):
    """Roles beyond "guest", which every user is."""

    ADMIN = "admin"  # runs the platform: fee rules, support, every organization
    LOCAL_EXPERT = "local_expert"  # refines guests' trips
    PERSONAL_ASSISTANT = "personal_assistant"  # an expert who may book on a guest's behalf


class MemberRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


class OrganizationKind(StrEnum):
    HOST = "host"
    PROVIDER = "provider"
    PROPERTY_MANAGER = "property_manager"


class Permission(StrEnum):
    VIEW_ORGANIZATION = "view_organization"
    EDIT_ORGANIZATION = "edit_organization"
    MANAGE_MEMBERS = "manage_members"
    VIEW_LISTINGS = "view_listings"
    EDIT_LISTINGS = "edit_listings"
    VIEW_BOOKINGS = "view_bookings"
    FRONT_DESK = "front_desk"  # check guests in and out, mark no-shows
    MANAGE_BOOKINGS = "manage_bookings"  # accept, decline, counter-offer, modify, cancel


ROLE_PERMISSIONS: Final[Mapping[MemberRole, frozenset[Permission]]] = {
    MemberRole.STAFF: frozenset(
        {
            Permission.VIEW_ORGANIZATION,
            Permission.VIEW_LISTINGS,
            Permission.VIEW_BOOKINGS,
            Permission.FRONT_DESK,
        }
    ),
    MemberRole.MANAGER: frozenset(
        {
            Permission.VIEW_ORGANIZATION,
            Permission.VIEW_LISTINGS,
            Permission.EDIT_LISTINGS,
            Permission.VIEW_BOOKINGS,
            Permission.FRONT_DESK,
            Permission.MANAGE_BOOKINGS,
        }
    ),
    MemberRole.OWNER: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller, as every service sees it."""

    user_id: uuid.UUID
    roles: frozenset[PlatformRole] = frozenset()
    memberships: Mapping[uuid.UUID, MemberRole] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return PlatformRole.ADMIN in self.roles

    def may(self, organization_id: uuid.UUID, permission: Permission) -> bool:
        if self.is_admin:
            return True
        role = self.memberships.get(organization_id)
        return role is not None and permission in ROLE_PERMISSIONS[role]


# Passwords: length is what matters (NIST SP 800-63B); no composition rules.
PASSWORD_MIN_LENGTH: Final = 10
PASSWORD_MAX_LENGTH: Final = 256
PHONE_E164: Final = re.compile(r"^\+[1-9][0-9]{6,14}$")


def check_password(password: str, *, email: str, field_name: str = "password") -> None:
    """Refuse passwords that are too short, absurdly long, or the email address itself."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput.for_field(
            field_name, f"must be at least {PASSWORD_MIN_LENGTH} characters"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput.for_field(
            field_name, f"must be at most {PASSWORD_MAX_LENGTH} characters"
        )
    if password.strip().lower() == email.strip().lower():
        raise InvalidInput.for_field(field_name, "must not be your email address")


def normalize_email(email: str) -> str:
    """One spelling per mailbox: trimmed and lower-cased (the column is citext as well)."""
    return email.strip().lower()


def normalize_phone(phone: str | None) -> str | None:
    """E.164 (``+971501234567``); spaces, dashes and brackets are dropped first."""
    if phone is None or not phone.strip():
        return None
    compact = re.sub(r"[\s\-().]", "", phone)
    if not PHONE_E164.match(compact):
        raise InvalidInput.for_field("phone", "must be an international number like +971501234567")
    return compact


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """Failed logins allowed per email and per client address within a sliding window."""

    window: timedelta
    max_failures_per_email: int
    max_failures_per_ip: int


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failures inside the window, and the oldest of them (which leaves the window first)."""

    count: int
    oldest_at: datetime | None


def seconds_until_allowed(
    throttle: LoginThrottle, now: datetime, by_email: RecentFailures, by_ip: RecentFailures
) -> int | None:
    """None when a login may be tried now; otherwise how long until the oldest failure ages out.

    Throttling by email stops guessing one account's password; by address, spraying many.
    """
    waits = [
        _wait(throttle.window, now, failures)
        for failures, limit in (
            (by_email, throttle.max_failures_per_email),
            (by_ip, throttle.max_failures_per_ip),
        )
        if failures.count >= limit
    ]
    return max(waits) if waits else None


def _wait(window: timedelta, now: datetime, failures: RecentFailures) -> int:
    assert failures.oldest_at is not None
    remaining = failures.oldest_at + window - now
    return max(1, int(remaining.total_seconds()) + 1)
