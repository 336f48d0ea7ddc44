"""Running an event's handler: claim, handle, record; on failure retry with back-off, and
after ``webhook_max_attempts`` failures leave it dead for an admin to replay.

A claim is a lease (``claimed_until``), taken in a short transaction, so no transaction is
open while the handler calls Stripe, and a worker that dies mid-event leaves an event that
the next job (or the reconciler) takes over when the lease runs out. Two workers given the
same event (two jobs, a replay while a job runs) cannot both hold it. Retries are ours, not
procrastinate's: the attempt count, the error and the next attempt live on the row, where
the admin API shows them.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
from sqlalchemy import or_, select, update

from innkeeper.services import Services
from innkeeper.webhooks import inbox, registry
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect, StripeEvent
from innkeeper.webhooks.registry import Context

_log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
CLAIMABLE = (EventStatus.RECEIVED, EventStatus.RETRYING)
MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class Claim:
    event_id: str
    attempt: int
    payload: dict[str, Any]


def process(svc: Services, event_id: str) -> EventStatus | None:
    """Handle the event if it is waiting (or its lease ran out); returns its status after."""
    claim = _claim(svc, event_id)
    if claim is None:
        with svc.uow() as uow:
            return uow.session.scalar(select(StripeEvent.status).where(StripeEvent.id == event_id))
    event = stripe.Event.construct_from(claim.payload, None)
    context = Context(svc, event, claim.attempt)
    handler = registry.handler_for(str(event.type))
    try:
        if handler is None:
            context.effect("ignored", f"{event.type} has no handler: stored and acknowledged")
        else:
            handler.fn(context)
    except Exception as error:  # noqa: BLE001 (any failure is recorded and retried)
        return _failed(svc, claim, context, error)
    return _done(svc, claim, context)


def _claim(svc: Services, event_id: str) -> Claim | None:
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.execute(
            update(StripeEvent)
            .where(
                StripeEvent.id == event_id,
                or_(
                    StripeEvent.status.in_(CLAIMABLE),
                    (StripeEvent.status == EventStatus.PROCESSING)
                    & (StripeEvent.claimed_until < now),
                ),
            )
            .values(
                status=EventStatus.PROCESSING,
                attempts=StripeEvent.attempts + 1,
                claimed_until=now + LEASE,
                next_attempt_at=None,
            )
            .returning(StripeEvent.attempts, StripeEvent.payload)
        ).one_or_none()
        uow.commit()
    return None if row is None else Claim(event_id, int(row[0]), dict(row[1]))


def _done(svc: Services, claim: Claim, context: Context) -> EventStatus:
    now = svc.clock.now()
    with svc.uow() as uow:
        if not _still_ours(uow.session, claim):
            return EventStatus.PROCESSED  # a replay took over; its run records its own effects
        _write_effects(uow.session, claim, context, now)
        uow.session.execute(
            update(StripeEvent)
            .where(StripeEvent.id == claim.event_id)
            .values(
                status=EventStatus.PROCESSED, processed_at=now, claimed_until=None,
                last_error=None, booking_id=context.booking_id,
            )
        )  # fmt: skip
        uow.commit()
    return EventStatus.PROCESSED


def _failed(svc: Services, claim: Claim, context: Context, error: Exception) -> EventStatus:
    now = svc.clock.now()
    dead = claim.attempt >= svc.settings.webhook_max_attempts
    status = EventStatus.DEAD if dead else EventStatus.RETRYING
    later = None if dead else now + _backoff(svc, claim.attempt)
    message = describe(error)
    _log.warning(
        "stripe event failed",
        extra={"event_id": claim.event_id, "attempt": claim.attempt, "dead": dead},
    )
    with svc.uow() as uow:
        if not _still_ours(uow.session, claim):
            return EventStatus.PROCESSING
        context.effect("failed", message)
        _write_effects(uow.session, claim, context, now)
        uow.session.execute(
            update(StripeEvent)
            .where(StripeEvent.id == claim.event_id)
            .values(
                status=status, claimed_until=None, last_error=message, next_attempt_at=later,
                booking_id=context.booking_id,
            )
        )  # fmt: skip
        if later is not None:
            inbox.queue(uow, claim.event_id, at=later)
        uow.commit()
    return status


def _backoff(svc: Services, attempt: int) -> timedelta:
    """Doubling from ``webhook_retry_base_seconds``, capped at six hours."""
    seconds = svc.settings.webhook_retry_base_seconds * 2 ** (attempt - 1)
    return timedelta(seconds=min(seconds, 6 * 3600))


def describe(error: Exception) -> str:
    """The error for the admin page: its type, message and where it was raised."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    where = "; ".join(f"{f.name} ({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in frames)
    return f"{type(error).__name__}: {error} [at {where}]"[:MAX_ERROR]


def _still_ours(session: Any, claim: Claim) -> bool:
    row = session.execute(
        select(StripeEvent.status, StripeEvent.attempts)
        .where(StripeEvent.id == claim.event_id)
        .with_for_update()
    ).one()
    return bool(row[0] is EventStatus.PROCESSING and row[1] == claim.attempt)


def _write_effects(session: Any, claim: Claim, context: Context, now: datetime) -> None:
    session.add_all(
        EventEffect(
            event_id=claim.event_id, attempt=claim.attempt, kind=e.kind[:60], detail=e.detail,
            booking_id=e.booking_id, at=now,
        )
        for e in context.effects
    )  # fmt: skip
