"""The listing page's month grid: each night available or not, and why, in words.

The availability service judges each night by the host's rules; the search index adds what
bookings (or sold-out sessions) already hold. Colour only repeats what the words say.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from innkeeper.availability.service import NightStatus
from innkeeper.catalog.domain import ListingKind
from innkeeper.web.guest.browse_queries import ListingFacts

MONTHS_AHEAD: Final = 24
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REASON_WORDS: Final = {
    "not_bookable": "Closed",
    "blocked": "Blocked",
    "not_open": "Closed",
    "closed_weekday": "Closed",
    "closed_yearly": "Closed",
    "min_notice": "Too soon",
    "advance_window": "Not open yet",
    "occupied": "Booked",
    "sold_out": "Sold out",
}


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    available: bool
    word: str  # "Available", "Booked", "Past"...


@dataclass(frozen=True, slots=True)
class MonthGrid:
    first: date
    weeks: list[list[Day | None]]  # Monday first; None pads the first and last week
    previous: str | None  # "YYYY-MM" of the month before, when it is worth showing
    next: str | None

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.first.month]} {self.first.year}"


def month_span(month: date, today: date) -> date:
    """The month to show: the asked one, kept between this month and two years ahead."""
    earliest = today.replace(day=1)
    latest = _add_months(earliest, MONTHS_AHEAD)
    return min(max(month, earliest), latest)


def next_month(month: date) -> date:
    return _add_months(month, 1)


def month_grid(
    month: date, nights: list[NightStatus], facts: ListingFacts, kind: ListingKind, *, today: date
) -> MonthGrid:
    by_night = {status.night: status for status in nights}
    days = [
        _day(night, by_night.get(night), facts, kind, today=today)
        for night in _each_day(month, next_month(month))
    ]
    pad = [None] * month.weekday()
    cells: list[Day | None] = [*pad, *days]
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    earliest = today.replace(day=1)
    previous = _add_months(month, -1) if month > earliest else None
    following = next_month(month)
    later = following if following <= _add_months(earliest, MONTHS_AHEAD) else None
    return MonthGrid(month, weeks, _label(previous), _label(later))


def _day(
    night: date, status: NightStatus | None, facts: ListingFacts, kind: ListingKind, *, today: date
) -> Day:
    if night < today:
        return Day(night, False, "Past")
    if status is None or not status.available:
        reasons = status.reasons if status is not None else ()
        return Day(night, False, REASON_WORDS.get(reasons[0], "Closed") if reasons else "Closed")
    if _held(night, facts):
        return Day(night, False, "Sold out" if kind is ListingKind.EXPERIENCE else "Booked")
    return Day(night, True, "Available")


def _held(night: date, facts: ListingFacts) -> bool:
    """Open by the rules, but not in the index's open nights: bookings hold it."""
    if facts.open_nights is None or facts.indexed_from is None or facts.indexed_to is None:
        return False
    return facts.indexed_from <= night < facts.indexed_to and night not in facts.open_nights


def _each_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days)]


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _label(month: date | None) -> str | None:
    return None if month is None else f"{month.year:04d}-{month.month:02d}"
