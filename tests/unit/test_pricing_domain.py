"""Pricing: each rule type, explained line by line, and the invariants that hold for all."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.core.dates import StayRange, local_date
from innkeeper.core.money import Money
from innkeeper.pricing.domain import (
    GroupDiscount,
    PriceBasis,
    QuoteOnly,
    RatePlan,
    Season,
    Tax,
    TaxKind,
    nightly_rate,
    price,
)

AED = "AED"
MON = date(2026, 11, 23)  # a Monday; Friday is the 27th, Saturday the 28th
VAT = Tax("vat", "VAT 5%", TaxKind.PERCENT, percent=Decimal(5))
TOURISM = Tax("tourism_dirham", "Tourism Dirham", TaxKind.PER_UNIT_NIGHT, amount_minor=15_00)
PLAN = RatePlan(currency=AED, base_minor=500_00, weekend_multiplier=Decimal("1.2"))


def nights(start: date, count: int) -> list[date]:
    return list(StayRange(start, start + timedelta(days=count)).each_night())


def lines(plan: RatePlan, start: date, count: int, **party: int) -> list[tuple[str, int, int, str]]:
    priced = price(
        plan, nights(start, count), guests=party.get("guests", 2), units=party.get("units", 1)
    )
    return [(line.code, line.quantity, line.amount.minor, line.rule) for line in priced.lines]


def test_weekdays_and_weekend_nights_are_separate_lines() -> None:
    assert lines(PLAN, MON, 7) == [
        ("nights", 5, 2500_00, "base"),  # Monday to Thursday, and Sunday
        ("nights", 2, 1200_00, "base+weekend"),  # Friday and Saturday nights, x1.2
    ]


def test_weekend_nights_are_configurable() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=100_00,
        weekend_nights=frozenset({5, 6}),
        weekend_multiplier=Decimal(2),
    )
    assert [rate.amount.minor for rate in (nightly_rate(plan, n) for n in nights(MON, 7))] == [
        100_00, 100_00, 100_00, 100_00, 100_00, 200_00, 200_00,
    ]  # fmt: skip


def test_overlapping_seasons_resolve_by_priority() -> None:
    winter = Season("winter", date(2026, 12, 1), date(2027, 3, 1), multiplier=Decimal("1.5"))
    new_year = Season(
        "new-year", date(2026, 12, 30), date(2027, 1, 2), fixed_minor=2000_00, priority=10
    )
    plan = RatePlan(currency=AED, base_minor=500_00, seasons=(winter, new_year))
    rates = [
        (n.isoformat(), r.amount.minor, r.rule)
        for n in nights(date(2026, 12, 29), 4)
        for r in [nightly_rate(plan, n)]
    ]
    assert rates == [
        ("2026-12-29", 750_00, "season:winter"),
        ("2026-12-30", 2000_00, "season:new-year"),
        ("2026-12-31", 2000_00, "season:new-year"),
        ("2027-01-01", 2000_00, "season:new-year"),
    ]


def test_a_date_override_beats_seasons_and_weekends() -> None:
    friday = date(2026, 11, 27)
    season = Season(
        "peak", date(2026, 11, 1), date(2026, 12, 1), multiplier=Decimal(2), priority=99
    )
    plan = RatePlan(
        currency=AED,
        base_minor=500_00,
        weekend_multiplier=Decimal(2),
        seasons=(season,),
        overrides={friday: 333_00},
    )
    assert nightly_rate(plan, friday).amount == Money(333_00, AED)
    assert nightly_rate(plan, friday).rule == "override"


def test_weekly_discount_counts_weekend_nights_too() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=500_00,
        weekend_multiplier=Decimal("1.2"),
        weekly_discount_percent=Decimal(10),
    )
    priced = price(plan, nights(MON, 7), guests=2)
    assert [(line.code, line.amount.minor) for line in priced.lines][-1] == (
        "los_discount",
        -370_00,
    )  # 10% of 3700
    assert priced.total == Money(3330_00, AED)


def test_monthly_discount_replaces_the_weekly_one() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=100_00,
        weekly_discount_percent=Decimal(10),
        monthly_discount_percent=Decimal(25),
    )
    codes = [
        (line.code, line.amount.minor) for line in price(plan, nights(MON, 28), guests=1).lines
    ]
    assert codes[-1] == ("los_discount", -700_00)
    assert [c for c, _ in codes].count("los_discount") == 1


def test_extra_guests_above_base_occupancy() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=500_00,
        weekend_multiplier=Decimal(1),
        base_occupancy=2,
        extra_guest_minor=50_00,
    )
    assert lines(plan, MON, 3, guests=4)[-1] == ("extra_guests", 2, 300_00, "extra_guest_fee")
    assert [code for code, *_ in lines(plan, MON, 3, guests=2)] == ["nights"]


def test_the_best_group_discount_applies() -> None:
    plan = RatePlan(
        currency=AED, base_minor=100_00, basis=PriceBasis.PER_PERSON,
        group_discounts=(GroupDiscount(4, Decimal(5)), GroupDiscount(8, Decimal(10))),
    )  # fmt: skip
    assert lines(plan, MON, 1, guests=8) == [
        ("nights", 1, 800_00, "base"),
        ("group_discount", 1, -80_00, "group_discount"),
    ]
    assert lines(plan, MON, 1, guests=5)[-1] == ("group_discount", 1, -25_00, "group_discount")


def test_cleaning_and_taxes() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=500_00,
        weekend_multiplier=Decimal(1),
        cleaning_minor=150_00,
        taxes=(VAT, TOURISM),
    )
    priced = price(plan, nights(MON, 3), guests=2)
    assert [(line.code, line.amount.minor) for line in priced.lines] == [
        ("nights", 1500_00),
        ("cleaning", 150_00),
        ("tax:vat", 82_50),
        ("tax:tourism_dirham", 45_00),
    ]
    assert priced.charges == Money(1650_00, AED)
    assert priced.total == Money(1777_50, AED)


def test_per_unit_plans_multiply_by_units_and_so_does_the_unit_tax() -> None:
    plan = RatePlan(
        currency=AED,
        base_minor=300_00,
        basis=PriceBasis.PER_UNIT,
        weekend_multiplier=Decimal(1),
        cleaning_minor=100_00,
        taxes=(TOURISM,),
    )
    assert lines(plan, MON, 2, units=3) == [
        ("nights", 2, 1800_00, "base"),
        ("cleaning", 3, 300_00, ""),
        ("tax:tourism_dirham", 6, 90_00, "per_unit_night"),
    ]


def test_experiences_price_one_session_per_person() -> None:
    plan = RatePlan(
        currency=AED, base_minor=350_00, basis=PriceBasis.PER_PERSON, cleaning_minor=99_00
    )
    priced = price(plan, [date(2026, 11, 25)], guests=3, session=True)
    assert [(line.code, line.amount.minor) for line in priced.lines] == [
        ("session", 1050_00)
    ]  # no cleaning


def test_zero_decimal_currency() -> None:
    plan = RatePlan(
        currency="JPY",
        base_minor=12345,
        weekend_multiplier=Decimal("1.1"),
        taxes=(Tax("ct", "Consumption tax", TaxKind.PERCENT, percent=Decimal(10)),),
    )
    priced = price(
        plan, nights(date(2026, 11, 27), 1), guests=1
    )  # a Friday night: 13579.5 -> 13580
    assert [line.amount for line in priced.lines] == [Money(13580, "JPY"), Money(1358, "JPY")]


def test_quote_only_listings_have_no_instant_price() -> None:
    with pytest.raises(QuoteOnly):
        price(RatePlan(currency=AED, base_minor=0, quote_only=True), nights(MON, 2), guests=2)


plans = st.builds(
    RatePlan,
    currency=st.sampled_from(["AED", "JPY", "KWD", "USD"]),
    base_minor=st.integers(min_value=0, max_value=10**7),
    basis=st.sampled_from(list(PriceBasis)),
    weekend_multiplier=st.decimals(min_value=Decimal("0.5"), max_value=3, places=2),
    seasons=st.lists(
        st.builds(
            Season,
            name=st.sampled_from(["a", "b", "c"]),
            start=st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 2, 1)),
            end=st.dates(min_value=date(2026, 11, 15), max_value=date(2027, 3, 1)),
            multiplier=st.one_of(
                st.none(), st.decimals(min_value=Decimal("0.1"), max_value=5, places=3)
            ),
            fixed_minor=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
            priority=st.integers(min_value=0, max_value=3),
        ),
        max_size=3,
    ).map(tuple),
    weekly_discount_percent=st.decimals(min_value=0, max_value=100, places=1),
    monthly_discount_percent=st.decimals(min_value=0, max_value=100, places=1),
    base_occupancy=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
    extra_guest_minor=st.integers(min_value=0, max_value=10**5),
    group_discounts=st.lists(
        st.builds(
            GroupDiscount,
            min_people=st.integers(1, 20),
            percent=st.decimals(min_value=0, max_value=100, places=1),
        ),
        max_size=3,
    ).map(tuple),
    cleaning_minor=st.integers(min_value=0, max_value=10**6),
    taxes=st.lists(
        st.one_of(
            st.builds(
                Tax,
                code=st.just("pct"),
                label=st.just("pct"),
                kind=st.just(TaxKind.PERCENT),
                percent=st.decimals(min_value=0, max_value=30, places=2),
            ),
            st.builds(
                Tax,
                code=st.just("fix"),
                label=st.just("fix"),
                kind=st.sampled_from([k for k in TaxKind if k is not TaxKind.PERCENT]),
                amount_minor=st.integers(0, 10**4),
            ),
        ),
        max_size=3,
    ).map(tuple),
)


@given(
    plan=plans,
    start=st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 3, 1)),
    count=st.integers(min_value=1, max_value=40),
    guests=st.integers(min_value=1, max_value=20),
    units=st.integers(min_value=1, max_value=5),
)
def test_lines_sum_to_the_total_and_nothing_is_negative(
    plan: RatePlan, start: date, count: int, guests: int, units: int
) -> None:
    priced = price(plan, nights(start, count), guests=guests, units=units)
    assert Money.total((line.amount for line in priced.lines), plan.currency) == priced.total
    assert not priced.charges.is_negative
    assert not priced.taxes.is_negative
    assert all(not line.amount.is_negative for line in priced.lines if "discount" not in line.code)
    assert sum(line.quantity for line in priced.lines if line.code == "nights") == count


ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
)


@given(
    zone=st.sampled_from(ZONES),
    check_in=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    count=st.integers(min_value=1, max_value=400),
)
def test_nights_are_the_local_date_difference_across_dst(
    zone: str, check_in: date, count: int
) -> None:
    """Arrive 15:00 and leave 11:00 local; through UTC and back, nights never drift with DST."""
    tz = ZoneInfo(zone)
    check_out = check_in + timedelta(days=count)
    arrive = datetime.combine(check_in, time(15), tz).astimezone(UTC)
    leave = datetime.combine(check_out, time(11), tz).astimezone(UTC)
    stay = StayRange(local_date(arrive, zone), local_date(leave, zone))
    assert stay.nights == count
    hours = (leave - arrive).total_seconds() / 3600
    assert stay.nights == round((hours + 4) / 24)  # 20 h for one night, give or take DST
