"""Availability rules: each reason a stay is refused, with the dates or rule that cause it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.availability.domain import (
    AvailabilityRules,
    Block,
    Occupancy,
    Reason,
    StayLimits,
    check_stay,
)
from innkeeper.core.dates import StayRange

TODAY = date(2026, 11, 22)  # a Sunday
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def stay(day: int, nights: int) -> StayRange:
    """Arrive ``day`` days from today, for ``nights`` nights."""
    start = TODAY + timedelta(days=day)
    return StayRange(start, start + timedelta(days=nights))


def reasons(
    rules: AvailabilityRules,
    wanted: StayRange,
    *,
    party: int = 2,
    occupancy: Occupancy | None = None,
) -> dict[Reason, tuple[date, ...]]:
    return {
        p.reason: p.dates
        for p in check_stay(
            rules, wanted, today=TODAY, party=party, occupancy=occupancy or Occupancy()
        )
    }


def test_open_by_default() -> None:
    assert reasons(AvailabilityRules(), stay(3, 4)) == {}


@pytest.mark.parametrize(
    ("_case", "rules", "wanted", "reason", "dates"),
    [
        (
            "bookings switched off",
            AvailabilityRules(bookable=False),
            stay(3, 2),
            Reason.NOT_BOOKABLE,
            (),
        ),
        (
            "blocked range",
            AvailabilityRules(blocks=(Block(stay(4, 2), "painting"),)),
            stay(3, 4),
            Reason.BLOCKED,
            (TODAY + timedelta(4), TODAY + timedelta(5)),
        ),
        (
            "outside the whitelist",
            AvailabilityRules(open_spans=(stay(0, 5),)),
            stay(3, 4),
            Reason.NOT_OPEN,
            (TODAY + timedelta(5), TODAY + timedelta(6)),
        ),
        (
            "closed weekday",
            AvailabilityRules(closed_weekdays=frozenset({TUE})),
            stay(1, 3),
            Reason.CLOSED_WEEKDAY,
            (date(2026, 11, 24),),
        ),
        (
            "closed every 25 December",
            AvailabilityRules(closed_yearly=frozenset({(12, 25)})),
            StayRange(date(2026, 12, 23), date(2026, 12, 27)),
            Reason.CLOSED_YEARLY,
            (date(2026, 12, 25),),
        ),
        (
            "arrivals on Saturdays only",
            AvailabilityRules(check_in_weekdays=frozenset({SAT})),
            stay(1, 7),
            Reason.CHECK_IN_DAY,
            (date(2026, 11, 23),),
        ),
        (
            "departures on Fridays only",
            AvailabilityRules(check_out_weekdays=frozenset({FRI})),
            stay(1, 3),
            Reason.CHECK_OUT_DAY,
            (date(2026, 11, 26),),
        ),
        ("minimum stay", AvailabilityRules(min_nights=3), stay(1, 2), Reason.MIN_STAY, ()),
        ("maximum stay", AvailabilityRules(max_nights=14), stay(1, 15), Reason.MAX_STAY, ()),
        (
            "too soon",
            AvailabilityRules(min_notice_days=2),
            stay(1, 2),
            Reason.MIN_NOTICE,
            (TODAY + timedelta(1),),
        ),
        (
            "too far ahead",
            AvailabilityRules(advance_days=90),
            stay(91, 2),
            Reason.ADVANCE_WINDOW,
            (TODAY + timedelta(91),),
        ),
        (
            "party too large",
            AvailabilityRules(max_guests=4),
            stay(1, 2),
            Reason.PARTY_TOO_LARGE,
            (),
        ),
    ],
)
def test_each_reason(
    _case: str, rules: AvailabilityRules, wanted: StayRange, reason: Reason, dates: tuple[date, ...]
) -> None:
    found = reasons(rules, wanted, party=6 if reason is Reason.PARTY_TOO_LARGE else 2)
    assert found == {reason: dates}


def test_arrivals_today_are_fine_without_notice_but_not_yesterday() -> None:
    assert reasons(AvailabilityRules(), stay(0, 1)) == {}
    assert Reason.MIN_NOTICE in reasons(AvailabilityRules(), stay(-1, 2))


def test_seasonal_minimum_stays_follow_the_arrival_date() -> None:
    winter = StayLimits(StayRange(date(2026, 12, 20), date(2027, 1, 5)), min_nights=5)
    rules = AvailabilityRules(min_nights=2, seasonal_limits=(winter,))
    assert Reason.MIN_STAY in reasons(rules, StayRange(date(2026, 12, 28), date(2027, 1, 1)))
    assert reasons(rules, StayRange(date(2026, 12, 10), date(2026, 12, 13))) == {}


def test_occupied_nights_are_named() -> None:
    other = stay(5, 3)
    found = reasons(AvailabilityRules(), stay(3, 4), occupancy=Occupancy(stays=(other,)))
    assert found == {Reason.OCCUPIED: (TODAY + timedelta(5), TODAY + timedelta(6))}


def test_back_to_back_stays_are_fine_but_turnover_days_keep_a_gap() -> None:
    other = stay(5, 3)  # leaves on day 8
    after = stay(8, 2)
    assert reasons(AvailabilityRules(), after, occupancy=Occupancy(stays=(other,))) == {}
    found = reasons(AvailabilityRules(turnover_days=1), after, occupancy=Occupancy(stays=(other,)))
    assert found == {Reason.TURNOVER: (other.check_in,)}
    assert (
        reasons(AvailabilityRules(turnover_days=1), stay(9, 2), occupancy=Occupancy(stays=(other,)))
        == {}
    )


def test_capacity_per_night() -> None:
    remaining = {TODAY + timedelta(3): 10, TODAY + timedelta(4): 1}
    found = reasons(
        AvailabilityRules(), stay(3, 2), party=2, occupancy=Occupancy(remaining=remaining)
    )
    assert found == {Reason.SOLD_OUT: (TODAY + timedelta(4),)}


def test_every_reason_is_reported_at_once() -> None:
    rules = AvailabilityRules(min_nights=5, closed_weekdays=frozenset({MON}), max_guests=2)
    found = reasons(rules, stay(1, 2), party=3)
    assert set(found) == {Reason.MIN_STAY, Reason.CLOSED_WEEKDAY, Reason.PARTY_TOO_LARGE}


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    nights=st.integers(min_value=1, max_value=60),
    blocked_from=st.integers(min_value=0, max_value=60),
    blocked_nights=st.integers(min_value=1, max_value=10),
)
def test_blocked_dates_reported_are_exactly_the_overlap(
    start: date, nights: int, blocked_from: int, blocked_nights: int
) -> None:
    wanted = StayRange(start, start + timedelta(days=nights))
    block = StayRange(
        start + timedelta(days=blocked_from), start + timedelta(days=blocked_from + blocked_nights)
    )
    rules = AvailabilityRules(blocks=(Block(block),), advance_days=10_000)
    found = {p.reason: p.dates for p in check_stay(rules, wanted, today=date(2025, 1, 1), party=1)}
    overlap = tuple(n for n in wanted.each_night() if block.contains(n))
    assert found == ({Reason.BLOCKED: overlap} if overlap else {})
