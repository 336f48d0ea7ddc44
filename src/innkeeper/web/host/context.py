"""The organization a host page is about, loaded from the path and checked for the viewer.

Every ``/host/{org_id}/...`` page takes ``HostDep``: the organization comes from the same
service (and tenancy check) as ``GET /api/v1/organizations/{id}``, so a stranger gets the
same 404 the API gives, and a member whose role lacks a permission gets a 403 page from
the service the page calls. Templates extending ``host/_layout.html.j2`` need ``org`` and
``orgs``: pass ``**host.layout()``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole, Permission
from innkeeper.accounts.models import Organization
from innkeeper.catalog import service as catalog
from innkeeper.catalog.repository import ListingFilters
from innkeeper.core.dates import local_date
from innkeeper.deps import ServicesDep
from innkeeper.services import Services
from innkeeper.web.viewer import Viewer, ViewerDep, host_organizations


@dataclass(frozen=True, slots=True)
class HostContext:
    """The viewer working inside one organization."""

    viewer: Viewer
    org: Organization
    orgs: list[tuple[Organization, MemberRole]]  # the viewer's organizations, for the switcher
    role: MemberRole | None  # None for a platform admin who is not a member

    @property
    def org_id(self) -> uuid.UUID:
        return self.org.id

    @property
    def base(self) -> str:
        """The organization's dashboard path; other host pages hang below it."""
        return f"/host/{self.org.id}"

    def may(self, permission: Permission) -> bool:
        """Whether to offer an action (the service still decides when it is used)."""
        return self.viewer.actor.may(self.org.id, permission)

    def today(self, services: Services) -> dt.date:
        """Today on the organization's calendar (arrivals and departures are by its day)."""
        return local_date(services.clock.now(), self.org.time_zone)

    def starts(self, day: dt.date) -> dt.datetime:
        """The instant ``day`` begins on the organization's calendar."""
        return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(self.org.time_zone))

    def listing_titles(self, services: Services) -> dict[uuid.UUID, str]:
        """The organization's listings' titles by id, for tables and filters (empty for a
        member whose role may not see listings)."""
        if not self.may(Permission.VIEW_LISTINGS):
            return {}
        page = catalog.list_host_listings(
            services, self.viewer.actor, self.org.id, ListingFilters(), limit=200, offset=0
        )
        return {view.listing.id: view.listing.title for view in page.items}

    def layout(self) -> dict[str, Any]:
        """What ``host/_layout.html.j2`` needs, plus ``host`` itself for templates."""
        return {"org": self.org, "orgs": self.orgs, "host": self}


def host_context(org_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep) -> HostContext:
    """``org_id`` from the path; NotFound (404) for anyone the API would not show it to."""
    org = organizations.get_organization(services, viewer.actor, org_id)
    return HostContext(
        viewer=viewer,
        org=org,
        orgs=host_organizations(services, viewer),
        role=viewer.actor.memberships.get(org.id),
    )


HostDep = Annotated[HostContext, Depends(host_context)]
