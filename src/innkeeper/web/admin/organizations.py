"""``/admin/organizations``: every organization, searchable by name, and one with its
members, listings and payout account."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts import organizations
from innkeeper.catalog import service as catalog
from innkeeper.catalog.repository import ListingFilters
from innkeeper.deps import ServicesDep
from innkeeper.payments import connect
from innkeeper.payments.connect import NoPayoutAccount
from innkeeper.web.admin.common import PAGE_SIZE, Filters
from innkeeper.web.errors import page_router
from innkeeper.web.render import render
from innkeeper.web.viewer import AdminDep

router = page_router()


@router.get("/admin/organizations", response_class=HTMLResponse)
def organization_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    name = filters.text("name")
    rows, total = organizations.admin_organizations(
        services, viewer.actor, name_contains=name, limit=PAGE_SIZE, offset=filters.offset
    )
    return render(
        request, "admin/organizations.html.j2", status=422 if filters.errors else 200,
        organizations=rows, total=total, limit=PAGE_SIZE, offset=filters.offset,
        base=filters.base(), form=filters.values, errors=filters.errors,
    )  # fmt: skip


@router.get("/admin/organizations/{organization_id}", response_class=HTMLResponse)
def organization_page(
    request: Request, organization_id: uuid.UUID, viewer: AdminDep, services: ServicesDep
) -> Response:
    org = organizations.get_organization(services, viewer.actor, organization_id)
    members = organizations.list_members(services, viewer.actor, organization_id)
    listings = catalog.list_host_listings(
        services, viewer.actor, organization_id, ListingFilters(), limit=1, offset=0
    )
    try:
        account = connect.status(services, viewer.actor, organization_id, None)
    except NoPayoutAccount:
        account = None
    return render(
        request, "admin/organization.html.j2", org=org, members=members,
        listings_total=listings.total, account=account,
        account_state=None if account is None else connect.state_of(account),
    )  # fmt: skip
