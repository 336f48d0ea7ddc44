"""Earnings from the ledger: by month (on the organization's calendar) and by listing, with
what guests paid, the fees, the host's net, what was paid out and what is pending, for a
date range. The figures are ``payments.reports``'s sums of ledger postings."""

from __future__ import annotations

import datetime as dt

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.deps import ServicesDep
from innkeeper.payments import reports
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostDep
from innkeeper.web.render import render

router = page_router()


@router.get("/host/{org_id:uuid}/earnings", response_class=HTMLResponse)
def earnings_page(request: Request, host: HostDep, services: ServicesDep) -> Response:
    today = host.today(services)
    reader = FormReader(request.query_params)
    first = reader.date("from", required=False) or today.replace(month=1, day=1)
    last = reader.date("to", required=False) or today
    if last < first:
        reader.error("to", "must not be before the first date")
    breakdown = None
    if reader.ok:
        breakdown = reports.host_earnings_breakdown(
            services, host.viewer.actor, host.org.id, time_zone=host.org.time_zone,
            since=host.starts(first), until=host.starts(last + dt.timedelta(days=1)),
        )  # fmt: skip
    return render(
        request,
        "host/earnings.html.j2",
        status=200 if reader.ok else 422,
        **host.layout(),
        breakdown=breakdown,
        titles={str(k): v for k, v in host.listing_titles(services).items()},
        first=first,
        last=last,
        form={"from": first.isoformat(), "to": last.isoformat()} | reader.values,
        errors=reader.errors,
    )
