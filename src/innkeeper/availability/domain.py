"""Availability rules as values, and one pure check that names every reason a stay is refused.

All dates are the listing's local calendar dates; "today" is passed in (computed from the
clock in the listing's time zone by the caller), so the rules never read a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from innkeeper.core.dates import StayRange
from innkeeper.core.errors import InvalidInput

MAX_RANGE_NIGHTS: Final = 731  # two years of nights in one bulk edit or calendar read


def check_edit_range(span: StayRange) -> None:
    """Bulk edits and calendar reads cover at most two years, so one request stays small."""
    if span.nights > MAX_RANGE_NIGHTS:
        raise InvalidInput.for_field("end", f"at most {MAX_RANGE_NIGHTS} nights at once")


WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


class Reason(StrEnum):
    """Why a stay is unavailable; stable codes for clients and the concierge."""

    NOT_BOOKABLE = "not_bookable"  # the host switched bookings off
    BLOCKED = "blocked"  # a blocked date range (maintenance, owner stay, ...)
    NOT_OPEN = "not_open"  # outside the open-dates whitelist
    CLOSED_WEEKDAY = "closed_weekday"  # a weekday that is never available
    CLOSED_YEARLY = "closed_yearly"  # a yearly closed date, such as 25 December
    CHECK_IN_DAY = "check_in_day"  # arrivals are not allowed on that weekday
    CHECK_OUT_DAY = "check_out_day"  # departures are not allowed on that weekday
    MIN_STAY = "min_stay"
    MAX_STAY = "max_stay"
    MIN_NOTICE = "min_notice"  # too soon: inside the lead time
    ADVANCE_WINDOW = "advance_window"  # too far ahead
    OCCUPIED = "occupied"  # another stay holds these nights
    TURNOVER = "turnover"  # too close to another stay for cleaning
    SOLD_OUT = "sold_out"  # no capacity left on a day or slot
    PARTY_TOO_LARGE = "party_too_large"


@dataclass(frozen=True, slots=True)
class Problem:
    reason: Reason
    message: str
    dates: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """Nights ``[start, end)`` the host closed, with the reason shown to the host."""

    span: StayRange
    note: str = ""


@dataclass(frozen=True, slots=True)
class StayLimits:
    """Minimum and maximum nights for stays that start inside ``span`` (a season)."""

    span: StayRange
    min_nights: int
    max_nights: int | None = None


@dataclass(frozen=True, slots=True)
class AvailabilityRules:
    bookable: bool = True
    blocks: tuple[Block, ...] = ()
    open_spans: tuple[StayRange, ...] | None = None  # None: open unless closed otherwise
    closed_weekdays: frozenset[int] = frozenset()  # date.weekday() numbers, Monday = 0
    closed_yearly: frozenset[tuple[int, int]] = frozenset()  # (month, day)
    check_in_weekdays: frozenset[int] | None = None  # None: any day
    check_out_weekdays: frozenset[int] | None = None
    min_nights: int = 1
    max_nights: int | None = None
    seasonal_limits: tuple[StayLimits, ...] = ()  # the first whose span holds check-in wins
    advance_days: int = 365
    min_notice_days: int = 0  # 0: arrivals today are fine
    turnover_days: int = 0  # nights kept free before and after every other stay
    max_guests: int | None = None
    instant_book: bool = True  # False: guests send requests the host answers
    response_hours: int = 24  # how long the host has to answer a request


@dataclass(frozen=True, slots=True)
class Occupancy:
    """What else holds the unit: other stays, and remaining capacity per night if counted."""

    stays: tuple[StayRange, ...] = ()
    remaining: dict[date, int] = field(default_factory=dict)  # night -> capacity left


def check_stay(
    rules: AvailabilityRules,
    stay: StayRange,
    *,
    today: date,
    party: int,
    occupancy: Occupancy | None = None,
) -> list[Problem]:
    """Every reason ``stay`` cannot be booked, empty when it can. Never stops at the first:
    a guest (or the concierge) should learn all of them at once."""
    occupancy = occupancy or Occupancy()
    if not rules.bookable:
        return [Problem(Reason.NOT_BOOKABLE, "the host is not taking bookings for this listing")]
    problems = [
        *_window_problems(rules, stay, today),
        *_length_problems(rules, stay),
        *_weekday_problems(rules, stay),
        *_night_problems(rules, stay),
        *_occupancy_problems(rules, stay, occupancy, party),
    ]
    if rules.max_guests is not None and party > rules.max_guests:
        problems.append(
            Problem(Reason.PARTY_TOO_LARGE, f"at most {rules.max_guests} guests, not {party}")
        )
    return problems


def _window_problems(rules: AvailabilityRules, stay: StayRange, today: date) -> Iterable[Problem]:
    earliest = today + timedelta(days=rules.min_notice_days)
    if stay.check_in < earliest:
        notice = "today" if rules.min_notice_days == 0 else f"{rules.min_notice_days} days ahead"
        yield Problem(
            Reason.MIN_NOTICE, f"arrival must be {notice} or later ({earliest})", (stay.check_in,)
        )
    latest = today + timedelta(days=rules.advance_days)
    if stay.check_in > latest:
        yield Problem(
            Reason.ADVANCE_WINDOW,
            f"bookings open {rules.advance_days} days ahead; last arrival {latest}",
            (stay.check_in,),
        )


def stay_limits(rules: AvailabilityRules, check_in: date) -> tuple[int, int | None]:
    """(min, max) nights for a stay arriving on ``check_in``: a season's, or the default."""
    for season in rules.seasonal_limits:
        if season.span.contains(check_in):
            return season.min_nights, season.max_nights
    return rules.min_nights, rules.max_nights


def _length_problems(rules: AvailabilityRules, stay: StayRange) -> Iterable[Problem]:
    minimum, maximum = stay_limits(rules, stay.check_in)
    if stay.nights < minimum:
        yield Problem(Reason.MIN_STAY, f"minimum stay is {minimum} nights, not {stay.nights}")
    if maximum is not None and stay.nights > maximum:
        yield Problem(Reason.MAX_STAY, f"maximum stay is {maximum} nights, not {stay.nights}")


def _weekday_problems(rules: AvailabilityRules, stay: StayRange) -> Iterable[Problem]:
    for day, allowed, reason, word in (
        (stay.check_in, rules.check_in_weekdays, Reason.CHECK_IN_DAY, "arrivals"),
        (stay.check_out, rules.check_out_weekdays, Reason.CHECK_OUT_DAY, "departures"),
    ):
        if allowed is not None and day.weekday() not in allowed:
            days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(allowed))
            yield Problem(reason, f"{word} only on {days}", (day,))


def _night_problems(rules: AvailabilityRules, stay: StayRange) -> Iterable[Problem]:
    checks: Sequence[tuple[Reason, str, Iterable[date]]] = (
        (Reason.BLOCKED, "the host blocked these nights", _blocked(rules, stay)),
        (Reason.NOT_OPEN, "these nights are not open for booking", _not_open(rules, stay)),
        (Reason.CLOSED_WEEKDAY, "closed on these weekdays", _closed_weekdays(rules, stay)),
        (Reason.CLOSED_YEARLY, "closed on these dates every year", _closed_yearly(rules, stay)),
    )
    for reason, message, nights in checks:
        found = tuple(nights)
        if found:
            yield Problem(reason, message, found)


def _blocked(rules: AvailabilityRules, stay: StayRange) -> Iterator[date]:
    return (n for n in stay.each_night() if any(b.span.contains(n) for b in rules.blocks))


def _not_open(rules: AvailabilityRules, stay: StayRange) -> Iterator[date]:
    spans = rules.open_spans
    if spans is None:
        return iter(())
    return (n for n in stay.each_night() if not any(s.contains(n) for s in spans))


def _closed_weekdays(rules: AvailabilityRules, stay: StayRange) -> Iterator[date]:
    return (n for n in stay.each_night() if n.weekday() in rules.closed_weekdays)


def _closed_yearly(rules: AvailabilityRules, stay: StayRange) -> Iterator[date]:
    return (n for n in stay.each_night() if (n.month, n.day) in rules.closed_yearly)


def _occupancy_problems(
    rules: AvailabilityRules, stay: StayRange, occupancy: Occupancy, party: int
) -> Iterable[Problem]:
    taken = tuple(n for n in stay.each_night() if any(o.contains(n) for o in occupancy.stays))
    if taken:
        yield Problem(Reason.OCCUPIED, "already booked on these nights", taken)
    elif rules.turnover_days:
        near = [o for o in occupancy.stays if o.widened(rules.turnover_days).overlaps(stay)]
        if near:
            yield Problem(
                Reason.TURNOVER,
                f"{rules.turnover_days} free day(s) are kept between stays",
                tuple(sorted({o.check_in for o in near})),
            )
    short = tuple(n for n in stay.each_night() if occupancy.remaining.get(n, party) < party)
    if short:
        yield Problem(Reason.SOLD_OUT, f"fewer than {party} places left on these dates", short)


def night_is_open(rules: AvailabilityRules, night: date) -> bool:
    """Whether ``night`` can be part of some stay, by the rules that concern one night only
    (switched off, blocked, outside the whitelist, closed weekday or yearly date). Stay
    length, arrival days, notice and occupancy are judged per stay."""
    if not rules.bookable or night.weekday() in rules.closed_weekdays:
        return False
    if (night.month, night.day) in rules.closed_yearly:
        return False
    if any(block.span.contains(night) for block in rules.blocks):
        return False
    return rules.open_spans is None or any(span.contains(night) for span in rules.open_spans)
