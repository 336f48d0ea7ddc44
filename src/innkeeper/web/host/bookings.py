"""The organization's bookings: a filtered, paged list, and one booking with its money
(payments, refunds, disputes) and what the host may do with it (check in and out, cancel,
refund from the host's share, charge an extra to the guest's saved card)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts.domain import Permission
from innkeeper.bookings import queries, service
from innkeeper.bookings.domain import BookingStatus, Event
from innkeeper.core.errors import Conflict, DomainError, InvalidInput, NotFound
from innkeeper.deps import ServicesDep
from innkeeper.payments import disputes, extras, refunds
from innkeeper.payments import queries as payment_queries
from innkeeper.payments.domain import PaymentFailed, PaymentProviderUnavailable
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.render import redirect, render

router = page_router()
PAGE_SIZE = 25
ONE = "/host/{org_id:uuid}/bookings/{booking_id:uuid}"

# What a page shows beside the form instead of an error page: the person can fix the input
# or read why and try something else. Forbidden and NotFound stay error pages.
FIXABLE = (InvalidInput, Conflict, PaymentFailed, PaymentProviderUnavailable)

# Transitions a host fires from the booking page with one button (the API's routes).
BUTTONS: dict[str, tuple[Event, str]] = {
    "check-in": (Event.CHECK_IN, "Guest checked in."),
    "check-out": (Event.CHECK_OUT, "Guest checked out."),
    "no-show": (Event.NO_SHOW, "Marked as a no-show."),
    "complete": (Event.COMPLETE, "Booking completed."),
}
STATUS_CHOICES = [("", "Any status")] + [
    (s.value, s.value.replace("_", " ")) for s in BookingStatus
]


@router.get("/host/{org_id:uuid}/bookings", response_class=HTMLResponse)
def bookings_page(request: Request, host: HostDep, services: ServicesDep) -> Response:
    reader = FormReader(request.query_params)
    status = reader.choice("status", [s.value for s in BookingStatus], required=False)
    arriving_from = reader.date("from", required=False)
    arriving_to = reader.date("to", required=False)
    if arriving_from and arriving_to and arriving_to < arriving_from:
        reader.error("to", "must not be before the first date")
    titles = host.listing_titles(services)
    listing = reader.choice("listing", [str(k) for k in titles], required=False)
    offset = reader.integer("offset", required=False, minimum=0, maximum=100_000) or 0
    rows: list[Any] = []
    total = 0
    if reader.ok:
        filters = queries.Filters(
            status=BookingStatus(status) if status else None,
            listing_id=uuid.UUID(listing) if listing else None,
            arriving_from=arriving_from,
            # "to" is the last arrival day shown; the query's bound is exclusive
            arriving_to=arriving_to + dt.timedelta(days=1) if arriving_to else None,
            limit=PAGE_SIZE,
            offset=offset,
        )
        rows, total = queries.for_organization(services, host.viewer.actor, host.org.id, filters)
    query = {k: v for k, v in reader.values.items() if v and k != "offset"}
    return render(
        request,
        "host/bookings.html.j2",
        status=200 if reader.ok else 422,
        **host.layout(),
        bookings=rows,
        total=total,
        limit=PAGE_SIZE,
        offset=offset,
        base=f"{host.base}/bookings" + (f"?{urlencode(query)}" if query else ""),
        titles=titles,
        status_choices=STATUS_CHOICES,
        listing_choices=[("", "Any listing")] + [(str(k), v) for k, v in titles.items()],
        form=reader.values,
        errors=reader.errors,
    )


@router.get(ONE, response_class=HTMLResponse)
def booking_page(
    request: Request, host: HostDep, booking_id: uuid.UUID, services: ServicesDep
) -> Response:
    return _booking(request, services, host, booking_id)


@router.post(ONE + "/refund", response_class=HTMLResponse)
def refund(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    booking = _seen(services, host, booking_id).booking
    reader = FormReader(form)
    amount = reader.money("amount", booking.currency, positive=True)
    reason = reader.text("reason", max_length=1000)
    if reader.ok and amount is not None and reason:
        try:
            refunds.host_refund(
                services, host.viewer.actor, booking_id, amount=amount.minor, reason=reason,
                client_key=reader.raw("key") or None,
            )  # fmt: skip
        except FIXABLE as error:
            reader.absorb(error, aliases={"amount_minor": "amount"})
        else:
            return redirect(f"{host.base}/bookings/{booking_id}", flash="Refund sent.")
    return _booking(request, services, host, booking_id, reader, section="refund")


@router.post(ONE + "/extra-charge", response_class=HTMLResponse)
def extra_charge(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    booking = _seen(services, host, booking_id).booking
    reader = FormReader(form)
    amount = reader.money("extra_amount", booking.currency, positive=True)
    reason = reader.text("extra_reason", max_length=1000)
    if reader.ok and amount is not None and reason:
        charge = extras.ExtraCharge(amount_minor=amount.minor, reason=reason)
        try:
            extras.charge(
                services, host.viewer.actor, booking_id, charge,
                client_key=reader.raw("key") or None,
            )  # fmt: skip
        except FIXABLE as error:
            reader.absorb(error, aliases={"amount_minor": "extra_amount", "reason": "extra_reason"})
        else:
            return redirect(f"{host.base}/bookings/{booking_id}", flash="Extra charge made.")
    return _booking(request, services, host, booking_id, reader, section="extra")


@router.post(ONE + "/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    _seen(services, host, booking_id)
    reader = FormReader(form)
    reason = reader.text("cancel_reason", max_length=1000)
    if reader.ok and reason:
        try:
            service.transition(services, host.viewer.actor, booking_id, Event.CANCEL, reason=reason)
        except FIXABLE as error:
            reader.absorb(error, aliases={"reason": "cancel_reason"})
        else:
            refunds.try_refund_due(services, booking_id)  # as the API does after cancelling
            return redirect(f"{host.base}/bookings/{booking_id}", flash="Booking cancelled.")
    return _booking(request, services, host, booking_id, reader, section="cancel")


@router.post(ONE + "/{action}", response_class=HTMLResponse)
def one_button(
    request: Request,
    host: HostDep,
    booking_id: uuid.UUID,
    action: str,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    if action not in BUTTONS:
        raise NotFound("there is no such action")
    _seen(services, host, booking_id)
    event, done = BUTTONS[action]
    reader = FormReader(form)
    try:
        service.transition(services, host.viewer.actor, booking_id, event)
    except FIXABLE as error:
        reader.absorb(error)
        return _booking(request, services, host, booking_id, reader, section="status")
    return redirect(f"{host.base}/bookings/{booking_id}", flash=done)


def _seen(services: Services, host: HostContext, booking_id: uuid.UUID) -> queries.Seen:
    """The booking, if it is this organization's: another organization's booking (even one
    the viewer may see as its guest) is not found here."""
    seen = queries.get(services, host.viewer.actor, booking_id)
    if seen.booking.organization_id != host.org.id:
        raise NotFound(f"booking {booking_id} not found")
    return seen


def _booking(
    request: Request,
    services: Services,
    host: HostContext,
    booking_id: uuid.UUID,
    reader: FormReader | None = None,
    section: str = "",
) -> Response:
    seen = _seen(services, host, booking_id)
    actor = host.viewer.actor
    preview = None
    if Event.CANCEL in seen.actions:
        try:
            preview = queries.refund_preview(services, actor, booking_id)[2]
        except DomainError:
            preview = None
    form = reader.values if reader else {}
    form.setdefault("key", str(uuid.uuid4()))  # one refund or charge per form shown
    return render(
        request,
        "host/booking.html.j2",
        status=422 if reader is not None else 200,
        **host.layout(),
        booking=seen.booking,
        actions=[e.value for e in seen.actions],
        buttons={name: event.value for name, (event, _) in BUTTONS.items()},
        payments=payment_queries.payments_of(services, actor, booking_id),
        refunds=refunds.refunds_of(services, actor, booking_id),
        disputes=disputes.of_booking(services, actor, booking_id),
        preview=preview,
        title=host.listing_titles(services).get(seen.booking.listing_id, "a listing"),
        may_manage=host.may(Permission.MANAGE_BOOKINGS),
        chargeable=seen.booking.status in extras.CHARGEABLE,
        nights=(seen.booking.check_out - seen.booking.check_in).days,
        section=section,
        form=form,
        errors=reader.errors if reader else {},
    )
