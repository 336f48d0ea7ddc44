"""Money: integer minor units, one rounding rule, splits that never lose a minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.core.currency import MINOR_UNIT_EXPONENT, UnknownCurrency, exponent
from innkeeper.core.money import CurrencyMismatch, Money

currencies = st.sampled_from(sorted(MINOR_UNIT_EXPONENT))
amounts = st.integers(min_value=-(10**12), max_value=10**12)


@pytest.mark.parametrize(
    ("_case", "currency", "places"),
    [("two decimals", "AED", 2), ("zero decimals", "JPY", 0), ("three decimals", "KWD", 3)],
)
def test_exponents_follow_iso_4217(_case: str, currency: str, places: int) -> None:
    assert exponent(currency) == places


def test_unknown_currency_is_refused_not_guessed() -> None:
    with pytest.raises(UnknownCurrency):
        Money(100, "XYZ")


def test_floats_never_get_in() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "AED")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100, "AED") * 1.5  # type: ignore[operator]


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(1, "AED") + Money(1, "USD")


@pytest.mark.parametrize(
    ("_case", "text", "currency", "minor"),
    [
        ("dirhams", "12.50", "AED", 1250),
        ("yen", "1200", "JPY", 1200),
        ("dinar", "1.005", "KWD", 1005),
        ("negative", "-3.10", "AED", -310),
    ],
)
def test_parse(_case: str, text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(("text", "currency"), [("12.505", "AED"), ("1.5", "JPY"), ("abc", "AED")])
def test_parse_refuses_rather_than_rounds(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match=r"decimals|not an amount"):
        Money.parse(text, currency)


def test_percent_rounds_half_to_even() -> None:
    assert Money(50, "AED").percent(Decimal(5)) == Money(2, "AED")  # 2.5 -> 2
    assert Money(70, "AED").percent(Decimal(5)) == Money(4, "AED")  # 3.5 -> 4


def test_str_is_exact_in_major_units() -> None:
    assert str(Money(45000, "AED")) == "AED 450.00"
    assert str(Money(1200, "JPY")) == "JPY 1200"
    assert str(Money(1005, "KWD")) == "KWD 1.005"


@given(amount=amounts, currency=currencies, parts=st.integers(min_value=1, max_value=50))
def test_split_sums_to_the_total_and_differs_by_at_most_one(
    amount: int, currency: str, parts: int
) -> None:
    shares = Money(amount, currency).split(parts)
    assert Money.total(shares, currency) == Money(amount, currency)
    assert max(s.minor for s in shares) - min(s.minor for s in shares) <= 1


@given(
    amount=amounts,
    currency=currencies,
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=10).filter(
        lambda w: sum(w) > 0
    ),
)
def test_allocate_sums_to_the_total(amount: int, currency: str, weights: list[int]) -> None:
    shares = Money(amount, currency).allocate(weights)
    assert Money.total(shares, currency) == Money(amount, currency)
    for share, weight in zip(shares, weights, strict=True):
        exact = Decimal(amount) * weight / sum(weights)
        assert abs(Decimal(share.minor) - exact) < 1


@given(amount=amounts, currency=currencies)
def test_parse_round_trips_the_exact_decimal(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.parse(str(money.decimal()), currency) == money
