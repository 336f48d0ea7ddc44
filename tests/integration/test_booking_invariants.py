"""Random sequences of booking operations against the real services and PostgreSQL, with
the inventory invariants checked after every step.

A ``hypothesis.stateful`` machine books, requests, answers, counter-offers, modifies,
pays, cancels, expires and completes bookings on a two-unit stay and on an experience
with two small sessions. Whatever the order, the inventory must add up: no unit is held
twice, a booking holds exactly its units or places while (and only while) its state is in
``BLOCKING``, session counters equal the places of the bookings holding them, no waiting
state outlives an expiry run, and no refund exceeds what was paid. Every operation must
also do what the table says: land in the transition's target, or be refused with a domain
error that leaves the booking where it was.

The database comes from the test's fixtures, so it is shared by every example hypothesis
runs: each example builds its own fresh listings (and dates, from wherever the clock has
got to) and checks the bookings made on them; the unit overlap check spans the database.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from innkeeper.accounts.domain import Actor, PlatformRole
from innkeeper.availability.models import TimeSlot
from innkeeper.bookings import changes, service
from innkeeper.bookings.domain import (
    BLOCKING,
    TABLE,
    WAITING,
    BookingStatus,
    Event,
    IllegalTransition,
    Role,
)
from innkeeper.bookings.expiry import complete_due, expire_due
from innkeeper.bookings.models import Booking
from innkeeper.catalog.domain import ListingKind
from innkeeper.core.clock import FixedClock
from innkeeper.core.dates import local_date
from innkeeper.core.errors import DomainError, Forbidden
from innkeeper.pricing.quotes import QuoteRequest, create_quote
from innkeeper.services import Services
from tests.builders import (
    SAFARI_JSON,
    STAY_JSON,
    actor_for,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)

API = "/api/v1"
ZONE = STAY_JSON["time_zone"]
UNITS = 2  # the stay's identical units
SESSION_PLACES = 3  # each of the experience's two sessions
DAYS = 8  # the window of arrival days an example books in
CONTACT = service.Contact("Layla Haddad", "layla@example.com")
INVARIANT_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def event_name(state: BookingStatus | None) -> str:
    return "new" if state is None else state.value


def _few(count: int) -> str:
    """A count for hypothesis's statistics (``tally``), bucketed so the lines stay few."""
    return str(count) if count < 3 else "3+"


@dataclass
class World:
    """What every example shares: the people, the host organization and the engine."""

    client: TestClient
    services: Services
    clock: FixedClock
    host_headers: dict[str, str]
    organization_id: uuid.UUID
    guests: list[Actor]
    host: Actor
    admin: Actor

    def listing(self, body: dict[str, Any]) -> str:
        made = publish_over_http(self.client, self.host_headers, self.organization_id, body)
        return str(made["id"])

    def availability(self, listing_id: str, path: str = "") -> str:
        listing = f"{API}/organizations/{self.organization_id}/listings/{listing_id}"
        return f"{listing}/availability{path}"


class BookingMachine(RuleBasedStateMachine):
    """One example: a fresh two-unit stay and a fresh experience, and the bookings on them."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.svc = world.services
        self.bookings: dict[uuid.UUID, BookingStatus] = {}
        self.stays: set[uuid.UUID] = set()
        self.instant = True
        self._align_clock()
        self.stay_id = uuid.UUID(self._new_stay())
        self.tour_id, self.sessions = self._new_tour()
        self.day0 = local_date(world.clock.now(), ZONE) + timedelta(days=1)

    # -- setup ------------------------------------------------------------------------

    def _align_clock(self) -> None:
        """Start every example at 09:00 local time on a new day: hypothesis replays a
        sequence of choices and needs the same outcomes, which depend on the time of day
        (dates that have just passed, deadlines capped at arrival)."""
        now = self.world.clock.now()
        tomorrow = local_date(now, ZONE) + timedelta(days=1)
        start = datetime.combine(tomorrow, time(9, 0), ZoneInfo(ZONE))
        self.world.clock.advance(seconds=(start - now).total_seconds())

    def _new_stay(self) -> str:
        body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
        body["stay"] = body["stay"] | {"unit_count": UNITS}
        return self.world.listing(body)

    def _new_tour(self) -> tuple[uuid.UUID, list[tuple[date, uuid.UUID]]]:
        """An experience with one session on each of the example's second and third days."""
        listing_id = self.world.listing(copy.deepcopy(SAFARI_JSON))
        first = local_date(self.world.clock.now(), ZONE) + timedelta(days=2)
        times = [{"starts_at": "15:00", "ends_at": "21:00", "capacity": SESSION_PLACES}]
        span = {"start": first.isoformat(), "end": (first + timedelta(days=2)).isoformat()}
        added = self.world.client.post(
            self.world.availability(listing_id, "/slots"),
            json=span | {"times": times},
            headers=self.world.host_headers,
        )
        assert added.status_code == 204, added.text
        with self.svc.uow() as uow:
            rows = uow.session.execute(
                select(TimeSlot.day, TimeSlot.id)
                .where(TimeSlot.listing_id == uuid.UUID(listing_id))
                .order_by(TimeSlot.day)
            ).all()
        return uuid.UUID(listing_id), [(row.day, row.id) for row in rows]

    def _set_instant(self, instant: bool) -> None:
        """Switch the stay between instant booking and request to book, as its host would."""
        if instant is self.instant:
            return
        response = self.world.client.put(
            self.world.availability(str(self.stay_id)),
            json={"instant_book": instant},
            headers=self.world.host_headers,
        )
        assert response.status_code == 200, response.text
        self.instant = instant

    # -- acting -----------------------------------------------------------------------

    def _book(self, guest: Actor, request: QuoteRequest) -> None:
        """Quote and book; sold out, past dates and the like are fair refusals."""
        try:
            quote = create_quote(self.svc, guest, request)
            booking = service.book(self.svc, guest, service.NewBooking(quote.id, CONTACT))
        except DomainError as error:
            tally(f"booking refused: {error.code}")
            return
        expected = TABLE[(None, Event.BOOK if self._instant_for(request) else Event.REQUEST)]
        assert booking.status is expected.target
        self.bookings[booking.id] = booking.status
        if request.listing_id == self.stay_id:
            self.stays.add(booking.id)

    def _instant_for(self, request: QuoteRequest) -> bool:
        return request.listing_id != self.stay_id or self.instant

    def _act(
        self, booking_id: uuid.UUID, event: Event, role: Role, call: Callable[[], Any]
    ) -> None:
        """Fire ``event`` as ``role`` through ``call``: it lands in the table's target, or
        is refused without changing anything: illegal or forbidden exactly when the table
        says so, otherwise for a business reason (sold out, too early, unchanged terms)."""
        before = self._status(booking_id)
        found = TABLE.get((before, event))
        refusal: DomainError | None = None
        try:
            call()
        except DomainError as error:
            refusal = error
        if refusal is None:
            assert found is not None, (before, event)
            assert role in found.roles, (before, event, role)
            assert self._status(booking_id) is found.target
            tally(f"{event_name(before)} --{event}--> {found.target}")
            return
        if found is None:
            assert isinstance(refusal, IllegalTransition), refusal
        elif role not in found.roles:
            assert isinstance(refusal, Forbidden), refusal
        else:
            assert not isinstance(refusal, IllegalTransition), refusal
        assert self._status(booking_id) is before
        tally(f"{event_name(before)} --{event}--> refused: {refusal.code}")

    def _status(self, booking_id: uuid.UUID) -> BookingStatus:
        with self.svc.uow() as uow:
            status = uow.session.scalar(select(Booking.status).where(Booking.id == booking_id))
        assert status is not None
        return status

    def _refresh(self) -> None:
        if not self.bookings:
            return
        with self.svc.uow() as uow:
            rows = uow.session.execute(
                select(Booking.id, Booking.status).where(Booking.id.in_(list(self.bookings)))
            ).all()
        statuses = {row.id: row.status for row in rows}
        self.bookings = {booking: statuses[booking] for booking in self.bookings}

    def _in(self, *states: BookingStatus) -> list[uuid.UUID]:
        """In the order they were made (ids are random: sorting by them would not replay)."""
        return [b for b, status in self.bookings.items() if status in states]

    def _has(self, *states: BookingStatus) -> bool:
        return bool(self._in(*states))

    def _pick(self, data: st.DataObject, *states: BookingStatus) -> uuid.UUID:
        return data.draw(st.sampled_from(self._in(*states)), label="booking")

    def _stay_request(self, offset: int, nights: int, units: int) -> QuoteRequest:
        check_in = self.day0 + timedelta(days=offset)
        return QuoteRequest(self.stay_id, check_in, check_in + timedelta(days=nights), units=units)

    def _people(self, role: Role, booking_id: uuid.UUID) -> Actor:
        if role is Role.GUEST:
            return next(g for g in self.world.guests if g.user_id == self._guest_of(booking_id))
        return self.world.host if role is Role.HOST else self.world.admin

    def _guest_of(self, booking_id: uuid.UUID) -> uuid.UUID:
        with self.svc.uow() as uow:
            guest = uow.session.scalar(
                select(Booking.guest_user_id).where(Booking.id == booking_id)
            )
        assert guest is not None
        return guest

    # -- rules ------------------------------------------------------------------------

    offsets = st.integers(0, DAYS - 1)
    nights = st.integers(1, 3)
    units = st.integers(1, UNITS)
    guests = st.integers(0, 1)
    people = st.sampled_from([Role.GUEST, Role.HOST])

    @rule(guest=guests, offset=offsets, nights=nights, units=units)
    def instant_book(self, guest: int, offset: int, nights: int, units: int) -> None:
        self._set_instant(True)
        self._book(self.world.guests[guest], self._stay_request(offset, nights, units))

    @rule(guest=guests, offset=offsets, nights=nights, units=units)
    def request_to_book(self, guest: int, offset: int, nights: int, units: int) -> None:
        self._set_instant(False)
        self._book(self.world.guests[guest], self._stay_request(offset, nights, units))

    @rule(guest=guests, session=st.integers(0, 1), places=st.integers(1, SESSION_PLACES))
    def book_a_session(self, guest: int, session: int, places: int) -> None:
        day, slot = self.sessions[session]
        request = QuoteRequest(self.tour_id, day, guests=places, slot_id=slot)
        self._book(self.world.guests[guest], request)

    @precondition(lambda self: self._has(BookingStatus.REQUESTED))
    @rule(data=st.data(), role=st.sampled_from([Role.HOST, Role.ADMIN]))
    def accept(self, data: st.DataObject, role: Role) -> None:
        booking = self._pick(data, BookingStatus.REQUESTED)
        actor = self._people(role, booking)
        self._act(booking, Event.ACCEPT, role, lambda: changes.accept(self.svc, actor, booking))

    @precondition(lambda self: self._has(BookingStatus.REQUESTED))
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        booking = self._pick(data, BookingStatus.REQUESTED)
        self._act(booking, Event.DECLINE, Role.HOST, lambda: service.transition(
            self.svc, self.world.host, booking, Event.DECLINE, reason="owner staying"
        ))  # fmt: skip

    @precondition(lambda self: self._has(BookingStatus.REQUESTED))
    @rule(data=st.data(), offset=offsets, nights=nights, units=units, hours=st.sampled_from(
        [None, 1]
    ))  # fmt: skip
    def counter_offer(
        self, data: st.DataObject, offset: int, nights: int, units: int, hours: int | None
    ) -> None:
        booking = self._pick(data, BookingStatus.REQUESTED)
        check_in = self.day0 + timedelta(days=offset)
        terms = changes.NewTerms(check_in, check_in + timedelta(days=nights), units=units)
        offer = changes.Offer(terms, "How about these dates?", hours=hours)
        self._act(booking, Event.COUNTER_OFFER, Role.HOST, lambda: changes.counter_offer(
            self.svc, self.world.host, booking, offer
        ))  # fmt: skip

    @precondition(lambda self: self._has(BookingStatus.COUNTER_OFFERED))
    @rule(data=st.data())
    def accept_offer(self, data: st.DataObject) -> None:
        booking = self._pick(data, BookingStatus.COUNTER_OFFERED)
        guest = self._people(Role.GUEST, booking)
        self._act(booking, Event.ACCEPT_OFFER, Role.GUEST, lambda: changes.accept_offer(
            self.svc, guest, booking
        ))  # fmt: skip

    @precondition(lambda self: self._has(BookingStatus.COUNTER_OFFERED))
    @rule(data=st.data())
    def decline_offer(self, data: st.DataObject) -> None:
        booking = self._pick(data, BookingStatus.COUNTER_OFFERED)
        guest = self._people(Role.GUEST, booking)
        self._act(booking, Event.DECLINE_OFFER, Role.GUEST, lambda: service.transition(
            self.svc, guest, booking, Event.DECLINE_OFFER
        ))  # fmt: skip

    @precondition(lambda self: self._has(*(set(BookingStatus) - {BookingStatus.COMPLETED})))
    @rule(data=st.data(), role=people)
    def cancel(self, data: st.DataObject, role: Role) -> None:
        """Any booking, as its guest or host: illegal ones must be refused as such."""
        booking = self._pick(data, *(set(BookingStatus) - {BookingStatus.COMPLETED}))
        actor = self._people(role, booking)
        self._act(booking, Event.CANCEL, role, lambda: service.transition(
            self.svc, actor, booking, Event.CANCEL, reason="plans changed"
        ))  # fmt: skip

    @precondition(lambda self: self._has(BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED))
    @rule(
        data=st.data(),
        role=people,
        offset=offsets,
        nights=nights,
        units=units,
        session=st.integers(0, 1),
        places=st.integers(1, SESSION_PLACES),
    )
    def modify(
        self,
        data: st.DataObject,
        role: Role,
        offset: int,
        nights: int,
        units: int,
        session: int,
        places: int,
    ) -> None:
        """New dates and units for a stay; another session or party for the experience."""
        booking = self._pick(data, BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)
        if booking in self.stays:
            check_in = self.day0 + timedelta(days=offset)
            terms = changes.NewTerms(check_in, check_in + timedelta(days=nights), units=units)
        else:
            day, slot = self.sessions[session]
            terms = changes.NewTerms(check_in=day, guests=places, slot_id=slot)
        actor = self._people(role, booking)
        self._act(booking, Event.MODIFY, role, lambda: changes.modify(
            self.svc, actor, booking, terms
        ))  # fmt: skip

    @precondition(
        lambda self: self._has(BookingStatus.PENDING_PAYMENT, BookingStatus.PAYMENT_ACTION_REQUIRED)
    )
    @rule(data=st.data())
    def confirm_payment(self, data: st.DataObject) -> None:
        booking = self._pick(
            data, BookingStatus.PENDING_PAYMENT, BookingStatus.PAYMENT_ACTION_REQUIRED
        )
        self._act(booking, Event.PAYMENT_SUCCEEDED, Role.ADMIN, lambda: service.transition(
            self.svc, self.world.admin, booking, Event.PAYMENT_SUCCEEDED
        ))  # fmt: skip

    @precondition(lambda self: self._has(BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED))
    @rule(data=st.data())
    def payment_needs_action(self, data: st.DataObject) -> None:
        """3-D Secure or a failed charge: the payments side, as the engine."""
        booking = self._pick(data, BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)
        self._act(booking, Event.PAYMENT_ACTION_NEEDED, Role.SYSTEM, lambda: (
            service.system_transition(self.svc, booking, Event.PAYMENT_ACTION_NEEDED)
        ))  # fmt: skip

    @rule(minutes=st.sampled_from([16, 61, 25 * 60]))
    def expire(self, minutes: int) -> None:
        """Time passes and the expiry job runs: afterwards nothing waits past its deadline."""
        self.world.clock.advance(minutes=minutes)
        tally(f"expire_due expired {_few(expire_due(self.svc))}")
        now = self.world.clock.now()
        with self.svc.uow() as uow:
            overdue = uow.session.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.status.in_(list(WAITING)), Booking.deadline_at <= now)
            )
        assert overdue == 0

    @precondition(lambda self: self._has(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN))
    @rule(data=st.data(), role=st.sampled_from([Role.HOST, Role.SYSTEM]))
    def complete(self, data: st.DataObject, role: Role) -> None:
        """The host completes a booking, or a day passes and the completion job runs; too
        early is a fair refusal."""
        if role is Role.SYSTEM:
            self.world.clock.advance(days=1)
            tally(f"complete_due completed {_few(complete_due(self.svc))}")
            return
        booking = self._pick(data, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
        self._act(booking, Event.COMPLETE, Role.HOST, lambda: service.transition(
            self.svc, self.world.host, booking, Event.COMPLETE
        ))  # fmt: skip

    # -- invariants -------------------------------------------------------------------

    @invariant()
    def inventory_adds_up(self) -> None:
        """Checked in a few set-wise queries, so a long example stays cheap."""
        self._refresh()
        listings = {"stay": self.stay_id, "tour": self.tour_id}
        with self.svc.uow() as uow:
            session = uow.session
            overlaps = session.scalar(
                text(
                    "SELECT count(*) FROM allocation a JOIN allocation b "
                    "ON a.unit_id = b.unit_id AND a.id < b.id AND a.blocks && b.blocks"
                )
            )
            assert overlaps == 0, "two allocations overlap on one unit"
            for row in session.execute(CLAIMS, listings):
                self._check_claims(row)
            for row in session.execute(SESSIONS, listings | {"blocking": BLOCKING_NAMES}):
                assert row.booked == row.held, f"session {row.day}: {row.booked} != {row.held}"
                assert 0 <= row.booked <= row.capacity
            for row in session.execute(MONEY, listings):
                assert 0 <= row.refund_due_minor <= row.paid_minor, row
                if row.confirmed_at is None:
                    assert row.paid_minor == 0, row  # only a payment marks it paid
                assert (BookingStatus(row.status) in WAITING) == (row.deadline_at is not None)

    @staticmethod
    def _check_claims(row: Any) -> None:
        """A booking holds its inventory exactly while blocking: its units on its own
        nights for a stay, its party's places on its session for an experience."""
        holding = BookingStatus(row.status) in BLOCKING
        if row.kind == ListingKind.STAY.value:
            assert row.place_rows == 0, row
            assert row.claims == row.claimed_units == (row.units if holding else 0), row
            assert row.nights_match, row
        else:
            assert row.claims == 0, row
            assert row.place_rows == (1 if holding else 0), row
            if holding:
                assert (row.places, row.same_slot) == (row.guests, True), row


BLOCKING_NAMES = [state.value for state in BLOCKING]
CLAIMS = text(
    """
    SELECT b.id, b.kind, b.status, b.units, b.guests, b.slot_id,
           count(a.id) AS claims, count(DISTINCT a.unit_id) AS claimed_units,
           coalesce(bool_and(a.nights = daterange(b.check_in, b.check_out)), true)
               AS nights_match,
           (SELECT count(*) FROM place_allocation p WHERE p.booking_id = b.id) AS place_rows,
           (SELECT sum(p.places) FROM place_allocation p WHERE p.booking_id = b.id) AS places,
           (SELECT bool_and(p.slot_id = b.slot_id) FROM place_allocation p
             WHERE p.booking_id = b.id) AS same_slot
      FROM booking b LEFT JOIN allocation a ON a.booking_id = b.id
     WHERE b.listing_id IN (:stay, :tour)
     GROUP BY b.id
    """
)
SESSIONS = text(
    """
    SELECT s.day, s.booked, s.capacity,
           coalesce((SELECT sum(p.places) FROM place_allocation p
                       JOIN booking b ON b.id = p.booking_id
                      WHERE p.slot_id = s.id AND b.status = ANY(:blocking)), 0) AS held
      FROM time_slot s WHERE s.listing_id = :tour
    """
)
MONEY = text(
    """
    SELECT id, status, paid_minor, refund_due_minor, confirmed_at, deadline_at
      FROM booking WHERE listing_id IN (:stay, :tour)
    """
)


def _world(client: TestClient, services: Services, clock: FixedClock) -> World:
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    guests = [make_user(services, email=f"guest{n}@example.com") for n in (1, 2)]
    admin = make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,))
    return World(
        client=client,
        services=services,
        clock=clock,
        host_headers=login_headers(client, "host@example.com"),
        organization_id=org.id,
        guests=[actor_for(services, guest) for guest in guests],
        host=actor_for(services, owner),
        admin=actor_for(services, admin),
    )


def test_inventory_invariants_hold_under_any_sequence(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    """One database for the whole run; a fresh stay and experience per example."""
    world = _world(client, services, clock)
    run_state_machine_as_test(lambda: BookingMachine(world), settings=INVARIANT_SETTINGS)
