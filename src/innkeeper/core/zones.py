"""IANA time zones, checked against the zoneinfo database (tzdata)."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in _zones()
