"""Refusals on pages are pages: the JSON API's error mapping stays as it is, and a request
made by a page (or by a browser to a path outside the API) gets an HTML answer instead,
with the same status code. ``LoginRequired`` becomes a redirect to the login page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from innkeeper import api
from innkeeper.core.errors import DomainError, Unauthenticated
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import LoginRequired, current_viewer, login_url

NOT_PAGES = ("/api/", "/webhooks/", "/health", "/docs", "/openapi.json", "/redoc", "/_")

TITLES = {
    400: "That request could not be read",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "That cannot be done now",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def mark_page(request: Request) -> None:
    request.state.page = True


def page_router() -> APIRouter:
    """A router whose routes are pages: left out of the API schema, errors as HTML."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])


def is_page(request: Request) -> bool:
    if getattr(request.state, "page", False):
        return True
    path = request.url.path
    wants_html = "text/html" in request.headers.get("accept", "")
    return wants_html and not path.startswith(NOT_PAGES)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def _error_page(request: Request, status: int, message: str) -> Response:
    _load_viewer(request)
    return render(
        request,
        "errors/error.html.j2",
        status=status,
        title=TITLES.get(status, "That did not work"),
        message=message,
        status_code=status,
    )


def _load_viewer(request: Request) -> None:
    """The error page's header shows who is logged in, even when the route never ran."""
    if getattr(request.state, "viewer", None) is None:
        try:
            current_viewer(request, request.app.state.services)
        except Exception:  # noqa: BLE001 - an error page must render whatever happened
            request.state.viewer = None


def _domain_error(request: Request, error: DomainError) -> Response:
    if not is_page(request):
        return api.domain_error(request, error)
    if isinstance(error, LoginRequired | Unauthenticated):
        return redirect(login_url(request))
    return _error_page(request, api.status_for(error), error.message)


def _validation_error(request: Request, error: RequestValidationError) -> Response:
    if not is_page(request):
        return api.validation_error(request, error)
    problems: list[Any] = list(error.errors())
    parts = []
    for item in problems:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {item.get('msg', 'is invalid')}")
    return _error_page(request, 422, "; ".join(parts) or "the address is not valid")


def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if not is_page(request):
        return api.http_error(request, error)
    message = error.detail if isinstance(error.detail, str) else "that did not work"
    if error.status_code == 404:
        message = "There is no page at this address."
    return _error_page(request, error.status_code, message)


def _unexpected_error(request: Request, error: Exception) -> Response:
    response = api.unexpected_error(request, error)  # logs it
    if not is_page(request):
        return response
    return _error_page(request, 500, "Something went wrong on our side; it has been logged.")
