"""What the admin pages share: reading list filters from the query string (with a message
beside each bad one), paging, and the addresses that keep filters across pages."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import QueryParams

from innkeeper.web.forms import FormReader

PAGE_SIZE: Final = 25
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Window:
    """A day range typed as ``from`` and ``to`` (both inclusive), as instants ``[since,
    until)`` in UTC."""

    since: dt.datetime | None
    until: dt.datetime | None


class Filters:
    """The query string of a list page, read like a form: typed values and a message per
    bad field, so a mistyped filter is shown beside its field instead of failing."""

    def __init__(self, request: Request, *, path: str | None = None, query: str | None = None
                 ) -> None:  # fmt: skip
        """The request's own query string, or ``query`` (the list a refused form came from)."""
        params = request.query_params if query is None else QueryParams(query)
        self.reader = FormReader(params)
        self.path = path or request.url.path
        self.offset = self._offset()

    @property
    def errors(self) -> dict[str, str]:
        return self.reader.errors

    @property
    def values(self) -> dict[str, str]:
        return {k: v for k, v in self.reader.values.items() if k != "offset"}

    def text(self, name: str, max_length: int = 200) -> str | None:
        return self.reader.text(name, required=False, max_length=max_length)

    def choice(self, name: str, kind: type[E]) -> E | None:
        value = self.reader.choice(name, [item.value for item in kind], required=False)
        return None if value is None else kind(value)

    def uuid(self, name: str) -> uuid.UUID | None:
        value = self.reader.raw(name)
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.reader.error(name, "is not an id")
            return None

    def flag(self, name: str) -> bool:
        return self.reader.flag(name)

    def window(self, start: str = "from", end: str = "to") -> Window:
        first = self.reader.date(start, required=False)
        last = self.reader.date(end, required=False)
        if first and last and last < first:
            self.reader.error(end, "must not be before the start date")
            return Window(None, None)
        return Window(
            None if first is None else _midnight(first),
            None if last is None else _midnight(last + dt.timedelta(days=1)),
        )

    def base(self) -> str:
        """This page with its filters, for the pager (which adds ``offset``)."""
        return with_query(self.path, self.values)

    def _offset(self) -> int:
        value = self.reader.raw("offset")
        return int(value) if value.isdigit() and int(value) <= 1_000_000 else 0


def with_query(path: str, params: Mapping[str, str]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def options(kind: type[StrEnum], blank: str = "Any") -> list[tuple[str, str]]:
    """``select`` options for an enum, with a blank first option for "no filter"."""
    return [("", blank), *((item.value, item.value.replace("_", " ")) for item in kind)]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)
