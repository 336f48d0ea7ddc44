"""The one place that decides which organization's rows a caller may touch.

Every host-side use case asks ``scope_for`` first and passes the resulting ``TenantScope``
to its repository, whose queries filter by ``scope.organization_id`` through ``scoped``.
Outsiders get ``NotFound``, not ``Forbidden``: they must not learn that the object exists.
Members whose role lacks the permission get ``Forbidden``: they already know it exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.core.errors import Forbidden, NotFound, Unauthenticated

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class TenantScope:
    """Proof that ``actor`` may act with ``permission`` inside ``organization_id``."""

    actor: Actor
    organization_id: uuid.UUID
    permission: Permission


def scope_for(
    actor: Actor | None, organization_id: uuid.UUID, permission: Permission
) -> TenantScope:
    if actor is None:
        raise Unauthenticated("log in to manage an organization")
    if not actor.is_admin and organization_id not in actor.memberships:
        raise NotFound(f"organization {organization_id} not found")
    if not actor.may(organization_id, permission):
        role = actor.memberships[organization_id]
        raise Forbidden(f"a {role} of this organization may not {permission.replace('_', ' ')}")
    return TenantScope(actor, organization_id, permission)


def scoped(
    query: Query, organization_column: InstrumentedAttribute[uuid.UUID], scope: TenantScope
) -> Query:
    """Restrict ``query`` to the scope's organization; every host-side read goes through here."""
    return query.where(organization_column == scope.organization_id)
