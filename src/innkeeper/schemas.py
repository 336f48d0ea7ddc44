"""Response shapes shared by every capability's API."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from innkeeper.core.money import Money

T = TypeVar("T")


def _no_zone(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("must be a local time such as 15:00, without a zone or offset")
    return value


LocalTime = Annotated[time, AfterValidator(_no_zone)]
"""A wall-clock time in the listing's own time zone (check-in, a session's start)."""


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus ``total`` matches, for ``limit``/``offset`` paging."""

    items: list[T]
    total: int
    limit: int
    offset: int


class MoneyOut(BaseModel):
    """An amount as the API shows it: minor units, the currency, and an exact display."""

    amount_minor: int
    currency: str
    formatted: str = Field(description="Exact, in major units: 'AED 75.00'")


def money_out(money: Money) -> MoneyOut:
    return MoneyOut(amount_minor=money.minor, currency=money.currency, formatted=str(money))


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
