"""Exact money: integer minor units plus an ISO 4217 currency code.

One rounding rule for the whole engine: ``percent`` rounds half-to-even to a whole minor
unit, and it is the only method that rounds. ``split`` and ``allocate`` distribute the
remainder so the shares always sum to the original amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Self

from innkeeper.core.currency import exponent


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """``Money(1250, "AED")`` is AED 12.50. There is no float constructor, on purpose."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:
            raise TypeError(f"minor units must be an int, got {self.minor!r}")
        exponent(self.currency)  # refuses unknown currencies

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    @classmethod
    def parse(cls, amount: str, currency: str) -> Self:
        """``Money.parse("12.50", "AED")``; refuses more decimals than the currency has."""
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise ValueError(f"not an amount: {amount!r}")
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        result = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    def decimal(self) -> Decimal:
        """The amount in major units, exact (for display and for Stripe-less reports)."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("money can only be multiplied by an int; use percent() for rates")
        return Money(self.minor * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def percent(self, rate: Decimal) -> Money:
        """``rate`` percent of this amount, rounded half-to-even to a whole minor unit."""
        exact = Decimal(self.minor) * rate / 100
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), self.currency)

    def split(self, parts: int) -> list[Money]:
        """``parts`` shares that differ by at most one minor unit and sum to ``self``."""
        if parts < 1:
            raise ValueError("parts must be at least 1")
        base, remainder = divmod(self.minor, parts)
        return [Money(base + (1 if i < remainder else 0), self.currency) for i in range(parts)]

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Shares in proportion to ``weights`` (largest remainder), summing to ``self``."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative with a positive sum")
        total = sum(weights)
        shares = [self.minor * w // total for w in weights]
        remainders = sorted(
            range(len(weights)), key=lambda i: (-(self.minor * weights[i] % total), i)
        )
        for i in remainders[: self.minor - sum(shares)]:
            shares[i] += 1
        return [Money(share, self.currency) for share in shares]

    def __str__(self) -> str:
        return f"{self.currency} {self.decimal():f}"
