"""Bookings API: book from a quote, answer requests, counter-offer, modify, cancel (with a
refund preview first), check in and out; lease viewings. Each route unpacks its body and
calls one service function."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from innkeeper.bookings import changes, queries, service, viewings
from innkeeper.bookings.domain import BookingStatus, Event, ViewingEvent, ViewingStatus
from innkeeper.bookings.models import Booking, BookingChange, Viewing
from innkeeper.bookings.schemas import (
    BookingIn,
    BookingOut,
    ChangeOut,
    ContactOut,
    ModifyIn,
    OfferIn,
    OfferOut,
    OptionalReasonIn,
    ReasonIn,
    RefundPreviewOut,
    TermsIn,
    ViewingIn,
    ViewingOut,
)
from innkeeper.core.money import Money
from innkeeper.deps import OptionalActor, ServicesDep
from innkeeper.pricing.router import installments_out, line_out
from innkeeper.pricing.schemas import CancellationOut
from innkeeper.schemas import MoneyOut, Page, money_out

router = APIRouter(tags=["bookings"])
ONE = "/bookings/{booking_id}"
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.post("/bookings", status_code=status.HTTP_201_CREATED, response_model=BookingOut)
def create_booking(body: BookingIn, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    """Book from a quote: a 15-minute hold on instant-book listings, otherwise a request to
    the host. Posting the same quote again returns the same booking."""
    new = service.NewBooking(
        quote_id=body.quote_id,
        contact=service.Contact(body.contact.name, str(body.contact.email), body.contact.phone),
        special_requests=body.special_requests,
        message=body.message,
        source=body.source,
        guest_user_id=body.guest_user_id,
    )
    booking = service.book(services, actor, new)
    return _seen(services, actor, booking.id)


@router.get("/bookings", response_model=Page[BookingOut])
def my_bookings(
    services: ServicesDep,
    actor: OptionalActor,
    status_: Annotated[BookingStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BookingOut]:
    filters = queries.Filters(status=status_, limit=limit, offset=offset)
    rows, total = queries.for_guest(services, actor, filters)
    return _page(services, actor, rows, total, filters)


@router.get("/organizations/{organization_id}/bookings", response_model=Page[BookingOut])
def organization_bookings(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    status_: Annotated[BookingStatus | None, Query(alias="status")] = None,
    listing_id: uuid.UUID | None = None,
    code: Annotated[str | None, Query(max_length=12)] = None,
    arriving_from: date | None = None,
    arriving_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BookingOut]:
    filters = queries.Filters(
        status_, listing_id, code, arriving_from, arriving_to, limit=limit, offset=offset
    )
    rows, total = queries.for_organization(services, actor, organization_id, filters)
    return _page(services, actor, rows, total, filters)


@router.get("/admin/bookings", response_model=Page[BookingOut], tags=["admin"])
def all_bookings(
    services: ServicesDep,
    actor: OptionalActor,
    status_: Annotated[BookingStatus | None, Query(alias="status")] = None,
    organization_id: uuid.UUID | None = None,
    listing_id: uuid.UUID | None = None,
    code: Annotated[str | None, Query(max_length=12)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BookingOut]:
    filters = queries.Filters(
        status_,
        listing_id,
        code,
        organization_id=organization_id,
        limit=limit,
        offset=offset,
    )
    rows, total = queries.for_admin(services, actor, filters)
    return _page(services, actor, rows, total, filters)


@router.get(ONE, response_model=BookingOut)
def get_booking(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    return _seen(services, actor, booking_id)


@router.get(ONE + "/refund-preview", response_model=RefundPreviewOut)
def refund_preview(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> RefundPreviewOut:
    """What cancelling now would refund, to whom, and who gives it back: by the booking's
    policy for its guest, in full for its host or an admin."""
    seen, role, preview = queries.refund_preview(services, actor, booking_id)
    booking = seen.booking
    money = _money(booking.currency)
    return RefundPreviewOut(
        booking_id=booking.id,
        as_role=role,
        in_full=preview.in_full,
        percent=preview.percent,
        refundable=money(preview.refundable_minor),
        refund_now=money(preview.refund_minor),
        to_name=booking.contact_name,
        to_email=booking.contact_email,
        from_host=money(preview.from_host_minor),
        from_platform=money(preview.from_platform_minor),
        from_expert=money(preview.from_expert_minor),
        non_refundable=list(preview.non_refundable),
    )


@router.get(ONE + "/changes", response_model=list[ChangeOut])
def booking_changes(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[ChangeOut]:
    seen = queries.get(services, actor, booking_id)
    money = _money(seen.booking.currency)
    return [_change_out(row, money) for row in queries.changes(services, actor, booking_id)]


@router.post(ONE + "/accept", response_model=BookingOut)
def accept(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    """Accept a request: allocated at once, and requests it now conflicts with declined."""
    changes.accept(services, actor, booking_id)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/decline", response_model=BookingOut)
def decline(
    booking_id: uuid.UUID, body: ReasonIn, services: ServicesDep, actor: OptionalActor
) -> BookingOut:
    service.transition(services, actor, booking_id, Event.DECLINE, reason=_reason(body))
    return _seen(services, actor, booking_id)


@router.post(ONE + "/counter-offer", response_model=BookingOut)
def counter_offer(
    booking_id: uuid.UUID, body: OfferIn, services: ServicesDep, actor: OptionalActor
) -> BookingOut:
    offer = changes.Offer(_terms(body), body.message, body.price_minor, body.hours)
    changes.counter_offer(services, actor, booking_id, offer)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/offer/accept", response_model=BookingOut)
def accept_offer(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    changes.accept_offer(services, actor, booking_id)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/offer/decline", response_model=BookingOut)
def decline_offer(
    booking_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    body: OptionalReasonIn | None = None,
) -> BookingOut:
    service.transition(services, actor, booking_id, Event.DECLINE_OFFER, reason=_reason(body))
    return _seen(services, actor, booking_id)


@router.post(ONE + "/modify", response_model=BookingOut)
def modify(
    booking_id: uuid.UUID, body: ModifyIn, services: ServicesDep, actor: OptionalActor
) -> BookingOut:
    """Change dates or party. The booking is re-priced; a paid booking records the
    difference to charge or refund. If the new dates are taken, nothing changes."""
    changes.modify(services, actor, booking_id, _terms(body), reason=body.reason)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/cancel", response_model=BookingOut)
def cancel(
    booking_id: uuid.UUID, body: ReasonIn, services: ServicesDep, actor: OptionalActor
) -> BookingOut:
    """Cancel with a reason; see ``refund-preview`` first for what comes back. The refund
    is paid before the answer (or, if Stripe does not answer, by a job)."""
    service.transition(services, actor, booking_id, Event.CANCEL, reason=_reason(body))
    from innkeeper.payments.refunds import try_refund_due

    try_refund_due(services, booking_id)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/confirm-payment", response_model=BookingOut, tags=["admin"])
def confirm_payment(
    booking_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    body: OptionalReasonIn | None = None,
) -> BookingOut:
    """Admins: record that the guest paid in full outside Stripe, confirming the booking."""
    service.transition(services, actor, booking_id, Event.PAYMENT_SUCCEEDED, reason=_reason(body))
    return _seen(services, actor, booking_id)


@router.post(ONE + "/check-in", response_model=BookingOut)
def check_in(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    service.transition(services, actor, booking_id, Event.CHECK_IN)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/check-out", response_model=BookingOut)
def check_out(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    service.transition(services, actor, booking_id, Event.CHECK_OUT)
    return _seen(services, actor, booking_id)


@router.post(ONE + "/no-show", response_model=BookingOut)
def no_show(
    booking_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    body: OptionalReasonIn | None = None,
) -> BookingOut:
    service.transition(services, actor, booking_id, Event.NO_SHOW, reason=_reason(body))
    return _seen(services, actor, booking_id)


@router.post(ONE + "/complete", response_model=BookingOut)
def complete(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> BookingOut:
    service.transition(services, actor, booking_id, Event.COMPLETE)
    return _seen(services, actor, booking_id)


@router.post(
    "/listings/{listing_id}/viewings",
    status_code=status.HTTP_201_CREATED,
    response_model=ViewingOut,
    tags=["viewings"],
)
def request_viewing(
    listing_id: uuid.UUID, body: ViewingIn, services: ServicesDep, actor: OptionalActor
) -> ViewingOut:
    """Ask to view a lease at one of its viewing slots; the host confirms or declines."""
    new = viewings.ViewingRequest(
        listing_id=listing_id,
        slot_id=body.slot_id,
        name=body.contact.name,
        email=str(body.contact.email),
        phone=body.contact.phone,
        party=body.party,
        message=body.message,
    )
    return _viewing_out(viewings.request(services, actor, new))


@router.get("/viewings", response_model=list[ViewingOut], tags=["viewings"])
def my_viewings(services: ServicesDep, actor: OptionalActor) -> list[ViewingOut]:
    return [_viewing_out(v) for v in queries.viewings_for_guest(services, actor)]


@router.get(
    "/organizations/{organization_id}/viewings", response_model=list[ViewingOut], tags=["viewings"]
)
def organization_viewings(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    status_: Annotated[ViewingStatus | None, Query(alias="status")] = None,
) -> list[ViewingOut]:
    rows = queries.viewings_for_organization(services, actor, organization_id, status_)
    return [_viewing_out(v) for v in rows]


@router.post("/viewings/{viewing_id}/confirm", response_model=ViewingOut, tags=["viewings"])
def confirm_viewing(
    viewing_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> ViewingOut:
    return _viewing_out(viewings.act(services, actor, viewing_id, ViewingEvent.CONFIRM))


@router.post("/viewings/{viewing_id}/decline", response_model=ViewingOut, tags=["viewings"])
def decline_viewing(
    viewing_id: uuid.UUID, body: ReasonIn, services: ServicesDep, actor: OptionalActor
) -> ViewingOut:
    row = viewings.act(services, actor, viewing_id, ViewingEvent.DECLINE, reason=_reason(body))
    return _viewing_out(row)


@router.post("/viewings/{viewing_id}/cancel", response_model=ViewingOut, tags=["viewings"])
def cancel_viewing(
    viewing_id: uuid.UUID, body: ReasonIn, services: ServicesDep, actor: OptionalActor
) -> ViewingOut:
    row = viewings.act(services, actor, viewing_id, ViewingEvent.CANCEL, reason=_reason(body))
    return _viewing_out(row)


def _reason(body: OptionalReasonIn | ReasonIn | None) -> str | None:
    """Bodies whose fields are all optional may be left out entirely."""
    return None if body is None else body.reason


def _terms(body: TermsIn) -> changes.NewTerms:
    return changes.NewTerms(
        check_in=body.check_in,
        check_out=body.check_out,
        guests=body.guests,
        units=body.units,
        slot_id=body.slot_id,
    )


def _seen(services: ServicesDep, actor: OptionalActor, booking_id: uuid.UUID) -> BookingOut:
    seen = queries.get(services, actor, booking_id)
    return booking_out(seen.booking, seen.actions)


def _page(
    services: ServicesDep,
    actor: OptionalActor,
    rows: list[Booking],
    total: int,
    filters: queries.Filters,
) -> Page[BookingOut]:
    assert actor is not None  # the queries refuse anonymous callers
    items = []
    for row in rows:
        roles = queries.roles_for_list(actor, row)
        items.append(booking_out(row, queries.actions(row.status, roles)))
    return Page(items=items, total=total, limit=filters.limit, offset=filters.offset)


def _money(currency: str) -> Callable[[int], MoneyOut]:
    def money(minor: int) -> MoneyOut:
        return money_out(Money(minor, currency))

    return money


def booking_out(row: Booking, actions: list[Event]) -> BookingOut:
    money = _money(row.currency)
    offer = row.offer
    return BookingOut(
        id=row.id,
        code=row.code,
        status=row.status,
        kind=row.kind,
        source=row.source,
        listing_id=row.listing_id,
        organization_id=row.organization_id,
        guest_user_id=row.guest_user_id,
        expert_user_id=row.expert_user_id,
        quote_id=row.quote_id,
        check_in=row.check_in,
        check_out=row.check_out,
        nights=(row.check_out - row.check_in).days,
        arrival_at=row.arrival_at,
        guests=row.guests,
        units=row.units,
        slot_id=row.slot_id,
        lines=[line_out(line, row.currency) for line in row.lines],
        guest_total=money(row.guest_total_minor),
        host_payout=money(row.host_payout_minor),
        platform_fee=money(row.platform_fee_minor),
        expert_fee=money(row.expert_fee_minor),
        paid=money(row.paid_minor),
        refund_due=money(row.refund_due_minor),
        installments=installments_out(row.installments, row.currency),
        security_deposit=money(row.security_deposit_minor),
        cancellation_policy=CancellationOut.model_validate(row.cancellation_policy),
        contact=ContactOut(name=row.contact_name, email=row.contact_email, phone=row.contact_phone),
        special_requests=row.special_requests,
        message=row.message,
        deadline_at=row.deadline_at,
        offer=None if offer is None else _offer_out(offer, money),
        reason=row.reason,
        ended_by=row.ended_by,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        checked_in_at=row.checked_in_at,
        checked_out_at=row.checked_out_at,
        ended_at=row.ended_at,
        actions=actions,
    )


def _offer_out(offer: dict[str, object], money: Callable[[int], MoneyOut]) -> OfferOut:
    slot = offer.get("slot_id")
    return OfferOut(
        message=str(offer["message"]),
        check_in=date.fromisoformat(str(offer["check_in"])),
        check_out=date.fromisoformat(str(offer["check_out"])),
        guests=int(str(offer["guests"])),
        units=int(str(offer["units"])),
        slot_id=None if slot is None else uuid.UUID(str(slot)),
        guest_total=money(int(str(offer["guest_total_minor"]))),
    )


def _change_out(row: BookingChange, money: Callable[[int], MoneyOut]) -> ChangeOut:
    return ChangeOut(
        at=row.at,
        actor_user_id=row.actor_user_id,
        before=row.before,
        after=row.after,
        difference=money(row.difference_minor),
        settlement=row.settlement,
    )


def _viewing_out(row: Viewing) -> ViewingOut:
    return ViewingOut(
        id=row.id,
        listing_id=row.listing_id,
        organization_id=row.organization_id,
        slot_id=row.slot_id,
        guest_user_id=row.guest_user_id,
        status=row.status,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        party=row.party,
        contact=ContactOut(name=row.contact_name, email=row.contact_email, phone=row.contact_phone),
        message=row.message,
        reason=row.reason,
        deadline_at=row.deadline_at,
        created_at=row.created_at,
    )
