"""Rendering pages: one Jinja2 environment, the layout's context, flash messages.

``render`` adds what every layout needs (the viewer, the CSRF token, the flash message,
the current path for navigation) so a page handler passes only its own data.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from innkeeper.core.currency import exponent
from innkeeper.core.money import Money
from innkeeper.web import csrf
from innkeeper.web.forms import FORM_ERROR

FLASH_COOKIE = "innkeeper_flash"
LOCALE = "en"
PAGE_HEADERS: Mapping[str, str] = {
    # No form-action: hosted Checkout and Connect onboarding are reached by redirects
    # after a POST, which form-action would block in Chromium.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    flash = _read_flash(request)
    token = csrf.token_for(request, viewer)
    context.setdefault("errors", {})
    context.setdefault("form", {})
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            viewer=viewer,
            csrf_token=token,
            flash=flash,
            path=request.url.path,
            FORM_ERROR=FORM_ERROR,
            **context,
        )
    )
    response = HTMLResponse(page, status_code=status, headers=dict(PAGE_HEADERS))
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    new_token = getattr(request.state, "new_csrf", None)
    if new_token:
        response.set_cookie(
            csrf.ANON_COOKIE, new_token, httponly=True, samesite="lax", path="/", secure=False
        )
    return response


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """A 303 after a successful POST (so reload never re-submits), with an optional
    one-time message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE, quote(flash[:300]), max_age=60, httponly=True, samesite="lax", path="/"
        )
    return response


def _read_flash(request: Request) -> str | None:
    value = request.cookies.get(FLASH_COOKIE)
    return unquote(value) if value else None


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("innkeeper.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails a test, not a guest's page
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        amount=amount_text,
        day=day,
        short_day=short_day,
        moment=moment,
        number=lambda value: format_decimal(value, locale=LOCALE),
    )
    return env


def money(value: Money | int | None, currency: str | None = None) -> str:
    """``Money`` or minor units plus currency, the way a person reads a price."""
    if value is None:
        return "—"
    if isinstance(value, Money):
        minor, code = value.minor, value.currency
    else:
        if currency is None:
            raise ValueError("minor units need a currency")
        minor, code = value, currency
    return format_currency(Decimal(minor).scaleb(-exponent(code)), code, locale=LOCALE)


def amount_text(minor: int, currency: str) -> str:
    """Minor units as the plain decimal a form field holds (``1250, "AED"`` → ``12.50``)."""
    return str(Decimal(minor).scaleb(-exponent(currency)))


def day(value: dt.date | str | None) -> str:
    if value is None:
        return "—"
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_skeleton("yMMMEd", date, locale=LOCALE)


def short_day(value: dt.date) -> str:
    return format_skeleton("MMMd", value, locale=LOCALE)


def moment(value: dt.datetime | None, zone: str | None = None) -> str:
    """An instant on a wall clock (the listing's or organization's zone, else UTC)."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone or "UTC"))
    clock = format_time(local.time(), "short", locale=LOCALE)
    suffix = "" if zone else " UTC"
    return f"{format_skeleton('yMMMd', local, locale=LOCALE)}, {clock}{suffix}"
