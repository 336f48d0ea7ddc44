"""Calendar values. Stay dates are the listing's local calendar dates, never UTC instants.

A stay is half-open, ``[check_in, check_out)``, like PostgreSQL's
``daterange(check_in, check_out, '[)')``: a guest leaving on the 5th and the next arriving
on the 5th do not overlap, and ``nights`` is a date subtraction, so daylight-saving
transitions (a 23- or 25-hour night) never change it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from innkeeper.core.errors import InvalidInput


@dataclass(frozen=True, slots=True, order=True)
class StayRange:
    """The nights from ``check_in`` (included) up to ``check_out`` (excluded)."""

    check_in: date
    check_out: date

    def __post_init__(self) -> None:
        if self.check_out <= self.check_in:
            raise InvalidInput.for_field(
                "check_out", f"must be after check-in ({self.check_in.isoformat()})"
            )

    @classmethod
    def of_night(cls, night: date) -> StayRange:
        """The one-night stay starting on ``night``."""
        return cls(night, night + timedelta(days=1))

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def each_night(self) -> Iterator[date]:
        """Every night of the stay, named by the date the night starts on."""
        for offset in range(self.nights):
            yield self.check_in + timedelta(days=offset)

    def overlaps(self, other: StayRange) -> bool:
        return self.check_in < other.check_out and other.check_in < self.check_out

    def contains(self, night: date) -> bool:
        return self.check_in <= night < self.check_out

    def widened(self, days: int) -> StayRange:
        """The range grown by ``days`` on both sides (turnover days around a stay)."""
        return StayRange(
            self.check_in - timedelta(days=days), self.check_out + timedelta(days=days)
        )


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date at ``instant`` in ``zone`` (an IANA name): "today" for a listing."""
    if instant.tzinfo is None:
        raise ValueError("local_date needs an aware instant")
    return instant.astimezone(ZoneInfo(zone)).date()
