"""Turn a template and its data snapshot into the words a person reads, in their language.

Templates live in ``templates/<language>/<name>.j2``: one file per event and language, with
one block per channel (``subject``, ``title``, ``body``, ``sms``). The language's
``_layout.j2`` wraps the body into the HTML and plain-text emails and adds the booking's
details. HTML is rendered by an autoescaping environment, text by a plain one, from the
same file, so the two never drift apart.

Money, dates and times are formatted by ``babel`` in the recipient's locale; times are
shown in the listing's time zone (an arrival is at 15:00 where the flat is, wherever the
guest reads it).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from innkeeper.core.currency import exponent

LANGUAGES = ("en", "ar")  # a directory of templates each; the first is the fallback


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None  # email only
    title: str  # a one-line summary: the in-app title, the SMS's fallback


def language_of(locale: str) -> str:
    """The template language for ``locale`` ("ar_AE" → "ar"), English when we have none."""
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGES else LANGUAGES[0]


def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(LANGUAGES[0])


def render(name: str, *, locale: str, time_zone: str, data: Mapping[str, Any]) -> Rendered:
    """Every channel's text of template ``name`` for one recipient."""
    values = _values(locale, time_zone, data)
    text_template = _get(_text_env(), locale, name)
    html_template = _get(_html_env(), locale, name)
    return Rendered(
        subject=_block(text_template, "subject", values).strip(),
        text=text_template.render({**values, "format": "text"}).strip() + "\n",
        html=html_template.render({**values, "format": "html"}),
        title=_block(text_template, "title", values).strip(),
    )


def render_sms(name: str, *, locale: str, time_zone: str, data: Mapping[str, Any]) -> str:
    values = _values(locale, time_zone, data)
    return " ".join(_block(_get(_text_env(), locale, name), "sms", values).split())


def render_document(name: str, *, locale: str, time_zone: str, data: Mapping[str, Any]) -> str:
    """A whole HTML document (a receipt), from ``templates/<language>/_<name>.j2``."""
    values = _values(locale, time_zone, data)
    return _get(_html_env(), locale, f"_{name}").render({**values, "format": "html"})


def has_template(name: str) -> bool:
    return all(_exists(language, name) for language in LANGUAGES)


def _exists(language: str, name: str) -> bool:
    return f"{language}/{name}.j2" in _text_env().list_templates()


def _values(locale: str, time_zone: str, data: Mapping[str, Any]) -> dict[str, Any]:
    where = (
        data.get("listing", {}).get("time_zone") if isinstance(data.get("listing"), dict) else None
    )
    found = babel_locale(locale)
    return {
        **data,
        "lang": found.language,
        "direction": found.text_direction,
        "_locale": found,
        "_zone": ZoneInfo(where or time_zone),
    }


def _get(env: Environment, locale: str, name: str) -> Template:
    return env.get_template(f"{language_of(locale)}/{name}.j2")


def _block(template: Template, block: str, values: dict[str, Any]) -> str:
    context = template.new_context({**values, "format": "text"})
    return "".join(template.blocks[block](context))


@functools.cache
def _text_env() -> Environment:
    return _environment(autoescape=False)


@functools.cache
def _html_env() -> Environment:
    return _environment(autoescape=True)


def _environment(*, autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("innkeeper.notifications", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,  # a misspelt field fails the tests, not a guest's email
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        money=_money, date=_date, datetime=_datetime, time=_time, paragraphs=_paragraphs
    )
    return env


@pass_context
def _money(context: Context, minor: int, currency: str) -> str:
    amount = Decimal(minor).scaleb(-exponent(currency))
    return format_currency(amount, currency, locale=context["_locale"])


@pass_context
def _date(context: Context, value: str | date) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_skeleton("yMMMEd", day, locale=context["_locale"])


@pass_context
def _datetime(context: Context, value: str | datetime) -> str:
    """Date and time on the listing's wall clock, joined the way the locale joins them."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    locale: Locale = context["_locale"]
    local = instant.astimezone(context["_zone"])
    day = format_skeleton("yMMMEd", local, locale=locale)
    clock = format_time(local.time(), "short", locale=locale)
    pattern = str(locale.datetime_formats.get("medium", "{1} {0}"))
    return pattern.replace("{1}", day).replace("{0}", clock)


@pass_context
def _time(context: Context, value: str | time) -> str:
    clock = time.fromisoformat(value) if isinstance(value, str) else value
    return format_time(clock, "short", locale=context["_locale"])


@pass_context
def _paragraphs(context: Context, text: str) -> Markup:
    """Blank-line separated text as HTML paragraphs, escaped unless already markup."""
    parts = [part.strip() for part in str(text).split("\n\n") if part.strip()]
    safe = [part if isinstance(text, Markup) else escape(part) for part in parts]
    return Markup("").join(Markup("<p>{}</p>\n").format(Markup(p)) for p in safe)
