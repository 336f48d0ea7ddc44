"""Response shapes shared by every capability's API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus ``total`` matches, for ``limit``/``offset`` paging."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None = None
    fields: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


def _refuse_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL (0x00); refuse it here rather than fail on insert."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    return value  # objects are nested StrictInput models: they check themselves, by path


class StrictInput(BaseModel):
    """Base of every request body: unknown fields refused, text trimmed, NUL refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _no_nul = field_validator("*", mode="before")(_refuse_nul)
