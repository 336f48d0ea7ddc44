"""Demo bookings, made through the booking services like any guest's: confirmed stays in
the coming weeks (paid manually, as an admin records it until Stripe payments exist), a few
cancelled, and requests waiting for the first demo host, whose first stay takes requests
instead of instant bookings. Deterministic for a given day."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from innkeeper.accounts.domain import Actor
from innkeeper.availability import service as availability
from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import BookingSource, Event
from innkeeper.catalog.domain import ListingKind
from innkeeper.catalog.models import Listing
from innkeeper.core.dates import local_date
from innkeeper.core.errors import DomainError
from innkeeper.demo import data
from innkeeper.pricing import quotes
from innkeeper.services import Services

LISTINGS_WITH_BOOKINGS = 40
BOOKINGS_PER_LISTING = 3


@dataclass(frozen=True, slots=True)
class Guest:
    actor: Actor
    person: data.DemoPerson


@dataclass(frozen=True, slots=True)
class Counts:
    confirmed: int
    cancelled: int
    requested: int


def load(
    services: Services,
    guests: Sequence[Guest],
    admin: Actor,
    first_host: tuple[uuid.UUID, Actor],
) -> Counts:
    rng = random.Random(2026)
    waiting_room = _request_listing(services, first_host[0])
    confirmed = cancelled = 0
    for listing_id in _stays(services, exclude=waiting_room):
        for index in range(BOOKINGS_PER_LISTING):
            guest = rng.choice(guests)
            booking = _book(services, rng, guest, listing_id, offset=7 + index * 9)
            if booking is None:
                continue
            paid = "demo: paid by bank transfer"
            bookings.transition(services, admin, booking, Event.PAYMENT_SUCCEEDED, reason=paid)
            confirmed += 1
            if rng.random() < 0.08:
                changed = "demo: plans changed"
                bookings.transition(services, guest.actor, booking, Event.CANCEL, reason=changed)
                cancelled += 1
    requested = 0
    if waiting_room is not None:
        org_id, owner = first_host
        rules = availability.Settings(instant_book=False, response_hours=48)
        availability.put_settings(services, owner, org_id, waiting_room, rules)
        for offset in (5, 12):
            guest = rng.choice(guests)
            if _book(services, rng, guest, waiting_room, offset=offset, note=True) is not None:
                requested += 1
    return Counts(confirmed - cancelled, cancelled, requested)


def _book(
    services: Services,
    rng: random.Random,
    guest: Guest,
    listing_id: uuid.UUID,
    *,
    offset: int,
    note: bool = False,
) -> uuid.UUID | None:
    """Quote and book a short stay ``offset`` days ahead, or None when the listing's rules
    refuse those dates (minimum stay, closed days, already taken)."""
    with services.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None:
            return None
        today = local_date(services.clock.now(), listing.time_zone)
    check_in = today + timedelta(days=offset + rng.randrange(3))
    request = quotes.QuoteRequest(
        listing_id=listing_id,
        check_in=check_in,
        check_out=check_in + timedelta(days=rng.randint(2, 6)),
        guests=rng.randint(1, 2),
    )
    person = guest.person
    try:
        quote = quotes.create_quote(services, guest.actor, request)
        new = bookings.NewBooking(
            quote_id=quote.id,
            contact=bookings.Contact(person.name, person.email, person.phone),
            message="We would love to stay; is an early check-in possible?" if note else "",
            source=BookingSource.WEB,
        )
        return bookings.book(services, guest.actor, new).id
    except DomainError:
        return None


def _request_listing(services: Services, organization_id: uuid.UUID) -> uuid.UUID | None:
    with services.uow() as uow:
        return uow.session.scalar(
            select(Listing.id)
            .where(Listing.organization_id == organization_id, Listing.kind == ListingKind.STAY)
            .order_by(Listing.title)
            .limit(1)
        )


def _stays(services: Services, *, exclude: uuid.UUID | None) -> list[uuid.UUID]:
    with services.uow() as uow:
        query = select(Listing.id).where(Listing.kind == ListingKind.STAY)
        if exclude is not None:
            query = query.where(Listing.id != exclude)
        return list(
            uow.session.scalars(query.order_by(Listing.title).limit(LISTINGS_WITH_BOOKINGS))
        )
