"""People's notification choices: which optional categories each channel carries, and
their quiet hours. Transactional messages have no switch (a CHECK refuses one)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor
from innkeeper.audit.repository import Change, record
from innkeeper.core.errors import InvalidInput, Unauthenticated
from innkeeper.notifications.domain import (
    DEFAULT_QUIET_HOURS,
    OPTIONAL,
    Category,
    Channel,
    Preferences,
    QuietHours,
    wanted,
)
from innkeeper.notifications.models import NotificationPreference, QuietHoursRow
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class Choice:
    channel: Channel
    category: Category
    enabled: bool


@dataclass(frozen=True, slots=True)
class Settings:
    """What a person sees on their settings page: every switch, and the quiet hours."""

    choices: list[Choice]
    quiet_hours: QuietHours | None


def load(session: Session, user_id: uuid.UUID | None) -> Preferences:
    if user_id is None:
        return Preferences()
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).all()
    quiet = session.get(QuietHoursRow, user_id)
    return Preferences(
        opted_out=frozenset((r.channel, r.category) for r in rows if not r.enabled),
        opted_in=frozenset((r.channel, r.category) for r in rows if r.enabled),
        quiet_hours=_quiet(quiet),
    )


def _quiet(row: QuietHoursRow | None) -> QuietHours | None:
    if row is None:
        return DEFAULT_QUIET_HOURS
    if not row.enabled or row.starts_at is None or row.ends_at is None:
        return None
    return QuietHours(row.starts_at, row.ends_at)


def get(svc: Services, actor: Actor | None) -> Settings:
    user_id = me(actor)
    with svc.uow() as uow:
        return _settings(load(uow.session, user_id))


def change(
    svc: Services,
    actor: Actor | None,
    choices: list[Choice],
    quiet_hours: QuietHours | None | bool,
) -> Settings:
    """Apply ``choices``; ``quiet_hours`` is new hours, None to turn them off, or True to
    leave them as they are."""
    user_id = me(actor)
    for number, choice in enumerate(choices):
        if choice.category not in OPTIONAL:
            raise InvalidInput.for_field(
                f"choices.{number}.category",
                "transactional messages (bookings, payments, security) cannot be turned off",
            )
    now = svc.clock.now()
    with svc.uow() as uow:
        for choice in choices:
            _upsert(uow.session, user_id, choice, now)
        if quiet_hours is not True:
            _set_quiet(uow.session, user_id, quiet_hours, now)
        record(
            uow.session,
            Change(
                entity_type="user",
                entity_id=user_id,
                action="notifications.preferences_changed",
                actor_user_id=user_id,
                changes={
                    "choices": [f"{c.channel}:{c.category}={c.enabled}" for c in choices],
                    "quiet_hours": _describe(quiet_hours),
                },
            ),
            at=now,
        )
        uow.commit()
        return _settings(load(uow.session, user_id))


def _upsert(session: Session, user_id: uuid.UUID, choice: Choice, now: datetime) -> None:
    statement = insert(NotificationPreference).values(
        user_id=user_id,
        channel=choice.channel,
        category=choice.category,
        enabled=choice.enabled,
        updated_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "channel", "category"],
            set_={"enabled": choice.enabled, "updated_at": now},
        )
    )


def _set_quiet(
    session: Session, user_id: uuid.UUID, quiet: QuietHours | None | bool, now: datetime
) -> None:
    hours = quiet if isinstance(quiet, QuietHours) else None
    values = {
        "enabled": hours is not None,
        "starts_at": None if hours is None else hours.start,
        "ends_at": None if hours is None else hours.end,
        "updated_at": now,
    }
    statement = insert(QuietHoursRow).values(user_id=user_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


def _settings(prefs: Preferences) -> Settings:
    choices = [
        Choice(channel, category, wanted(prefs, channel, category))
        for channel in Channel
        for category in Category
    ]
    return Settings(choices, prefs.quiet_hours)


def _describe(quiet: QuietHours | None | bool) -> str:
    if quiet is True:
        return "unchanged"
    if isinstance(quiet, QuietHours):
        return f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
    return "off"


def me(actor: Actor | None) -> uuid.UUID:
    """The caller's user id; notifications and settings are always one's own."""
    if actor is None:
        raise Unauthenticated("log in to see your notifications and their settings")
    return actor.user_id
