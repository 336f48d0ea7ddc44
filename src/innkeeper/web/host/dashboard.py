"""The host's day: ``/host`` picks an organization, ``/host/{org_id}`` shows today's arrivals
and departures (on the organization's calendar), requests waiting for a reply, the next
bookings, this month's earnings and the payout account's state."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.bookings import queries
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.deps import ServicesDep
from innkeeper.payments import connect, reports
from innkeeper.services import Services
from innkeeper.web.errors import page_router
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import ViewerDep, host_organizations

router = page_router()

STAYING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
UPCOMING = (
    BookingStatus.CONFIRMED,
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.PAYMENT_ACTION_REQUIRED,
)


@router.get("/host", response_class=HTMLResponse)
def host_home(viewer: ViewerDep, services: ServicesDep) -> Response:
    orgs = host_organizations(services, viewer)
    if not orgs:
        return redirect("/host/new")
    return redirect(f"/host/{orgs[0][0].id}")


@router.get("/host/switch", response_class=HTMLResponse)
def switch(viewer: ViewerDep, org: uuid.UUID) -> Response:
    """The layout's organization switcher (a GET form): the chosen organization's dashboard,
    where the usual checks apply."""
    return redirect(f"/host/{org}")


@router.get("/host/{org_id:uuid}", response_class=HTMLResponse)
def dashboard(request: Request, host: HostDep, services: ServicesDep) -> Response:
    today = host.today(services)
    tomorrow = today + dt.timedelta(days=1)
    arrivals = _bookings(services, host, STAYING, arriving_from=today, arriving_to=tomorrow)
    departures = _bookings(services, host, STAYING, departing_from=today, departing_to=tomorrow)
    requests = _bookings(services, host, (BookingStatus.REQUESTED,))
    upcoming = _bookings(services, host, UPCOMING, arriving_from=tomorrow, limit=10)
    month = today.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    earnings = reports.host_earnings(
        services, host.viewer.actor, host.org.id,
        since=host.starts(month), until=host.starts(next_month),
    )  # fmt: skip
    try:
        account = connect.status(services, host.viewer.actor, host.org.id, None)
    except connect.NoPayoutAccount:
        account = None
    return render(
        request,
        "host/dashboard.html.j2",
        **host.layout(),
        today=today,
        month=month,
        arrivals=arrivals[0],
        departures=departures[0],
        requests=requests[0],
        requests_total=requests[1],
        upcoming=upcoming[0],
        earnings=earnings,
        account=account,
        account_state=None if account is None else connect.state_of(account),
        titles=host.listing_titles(services),
    )


def _bookings(
    services: Services,
    host: HostContext,
    statuses: tuple[BookingStatus, ...],
    *,
    arriving_from: dt.date | None = None,
    arriving_to: dt.date | None = None,
    departing_from: dt.date | None = None,
    departing_to: dt.date | None = None,
    limit: int = 50,
) -> tuple[list[Booking], int]:
    filters = queries.Filters(
        arriving_from=arriving_from, arriving_to=arriving_to, statuses=statuses,
        departing_from=departing_from, departing_to=departing_to, soonest_first=True,
        limit=limit,
    )  # fmt: skip
    return queries.for_organization(services, host.viewer.actor, host.org.id, filters)
