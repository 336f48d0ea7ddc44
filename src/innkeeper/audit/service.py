"""Reading the audit log (admins only); writing happens in every service's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.service import require_admin
from innkeeper.audit import repository
from innkeeper.audit.models import AuditEntry
from innkeeper.services import Services


def search(
    svc: Services,
    actor: Actor,
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
    """Entries newest first; the filters that are given must all match."""
    require_admin(actor)
    with svc.uow() as uow:
        return repository.search(
            uow.session,
            entity_type=entity_type,
            entity_id=entity_id,
            organization_id=organization_id,
            limit=limit,
            offset=offset,
            actor_user_id=actor_user_id,
            action=action,
            since=since,
            until=until,
        )
