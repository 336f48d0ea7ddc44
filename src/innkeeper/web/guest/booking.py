"""Booking a listing: the review page (the quote's breakdown, deposit or full, the card,
a message to the host) and its form, which books from the quote shown and pays.

The page prices the stay once on the server (a stored quote) and the form books exactly
that quote; a quote that expired meanwhile is priced again and shown before anything is
charged. Instant-book listings hold the dates and take the payment; the others send a
request to the host, paid once it is accepted (from the trip page).
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import BookingSource, BookingStatus
from innkeeper.bookings.service import QuoteExpired
from innkeeper.catalog import service as catalog
from innkeeper.core.errors import DomainError, NotFound
from innkeeper.deps import ServicesDep
from innkeeper.payments.domain import NotPayable, PaymentFailed
from innkeeper.pricing import quotes
from innkeeper.pricing.domain import QuoteOnly
from innkeeper.pricing.models import QuoteRow
from innkeeper.pricing.quotes import QuoteRequest, is_on_request
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.guest import paying
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import Viewer, ViewerDep

router = page_router()
QUOTE_FIELDS = {"check_in": "check_in", "check_out": "check_out", "guests": "guests",
                "units": "units", "slot_id": "slot_id"}  # fmt: skip
NEW_CARD_AFTER_SAVED = (
    "This payment was started with a saved card: choose a saved card, or save the new card "
    "first (Saved cards) and then choose it here."
)


@router.get("/listings/{listing_id}/book", response_class=HTMLResponse)
def review_page(
    request: Request, listing_id: uuid.UUID, viewer: ViewerDep, services: ServicesDep
) -> Response:
    view = catalog.get_published_listing(services, listing_id)
    reader = FormReader(request.query_params)
    wanted = _wanted(reader, listing_id)
    quote = None
    if reader.ok and wanted is not None:
        try:
            quote = _price(services, viewer, wanted)
        except DomainError as error:
            reader.absorb(error, aliases=QUOTE_FIELDS)
    return _page(
        request, services, viewer, view.listing.id, quote,
        status=200 if quote is not None else 422,
        search=reader.values, search_errors=reader.errors,
    )  # fmt: skip


@router.post("/listings/{listing_id}/book", response_class=HTMLResponse)
def book(
    request: Request,
    listing_id: uuid.UUID,
    viewer: ViewerDep,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    catalog.get_published_listing(services, listing_id)
    reader = FormReader(form)
    quote_id = _uuid(reader, "quote_id")
    quote = _stored_quote(services, quote_id)
    if quote is None or quote.listing_id != listing_id:
        return redirect(f"/listings/{listing_id}", flash="Choose your dates to book.")
    request_only = _is_request(services, quote)
    message = reader.text("message", required=False, max_length=2000) or ""
    phone = reader.text("phone", required=False, max_length=20)
    plan, card = "schedule", paying.NEW_CARD
    if not request_only:
        plan = reader.choice("plan", paying.PLANS, required=False) or "schedule"
        card = reader.text("card", max_length=100) or ""
        if card and card != paying.NEW_CARD and card not in _card_ids(services, viewer):
            reader.error("card", "is not one of your saved cards")
    if not reader.ok:
        return _page(request, services, viewer, listing_id, quote, status=422,
                     form=reader.values, errors=reader.errors)  # fmt: skip
    new = bookings.NewBooking(
        quote_id=quote.id,
        contact=bookings.Contact(viewer.name, viewer.email, phone),
        message=message,
        source=BookingSource.WEB,
    )
    try:
        booking = bookings.book(services, viewer.actor, new)
    except QuoteExpired:
        fresh = _price(services, viewer, _request_of(quote))
        reader.error(FORM_ERROR, "The price was held for 30 minutes and has been worked out "
                     "again: check it and confirm.")  # fmt: skip
        return _page(request, services, viewer, listing_id, fresh, status=409,
                     form=reader.values, errors=reader.errors)  # fmt: skip
    except DomainError as error:
        reader.absorb(error, aliases={"contact.phone": "phone", "message": "message"})
        return _page(request, services, viewer, listing_id, quote, status=409,
                     form=reader.values, errors=reader.errors)  # fmt: skip
    if booking.status is BookingStatus.REQUESTED:
        return redirect(
            f"/trips/{booking.id}",
            flash="Your request is sent. The host will answer; you pay once it is accepted.",
        )
    try:
        return paying.pay(services, viewer, booking.id, plan=plan, card=card)
    except PaymentFailed as error:
        reader.error("card", error.message)
    except NotPayable as error:
        if card == paying.NEW_CARD and booking.status is BookingStatus.PENDING_PAYMENT:
            reader.error("card", NEW_CARD_AFTER_SAVED)
        else:
            reader.error(FORM_ERROR, error.message)
    except DomainError as error:
        reader.absorb(error, aliases={"payment_method": "card", "plan": "plan"})
    return _page(request, services, viewer, listing_id, quote, status=422,
                 form=reader.values, errors=reader.errors, booking_code=booking.code)  # fmt: skip


def _page(
    request: Request,
    services: Services,
    viewer: Viewer,
    listing_id: uuid.UUID,
    quote: QuoteRow | None,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    search: dict[str, str] | None = None,
    search_errors: dict[str, str] | None = None,
    booking_code: str | None = None,
) -> Response:
    facts = paying.listing_facts(services, [listing_id])[listing_id]
    cards = paying.saved_cards(services, viewer) if quote is not None else []
    request_only = quote is not None and _is_request(services, quote)
    return render(
        request,
        "guest/book.html.j2",
        status=status,
        listing=facts,
        quote=quote,
        request_only=request_only,
        on_request=quote is not None and is_on_request(quote.lines),
        policy=None if quote is None else paying.policy_of(quote.cancellation_policy),
        card_options=paying.card_options(cards),
        default_card=paying.default_card(cards),
        new_card=paying.NEW_CARD,
        form=form or {},
        errors=errors or {},
        search=search or ({} if quote is None else _search_of(quote)),
        search_errors=search_errors or {},
        booking_code=booking_code,
    )


def _wanted(reader: FormReader, listing_id: uuid.UUID) -> QuoteRequest | None:
    check_in = reader.date("check_in")
    check_out = reader.date("check_out", required=False)
    guests = reader.integer("guests", required=False, minimum=1, maximum=1000) or 1
    units = reader.integer("units", required=False, minimum=1, maximum=500) or 1
    slot_id = _uuid(reader, "slot_id", required=False)
    if check_in is not None and check_out is not None and check_out <= check_in:
        reader.error("check_out", "must be after the check-in date")
    if not reader.ok or check_in is None:
        return None
    return QuoteRequest(listing_id, check_in, check_out, guests, units, slot_id)


def _price(services: Services, viewer: Viewer, wanted: QuoteRequest) -> QuoteRow:
    """The stored quote for what the guest asked; a listing without an instant price gets
    a quote for a request (the host names the price in an offer)."""
    try:
        return quotes.create_quote(services, viewer.actor, wanted)
    except QuoteOnly:
        asked = QuoteRequest(
            wanted.listing_id, wanted.check_in, wanted.check_out, wanted.guests, wanted.units,
            wanted.slot_id, price_on_request=True,
        )  # fmt: skip
        return quotes.create_quote(services, viewer.actor, asked)


def _request_of(quote: QuoteRow) -> QuoteRequest:
    return QuoteRequest(
        quote.listing_id, quote.check_in, quote.check_out, quote.guests, quote.units,
        quote.slot_id, price_on_request=is_on_request(quote.lines),
    )  # fmt: skip


def _search_of(quote: QuoteRow) -> dict[str, str]:
    return {
        "check_in": quote.check_in.isoformat(),
        "check_out": quote.check_out.isoformat(),
        "guests": str(quote.guests),
    }


def _is_request(services: Services, quote: QuoteRow) -> bool:
    """Whether booking this quote sends a request (as ``bookings.book`` will decide: the
    listing asks for approval, or the quote waits for the host's price)."""
    facts = paying.listing_facts(services, [quote.listing_id])[quote.listing_id]
    return not facts.instant_book or is_on_request(quote.lines)


def _stored_quote(services: Services, quote_id: uuid.UUID | None) -> QuoteRow | None:
    if quote_id is None:
        return None
    try:
        return quotes.get_quote(services, quote_id)
    except NotFound:
        return None


def _card_ids(services: Services, viewer: Viewer) -> set[str]:
    return {card.id for card in paying.saved_cards(services, viewer)}


def _uuid(reader: FormReader, name: str, *, required: bool = True) -> uuid.UUID | None:
    value = reader.raw(name)
    if not value:
        if required:
            reader.error(name, "is required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        reader.error(name, "is not valid")
        return None
