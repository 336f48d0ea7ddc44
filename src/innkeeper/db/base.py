"""The declarative base every model inherits, with one naming convention for constraints.

Stable constraint names matter: repositories translate violations into domain errors by
name, and Alembic needs names to drop them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from innkeeper.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: UUID(as_uuid=True)}


class IdMixin:
    """Random UUID primary keys: unguessable, so ids leak neither counts nor neighbours.

    The id is assigned when the object is built, not at flush, so a service can record
    it (audit entries, job arguments) before anything is written.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)

    def __init__(self, **values: Any) -> None:
        values.setdefault("id", uuid.uuid4())
        super().__init__(**values)


class TimestampMixin:
    """Services set both from the injected clock; the server default is only a backstop for
    rows written outside the application. (No ``onupdate``: it would read the database's
    clock, not ours, whenever a service left the value unchanged.)"""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
