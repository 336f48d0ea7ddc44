"""Taking a delivery: verify its signature over the raw bytes, store it under its event id,
queue its processing, answer. Nothing here waits on business processing.

The row and its job are written in one transaction, so an acknowledged event is always
both stored and queued. A second copy (a retry, a duplicate, two at once) meets the primary
key, counts as one more delivery and queues nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe
from sqlalchemy import literal_column
from sqlalchemy.dialects.postgresql import insert

from innkeeper.core.errors import DomainError
from innkeeper.db.uow import UnitOfWork
from innkeeper.jobs.names import JobName
from innkeeper.services import Services
from innkeeper.webhooks.domain import EventSource, EventStatus
from innkeeper.webhooks.models import StripeEvent


class BadSignature(DomainError):
    """400: the delivery is not provably from Stripe (or is stale); nothing is stored."""

    code = "invalid_signature"


class NotConfigured(DomainError):
    """503: no signing secret is set, so no delivery can be trusted; Stripe retries."""

    code = "webhooks_not_configured"


@dataclass(frozen=True, slots=True)
class Receipt:
    event_id: str
    type: str
    duplicate: bool


def verify(svc: Services, body: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if ``signature`` is a valid ``Stripe-Signature`` for ``body`` under any of
    the configured secrets and fresh within the tolerance; else ``BadSignature``."""
    secrets = svc.settings.webhook_secrets
    if not secrets:
        raise NotConfigured("STRIPE_WEBHOOK_SECRET is not set: deliveries cannot be verified")
    if not signature:
        raise BadSignature("the Stripe-Signature header is missing")
    tolerance = svc.settings.webhook_tolerance_seconds
    reason = "no signature matches"
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, signature, secret, tolerance)
        except stripe.SignatureVerificationError as error:
            reason = _reason(str(error))
            continue
        return _parse(body)
    raise BadSignature(f"the Stripe-Signature header is not valid: {reason}")


def _reason(message: str) -> str:
    """The SDK's reason, without echoing the header back (it may be anything)."""
    if "tolerance" in message:
        return "the timestamp is older than the tolerance"
    if "expected scheme" in message:
        return "no v1 signature"
    if "Unable to extract" in message:
        return "the header cannot be parsed"
    return "no signature matches the body"


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        raise BadSignature("the body is not JSON") from None
    if not _is_event(event):
        raise BadSignature("the body is not a Stripe event")
    return dict(event)


def _is_event(event: Any) -> bool:
    """The shape every Stripe v1 event has; anything else is refused before it is stored."""
    if not isinstance(event, dict) or event.get("object") != "event":
        return False
    data = event.get("data")
    return (
        isinstance(event.get("id"), str) and 0 < len(event["id"]) <= 80
        and isinstance(event.get("type"), str) and 0 < len(event["type"]) <= 100
        and isinstance(event.get("created"), int) and not isinstance(event["created"], bool)
        and 0 <= event["created"] < 2**40
        and isinstance(data, dict) and isinstance(data.get("object"), dict)
        and isinstance(event.get("account"), str | None)
    )  # fmt: skip


def receive(svc: Services, body: bytes, signature: str | None) -> Receipt:
    """Verify, store once, queue once; the endpoint answers 200 with the receipt."""
    event = verify(svc, body, signature)
    with svc.uow() as uow:
        inserted = store(uow, event, EventSource.DELIVERY, now=svc.clock.now())
        uow.commit()
    return Receipt(str(event["id"]), str(event.get("type", "")), duplicate=not inserted)


def store(uow: UnitOfWork, event: dict[str, Any], source: EventSource, *, now: datetime) -> bool:
    """Insert the event (or count another delivery of it); True when it is new, in which case
    its processing job is queued in the same transaction."""
    obj = (event.get("data") or {}).get("object") or {}
    event_id = str(event["id"])
    values: dict[str, Any] = {
        "id": event_id,
        "type": str(event.get("type", ""))[:100],
        "account": event.get("account") or None,
        "object_type": _text(obj.get("object"), 64),
        "object_id": _text(obj.get("id"), 100),
        "api_version": _text(event.get("api_version"), 40),
        "livemode": bool(event.get("livemode", False)),
        "created": datetime.fromtimestamp(int(event.get("created") or 0), UTC),
        "payload": event,
        "source": source,
        "status": EventStatus.RECEIVED,
        "deliveries": 1 if source is EventSource.DELIVERY else 0,
        "attempts": 0,
        "received_at": now,
    }
    statement = insert(StripeEvent).values(**values)
    if source is EventSource.DELIVERY:
        statement = statement.on_conflict_do_update(
            index_elements=["id"], set_={"deliveries": StripeEvent.deliveries + 1}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["id"])
    # xmax is 0 on a freshly inserted row version, not on an updated one
    new = uow.session.execute(statement.returning(literal_column("xmax = 0"))).scalar()
    if new:
        queue(uow, event_id)
    return bool(new)


def queue(uow: UnitOfWork, event_id: str, *, at: datetime | None = None) -> None:
    """One processing job; its lock keeps two jobs of one event from running at once."""
    uow.defer(
        JobName.PROCESS_STRIPE_EVENT, lock=f"stripe_event:{event_id}", schedule_at=at,
        event_id=event_id,
    )  # fmt: skip


def _text(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]
