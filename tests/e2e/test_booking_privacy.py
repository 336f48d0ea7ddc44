"""Bookings and viewings are private to their guest, their host organization (by role) and
admins. Routes are read from the app itself, like ``test_tenancy``: a new route under
``/bookings/{booking_id}`` or ``/viewings/{viewing_id}`` is probed the day it is added, and
a write route without a sample body here fails the suite until one is given.

Strangers (a logged-in user with no tie to the booking, the owner of another organization)
must get 404 and anonymous callers 401 whatever the booking's state, learn nothing from
the body, and change nothing. Inside the host organization, staff read bookings and work
the front desk, but only managers and owners answer, change or cancel them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole, PlatformRole
from innkeeper.audit.models import AuditEntry
from innkeeper.bookings.domain import TABLE, BookingStatus, Event
from innkeeper.core.clock import FixedClock
from innkeeper.services import Services
from tests.builders import (
    STAY_JSON,
    actor_for,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)

API = "/api/v1"
CONTACT = {"name": "Layla Haddad", "email": "layla@example.com", "phone": "+971501234567"}
SECRETS = ("layla@example.com", "Layla Haddad", "+971501234567", "Anniversary trip")
EVENTS: dict[str, Event] = {
    "accept": Event.ACCEPT,
    "decline": Event.DECLINE,
    "counter-offer": Event.COUNTER_OFFER,
    "offer/accept": Event.ACCEPT_OFFER,
    "offer/decline": Event.DECLINE_OFFER,
    "modify": Event.MODIFY,
    "cancel": Event.CANCEL,
    "confirm-payment": Event.PAYMENT_SUCCEEDED,
    "check-in": Event.CHECK_IN,
    "check-out": Event.CHECK_OUT,
    "no-show": Event.NO_SHOW,
    "complete": Event.COMPLETE,
}
BODIES: dict[str, Any] = {
    "decline": {"reason": "probe"},
    "cancel": {"reason": "probe"},
    "counter-offer": {"message": "probe", "price_minor": 1},
    "modify": {"guests": 2},
    "offer/decline": {"reason": "probe"},
    "confirm-payment": {"reason": "probe"},
    "no-show": {"reason": "probe"},
    "pay": {"payment_method": "pm_card_visa"},
    "checkout": {},
    "refunds": {"amount_minor": 100, "reason": "probe"},
    "security-hold/capture": {"amount_minor": 100, "reason": "probe"},
    "extra-charges": {"amount_minor": 100, "reason": "probe"},
}
NO_BODY = {
    "accept", "offer/accept", "check-in", "check-out", "complete", "confirm",
    "security-hold/release",
}  # fmt: skip
LEASE_JSON: dict[str, Any] = {k: v for k, v in STAY_JSON.items() if k != "stay"} | {
    "kind": "lease",
    "title": "Two-bed in JLT, 12 months",
    "base_price_minor": 9_500_00,
    "lease": {"bedrooms": 2, "bathrooms": "2", "max_occupants": 4, "minimum_term_months": 12},
}


def _routes(client: TestClient, placeholder: str) -> list[tuple[str, str]]:
    """Every (method, path) of the published API about one booking or one viewing."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if placeholder in path
        for method in operations
    ]


def _action(path: str) -> str:
    """The action a route fires: what follows the id (``check-in``, ``offer/accept``)."""
    return path.split("}", 1)[1].lstrip("/")


def _call(client: TestClient, method: str, path: str, ids: dict[str, str], headers: Any) -> Any:
    url = path
    for name, value in ids.items():
        url = url.replace("{" + name + "}", value)
    action = _action(path)
    if method == "GET":
        return client.get(url, headers=headers)
    if action not in BODIES and action not in NO_BODY:
        pytest.fail(f"add a sample body for {method} {path} to BODIES (or it to NO_BODY)")
    return client.request(method, url, json=BODIES.get(action), headers=headers)


@pytest.fixture
def world(client: TestClient, services: Services) -> dict[str, Any]:
    """A request-to-book stay owned by an organization with a manager and a staff member; a
    guest with one booking in each waiting or active state; a lease with two viewings; an
    outsider, the owner of another organization, and an admin."""
    owner = make_user(services, email="owner@example.com")
    org = make_org(services, owner, slug="private-stays")
    for email, role in (
        ("staff@example.com", MemberRole.STAFF),
        ("manager@example.com", MemberRole.MANAGER),
    ):
        make_user(services, email=email)
        organizations.add_member(services, actor_for(services, owner), org.id, email, role)
    rival = make_user(services, email="rival@example.com")
    make_org(services, rival, slug="rival-homes")
    make_user(services, email="guest@example.com")
    make_user(services, email="outsider@example.com")
    make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,))
    h = {
        name: login_headers(client, f"{name}@example.com")
        for name in ("owner", "staff", "manager", "rival", "guest", "outsider", "admin")
    }
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    stay = publish_over_http(client, h["owner"], org.id, body)
    base = f"{API}/organizations/{org.id}/listings/{stay['id']}"
    rules = client.put(f"{base}/availability", json={"instant_book": False}, headers=h["owner"])
    assert rules.status_code == 200, rules.text

    def request(check_in: str, check_out: str) -> str:
        made = client.post(
            f"{API}/quotes",
            json={"listing_id": stay["id"], "check_in": check_in, "check_out": check_out},
        )
        assert made.status_code == 201, made.text
        booking = client.post(
            f"{API}/bookings",
            json={"quote_id": made.json()["id"], "contact": CONTACT, "message": SECRETS[3]},
            headers=h["guest"],
        )
        assert booking.json()["status"] == "requested", booking.text
        return str(booking.json()["id"])

    def act(booking_id: str, action: str, who: str, **payload: Any) -> None:
        url = f"{API}/bookings/{booking_id}/{action}"
        response = client.post(url, json=payload, headers=h[who])
        assert response.status_code == 200, response.text

    bookings = {
        BookingStatus.REQUESTED: request("2026-12-10", "2026-12-12"),
        BookingStatus.COUNTER_OFFERED: request("2026-12-14", "2026-12-16"),
        BookingStatus.PENDING_PAYMENT: request("2026-12-18", "2026-12-20"),
        BookingStatus.CONFIRMED: request("2026-12-22", "2026-12-24"),
        BookingStatus.CHECKED_IN: request("2026-11-22", "2026-11-24"),  # arriving today
    }
    act(bookings[BookingStatus.COUNTER_OFFERED], "counter-offer", "owner", message="Friday?")
    for state in (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
        act(bookings[state], "accept", "owner")
    for state in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
        act(bookings[state], "confirm-payment", "admin")
    act(bookings[BookingStatus.CHECKED_IN], "check-in", "owner")

    lease = publish_over_http(client, h["owner"], org.id, copy.deepcopy(LEASE_JSON))
    lease_base = f"{API}/organizations/{org.id}/listings/{lease['id']}"
    slots = client.post(
        f"{lease_base}/availability/slots",
        json={
            "start": "2026-11-25",
            "end": "2026-11-26",
            "times": [{"starts_at": "17:00", "ends_at": "17:30", "capacity": 3}],
        },
        headers=h["owner"],
    )
    assert slots.status_code == 204, slots.text
    slot = client.get(
        f"{API}/listings/{lease['id']}/slots", params={"start": "2026-11-25", "end": "2026-11-26"}
    ).json()[0]["id"]
    viewings = []
    for _ in range(2):
        asked = client.post(
            f"{API}/listings/{lease['id']}/viewings",
            json={"slot_id": slot, "contact": CONTACT, "party": 2, "message": SECRETS[3]},
            headers=h["guest"],
        )
        assert asked.status_code == 201, asked.text
        viewings.append(asked.json()["id"])
        if len(viewings) == 1:  # the second request for the slot needs the first closed
            declined = client.post(
                f"{API}/viewings/{viewings[0]}/decline", json={"reason": "let"}, headers=h["owner"]
            )
            assert declined.status_code == 200, declined.text
    return {"org": str(org.id), "h": h, "bookings": bookings, "viewings": viewings}


def _snapshot(client: TestClient, services: Services, world: dict[str, Any]) -> str:
    """Everything the guest sees of their bookings and viewings, and the audit log's length."""
    guest = world["h"]["guest"]
    parts: list[Any] = []
    for booking_id in world["bookings"].values():
        for suffix in ("", "/changes"):
            parts.append(client.get(f"{API}/bookings/{booking_id}{suffix}", headers=guest).json())
    parts.append(client.get(f"{API}/viewings", headers=guest).json())
    with services.uow() as uow:
        parts.append(uow.session.scalar(select(func.count()).select_from(AuditEntry)))
    return json.dumps(parts, sort_keys=True)


def _assert_private(response: Any) -> None:
    for secret in SECRETS:
        assert secret not in response.text, (response.request.url, secret)


def _applies(state: BookingStatus, action: str) -> bool:
    """Whether the route's event could fire from ``state`` for somebody."""
    return action not in EVENTS or (state, EVENTS[action]) in TABLE


def _probe(
    client: TestClient, world: dict[str, Any], caller: str, *, applicable: bool
) -> list[tuple[str, str, str, int]]:
    """Call every booking and viewing route as ``caller``; returns the unexpected answers.
    ``applicable`` picks the bookings whose state the route's event applies to (or not)."""
    headers = {} if caller == "anonymous" else world["h"][caller]
    expected = 401 if caller == "anonymous" else 404
    wrong = []
    for method, path in _routes(client, "{booking_id}"):
        for state, booking_id in world["bookings"].items():
            if _applies(state, _action(path)) is not applicable:
                continue
            response = _call(client, method, path, {"booking_id": booking_id}, headers)
            _assert_private(response)
            if response.status_code != expected:
                wrong.append((method, path, state.value, response.status_code))
    if applicable:
        for method, path in _routes(client, "{viewing_id}"):
            for viewing_id in world["viewings"]:
                response = _call(client, method, path, {"viewing_id": viewing_id}, headers)
                _assert_private(response)
                if response.status_code != expected:
                    wrong.append((method, path, "viewing", response.status_code))
    return wrong


def test_the_probe_covers_every_booking_and_viewing_route(client: TestClient) -> None:
    booking_routes = _routes(client, "{booking_id}")
    assert {_action(path) for _, path in booking_routes} >= set(EVENTS) | {
        "",
        "refund-preview",
        "changes",
    }
    assert {_action(path) for _, path in _routes(client, "{viewing_id}")} == {
        "confirm",
        "decline",
        "cancel",
    }


@pytest.mark.parametrize("caller", ["outsider", "rival", "anonymous"])
def test_strangers_get_404_or_401_and_change_nothing(
    client: TestClient, services: Services, world: dict[str, Any], caller: str
) -> None:
    """Every route, on every booking whose state the route's event applies to."""
    before = _snapshot(client, services, world)
    assert _probe(client, world, caller, applicable=True) == []
    assert _snapshot(client, services, world) == before


@pytest.mark.parametrize("caller", ["outsider", "anonymous"])
def test_strangers_learn_nothing_from_events_the_state_does_not_allow(
    client: TestClient, services: Services, world: dict[str, Any], caller: str
) -> None:
    before = _snapshot(client, services, world)
    assert _probe(client, world, caller, applicable=False) == []
    assert _snapshot(client, services, world) == before


def test_lists_show_strangers_nothing(client: TestClient, world: dict[str, Any]) -> None:
    h, org = world["h"], world["org"]
    for who in ("outsider", "rival"):
        assert client.get(f"{API}/bookings", headers=h[who]).json()["total"] == 0
        assert client.get(f"{API}/viewings", headers=h[who]).json() == []
        for suffix in ("bookings", "viewings"):
            response = client.get(f"{API}/organizations/{org}/{suffix}", headers=h[who])
            assert response.status_code == 404, (who, suffix)
            _assert_private(response)
    for path in ("/bookings", "/viewings", f"/organizations/{org}/bookings", "/admin/bookings"):
        assert client.get(f"{API}{path}").status_code == 401
    for who in ("owner", "staff", "guest", "rival"):
        assert client.get(f"{API}/admin/bookings", headers=h[who]).status_code == 404


def test_staff_read_bookings_and_work_the_front_desk(
    client: TestClient, world: dict[str, Any], clock: FixedClock
) -> None:
    staff, bookings = world["h"]["staff"], world["bookings"]
    listed = client.get(f"{API}/organizations/{world['org']}/bookings", headers=staff)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == len(bookings)
    viewings = client.get(f"{API}/organizations/{world['org']}/viewings", headers=staff)
    assert len(viewings.json()) == 2
    for state, booking_id in bookings.items():
        cancellable = (state, Event.CANCEL) in TABLE  # else there is no refund to preview
        for suffix in ("", "/changes") + (("/refund-preview",) if cancellable else ()):
            seen = client.get(f"{API}/bookings/{booking_id}{suffix}", headers=staff)
            assert seen.status_code == 200, (suffix, seen.text)

    confirmed = bookings[BookingStatus.CONFIRMED]
    early = client.post(f"{API}/bookings/{confirmed}/check-in", headers=staff)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "too_early")
    clock.advance(days=30)  # 2026-12-22 13:00 in Dubai: arrival day
    checked_in = client.post(f"{API}/bookings/{confirmed}/check-in", headers=staff)
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["status"] == "checked_in"
    out = client.post(
        f"{API}/bookings/{bookings[BookingStatus.CHECKED_IN]}/check-out", headers=staff
    )
    assert out.json()["status"] == "completed"


STAFF_REFUSED = (
    (BookingStatus.REQUESTED, "accept"),
    (BookingStatus.REQUESTED, "decline"),
    (BookingStatus.REQUESTED, "counter-offer"),
    (BookingStatus.REQUESTED, "cancel"),
    (BookingStatus.COUNTER_OFFERED, "cancel"),
    (BookingStatus.PENDING_PAYMENT, "modify"),
    (BookingStatus.PENDING_PAYMENT, "confirm-payment"),
    (BookingStatus.CONFIRMED, "modify"),
    (BookingStatus.CONFIRMED, "cancel"),
)


def test_staff_may_not_answer_change_or_cancel(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    before = _snapshot(client, services, world)
    for state, action in STAFF_REFUSED:
        url = f"{API}/bookings/{world['bookings'][state]}/{action}"
        response = client.post(url, json=BODIES.get(action), headers=world["h"]["staff"])
        assert response.status_code == 403, (state, action, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    assert _snapshot(client, services, world) == before


def test_staff_may_not_answer_viewings(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    before = _snapshot(client, services, world)
    open_viewing = world["viewings"][1]
    for action in ("confirm", "decline", "cancel"):
        url = f"{API}/viewings/{open_viewing}/{action}"
        response = client.post(url, json=BODIES.get(action), headers=world["h"]["staff"])
        assert response.status_code == 403, (action, response.text)
    assert _snapshot(client, services, world) == before


def test_managers_answer_what_staff_may_not(client: TestClient, world: dict[str, Any]) -> None:
    """The same requests the staff member was refused, answered by a manager."""
    manager, bookings = world["h"]["manager"], world["bookings"]
    accepted = client.post(
        f"{API}/bookings/{bookings[BookingStatus.REQUESTED]}/accept", headers=manager
    )
    assert accepted.json()["status"] == "pending_payment"
    cancelled = client.post(
        f"{API}/bookings/{bookings[BookingStatus.CONFIRMED]}/cancel",
        json={"reason": "burst pipe"},
        headers=manager,
    )
    assert (cancelled.json()["status"], cancelled.json()["ended_by"]) == ("cancelled", "host")


def test_a_guest_cannot_answer_their_own_request(
    client: TestClient, services: Services, world: dict[str, Any]
) -> None:
    guest, bookings = world["h"]["guest"], world["bookings"]
    before = _snapshot(client, services, world)
    for state, action in (
        (BookingStatus.REQUESTED, "accept"),
        (BookingStatus.REQUESTED, "decline"),
        (BookingStatus.REQUESTED, "counter-offer"),
        (BookingStatus.PENDING_PAYMENT, "confirm-payment"),
        (BookingStatus.CONFIRMED, "check-in"),
        (BookingStatus.CHECKED_IN, "check-out"),
    ):
        url = f"{API}/bookings/{bookings[state]}/{action}"
        response = client.post(url, json=BODIES.get(action), headers=guest)
        assert response.status_code == 403, (action, response.text)
    viewing = client.post(f"{API}/viewings/{world['viewings'][1]}/confirm", headers=guest)
    assert viewing.status_code == 403, viewing.text
    assert _snapshot(client, services, world) == before
    seen = client.get(f"{API}/bookings/{bookings[BookingStatus.REQUESTED]}", headers=guest)
    assert seen.json()["actions"] == ["cancel"]
