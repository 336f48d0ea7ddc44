"""Admin API over the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from innkeeper.audit import service
from innkeeper.deps import CurrentActor, PagingDep, ServicesDep
from innkeeper.schemas import Page

router = APIRouter(tags=["admin"])


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_kind: str
    organization_id: uuid.UUID | None
    entity_type: str
    entity_id: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    changes: dict[str, Any]


@router.get("/admin/audit-log", response_model=Page[AuditEntryOut])
def audit_log(
    services: ServicesDep,
    actor: CurrentActor,
    paging: PagingDep,
    entity_type: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    organization_id: uuid.UUID | None = None,
) -> Page[AuditEntryOut]:
    """Every recorded change, newest first: who, what, from, to, why, when."""
    rows, total = service.search(
        services,
        actor,
        entity_type=entity_type,
        entity_id=entity_id,
        organization_id=organization_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [AuditEntryOut.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
