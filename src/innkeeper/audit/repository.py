"""Writing and reading audit entries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from innkeeper.audit.models import AuditEntry


@dataclass(frozen=True, slots=True)
class Change:
    """What to record. ``actor_user_id`` None means the system did it (a job, a sweep)."""

    entity_type: str
    entity_id: uuid.UUID | str
    action: str
    actor_user_id: uuid.UUID | None
    organization_id: uuid.UUID | None = None
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def record(session: Session, change: Change, *, at: datetime) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_user_id=change.actor_user_id,
            actor_kind="system" if change.actor_user_id is None else "user",
            organization_id=change.organization_id,
            entity_type=change.entity_type,
            entity_id=str(change.entity_id),
            action=change.action,
            from_state=change.from_state,
            to_state=change.to_state,
            reason=change.reason,
            changes=change.changes,
        )
    )


def search(
    session: Session,
    *,
    entity_type: str | None,
    entity_id: str | None,
    organization_id: uuid.UUID | None,
    limit: int,
    offset: int,
    actor_user_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if entity_type is not None:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if organization_id is not None:
        query = query.where(AuditEntry.organization_id == organization_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total
