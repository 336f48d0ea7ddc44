"""Lease viewings over HTTP: a prospective tenant asks for one of the host's viewing slots,
the host confirms (taking places on the slot) or declines, either side cancels, and
unanswered requests expire. Places on a slot are counted like an experience's, so a slot
is never overbooked and a cancellation gives its places back."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.bookings.expiry import expire_due
from innkeeper.core.clock import FixedClock
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
DAY = "2026-11-25"  # three days after the fixed clock's 2026-11-22 09:00 UTC
CONTACT = {"name": "Omar Saeed", "email": "omar@example.com", "phone": "+971501234567"}
LEASE_JSON: dict[str, Any] = {k: v for k, v in STAY_JSON.items() if k != "stay"} | {
    "kind": "lease",
    "title": "Two-bed in JLT, 12 months",
    "base_price_minor": 9_500_00,
    "lease": {"bedrooms": 2, "bathrooms": "2", "max_occupants": 4, "minimum_term_months": 12},
}
EVENING = [
    {"starts_at": "17:00", "ends_at": "17:30", "capacity": 3},  # 13:00 UTC
    {"starts_at": "18:00", "ends_at": "18:30", "capacity": 2},
]


@pytest.fixture
def lease(client: TestClient, services: Services) -> dict[str, Any]:
    """A published lease with two viewing slots on DAY (places 3 and 2); its owner, a staff
    member, three prospective tenants, and the owner of another organization."""
    owner = make_user(services, email="landlord@example.com")
    org = make_org(services, owner)
    staff = make_user(services, email="staff@example.com")
    organizations.add_member(
        services, actor_for(services, owner), org.id, staff.email, MemberRole.STAFF
    )
    rival = make_user(services, email="rival@example.com")
    make_org(services, rival)
    for name in ("guest", "other", "third"):
        make_user(services, email=f"{name}@example.com")
    host = login_headers(client, "landlord@example.com")
    listing = publish_over_http(client, host, org.id, copy.deepcopy(LEASE_JSON))
    base = f"{API}/organizations/{org.id}/listings/{listing['id']}"
    slots = client.post(
        f"{base}/availability/slots",
        json={"start": DAY, "end": "2026-11-26", "times": EVENING},
        headers=host,
    )
    assert slots.status_code == 204, slots.text
    people = {
        name: login_headers(client, f"{name}@example.com")
        for name in ("staff", "rival", "guest", "other", "third")
    }
    made = {"id": listing["id"], "org": str(org.id), "base": base, "host": host}
    return made | people | {"slots": [slot["id"] for slot in _slots(client, made)]}


def _slots(client: TestClient, lease: dict[str, Any], start: str = DAY) -> Any:
    response = client.get(
        f"{API}/listings/{lease['id']}/slots", params={"start": start, "end": "2026-11-26"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _booked(client: TestClient, lease: dict[str, Any]) -> list[int]:
    """Places taken on each of DAY's slots, as anyone can read them."""
    return [slot["booked"] for slot in _slots(client, lease)]


def _request(
    client: TestClient,
    lease: dict[str, Any],
    who: str = "guest",
    slot: int | str = 0,
    party: int = 1,
    **extra: Any,
) -> Any:
    listing_id = extra.pop("listing_id", lease["id"])
    slot_id = lease["slots"][slot] if isinstance(slot, int) else slot
    body = {"slot_id": slot_id, "contact": CONTACT, "party": party} | extra
    headers = lease[who] if who else {}
    return client.post(f"{API}/listings/{listing_id}/viewings", json=body, headers=headers)


def _requested(client: TestClient, lease: dict[str, Any], who: str = "guest", **kw: Any) -> Any:
    response = _request(client, lease, who, **kw)
    assert response.status_code == 201, response.text
    return response.json()


def _act(
    client: TestClient,
    viewing: dict[str, Any],
    action: str,
    headers: dict[str, str],
    **body: Any,
) -> Any:
    return client.post(f"{API}/viewings/{viewing['id']}/{action}", json=body, headers=headers)


def _mine(client: TestClient, lease: dict[str, Any], who: str = "guest") -> dict[str, Any]:
    """The caller's viewings by id, as GET /viewings shows them."""
    response = client.get(f"{API}/viewings", headers=lease[who])
    assert response.status_code == 200, response.text
    return {v["id"]: v for v in response.json()}


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_a_guest_asks_and_the_host_confirms(client: TestClient, lease: dict[str, Any]) -> None:
    asked = _requested(client, lease, party=2, message="After work, if possible")
    assert asked["status"] == "requested"
    assert (asked["listing_id"], asked["organization_id"]) == (lease["id"], lease["org"])
    assert (asked["starts_at"], asked["ends_at"]) == (
        "2026-11-25T13:00:00Z",
        "2026-11-25T13:30:00Z",
    )
    assert asked["deadline_at"] == "2026-11-23T09:00:00Z"  # a day to answer
    assert (asked["party"], asked["contact"], asked["reason"]) == (2, CONTACT, None)
    assert _booked(client, lease) == [0, 0]  # a request takes no place

    listed = client.get(f"{API}/organizations/{lease['org']}/viewings", headers=lease["host"])
    assert [v["id"] for v in listed.json()] == [asked["id"]]
    assert list(_mine(client, lease)) == [asked["id"]]
    assert _mine(client, lease, "other") == {}

    confirmed = _act(client, asked, "confirm", lease["host"])
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["deadline_at"]) == ("confirmed", None)
    assert _booked(client, lease) == [2, 0]
    assert _slots(client, lease)[0]["remaining"] == 1
    _error(_act(client, asked, "confirm", lease["host"]), 409, "illegal_transition")
    assert _booked(client, lease) == [2, 0]
    _error(_request(client, lease, party=1), 409, "viewing_already_requested")  # still open
    waiting = client.get(
        f"{API}/organizations/{lease['org']}/viewings",
        params={"status": "requested"},
        headers=lease["host"],
    )
    assert waiting.json() == []


def test_a_full_slot_refuses_confirmation(client: TestClient, lease: dict[str, Any]) -> None:
    first = _requested(client, lease, "guest", party=2)
    second = _requested(client, lease, "other", party=2)  # 2 + 2 asked of 3 places
    assert _act(client, first, "confirm", lease["host"]).status_code == 200

    full = _act(client, second, "confirm", lease["host"])
    _error(full, 409, "unavailable")
    assert [r["reason"] for r in full.json()["error"]["details"]["reasons"]] == ["sold_out"]
    assert _mine(client, lease, "other")[second["id"]]["status"] == "requested"
    assert _booked(client, lease) == [2, 0]

    too_many = _request(client, lease, "third", party=2)  # one place left
    _error(too_many, 409, "unavailable")
    assert _requested(client, lease, "third", party=1)["status"] == "requested"

    _act(client, first, "cancel", lease["guest"], reason="found another flat")
    assert _act(client, second, "confirm", lease["host"]).status_code == 200
    assert _booked(client, lease) == [2, 0]


def test_the_same_guest_cannot_ask_for_the_same_slot_twice(
    client: TestClient, lease: dict[str, Any]
) -> None:
    asked = _requested(client, lease)
    _error(_request(client, lease), 409, "viewing_already_requested")
    assert _requested(client, lease, slot=1)["status"] == "requested"  # another slot
    assert _requested(client, lease, "other")["status"] == "requested"  # another guest

    _act(client, asked, "cancel", lease["guest"], reason="wrong time")
    again = _requested(client, lease)  # a closed viewing does not count
    assert again["id"] != asked["id"]
    assert len(_mine(client, lease)) == 3


def test_the_host_declines_with_a_reason(client: TestClient, lease: dict[str, Any]) -> None:
    asked = _requested(client, lease, party=2)
    no_reason = _act(client, asked, "decline", lease["host"])
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["fields"][0]["field"] == "reason"

    declined = _act(client, asked, "decline", lease["host"], reason="already let")
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert (declined.json()["reason"], declined.json()["deadline_at"]) == ("already let", None)
    assert _mine(client, lease)[asked["id"]]["status"] == "declined"
    assert _booked(client, lease) == [0, 0]
    _error(_act(client, asked, "confirm", lease["host"]), 409, "illegal_transition")
    _error(_act(client, asked, "cancel", lease["guest"], reason="x"), 409, "illegal_transition")


def test_cancelling_a_confirmed_viewing_gives_its_places_back(
    client: TestClient, lease: dict[str, Any]
) -> None:
    mine = _requested(client, lease, party=3)
    _act(client, mine, "confirm", lease["host"])
    assert _booked(client, lease) == [3, 0]
    _error(_request(client, lease, "other"), 409, "unavailable")  # the slot is full

    no_reason = _act(client, mine, "cancel", lease["guest"])
    assert no_reason.status_code == 422
    cancelled = _act(client, mine, "cancel", lease["guest"], reason="found another flat")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["reason"] == "found another flat"
    assert _booked(client, lease) == [0, 0]
    assert _slots(client, lease)[0]["remaining"] == 3

    theirs = _requested(client, lease, "other", party=3)
    _act(client, theirs, "confirm", lease["host"])
    by_host = _act(client, theirs, "cancel", lease["host"], reason="the owner is ill")
    assert by_host.json()["status"] == "cancelled"
    assert _booked(client, lease) == [0, 0]
    _error(_act(client, theirs, "cancel", lease["other"], reason="x"), 409, "illegal_transition")
    assert _booked(client, lease) == [0, 0]  # cancelled twice, given back once


def test_cancelling_a_request_takes_nothing_back(client: TestClient, lease: dict[str, Any]) -> None:
    """Only a confirmed viewing holds places; cancelling a request must not free others'."""
    held = _requested(client, lease, "other", party=2)
    _act(client, held, "confirm", lease["host"])
    asked = _requested(client, lease, party=1)
    cancelled = _act(client, asked, "cancel", lease["guest"], reason="changed my mind")
    assert cancelled.json()["status"] == "cancelled"
    assert _booked(client, lease) == [2, 0]


def test_unanswered_requests_expire(
    client: TestClient, lease: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    soon = client.post(
        f"{lease['base']}/availability/slots",
        json={"start": "2026-11-22", "end": "2026-11-23", "times": [EVENING[0]]},
        headers=lease["host"],
    )
    assert soon.status_code == 204, soon.text
    today = _slots(client, lease, "2026-11-22")[0]["id"]
    early = _requested(client, lease, slot=today)
    assert early["deadline_at"] == "2026-11-22T13:00:00Z"  # the viewing starts first
    later = _requested(client, lease, party=2)

    clock.advance(hours=3, minutes=59)
    assert expire_due(services) == 0
    clock.advance(minutes=1)
    assert expire_due(services) == 1
    assert _mine(client, lease)[early["id"]]["status"] == "expired"
    assert _mine(client, lease)[later["id"]]["status"] == "requested"

    clock.advance(hours=20)  # 2026-11-23 09:00 UTC: a day after the request
    assert expire_due(services) == 1
    expired = _mine(client, lease)[later["id"]]
    assert (expired["status"], expired["deadline_at"]) == ("expired", None)
    assert expired["reason"] == "nobody answered in time"
    assert _booked(client, lease) == [0, 0]
    _error(_act(client, later, "confirm", lease["host"]), 409, "illegal_transition")
    assert expire_due(services) == 0


def test_a_confirmed_viewing_does_not_expire(
    client: TestClient, lease: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    kept = _requested(client, lease, slot=1)
    assert _act(client, kept, "confirm", lease["host"]).status_code == 200
    clock.advance(days=2)
    assert expire_due(services) == 0
    assert _mine(client, lease)[kept["id"]]["status"] == "confirmed"
    assert _booked(client, lease) == [0, 1]


def test_the_listings_response_time_sets_the_deadline(
    client: TestClient, lease: dict[str, Any]
) -> None:
    response = client.put(
        f"{lease['base']}/availability", json={"response_hours": 2}, headers=lease["host"]
    )
    assert response.status_code == 200, response.text
    assert _requested(client, lease)["deadline_at"] == "2026-11-22T11:00:00Z"


def test_only_published_leases_with_viewings_take_requests(
    client: TestClient, lease: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    host, org_base = lease["host"], f"{API}/organizations/{lease['org']}/listings"
    stay = publish_over_http(client, host, lease["org"], copy.deepcopy(STAY_JSON))
    safari = publish_over_http(client, host, lease["org"], copy.deepcopy(SAFARI_JSON))
    for listing_id in (stay["id"], safari["id"]):
        refused = _request(client, lease, listing_id=listing_id)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["fields"][0]["field"] == "listing_id"

    closed = LEASE_JSON | {"lease": LEASE_JSON["lease"] | {"viewings_enabled": False}}
    no_viewings = publish_over_http(client, host, lease["org"], copy.deepcopy(closed))
    refused = _request(client, lease, listing_id=no_viewings["id"])
    assert refused.json()["error"]["fields"][0]["field"] == "listing_id"

    draft = client.post(org_base, json=LEASE_JSON, headers=host).json()
    _error(_request(client, lease, listing_id=draft["id"]), 404, "not_found")

    elsewhere = publish_over_http(client, host, lease["org"], copy.deepcopy(LEASE_JSON))
    wrong_slot = _request(client, lease, listing_id=elsewhere["id"])  # the first lease's slot
    assert wrong_slot.status_code == 422
    assert wrong_slot.json()["error"]["fields"][0]["field"] == "slot_id"

    assert _request(client, lease, party=21).status_code == 422
    assert _request(client, lease, "").status_code == 401

    clock.advance(days=3, hours=4)  # 2026-11-25 13:00 UTC: the first slot starts
    started = _request(client, lease)
    assert started.status_code == 422
    assert started.json()["error"]["fields"][0]["field"] == "slot_id"
    assert _mine(client, lease) == {}


def test_strangers_cannot_act_on_someones_viewing(
    client: TestClient, lease: dict[str, Any], services: Services
) -> None:
    asked = _requested(client, lease, party=2)
    before = _mine(client, lease)[asked["id"]]
    for who in ("other", "rival"):
        for action, body in (
            ("confirm", {}),
            ("decline", {"reason": "x"}),
            ("cancel", {"reason": "x"}),
        ):
            response = _act(client, asked, action, lease[who], **body)
            _error(response, 404, "not_found")
            assert "omar@example.com" not in response.text
        listed = client.get(f"{API}/organizations/{lease['org']}/viewings", headers=lease[who])
        assert listed.status_code == 404
        assert _mine(client, lease, who) == {}
    for action, body in (
        ("confirm", {}),
        ("decline", {"reason": "x"}),
        ("cancel", {"reason": "x"}),
    ):
        assert _act(client, asked, action, {}, **body).status_code == 401
    assert client.get(f"{API}/viewings").status_code == 401

    # The guest may cancel, never answer their own request.
    _error(_act(client, asked, "confirm", lease["guest"]), 403, "forbidden")
    _error(_act(client, asked, "decline", lease["guest"], reason="x"), 403, "forbidden")
    # Staff see the organization's viewings but may not answer them.
    listed = client.get(f"{API}/organizations/{lease['org']}/viewings", headers=lease["staff"])
    assert [v["id"] for v in listed.json()] == [asked["id"]]
    _error(_act(client, asked, "confirm", lease["staff"]), 403, "forbidden")
    _error(_act(client, asked, "decline", lease["staff"], reason="x"), 403, "forbidden")

    assert _mine(client, lease)[asked["id"]] == before
    assert _booked(client, lease) == [0, 0]
    with services.engine.connect() as connection:
        actions = connection.execute(
            text("SELECT action FROM audit_entry WHERE entity_type = 'viewing' ORDER BY id")
        ).scalars()
        assert list(actions) == ["viewing.requested"]


def test_a_slot_with_an_open_request_cannot_be_cleared(
    client: TestClient, lease: dict[str, Any]
) -> None:
    asked = _requested(client, lease)
    cleared = client.post(
        f"{lease['base']}/availability/slots/clear",
        json={"start": DAY, "end": "2026-11-26"},
        headers=lease["host"],
    )
    assert (cleared.status_code, cleared.json()["error"]["code"]) == (409, "slot_oversold")
    assert _mine(client, lease)[asked["id"]]["status"] == "requested"
