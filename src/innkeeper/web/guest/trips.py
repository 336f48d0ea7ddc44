"""A guest's trips: the list (upcoming, past, cancelled; requests and offers), one trip
with its payments and refunds, paying (after a request is accepted, or a balance that
needs the guest), the return from Checkout and 3-D Secure, the host's counter-offer,
cancelling with the refund preview, and a printable receipt."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from innkeeper.bookings import changes, queries
from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import BookingStatus, Event, IllegalTransition
from innkeeper.bookings.models import Booking
from innkeeper.core.errors import DomainError, NotFound
from innkeeper.deps import ServicesDep
from innkeeper.payments import checkout, refunds
from innkeeper.payments import queries as payment_queries
from innkeeper.payments.domain import (
    OPEN_STATUSES,
    NotPayable,
    PaymentFailed,
    PaymentStatus,
    RefundStatus,
)
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.guest import paying
from innkeeper.web.render import money, redirect, render
from innkeeper.web.viewer import Viewer, ViewerDep

router = page_router()
ONE = "/trips/{booking_id}"
SESSION_ID = re.compile(r"^[A-Za-z0-9_]{3,255}$")
PAYABLE = frozenset({BookingStatus.PENDING_PAYMENT, BookingStatus.PAYMENT_ACTION_REQUIRED})
REQUESTS = frozenset(
    {BookingStatus.REQUESTED, BookingStatus.COUNTER_OFFERED, BookingStatus.DECLINED}
)
CANCELLED = frozenset({BookingStatus.CANCELLED, BookingStatus.EXPIRED})
PAST = frozenset({BookingStatus.COMPLETED, BookingStatus.NO_SHOW})


@dataclass(frozen=True, slots=True)
class Trip:
    """One booking as the guest's pages show it."""

    booking: Booking
    actions: list[Event]
    listing: paying.ListingFacts | None
    payments: Sequence[Payment]
    refunds: Sequence[RefundRow]

    @property
    def payable(self) -> bool:
        return self.booking.status in PAYABLE

    @property
    def open_payment(self) -> Payment | None:
        """The payment the guest would finish now (a declined try, 3-D Secure, a balance
        that needs them), if there is one."""
        waiting = self.booking.status is BookingStatus.PAYMENT_ACTION_REQUIRED
        for payment in self.payments:
            if payment.status in OPEN_STATUSES and (payment.due_at is None or waiting):
                return payment
        return None

    @property
    def scheduled(self) -> list[Payment]:
        return [p for p in self.payments if p.due_at is not None and p.status in OPEN_STATUSES]

    @property
    def paid_minor(self) -> int:
        return sum(p.captured_minor for p in self.payments if p.status is PaymentStatus.SUCCEEDED)

    @property
    def refunded_minor(self) -> int:
        return sum(r.amount_minor for r in self.refunds if r.status is RefundStatus.SUCCEEDED)

    @property
    def balance_minor(self) -> int:
        """What is left to pay of the booking's total (nothing once it has ended)."""
        if self.booking.status in CANCELLED | REQUESTS | PAST:
            return 0
        return max(self.booking.guest_total_minor - self.booking.paid_minor, 0)


@router.get("/trips", response_class=HTMLResponse)
def trips_page(
    request: Request, viewer: ViewerDep, services: ServicesDep, show: str | None = None
) -> Response:
    rows, total = queries.for_guest(services, viewer.actor, queries.Filters(limit=200))
    facts = paying.listing_facts(services, {row.listing_id for row in rows})
    today = services.clock.now().date()
    groups: dict[str, list[Booking]] = {"upcoming": [], "past": [], "cancelled": [], "requests": []}
    for row in rows:
        groups[_group(row, today)].append(row)
    groups["upcoming"].reverse()  # soonest first
    return render(
        request,
        "guest/trips.html.j2",
        show_requests=show == "requests",
        groups=groups,
        listings=facts,
        total=total,
    )


@router.get(ONE, response_class=HTMLResponse)
def trip_page(
    request: Request, booking_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep
) -> Response:
    trip = _trip(services, viewer, booking_id)
    return render(
        request,
        "guest/trip.html.j2",
        trip=trip,
        booking=trip.booking,
        listing=trip.listing,
        policy=paying.policy_of(trip.booking.cancellation_policy),
        Event=Event,
    )


@router.get(ONE + "/paid")
def returned(
    booking_id: uuid.UUID,
    viewer: ViewerDep,
    services: ServicesDep,
    session_id: str | None = None,
) -> Response:
    """Where Checkout and 3-D Secure send the guest back: the outcome is read from Stripe
    and applied (the webhook may have done it already; applying twice changes nothing)."""
    trip = _trip(services, viewer, booking_id)
    if session_id and SESSION_ID.match(session_id):
        mine = {p.checkout_session_id for p in trip.payments}
        if session_id not in mine:
            raise NotFound(f"checkout session {session_id} not found")
        checkout.complete_checkout(services, session_id)
    else:
        for payment in trip.payments:
            if payment.status in OPEN_STATUSES and (
                payment.stripe_intent_id or payment.checkout_session_id
            ):
                checkout.refresh(services, viewer.actor, payment.id)
    after = _trip(services, viewer, booking_id)
    if after.booking.status is BookingStatus.CONFIRMED and after.balance_minor == 0:
        return redirect(
            ONE.format(booking_id=booking_id), flash="Payment received: your booking is confirmed."
        )
    if after.booking.status is BookingStatus.CONFIRMED:
        return redirect(
            ONE.format(booking_id=booking_id), flash="Deposit received: your booking is confirmed."
        )
    failed = after.open_payment
    if after.payable and failed is not None and failed.failure_message:
        return redirect(
            f"/trips/{booking_id}/pay",
            flash=f"The payment did not go through: {failed.failure_message}",
        )
    return redirect(ONE.format(booking_id=booking_id))


@router.get(ONE + "/pay", response_class=HTMLResponse)
def pay_page(
    request: Request, booking_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep
) -> Response:
    trip = _trip(services, viewer, booking_id)
    if not trip.payable:
        return redirect(ONE.format(booking_id=booking_id))
    return _pay_form(request, services, viewer, trip)


@router.post(ONE + "/pay", response_class=HTMLResponse)
def pay(
    request: Request,
    booking_id: uuid.UUID,
    viewer: ViewerDep,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    trip = _trip(services, viewer, booking_id)
    reader = FormReader(form)
    plan = reader.choice("plan", paying.PLANS, required=False) or "schedule"
    card = reader.text("card", max_length=100) or ""
    cards = paying.saved_cards(services, viewer)
    if card and card != paying.NEW_CARD and card not in {c.id for c in cards}:
        reader.error("card", "is not one of your saved cards")
    if reader.ok:
        try:
            return paying.pay(services, viewer, booking_id, plan=plan, card=card)
        except PaymentFailed as error:
            reader.error("card", error.message)
        except NotPayable as error:
            if card == paying.NEW_CARD and trip.payable:
                reader.error("card", _STARTED_WITH_SAVED)
            else:
                reader.error(FORM_ERROR, error.message)
        except DomainError as error:
            reader.absorb(error, aliases={"payment_method": "card", "plan": "plan"})
    trip = _trip(services, viewer, booking_id)
    return _pay_form(request, services, viewer, trip, reader, status=422)


@router.post(ONE + "/offer/accept")
def accept_offer(
    booking_id: uuid.UUID, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    changes.accept_offer(services, viewer.actor, booking_id)
    return redirect(
        f"/trips/{booking_id}/pay", flash="You accepted the host's offer: pay to confirm."
    )


@router.post(ONE + "/offer/decline")
def decline_offer(
    booking_id: uuid.UUID, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    bookings.transition(services, viewer.actor, booking_id, Event.DECLINE_OFFER,
                        reason="the guest declined the offer")  # fmt: skip
    return redirect(ONE.format(booking_id=booking_id), flash="You declined the host's offer.")


@router.get(ONE + "/cancel", response_class=HTMLResponse)
def cancel_page(
    request: Request, booking_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep
) -> Response:
    return _cancel_form(request, services, viewer, booking_id)


@router.post(ONE + "/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    booking_id: uuid.UUID,
    viewer: ViewerDep,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    reader = FormReader(form)
    reason = reader.text("reason", max_length=1000)
    if reader.ok:
        try:
            booking = bookings.transition(
                services, viewer.actor, booking_id, Event.CANCEL, reason=reason
            )
        except DomainError as error:
            reader.absorb(error)
        else:
            refunds.try_refund_due(services, booking_id)
            due = booking.refund_due_minor
            said = "Your booking is cancelled."
            if due > 0:
                said += f" {money(due, booking.currency)} is refunded to your card."
            return redirect(ONE.format(booking_id=booking_id), flash=said)
    return _cancel_form(request, services, viewer, booking_id, reader, status=422)


@router.get(ONE + "/receipt", response_class=HTMLResponse)
def receipt_page(
    request: Request, booking_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep
) -> Response:
    trip = _trip(services, viewer, booking_id)
    return render(
        request,
        "guest/receipt.html.j2",
        trip=trip,
        booking=trip.booking,
        listing=trip.listing,
        issued=services.clock.now(),
    )


_STARTED_WITH_SAVED = (
    "This payment was started with a saved card: choose a saved card, or save the new card "
    "first (Saved cards) and then choose it here."
)


def _trip(services: Services, viewer: Viewer, booking_id: uuid.UUID) -> Trip:
    seen = queries.get(services, viewer.actor, booking_id)
    booking = seen.booking
    return Trip(
        booking=booking,
        actions=seen.actions,
        listing=paying.listing_facts(services, [booking.listing_id]).get(booking.listing_id),
        payments=payment_queries.payments_of(services, viewer.actor, booking_id),
        refunds=refunds.refunds_of(services, viewer.actor, booking_id),
    )


def _group(row: Booking, today: date) -> str:
    if row.status in REQUESTS:
        return "requests"
    if row.status in CANCELLED:
        return "cancelled"
    if row.status in PAST or row.check_out < today:
        return "past"
    return "upcoming"


def _pay_form(
    request: Request,
    services: Services,
    viewer: Viewer,
    trip: Trip,
    reader: FormReader | None = None,
    *,
    status: int = 200,
) -> Response:
    cards = paying.saved_cards(services, viewer)
    return render(
        request,
        "guest/trip_pay.html.j2",
        status=status,
        trip=trip,
        booking=trip.booking,
        listing=trip.listing,
        card_options=paying.card_options(cards),
        default_card=paying.default_card(cards),
        form=reader.values if reader else {},
        errors=reader.errors if reader else {},
    )


def _cancel_form(
    request: Request,
    services: Services,
    viewer: Viewer,
    booking_id: uuid.UUID,
    reader: FormReader | None = None,
    *,
    status: int = 200,
) -> Response:
    try:
        seen, _, preview = queries.refund_preview(services, viewer.actor, booking_id)
    except IllegalTransition:
        return redirect(
            ONE.format(booking_id=booking_id), flash="This booking can no longer be cancelled."
        )
    booking = seen.booking
    facts = paying.listing_facts(services, [booking.listing_id]).get(booking.listing_id)
    return render(
        request,
        "guest/cancel.html.j2",
        status=status,
        booking=booking,
        listing=facts,
        preview=preview,
        can_cancel=Event.CANCEL in seen.actions,
        form=reader.values if reader else {},
        errors=reader.errors if reader else {},
    )
