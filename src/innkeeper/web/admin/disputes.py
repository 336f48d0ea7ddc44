"""``/admin/disputes``: chargebacks and inquiries on every organization's payments, one
dispute in full, and the risk signals (early fraud warnings, Radar reviews)."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.admin import reports
from innkeeper.deps import ServicesDep
from innkeeper.payments import disputes
from innkeeper.payments.disputes import DisputeFilter
from innkeeper.web.admin.common import PAGE_SIZE, Filters, options
from innkeeper.web.errors import page_router
from innkeeper.web.render import render
from innkeeper.web.viewer import AdminDep

router = page_router()


@router.get("/admin/disputes", response_class=HTMLResponse)
def dispute_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    status = filters.choice("status", DisputeFilter)
    page = disputes.for_admins(
        services, viewer.actor, status=status, limit=PAGE_SIZE, offset=filters.offset
    )
    return render(
        request, "admin/disputes.html.j2", status=422 if filters.errors else 200,
        page=page, base=filters.base(), form=filters.values, errors=filters.errors,
        status_options=options(DisputeFilter), closed=disputes.CLOSED,
    )  # fmt: skip


@router.get("/admin/disputes/{dispute_id}", response_class=HTMLResponse)
def dispute_page(
    request: Request, dispute_id: uuid.UUID, viewer: AdminDep, services: ServicesDep
) -> Response:
    found = reports.dispute_detail(services, viewer.actor, dispute_id)
    return render(request, "admin/dispute.html.j2", found=found, dispute=found.dispute)


@router.get("/admin/risk-signals", response_class=HTMLResponse)
def risk_signals(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    open_only = filters.flag("open")
    rows, total = disputes.signals_for_admins(
        services, viewer.actor, open_only=open_only, limit=PAGE_SIZE, offset=filters.offset
    )
    return render(
        request, "admin/risk_signals.html.j2", signals=rows, total=total, limit=PAGE_SIZE,
        offset=filters.offset, base=filters.base(), open_only=open_only,
    )  # fmt: skip
