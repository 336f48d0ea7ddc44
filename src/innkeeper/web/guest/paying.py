"""What the booking and trip pages share: paying for a booking (hosted Checkout for a new
card, the payments service for a saved one, 3-D Secure by redirect), the card choice, and
the few listing facts a guest's pages show beside a booking.

Nothing here decides about money: the payments service picks the installment, the amount
and whether the booking can be paid; this module only turns the guest's choice into the
call and the answer into a redirect.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from fastapi.responses import Response
from sqlalchemy import select

from innkeeper.availability.models import AvailabilitySettings
from innkeeper.catalog.models import Listing
from innkeeper.payments import checkout, customers
from innkeeper.payments.checkout import PayPlan, PayRequest
from innkeeper.payments.customers import SavedCard
from innkeeper.payments.domain import PaymentStatus
from innkeeper.services import Services
from innkeeper.web.render import redirect
from innkeeper.web.viewer import Viewer

NEW_CARD = "new"
PLANS = {PayPlan.SCHEDULE.value: "deposit", PayPlan.FULL.value: "full"}


@dataclass(frozen=True, slots=True)
class ListingFacts:
    """What a guest's page says about the listing of a booking (published or not)."""

    id: uuid.UUID
    title: str
    place: str
    time_zone: str
    instant_book: bool


def listing_facts(
    services: Services, listing_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ListingFacts]:
    """The listings of a page of bookings in one query (a trips list must not make one
    per booking); a listing with no availability row books instantly, as ``book`` reads it."""
    wanted = set(listing_ids)
    if not wanted:
        return {}
    with services.uow() as uow:
        rows = uow.session.execute(
            select(Listing, AvailabilitySettings.instant_book)
            .outerjoin(AvailabilitySettings, AvailabilitySettings.listing_id == Listing.id)
            .where(Listing.id.in_(wanted))
        ).all()
    return {
        listing.id: ListingFacts(
            id=listing.id,
            title=listing.title,
            place=", ".join(p for p in (listing.area, listing.city) if p),
            time_zone=listing.time_zone,
            instant_book=instant is None or instant,
        )
        for listing, instant in rows
    }


@dataclass(frozen=True, slots=True)
class Deadline:
    until: datetime
    percent: str  # "100", "50"


@dataclass(frozen=True, slots=True)
class Policy:
    kind: str
    deadlines: list[Deadline]


def policy_of(snapshot: Mapping[str, object]) -> Policy:
    """A snapshotted cancellation policy (as quotes and bookings store it), for reading."""
    deadlines = snapshot.get("deadlines", [])
    items = deadlines if isinstance(deadlines, list) else []
    return Policy(
        kind=str(snapshot.get("kind", "")),
        deadlines=[
            Deadline(
                datetime.fromisoformat(str(d["until"])),
                format(Decimal(str(d["refund_percent"])).normalize(), "f"),
            )
            for d in items
        ],
    )


def saved_cards(services: Services, viewer: Viewer) -> list[SavedCard]:
    return customers.list_cards(services, viewer.actor)


def card_options(cards: list[SavedCard]) -> list[tuple[str, str]]:
    """The card choice: each saved card, then a new card on Stripe's page."""
    options = [
        (c.id, f"{c.brand.title()} ending {c.last4}, expires {c.exp_month:02d}/{c.exp_year}")
        for c in cards
    ]
    options.append((NEW_CARD, "A new card, on the secure payment page"))
    return options


def default_card(cards: list[SavedCard]) -> str:
    for card in cards:
        if card.is_default:
            return card.id
    return NEW_CARD


def pay(
    services: Services, viewer: Viewer, booking_id: uuid.UUID, *, plan: str, card: str
) -> Response:
    """Pay what is due now with ``card`` (a saved card's id or ``NEW_CARD``) and send the
    guest where the payment goes on: Stripe's Checkout page, the bank's 3-D Secure page, or
    back to the trip. A decline raises ``PaymentFailed`` for the page to show."""
    public = services.settings.public_url
    back = f"{public}/trips/{booking_id}/paid"
    request = PayRequest(plan=PayPlan(plan))
    if card == NEW_CARD:
        payment = checkout.start_checkout(
            services,
            viewer.actor,
            booking_id,
            request,
            success_url=back + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=f"{public}/trips/{booking_id}",
        )
        if payment.action_url:
            return redirect(payment.action_url)
        return redirect(f"/trips/{booking_id}")
    request = PayRequest(plan=PayPlan(plan), payment_method=card, return_url=back)
    payment = checkout.pay(services, viewer.actor, booking_id, request)
    if payment.status is PaymentStatus.REQUIRES_ACTION and payment.action_url:
        return redirect(payment.action_url)
    if payment.status is PaymentStatus.SUCCEEDED:
        return redirect(
            f"/trips/{booking_id}", flash="Payment received: your booking is confirmed."
        )
    return redirect(f"/trips/{booking_id}")
