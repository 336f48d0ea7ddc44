"""A rate plan priced into lines, purely: same plan, nights and party, same lines.

Nightly rate, in order: a date override wins; otherwise the highest-priority season that
holds the night (fixed price, or base times its multiplier), otherwise the base price; then
the weekend multiplier applies to weekend nights that have no override. Every rounding goes
through ``Money.percent`` (half-to-even, to a whole minor unit). Nights are grouped into one
line per (rate, rule) so a guest can see which rule set which price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from innkeeper.core.errors import Conflict
from innkeeper.core.money import Money

UAE_WEEKEND_NIGHTS: Final = frozenset({4, 5})  # Friday and Saturday nights (date.weekday())
WEEKLY_NIGHTS: Final = 7
MONTHLY_NIGHTS: Final = 28
HUNDRED: Final = Decimal(100)


class PriceBasis(StrEnum):
    PER_NIGHT = "per_night"  # the listing (or one unit) per night, or per session
    PER_UNIT = "per_unit"  # per unit per night, times the units booked
    PER_PERSON = "per_person"  # per guest per night, or per person per session


class TaxKind(StrEnum):
    PERCENT = "percent"  # of the charges before tax (VAT)
    PER_NIGHT = "per_night"  # a fixed amount per night
    PER_UNIT_NIGHT = "per_unit_night"  # per unit per night (Dubai's Tourism Dirham)
    PER_PERSON_NIGHT = "per_person_night"


class QuoteOnly(Conflict):
    """The listing has no instant price: it can only be requested."""

    code = "quote_only"


@dataclass(frozen=True, slots=True)
class Season:
    name: str
    start: date  # first night, included
    end: date  # first night after the season, excluded
    multiplier: Decimal | None = None  # of the base price; or
    fixed_minor: int | None = None  # a fixed nightly price
    priority: int = 0  # the highest wins where seasons overlap

    def holds(self, night: date) -> bool:
        return self.start <= night < self.end


@dataclass(frozen=True, slots=True)
class GroupDiscount:
    min_people: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class Tax:
    code: str
    label: str
    kind: TaxKind
    percent: Decimal = Decimal(0)  # for PERCENT
    amount_minor: int = 0  # for the fixed kinds


@dataclass(frozen=True, slots=True)
class RatePlan:
    currency: str
    base_minor: int
    basis: PriceBasis = PriceBasis.PER_NIGHT
    weekend_nights: frozenset[int] = UAE_WEEKEND_NIGHTS
    weekend_multiplier: Decimal = Decimal(1)
    seasons: tuple[Season, ...] = ()
    overrides: Mapping[date, int] = field(default_factory=dict)  # night -> nightly price
    weekly_discount_percent: Decimal = Decimal(0)
    monthly_discount_percent: Decimal = Decimal(0)
    base_occupancy: int | None = None  # guests included in the price
    extra_guest_minor: int = 0  # per extra guest per night
    group_discounts: tuple[GroupDiscount, ...] = ()
    cleaning_minor: int = 0  # per stay (per unit for PER_UNIT plans)
    taxes: tuple[Tax, ...] = ()
    quote_only: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a price: ``code`` is stable for receipts and partial refunds."""

    code: str
    label: str
    amount: Money
    quantity: int = 1
    rule: str = ""  # which rule produced it: base, weekend, season:<name>, override, ...


@dataclass(frozen=True, slots=True)
class Priced:
    lines: tuple[Line, ...]
    charges: Money  # everything before tax: nights, extra guests, discounts, cleaning
    taxes: Money

    @property
    def total(self) -> Money:
        return self.charges + self.taxes


@dataclass(frozen=True, slots=True)
class NightRate:
    night: date
    amount: Money
    rule: str


def nightly_rate(plan: RatePlan, night: date) -> NightRate:
    """The price of one night (for one unit or person), and the rule that set it."""
    if night in plan.overrides:
        return NightRate(night, Money(plan.overrides[night], plan.currency), "override")
    base, rule = Money(plan.base_minor, plan.currency), "base"
    season = _season_for(plan.seasons, night)
    if season is not None:
        rule = f"season:{season.name}"
        if season.fixed_minor is not None:
            base = Money(season.fixed_minor, plan.currency)
        elif season.multiplier is not None:
            base = base.percent(season.multiplier * HUNDRED)
    if night.weekday() in plan.weekend_nights and plan.weekend_multiplier != 1:
        return NightRate(night, base.percent(plan.weekend_multiplier * HUNDRED), f"{rule}+weekend")
    return NightRate(night, base, rule)


def _season_for(seasons: Sequence[Season], night: date) -> Season | None:
    holding = [s for s in seasons if s.holds(night)]
    if not holding:
        return None
    return max(holding, key=lambda s: (s.priority, s.start, s.name))  # ties: the later season


def price(
    plan: RatePlan, nights: Sequence[date], *, guests: int, units: int = 1, session: bool = False
) -> Priced:
    """Price ``nights`` (or one session date, for experiences) for a party.

    Raises ``QuoteOnly`` for listings without an instant price.
    """
    if plan.quote_only:
        raise QuoteOnly("this listing has no instant price; send a request to book")
    if not nights or guests < 1 or units < 1:
        raise ValueError("price needs at least one night, one guest and one unit")
    lines = [
        *_night_lines(plan, nights, guests, units, session),
        *_extra_guest_lines(plan, nights, guests),
    ]
    subtotal = Money.total((line.amount for line in lines), plan.currency)
    lines += _discount_lines(plan, subtotal, nights=len(nights), guests=guests, session=session)
    if plan.cleaning_minor and not session:
        cleaning_units = units if plan.basis is PriceBasis.PER_UNIT else 1
        cleaning = Money(plan.cleaning_minor, plan.currency) * cleaning_units
        lines.append(Line("cleaning", "Cleaning fee", cleaning, cleaning_units))
    charges = Money.total((line.amount for line in lines), plan.currency)
    tax_lines = _tax_lines(plan, charges, nights=len(nights), guests=guests, units=units)
    taxes = Money.total((line.amount for line in tax_lines), plan.currency)
    return Priced(tuple(lines + tax_lines), charges, taxes)


def _multiplier(plan: RatePlan, guests: int, units: int) -> int:
    return {PriceBasis.PER_NIGHT: 1, PriceBasis.PER_UNIT: units, PriceBasis.PER_PERSON: guests}[
        plan.basis
    ]


def _night_lines(
    plan: RatePlan, nights: Sequence[date], guests: int, units: int, session: bool
) -> list[Line]:
    """One line per (rate, rule), in order of first appearance."""
    groups: dict[tuple[int, str], int] = {}
    for night in nights:
        rate = nightly_rate(plan, night)
        groups[rate.amount.minor, rate.rule] = groups.get((rate.amount.minor, rate.rule), 0) + 1
    factor = _multiplier(plan, guests, units)
    lines = []
    for (minor, rule), count in groups.items():
        unit_price = Money(minor, plan.currency)
        label = _night_label(count, unit_price, factor, plan.basis, session, rule)
        lines.append(
            Line(
                "session" if session else "nights",
                label,
                unit_price * (count * factor),
                count,
                rule,
            )
        )
    return lines


def _night_label(
    count: int, rate: Money, factor: int, basis: PriceBasis, session: bool, rule: str
) -> str:
    word = "session" if session else ("night" if count == 1 else "nights")
    per = ""
    if basis is PriceBasis.PER_UNIT and factor > 1:
        per = f" × {factor} units"
    elif basis is PriceBasis.PER_PERSON:
        per = " × 1 person" if factor == 1 else f" × {factor} people"
    return f"{count} {word} × {rate}{per} ({rule.replace('+', ', ')})"


def _extra_guest_lines(plan: RatePlan, nights: Sequence[date], guests: int) -> list[Line]:
    if plan.base_occupancy is None or guests <= plan.base_occupancy or not plan.extra_guest_minor:
        return []
    extra = guests - plan.base_occupancy
    amount = Money(plan.extra_guest_minor, plan.currency) * (extra * len(nights))
    label = f"{extra} extra guest(s) × {len(nights)} night(s)"
    return [Line("extra_guests", label, amount, extra, "extra_guest_fee")]


def _discount_lines(
    plan: RatePlan, subtotal: Money, *, nights: int, guests: int, session: bool
) -> list[Line]:
    """Length-of-stay and group discounts, each a percentage of the subtotal (not compounded),
    together never more than the subtotal."""
    candidates: list[tuple[str, str, Decimal]] = []
    if not session and nights >= MONTHLY_NIGHTS and plan.monthly_discount_percent:
        candidates.append(("los_discount", "Monthly discount", plan.monthly_discount_percent))
    elif not session and nights >= WEEKLY_NIGHTS and plan.weekly_discount_percent:
        candidates.append(("los_discount", "Weekly discount", plan.weekly_discount_percent))
    eligible = [g for g in plan.group_discounts if guests >= g.min_people]
    if eligible:
        best = max(eligible, key=lambda g: (g.percent, g.min_people))
        candidates.append(("group_discount", f"Group of {best.min_people}+ discount", best.percent))
    lines, left = [], subtotal
    for code, label, percent in candidates:
        amount = min(subtotal.percent(percent), left)
        left = left - amount
        lines.append(Line(code, f"{label} {percent.normalize():f}%", -amount, 1, code))
    return lines


def _tax_lines(
    plan: RatePlan, charges: Money, *, nights: int, guests: int, units: int
) -> list[Line]:
    lines = []
    for tax in plan.taxes:
        if tax.kind is TaxKind.PERCENT:
            amount, quantity = charges.percent(tax.percent), 1
        else:
            quantity = {
                TaxKind.PER_NIGHT: nights,
                TaxKind.PER_UNIT_NIGHT: nights * units,
                TaxKind.PER_PERSON_NIGHT: nights * guests,
            }[tax.kind]
            amount = Money(tax.amount_minor, plan.currency) * quantity
        lines.append(Line(f"tax:{tax.code}", tax.label, amount, quantity, tax.kind.value))
    return lines


def offered(plan: RatePlan, nights: int, *, charges: Money, guests: int, units: int = 1) -> Priced:
    """A host's counter-offer: one line at the price the host names (before tax), taxed like
    any stay. Works for quote-only listings too: the host's offer is their price."""
    lines = [Line("offer", "Price offered by the host", charges, 1, "offer")]
    tax_lines = _tax_lines(plan, charges, nights=nights, guests=guests, units=units)
    taxes = Money.total((line.amount for line in tax_lines), plan.currency)
    return Priced(tuple(lines + tax_lines), charges, taxes)
