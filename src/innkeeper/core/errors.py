"""Domain errors: every business refusal has a stable ``code`` that clients can rely on.

The HTTP status for each kind is chosen in one table (``innkeeper.api``); nothing below a
router knows about HTTP. Messages state the actual cause and never contain secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid input field: a dotted path (``location.lat``) and why it was refused."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every refusal the engine gives on purpose. Subclasses set ``code``."""

    code = "domain_error"
    details: dict[str, object] | None = None  # extra structure a client can act on

    def __init__(self, message: str, *, fields: tuple[FieldProblem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (tenancy)."""

    code = "not_found"


class Unauthenticated(DomainError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The caller is known and may see the object, but not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, an illegal transition)."""

    code = "conflict"


class InvalidInput(DomainError):
    """The input is well-formed but means something the engine refuses; names each field."""

    code = "invalid_input"

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", fields=(FieldProblem(field, message),))

    @classmethod
    def for_fields(cls, problems: Mapping[str, str]) -> InvalidInput:
        fields = tuple(FieldProblem(name, message) for name, message in problems.items())
        summary = "; ".join(f"{p.field}: {p.message}" for p in fields)
        return cls(summary, fields=fields)


class TooManyRequests(DomainError):
    """A rate limit refused the request; ``retry_after_seconds`` says when to try again."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
