"""The JSON API's one error mapping: every refusal becomes
``{"error": {"code", "message", "fields"?, "request_id"}}`` with the status chosen here.

User input never produces a 500: shape errors are 400/422 from Pydantic, meaning errors are
``DomainError`` subclasses, and only a bug reaches the catch-all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from innkeeper.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from innkeeper.observability import current_request_id
from innkeeper.payments.domain import PaymentFailed, PaymentProviderUnavailable
from innkeeper.webhooks.inbox import NotConfigured as WebhooksNotConfigured

_log = logging.getLogger(__name__)

STATUS_FOR: Final[tuple[tuple[type[DomainError], int], ...]] = (
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
    (TooManyRequests, 429),
    (PaymentFailed, 402),
    (PaymentProviderUnavailable, 503),
    (WebhooksNotConfigured, 503),
)

_HTTP_CODES: Final = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
    415: "unsupported_media_type",
}  # fmt: skip

ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    status: {"description": description, "model": None}
    for status, description in (
        (401, "Not authenticated"),
        (404, "Not found, or not yours to see"),
        (422, "Invalid input; `error.fields` names each field"),
    )
}


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_FOR:
        if isinstance(error, kind):
            return status
    return 400


def error_body(
    code: str,
    message: str,
    fields: Sequence[FieldProblem] = (),
    details: dict[str, object] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": current_request_id()}
    if fields:
        error["fields"] = [{"field": f.field, "message": f.message} for f in fields]
    if details:
        error["details"] = details
    return {"error": error}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)


def domain_error(request: Request, error: DomainError) -> JSONResponse:
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    body = error_body(error.code, error.message, error.fields, error.details)
    return JSONResponse(body, status_code=status_for(error), headers=headers)


def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [_problem(item) for item in error.errors()]
    if any(item.get("type") == "json_invalid" for item in error.errors()):
        return JSONResponse(
            error_body("invalid_json", "the request body is not valid JSON"), status_code=400
        )
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return JSONResponse(error_body("invalid_input", summary, problems), status_code=422)


def _problem(item: Any) -> FieldProblem:
    location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location) or "body"
    message = str(item.get("msg", "is invalid"))
    return FieldProblem(field, message.removeprefix("Value error, "))


def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
    return JSONResponse(
        error_body(code, message), status_code=error.status_code, headers=error.headers
    )


def database_error(request: Request, error: DBAPIError) -> JSONResponse:
    """A lost connection is the database's hiccup, not a bug: ask the client to retry."""
    if not error.connection_invalidated and not isinstance(error, OperationalError):
        return unexpected_error(request, error)
    _log.warning("database unavailable", extra={"path": request.url.path})
    return JSONResponse(
        error_body("database_unavailable", "the database is unavailable; retry shortly"),
        status_code=503,
        headers={"Retry-After": "1"},
    )


def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # Handlers run outside the ``except`` block, so the exception is passed explicitly.
    _log.error("unhandled error", exc_info=error, extra={"path": request.url.path})
    return JSONResponse(
        error_body("internal_error", "something went wrong on our side; it has been logged"),
        status_code=500,
    )
