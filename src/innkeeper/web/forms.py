"""Reading HTML form fields into values, collecting one message per field.

Pages show each message beside its field and keep what the person typed, so a reader is
built from the raw form, hands out typed values, and keeps the errors in ``errors``. A
service's ``InvalidInput`` adds its field problems through ``absorb``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData, QueryParams

from innkeeper.core.errors import DomainError, InvalidInput
from innkeeper.core.money import Money

FORM_ERROR = "_form"  # the key of a message about the whole form, shown above it


class FormReader:
    """Typed access to a submitted form (or a query string) with per-field errors."""

    def __init__(self, data: FormData | QueryParams | Mapping[str, str]) -> None:
        self._data = data
        self.errors: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def values(self) -> dict[str, str]:
        """Every field as typed, for re-filling the form (the token is left out)."""
        return {k: str(v) for k, v in self._data.items() if k != "csrf_token"}

    def raw(self, name: str) -> str:
        value = self._data.get(name)
        return value.strip() if isinstance(value, str) else ""

    def many(self, name: str) -> list[str]:
        getlist = getattr(self._data, "getlist", None)
        items = getlist(name) if getlist else [self._data.get(name)]
        return [item.strip() for item in items if isinstance(item, str) and item.strip()]

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 2000) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "is required")
            return None
        if len(value) > max_length:
            self.error(name, f"must be at most {max_length} characters")
            return None
        return value

    def email(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_length=320)
        if value is None:
            return None
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            self.error(name, str(exc))
            return None

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "is required")
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(name, "must be a whole number")
            return None
        if minimum is not None and number < minimum:
            self.error(name, f"must be at least {minimum}")
            return None
        if maximum is not None and number > maximum:
            self.error(name, f"must be at most {maximum}")
            return None
        return number

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "is required")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(name, "must be a date (YYYY-MM-DD)")
            return None

    def decimal(
        self, name: str, *, required: bool = True, minimum: Decimal | None = None
    ) -> Decimal | None:
        value = self.raw(name).replace(",", "")
        if not value:
            if required:
                self.error(name, "is required")
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(name, "must be a number")
            return None
        if not number.is_finite():
            self.error(name, "must be a number")
            return None
        if minimum is not None and number < minimum:
            self.error(name, f"must be at least {minimum}")
            return None
        return number

    def money(
        self, name: str, currency: str, *, required: bool = True, positive: bool = False
    ) -> Money | None:
        value = self.raw(name).replace(",", "")
        if not value:
            if required:
                self.error(name, "is required")
            return None
        try:
            amount = Money.parse(value, currency)
        except (ValueError, ArithmeticError) as exc:
            self.error(name, str(exc) or f"must be an amount in {currency}")
            return None
        if amount.minor < 0 or (positive and amount.minor == 0):
            self.error(name, "must be more than zero" if positive else "must not be negative")
            return None
        return amount

    def choice(
        self, name: str, options: Mapping[str, object] | list[str], *, required: bool = True
    ) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, "is required")
            return None
        if value not in options:
            self.error(name, "is not one of the choices")
            return None
        return value

    def flag(self, name: str) -> bool:
        return self.raw(name) in {"on", "true", "1", "yes"}

    def absorb(self, error: DomainError, aliases: Mapping[str, str] | None = None) -> None:
        """Put a service's refusal beside the fields it names (``aliases`` maps the
        service's field paths to this form's names); the rest goes above the form."""
        placed = False
        if isinstance(error, InvalidInput):
            for problem in error.fields:
                name = (aliases or {}).get(problem.field, problem.field)
                if name in self._data or (aliases and problem.field in aliases):
                    self.error(name, problem.message)
                    placed = True
        if not placed:
            self.error(FORM_ERROR, error.message)
