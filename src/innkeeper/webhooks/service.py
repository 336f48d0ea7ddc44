"""The inbox for admins: find events, read one with its effects, replay one or many.

A replay puts an event back to ``received`` with a fresh attempt budget and queues it; the
handler runs again from Stripe's current state, so replaying an applied event changes
nothing, and replaying a dead one is how a fixed bug catches up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.service import require_admin
from innkeeper.audit.repository import Change, record
from innkeeper.core.errors import InvalidInput, NotFound, Unauthenticated
from innkeeper.services import Services
from innkeeper.webhooks import inbox
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect, StripeEvent

MAX_REPLAY = 500


@dataclass(frozen=True, slots=True)
class Filters:
    type: str | None = None  # exact, or a prefix ending in "*" (e.g. "charge.dispute.*")
    status: EventStatus | None = None
    object_id: str | None = None
    booking_id: uuid.UUID | None = None
    account: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    items: Sequence[StripeEvent]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class EventDetail:
    event: StripeEvent
    effects: Sequence[EventEffect]


def search(svc: Services, actor: Actor | None, filters: Filters, *, limit: int, offset: int
           ) -> EventPage:  # fmt: skip
    """Events newest first (by Stripe's creation time), filtered."""
    _admin(actor)
    conditions = _conditions(filters)
    with svc.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(StripeEvent).where(*conditions))
        rows = uow.session.scalars(
            select(StripeEvent)
            .where(*conditions)
            .order_by(StripeEvent.created.desc(), StripeEvent.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return EventPage(rows, int(total or 0), limit, offset)


def detail(svc: Services, actor: Actor | None, event_id: str) -> EventDetail:
    _admin(actor)
    with svc.uow() as uow:
        event = uow.session.get(StripeEvent, event_id)
        if event is None:
            raise NotFound(f"event {event_id} is not in the inbox")
        effects = uow.session.scalars(
            select(EventEffect).where(EventEffect.event_id == event_id).order_by(EventEffect.id)
        ).all()
    return EventDetail(event, effects)


def replay(svc: Services, actor: Actor | None, event_ids: Sequence[str]) -> list[str]:
    """Queue the events again; returns the ids queued (an event being processed right now
    is left to its worker). Unknown ids are refused before anything changes."""
    admin = _admin(actor)
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        raise InvalidInput.for_field("event_ids", "name at least one event")
    if len(ids) > MAX_REPLAY:
        raise InvalidInput.for_field("event_ids", f"at most {MAX_REPLAY} events at once")
    now = svc.clock.now()
    with svc.uow() as uow:
        known = set(uow.session.scalars(select(StripeEvent.id).where(StripeEvent.id.in_(ids))))
        missing = [i for i in ids if i not in known]
        if missing:
            raise InvalidInput.for_field("event_ids", f"not in the inbox: {', '.join(missing[:5])}")
        queued = list(
            uow.session.scalars(
                update(StripeEvent)
                .where(StripeEvent.id.in_(ids), StripeEvent.status != EventStatus.PROCESSING)
                .values(status=EventStatus.RECEIVED, attempts=0, next_attempt_at=None,
                        claimed_until=None)
                .returning(StripeEvent.id)
            )
        )  # fmt: skip
        for event_id in queued:
            inbox.queue(uow, event_id)
        record(
            uow.session,
            Change("stripe_event", "replay", "replayed", admin, None, changes={"events": queued}),
            at=now,
        )
        uow.commit()
    return queued


def replay_matching(svc: Services, actor: Actor | None, filters: Filters) -> list[str]:
    """Replay every event the filters select (at most ``MAX_REPLAY``), e.g. all dead ones."""
    _admin(actor)
    with svc.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(StripeEvent.id)
                .where(*_conditions(filters))
                .order_by(StripeEvent.created)
                .limit(MAX_REPLAY + 1)
            )
        )
    if not ids:
        raise InvalidInput.for_field("filters", "no event matches")
    return replay(svc, actor, ids)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.type:
        if filters.type.endswith("*"):
            conditions.append(StripeEvent.type.startswith(filters.type[:-1], autoescape=True))
        else:
            conditions.append(StripeEvent.type == filters.type)
    if filters.status is not None:
        conditions.append(StripeEvent.status == filters.status)
    if filters.object_id:
        conditions.append(StripeEvent.object_id == filters.object_id)
    if filters.booking_id is not None:
        touched = select(EventEffect.event_id).where(EventEffect.booking_id == filters.booking_id)
        conditions.append(
            or_(StripeEvent.booking_id == filters.booking_id, StripeEvent.id.in_(touched))
        )
    if filters.account:
        conditions.append(StripeEvent.account == filters.account)
    if filters.since is not None:
        conditions.append(StripeEvent.created >= filters.since)
    if filters.until is not None:
        conditions.append(StripeEvent.created < filters.until)
    return conditions


def _admin(actor: Actor | None) -> uuid.UUID:
    if actor is None:
        raise Unauthenticated("log in first")
    require_admin(actor)
    return actor.user_id
