"""Admin API over the Stripe inbox: list and filter, one event with its payload and
effects, replay one, many, or every event a filter selects. 404 to anyone but an admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from innkeeper.deps import OptionalActor, PagingDep, ServicesDep
from innkeeper.schemas import Page, StrictInput
from innkeeper.webhooks import records, service
from innkeeper.webhooks.domain import EventSource, EventStatus
from innkeeper.webhooks.models import EventEffect, StripeEvent

router = APIRouter(tags=["admin"])
EVENTS = "/admin/webhooks/events"


class EventOut(BaseModel):
    id: str
    type: str
    account: str | None
    object_type: str | None
    object_id: str | None
    booking_id: uuid.UUID | None
    status: EventStatus
    source: EventSource
    deliveries: int
    attempts: int
    last_error: str | None
    created: datetime
    received_at: datetime
    processed_at: datetime | None
    next_attempt_at: datetime | None


class EffectOut(BaseModel):
    attempt: int
    kind: str
    detail: str
    booking_id: uuid.UUID | None
    at: datetime


class EventDetailOut(EventOut):
    payload: dict[str, Any]
    effects: list[EffectOut]


class ReplayIn(StrictInput):
    event_ids: list[str] = Field(default_factory=list, max_length=service.MAX_REPLAY)
    status: EventStatus | None = None  # instead of ids: every event in this status...
    type: str | None = Field(default=None, max_length=100)  # ...and of this type


class ReplayOut(BaseModel):
    queued: list[str]


@router.get(EVENTS, response_model=Page[EventOut])
def list_events(
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    type: str | None = None,
    status: EventStatus | None = None,
    object_id: str | None = None,
    booking_id: uuid.UUID | None = None,
    account: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[EventOut]:
    """Newest first. ``type`` takes an exact type or a prefix with ``*``."""
    filters = service.Filters(type, status, object_id, booking_id, account, since, until)
    page = service.search(services, actor, filters, limit=paging.limit, offset=paging.offset)
    return Page(
        items=[_out(row) for row in page.items],
        total=page.total, limit=page.limit, offset=page.offset,
    )  # fmt: skip


@router.get(EVENTS + "/{event_id}", response_model=EventDetailOut)
def get_event(event_id: str, services: ServicesDep, actor: OptionalActor) -> EventDetailOut:
    """The event as received, and every effect its handler runs reported."""
    found = service.detail(services, actor, event_id)
    return EventDetailOut(
        **_out(found.event).model_dump(),
        payload=found.event.payload,
        effects=[_effect(e) for e in found.effects],
    )


@router.post(EVENTS + "/{event_id}/replay", response_model=ReplayOut)
def replay_event(event_id: str, services: ServicesDep, actor: OptionalActor) -> ReplayOut:
    """Run the event's handler again (from Stripe's current state: nothing happens twice)."""
    return ReplayOut(queued=service.replay(services, actor, [event_id]))


@router.post(EVENTS + "/replay", response_model=ReplayOut)
def replay_events(body: ReplayIn, services: ServicesDep, actor: OptionalActor) -> ReplayOut:
    """Replay the listed events, or, without ids, every event matching ``status``/``type``
    (e.g. every dead event after a fix)."""
    if body.event_ids:
        return ReplayOut(queued=service.replay(services, actor, body.event_ids))
    filters = service.Filters(type=body.type, status=body.status)
    return ReplayOut(queued=service.replay_matching(services, actor, filters))


class ConnectRecordOut(BaseModel):
    stripe_id: str
    stripe_account: str
    kind: str  # external_account or person
    summary: dict[str, Any]  # redacted: never full account numbers or identity data
    deleted: bool
    updated_at: datetime


@router.get("/admin/connect-records", response_model=Page[ConnectRecordOut])
def list_connect_records(
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    stripe_account: str | None = None,
    kind: str | None = None,
    include_deleted: bool = False,
) -> Page[ConnectRecordOut]:
    """Bank accounts and persons of connected accounts, as Stripe's events reported them,
    kept for compliance (redacted)."""
    page = records.search(
        services, actor, stripe_account=stripe_account, kind=kind,
        include_deleted=include_deleted, limit=paging.limit, offset=paging.offset,
    )  # fmt: skip
    return Page(
        items=[ConnectRecordOut.model_validate(row, from_attributes=True) for row in page.items],
        total=page.total, limit=page.limit, offset=page.offset,
    )  # fmt: skip


def _out(row: StripeEvent) -> EventOut:
    return EventOut(
        id=row.id, type=row.type, account=row.account, object_type=row.object_type,
        object_id=row.object_id, booking_id=row.booking_id, status=row.status,
        source=row.source, deliveries=row.deliveries, attempts=row.attempts,
        last_error=row.last_error, created=row.created, received_at=row.received_at,
        processed_at=row.processed_at, next_attempt_at=row.next_attempt_at,
    )  # fmt: skip


def _effect(row: EventEffect) -> EffectOut:
    return EffectOut(
        attempt=row.attempt, kind=row.kind, detail=row.detail, booking_id=row.booking_id,
        at=row.at,
    )  # fmt: skip
