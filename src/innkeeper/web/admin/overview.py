"""``/admin``: the platform's key figures and their charts over a chosen range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from innkeeper.admin import reports
from innkeeper.admin.reports import Period
from innkeeper.deps import ServicesDep
from innkeeper.web import charts
from innkeeper.web.admin.common import Filters
from innkeeper.web.errors import page_router
from innkeeper.web.render import money, render, short_day
from innkeeper.web.viewer import AdminDep

router = page_router()
DEFAULT_DAYS: Final = 30
PERIODS: Final = [(p.value, f"per {p.value}") for p in Period]


@router.get("/admin", response_class=HTMLResponse)
def overview(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    today = services.clock.now().astimezone(dt.UTC).date()
    first = filters.reader.date("from", required=False)
    last = filters.reader.date("to", required=False)
    period = filters.choice("by", Period) or Period.DAY
    known = reports.currencies(services, viewer.actor)
    currency = filters.reader.choice("currency", known, required=False) if known else None
    currency = currency or (known[0] if known else None)
    last = last or today
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        filters.reader.error("to", "must not be before the start date")
        first = last
    end = last + dt.timedelta(days=1)
    if len(reports.bucket_starts(first, end, period)) >= reports.MAX_BUCKETS:
        filters.reader.error("by", "too many points: group by week or month, or shorten the range")
        period = Period.MONTH
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    until = dt.datetime.combine(end, dt.time(), dt.UTC)
    figures = reports.figures(services, viewer.actor, since=since, until=until)
    series = reports.series(
        services, viewer.actor, since=first, until=end, period=period, currency=currency
    )
    return render(
        request,
        "admin/overview.html.j2",
        status=422 if filters.errors else 200,
        figures=figures,
        charts=_charts(series),
        form={"from": first.isoformat(), "to": last.isoformat(), "by": period.value,
              "currency": currency or ""},
        errors=filters.errors,
        periods=PERIODS,
        currencies=[(c, c) for c in known],
        first=first,
        last=last,
    )  # fmt: skip


def _charts(series: reports.Series) -> list[Markup]:
    labels = [_label(point.start, series.period) for point in series.points]
    axis = {Period.DAY: "Day", Period.WEEK: "Week starting", Period.MONTH: "Month"}[series.period]
    made = [
        charts.render(
            charts.Chart(
                id="chart-bookings", title=f"Bookings made per {series.period.value}",
                x_label=axis, y_label="Bookings", labels=labels,
                values=[p.bookings for p in series.points],
            ),
            lambda v: f"{v:g}",
        )
    ]  # fmt: skip
    currency = series.currency
    if currency is None:
        return made
    as_money = _money_text(currency)
    made.append(
        charts.render(
            charts.Chart(
                id="chart-gmv", title=f"GMV per {series.period.value} ({currency})",
                x_label=axis, y_label=f"Paid by guests ({currency})", labels=labels,
                values=[p.gmv for p in series.points],
            ),
            as_money,
        )
    )  # fmt: skip
    made.append(
        charts.render(
            charts.Chart(
                id="chart-fees", title=f"Fee revenue per {series.period.value} ({currency})",
                x_label=axis, y_label=f"Platform fees, net ({currency})", labels=labels,
                values=[p.fees for p in series.points], kind="line",
            ),
            as_money,
        )
    )  # fmt: skip
    return made


def _money_text(currency: str) -> Callable[[int | float], str]:
    return lambda value: money(int(value), currency)


def _label(start: dt.date, period: Period) -> str:
    if period is Period.MONTH:
        return start.strftime("%b %Y")
    return short_day(start)
