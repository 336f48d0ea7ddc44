"""``/admin/audit``: the audit log, filtered by actor, object, action and time, paged."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.admin import reports
from innkeeper.audit import service as audit
from innkeeper.audit.models import AuditEntry
from innkeeper.deps import ServicesDep
from innkeeper.web.admin.common import PAGE_SIZE, Filters
from innkeeper.web.errors import page_router
from innkeeper.web.render import render
from innkeeper.web.viewer import AdminDep

router = page_router()


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    who = filters.text("actor", max_length=320)
    actor_id = None
    if who:
        actor_id = reports.find_user(services, viewer.actor, who)
        if actor_id is None:
            filters.reader.error("actor", "no user has this email address or id")
    window = filters.window()
    entity_type = filters.text("type", max_length=50)
    entity_id = filters.text("object", max_length=64)
    action = filters.text("action", max_length=50)
    organization_id = filters.uuid("organization")
    rows: list[AuditEntry] = []
    total = 0
    if not filters.errors:
        rows, total = audit.search(
            services, viewer.actor, entity_type=entity_type, entity_id=entity_id,
            organization_id=organization_id, actor_user_id=actor_id, action=action,
            since=window.since, until=window.until, limit=PAGE_SIZE, offset=filters.offset,
        )  # fmt: skip
    emails = reports.emails_of(services, viewer.actor, [row.actor_user_id for row in rows])
    return render(
        request, "admin/audit.html.j2", status=422 if filters.errors else 200, entries=rows,
        total=total, limit=PAGE_SIZE, offset=filters.offset, base=filters.base(),
        form=filters.values, errors=filters.errors, emails=emails,
    )  # fmt: skip
