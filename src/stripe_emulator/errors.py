"""Stripe's error envelope and HTTP statuses, raised by any handler and rendered by the server.

The SDK picks its exception class from the HTTP status and ``error.type``, so both must match
what Stripe sends: 400 ``invalid_request_error``, 402 ``card_error``, 404 ``resource_missing``,
400 ``idempotency_error`` and so on.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.stripe.com/error-codes"


class StripeError(Exception):
    """An API error; ``extra`` carries the embedded objects (payment_intent, charge, …)."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.headers = headers or {}
        self.extra = extra

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if request_id:
            error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 ``invalid_request_error``: a missing, malformed or contradictory parameter."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param)


def missing(kind: str, object_id: str, param: str | None = "id") -> StripeError:
    """A 404 for an id that does not exist (or belongs to another account)."""
    return StripeError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def unexpected_state(message: str, **extra: Any) -> StripeError:
    """A 400 for an operation the object's status does not allow."""
    code = extra.pop("code", "payment_intent_unexpected_state")
    return StripeError(400, "invalid_request_error", message, code=code, **extra)


def card_error(
    message: str, code: str, decline_code: str | None = None, **extra: Any
) -> StripeError:
    """A 402 ``card_error`` (declines, authentication required)."""
    return StripeError(402, "card_error", message, code=code, decline_code=decline_code, **extra)
