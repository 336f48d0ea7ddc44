"""StrEnums stored as readable text, checked by the database."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Enum

E = TypeVar("E", bound=StrEnum)


def str_enum(enum: type[E]) -> Enum:
    """A VARCHAR with a CHECK listing the members' values (never a PostgreSQL ENUM type,
    which cannot lose a value in a transaction)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        name=enum.__name__.lower(),
        validate_strings=True,
    )
