"""The requests inbox: requests to book waiting for the host, and counter-offers waiting for
the guest. Each request is accepted from the inbox, or answered on its own page with a
decline (a reason) or a counter-offer (a price, other dates or party, and a message)."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts.domain import Permission
from innkeeper.bookings import changes, queries, service
from innkeeper.bookings.domain import BookingStatus, Event
from innkeeper.bookings.models import Booking
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.deps import ServicesDep
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.render import redirect, render

router = page_router()
INBOX = "/host/{org_id:uuid}/requests"
ONE = INBOX + "/{booking_id:uuid}"
FIXABLE = (InvalidInput, Conflict)
WAITING = (BookingStatus.REQUESTED, BookingStatus.COUNTER_OFFERED)
# the service's field names → this page's
OFFER_FIELDS = {"price_minor": "price", "hours": "hours", "guests": "guests"}


@router.get(INBOX, response_class=HTMLResponse)
def inbox(request: Request, host: HostDep, services: ServicesDep) -> Response:
    return _inbox(request, services, host)


@router.get(ONE, response_class=HTMLResponse)
def reply_page(
    request: Request, host: HostDep, booking_id: uuid.UUID, services: ServicesDep
) -> Response:
    return _reply(request, services, host, booking_id)


@router.post(ONE + "/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    booking = _request(services, host, booking_id)
    reader = FormReader(form)
    try:
        changes.accept(services, host.viewer.actor, booking_id)
    except FIXABLE as error:
        reader.absorb(error)
        return _reply(request, services, host, booking_id, reader, section="accept")
    return redirect(
        f"{host.base}/requests",
        flash=f"Request {booking.code} accepted: the guest can pay now.",
    )


@router.post(ONE + "/decline", response_class=HTMLResponse)
def decline(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    booking = _request(services, host, booking_id)
    reader = FormReader(form)
    reason = reader.text("reason", max_length=1000)
    if reader.ok and reason:
        try:
            service.transition(
                services, host.viewer.actor, booking_id, Event.DECLINE, reason=reason
            )
        except FIXABLE as error:
            reader.absorb(error)
        else:
            return redirect(f"{host.base}/requests", flash=f"Request {booking.code} declined.")
    return _reply(request, services, host, booking_id, reader, section="decline")


@router.post(ONE + "/counter-offer", response_class=HTMLResponse)
def counter_offer(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    booking = _request(services, host, booking_id)
    reader = FormReader(form)
    price = reader.money("price", booking.currency, required=False)
    check_in = reader.date("check_in", required=False)
    check_out = reader.date("check_out", required=False)
    if check_in and check_out and check_out <= check_in:
        reader.error("check_out", "must be after the check-in date")
    guests = reader.integer("guests", required=False, minimum=1, maximum=1000)
    hours = reader.integer("hours", required=False, minimum=1, maximum=336)
    message = reader.text("message", max_length=2000)
    if reader.ok and message:
        offer = changes.Offer(
            terms=changes.NewTerms(check_in=check_in, check_out=check_out, guests=guests),
            message=message,
            price_minor=None if price is None else price.minor,
            hours=hours,
        )
        try:
            changes.counter_offer(services, host.viewer.actor, booking_id, offer)
        except FIXABLE as error:
            reader.absorb(error, aliases=OFFER_FIELDS)
        else:
            return redirect(
                f"{host.base}/requests", flash=f"Offer sent to the guest for {booking.code}."
            )
    return _reply(request, services, host, booking_id, reader, section="offer")


def _request(services: Services, host: HostContext, booking_id: uuid.UUID) -> Booking:
    """One of this organization's bookings (requests or not: the service says whether the
    answer is still possible)."""
    seen = queries.get(services, host.viewer.actor, booking_id)
    if seen.booking.organization_id != host.org.id:
        raise NotFound(f"booking {booking_id} not found")
    return seen.booking


def _waiting(services: Services, host: HostContext) -> list[Booking]:
    filters = queries.Filters(statuses=WAITING, soonest_first=True, limit=200)
    return queries.for_organization(services, host.viewer.actor, host.org.id, filters)[0]


def _inbox(request: Request, services: Services, host: HostContext) -> Response:
    return render(
        request,
        "host/requests.html.j2",
        **host.layout(),
        waiting=_waiting(services, host),
        selected=None,
        titles=host.listing_titles(services),
        may_answer=host.may(Permission.MANAGE_BOOKINGS),
    )


def _reply(
    request: Request,
    services: Services,
    host: HostContext,
    booking_id: uuid.UUID,
    reader: FormReader | None = None,
    section: str = "",
) -> Response:
    seen = queries.get(services, host.viewer.actor, booking_id)
    if seen.booking.organization_id != host.org.id:
        raise NotFound(f"booking {booking_id} not found")
    return render(
        request,
        "host/requests.html.j2",
        status=422 if reader is not None else 200,
        **host.layout(),
        waiting=[],
        selected=seen.booking,
        actions=[e.value for e in seen.actions],
        titles=host.listing_titles(services),
        may_answer=host.may(Permission.MANAGE_BOOKINGS),
        section=section,
        form=reader.values if reader else {},
        errors=reader.errors if reader else {},
    )
