"""Every booking state, reached for real, against every event as every role.

For each ``BookingStatus`` a real booking is driven there along the shortest path the
table allows (breadth-first from a new booking), through the same routes and services a
client or the engine uses. Then every event is fired at it as the guest, a host member, an
admin, the local expert who arranged it and the engine itself. The transition must
succeed exactly when ``domain.TABLE`` says so, landing in the table's target; otherwise it
must be refused with 409 ``illegal_transition`` (no such transition) or 403 ``forbidden``
(not this role). A refused event changes nothing, so one booking serves until an event
succeeds; then a fresh one is driven to the state.

Nothing here lists states, events or roles by hand except how each event is fired (its
route and body) and which events wait for the calendar (``service.check_timing``).
"""

from __future__ import annotations

import copy
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from innkeeper.accounts.domain import Actor, PlatformRole
from innkeeper.api import status_for
from innkeeper.bookings import inventory, service
from innkeeper.bookings.domain import BLOCKING, TABLE, TRANSITIONS, BookingStatus, Event, Role
from innkeeper.core.clock import FixedClock
from innkeeper.core.dates import local_date
from innkeeper.core.errors import DomainError
from innkeeper.services import Services
from tests.builders import STAY_JSON, actor_for, login_headers, make_org, make_user
from tests.builders import publish_over_http as publish

API = "/api/v1"
ZONE = ZoneInfo(STAY_JSON["time_zone"])
CONTACT = {"name": "Layla Haddad", "email": "layla@example.com", "phone": "+971501234567"}
PEOPLE = (Role.GUEST, Role.HOST, Role.ADMIN, Role.EXPERT)
PATH_ROLES = (Role.GUEST, Role.HOST, Role.ADMIN, Role.SYSTEM, Role.EXPERT)  # who drives a path
CREATING = {Event.BOOK, Event.REQUEST}
# Events ``service.check_timing`` holds back until the stay's dates: fired last on a
# booking, after moving the clock past its departure.
TIMED = {Event.CHECK_IN, Event.NO_SHOW, Event.COMPLETE}
# How people fire events over HTTP: the route under /bookings/{id}, and a body where one
# is required. Events with no route (creation, payments' and the engine's own) go through
# ``service.transition`` as the person, and must be refused.
ROUTES: dict[Event, tuple[str, dict[str, Any]]] = {
    Event.ACCEPT: ("accept", {}),
    Event.DECLINE: ("decline", {"reason": "the owner is staying"}),
    Event.COUNTER_OFFER: ("counter-offer", {"message": "How about our price?", "price_minor": 1}),
    Event.ACCEPT_OFFER: ("offer/accept", {}),
    Event.DECLINE_OFFER: ("offer/decline", {"reason": "too dear"}),
    Event.PAYMENT_SUCCEEDED: ("confirm-payment", {"reason": "bank transfer"}),
    Event.MODIFY: ("modify", {}),  # new dates are added per attempt
    Event.CANCEL: ("cancel", {"reason": "plans changed"}),
    Event.CHECK_IN: ("check-in", {}),
    Event.CHECK_OUT: ("check-out", {}),
    Event.NO_SHOW: ("no-show", {"reason": "never came"}),
    Event.COMPLETE: ("complete", {}),
}


def shortest_paths() -> dict[BookingStatus, list[Event]]:
    """For every state, the events that reach it soonest from a new booking, by the table."""
    paths: dict[BookingStatus | None, list[Event]] = {None: []}
    queue: deque[BookingStatus | None] = deque([None])
    while queue:
        state = queue.popleft()
        for t in TRANSITIONS:
            if t.source == state and t.target not in paths:
                paths[t.target] = [*paths[state], t.event]
                queue.append(t.target)
    return {state: path for state, path in paths.items() if state is not None}


PATHS = shortest_paths()


def expected(state: BookingStatus, event: Event, role: Role) -> tuple[int, str | None]:
    """The table's answer, as HTTP would give it: 200 and the target, or the refusal."""
    found = TABLE.get((state, event))
    if found is None:
        return 409, "illegal_transition"
    if role not in found.roles:
        return 403, "forbidden"
    return 200, found.target.value


@dataclass
class World:
    """One host organization with an instant-book stay and a request-to-book stay, a guest
    who books through a local expert, an admin, and the engine; and a calendar that hands
    out a fresh night for every booking so none of them ever competes for a unit."""

    client: TestClient
    services: Services
    clock: FixedClock
    headers: dict[Role, dict[str, str]]
    actors: dict[Role, Actor]
    organization_id: str
    instant_listing: str
    request_listing: str
    expert_id: str
    last_night: date = field(default=date.min)

    def night(self) -> tuple[str, str]:
        """An unused night from tomorrow on (in the listing's time zone)."""
        tomorrow = local_date(self.clock.now(), STAY_JSON["time_zone"]) + timedelta(days=1)
        self.last_night = max(self.last_night + timedelta(days=1), tomorrow)
        return self.last_night.isoformat(), (self.last_night + timedelta(days=1)).isoformat()

    def create(self, event: Event, nights: tuple[str, str] | None = None) -> dict[str, Any]:
        """A new booking by the guest, arranged by the expert: a hold (``book``) on the
        instant-book stay, a request on the other one; on a fresh night unless told."""
        listing = self.instant_listing if event is Event.BOOK else self.request_listing
        check_in, check_out = nights or self.night()
        body = {
            "listing_id": listing,
            "check_in": check_in,
            "check_out": check_out,
            "expert_id": self.expert_id,
        }
        made = self.client.post(f"{API}/quotes", json=body)
        assert made.status_code == 201, made.text
        booking = self.client.post(
            f"{API}/bookings",
            json={"quote_id": made.json()["id"], "contact": CONTACT},
            headers=self.headers[Role.GUEST],
        )
        assert booking.status_code == 201, booking.text
        result: dict[str, Any] = booking.json()
        return result

    def make_due(self, booking: dict[str, Any]) -> None:
        """Move the clock to noon on the departure day, so check-in (from the arrival date),
        no-show (from the arrival time) and completion (from the last day) are all due."""
        departure = date.fromisoformat(booking["check_out"])
        due = datetime.combine(departure, time(12, 0), ZONE)
        if self.clock.now() < due:
            self.clock.advance(seconds=(due - self.clock.now()).total_seconds())

    def fire(self, booking: dict[str, Any], event: Event, role: Role) -> tuple[int, str | None]:
        """Fire ``event`` as ``role``: (200, new status) or (HTTP status, error code)."""
        if event in TIMED:
            self.make_due(booking)
        booking_id = uuid.UUID(booking["id"])
        if role is Role.SYSTEM:
            return self._by_service(booking_id, lambda: service.system_transition(
                self.services, booking_id, event, reason="by the engine"
            ))  # fmt: skip
        if event not in ROUTES:
            return self._by_service(booking_id, lambda: service.transition(
                self.services, self.actors[role], booking_id, event
            ))  # fmt: skip
        action, body = ROUTES[event]
        if event is Event.MODIFY:
            check_in, check_out = self.night()
            body = {"check_in": check_in, "check_out": check_out}
        response = self.client.post(
            f"{API}/bookings/{booking_id}/{action}", json=body, headers=self.headers[role]
        )
        if response.status_code == 200:
            return 200, response.json()["status"]
        return response.status_code, response.json()["error"]["code"]

    def _by_service(self, booking_id: uuid.UUID, call: Any) -> tuple[int, str | None]:
        try:
            call()
        except DomainError as error:
            return status_for(error), error.code
        return 200, self.status(booking_id)

    def post(self, booking: dict[str, Any], action: str, role: Role, **body: Any) -> dict[str, Any]:
        """A person's action over HTTP that must succeed; the booking as they then see it."""
        response = self.client.post(
            f"{API}/bookings/{booking['id']}/{action}", json=body, headers=self.headers[role]
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def holds_inventory(self, booking_id: uuid.UUID | str) -> bool:
        with self.services.uow() as uow:
            return inventory.holds_inventory(uow.session, uuid.UUID(str(booking_id)))

    def status(self, booking_id: uuid.UUID | str) -> str:
        response = self.client.get(f"{API}/bookings/{booking_id}", headers=self.headers[Role.ADMIN])
        assert response.status_code == 200, response.text
        status: str = response.json()["status"]
        return status

    def drive_to(self, state: BookingStatus) -> dict[str, Any]:
        """A fresh booking in ``state``, along the table's shortest path to it, each step
        fired by the first role (in ``PATH_ROLES`` order) the table allows."""
        path = PATHS[state]
        booking = self.create(path[0])
        for event in path[1:]:
            current = BookingStatus(self.status(booking["id"]))
            found = TABLE[(current, event)]
            role = next(r for r in PATH_ROLES if r in found.roles)
            outcome = self.fire(booking, event, role)
            assert outcome == (200, found.target.value), (state, event, role, outcome)
            booking = self.client.get(
                f"{API}/bookings/{booking['id']}", headers=self.headers[Role.ADMIN]
            ).json()
        assert booking["status"] == state.value
        return booking


@pytest.fixture
def world(client: TestClient, services: Services, clock: FixedClock) -> World:
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    host = login_headers(client, "host@example.com")
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    instant = publish(client, host, org.id, body)
    requests = publish(client, host, org.id, copy.deepcopy(body))
    rules = {"instant_book": False}
    base = f"{API}/organizations/{org.id}/listings/{requests['id']}/availability"
    assert client.put(base, json=rules, headers=host).status_code == 200
    users = {
        Role.GUEST: make_user(services, email="guest@example.com"),
        Role.HOST: owner,
        Role.ADMIN: make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,)),
        Role.EXPERT: make_user(
            services, email="expert@example.com", roles=(PlatformRole.LOCAL_EXPERT,)
        ),
    }
    headers = {role: login_headers(client, user.email) for role, user in users.items()}
    fee = {"kind": "percent", "percent": "5"}
    assert client.put(f"{API}/me/expert-fee", json=fee, headers=headers[Role.EXPERT]).is_success
    return World(
        client=client,
        services=services,
        clock=clock,
        headers=headers,
        actors={role: actor_for(services, user) for role, user in users.items()},
        organization_id=str(org.id),
        instant_listing=instant["id"],
        request_listing=requests["id"],
        expert_id=str(users[Role.EXPERT].id),
    )


def attempts() -> Iterator[tuple[Event, Role]]:
    """Every event as every role; the calendar-bound events last, since they move the clock
    past the booking's dates (after which it could no longer be accepted)."""
    for event in sorted(Event, key=lambda e: (e in TIMED, list(Event).index(e))):
        for role in (*PEOPLE, Role.SYSTEM):
            yield event, role


def test_every_state_has_a_path_from_a_new_booking() -> None:
    assert set(PATHS) == set(BookingStatus)
    assert all(path[0] in CREATING for path in PATHS.values())


@pytest.mark.parametrize("state", list(BookingStatus))
def test_every_event_as_every_role(world: World, state: BookingStatus) -> None:
    """The table, checked against the running engine for one state."""
    booking = world.drive_to(state)
    mismatches = []
    for event, role in attempts():
        want = expected(state, event, role)
        got = world.fire(booking, event, role)
        if got != want:
            mismatches.append(f"{state} --{event}--> as {role}: wanted {want}, got {got}")
        now = BookingStatus(world.status(booking["id"]))
        assert world.holds_inventory(booking["id"]) is (now in BLOCKING), (event, role, now)
        if got[0] == 200:  # it moved on: take a fresh booking for the next attempt
            booking = world.drive_to(state)
        else:
            assert now is state  # a refusal changes nothing
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("event", sorted(TIMED))
def test_calendar_bound_events_wait_for_the_dates(world: World, event: Event) -> None:
    """Check-in, no-show and completion are refused with 409 ``too_early`` before their
    time, by the host who may otherwise fire them, and leave the booking as it was."""
    booking = world.drive_to(BookingStatus.CONFIRMED)
    response = world.client.post(
        f"{API}/bookings/{booking['id']}/{ROUTES[event][0]}",
        json=ROUTES[event][1],
        headers=world.headers[Role.HOST],
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_early"
    assert world.status(booking["id"]) == "confirmed"


def test_the_listing_decides_between_a_hold_and_a_request(world: World) -> None:
    """The two ways in (``None`` in the table): an instant-book listing holds, the other
    asks the host, and each new state waits with a deadline."""
    hold, request = world.create(Event.BOOK), world.create(Event.REQUEST)
    assert hold["status"] == TABLE[(None, Event.BOOK)].target.value
    assert request["status"] == TABLE[(None, Event.REQUEST)].target.value
    assert hold["deadline_at"] is not None
    assert request["deadline_at"] is not None
    assert hold["expert_user_id"] == request["expert_user_id"] == world.expert_id


def test_only_an_admin_books_for_someone_else(world: World) -> None:
    """The admin role among ``BOOKERS`` on a new booking: booking for another user. A host
    member trying the same is refused with 403."""
    guest_id = str(world.actors[Role.GUEST].user_id)
    for role, status in ((Role.HOST, 403), (Role.ADMIN, 201)):
        check_in, check_out = world.night()
        quote = {"listing_id": world.instant_listing, "check_in": check_in, "check_out": check_out}
        made = world.client.post(f"{API}/quotes", json=quote).json()
        body = {"quote_id": made["id"], "contact": CONTACT, "guest_user_id": guest_id}
        response = world.client.post(f"{API}/bookings", json=body, headers=world.headers[role])
        assert response.status_code == status, response.text
    assert response.json()["status"] == TABLE[(None, Event.BOOK)].target.value
    assert response.json()["guest_user_id"] == guest_id


# -- declining the requests an accept makes impossible (``Effect.DECLINE_CONFLICTS``) -------


def test_a_counter_offer_for_free_dates_survives_an_accept(world: World) -> None:
    """The host offers a guest other, free dates; then accepts someone else's request for
    the dates the guest first asked for. The offer is still good and must stay open: only
    requests (and offers) the new allocation makes impossible are declined."""
    asked, offered = world.night(), world.night()
    rival = world.create(Event.REQUEST, asked)
    offer = {"check_in": offered[0], "check_out": offered[1], "message": "The week after?"}
    assert world.post(rival, "counter-offer", Role.HOST, **offer)["status"] == "counter_offered"
    winner = world.create(Event.REQUEST, asked)
    assert world.post(winner, "accept", Role.HOST)["status"] == "pending_payment"
    assert world.status(rival["id"]) == "counter_offered"
    assert world.post(rival, "offer/accept", Role.GUEST)["status"] == "pending_payment"


def test_accepting_declines_a_request_only_turnover_now_rules_out(world: World) -> None:
    """With a cleaning day between stays, a request arriving on the day the accepted stay
    leaves can no longer be had: it must be declined with the others, not left waiting
    for an accept that can only fail."""
    rules = {"instant_book": False, "turnover_days": 1}
    base = f"{API}/organizations/{world.organization_id}/listings/{world.request_listing}"
    response = world.client.put(
        f"{base}/availability", json=rules, headers=world.headers[Role.HOST]
    )
    assert response.status_code == 200, response.text
    first, second = world.night(), world.night()  # back to back
    rival = world.create(Event.REQUEST, second)
    winner = world.create(Event.REQUEST, first)
    assert world.post(winner, "accept", Role.HOST)["status"] == "pending_payment"
    body = {"listing_id": world.request_listing, "check_in": second[0], "check_out": second[1]}
    quote = world.client.post(f"{API}/quotes", json=body)
    assert quote.json()["error"]["code"] == "unavailable"  # its night can no longer be had...
    assert world.status(rival["id"]) == "declined"  # ...so it should have been declined
