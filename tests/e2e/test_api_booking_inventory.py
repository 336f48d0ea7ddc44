"""Booking inventory over HTTP: experiences take places on a session or, on days without
sessions, on the day's capacity; multi-unit stays take units; and search shows only what
is still for sale. Every number a guest sees (``remaining``, search hits, quotes) must move
with each booking, cancellation, expiry and modification, and never oversell."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from innkeeper.accounts.domain import PlatformRole
from innkeeper.bookings.expiry import expire_due
from innkeeper.core.clock import FixedClock
from innkeeper.services import Services
from tests.builders import (
    SAFARI_JSON,
    STAY_JSON,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)

API = "/api/v1"
DAY = "2026-12-02"  # a Wednesday, ten days after the fixed clock's today
NEXT_DAY = "2026-12-03"
CONTACT = {"name": "Layla Haddad", "email": "layla@example.com", "phone": "+971501234567"}
GUESTS = ("guest", "other", "third", "fourth")


def _people(client: TestClient, services: Services, prefix: str) -> dict[str, Any]:
    """A host organization with its owner's headers, four unrelated guests and an admin."""
    owner = make_user(services, email=f"{prefix}-host@example.com")
    org = make_org(services, owner)
    people: dict[str, Any] = {
        "org": str(org.id),
        "host": login_headers(client, f"{prefix}-host@example.com"),
    }
    for name in GUESTS:
        make_user(services, email=f"{prefix}-{name}@example.com")
        people[name] = login_headers(client, f"{prefix}-{name}@example.com")
    make_user(services, email=f"{prefix}-admin@example.com", roles=(PlatformRole.ADMIN,))
    people["admin"] = login_headers(client, f"{prefix}-admin@example.com")
    return people


def _listing(client: TestClient, people: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    listing = publish_over_http(client, people["host"], people["org"], body)
    base = f"{API}/organizations/{people['org']}/listings/{listing['id']}"
    return people | {"id": listing["id"], "base": base}


@pytest.fixture
def safari(client: TestClient, services: Services) -> dict[str, Any]:
    """A published AED 350-per-person desert safari for up to 12, instant book."""
    return _listing(client, _people(client, services, "safari"), copy.deepcopy(SAFARI_JSON))


@pytest.fixture
def hotel(client: TestClient, services: Services) -> dict[str, Any]:
    """A published stay of three identical units, each for up to 3 guests, AED 500 a night."""
    body = copy.deepcopy(STAY_JSON) | {
        "title": "Three identical studios",
        "base_price_minor": 500_00,
    }
    body["stay"] = body["stay"] | {"max_guests": 3, "unit_count": 3}
    return _listing(client, _people(client, services, "hotel"), body)


@pytest.fixture
def villa(client: TestClient, services: Services) -> dict[str, Any]:
    """A published one-unit stay: one booking sells it out for its nights."""
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    return _listing(client, _people(client, services, "villa"), body)


def _quote(client: TestClient, listing: dict[str, Any], **body: Any) -> Any:
    return client.post(f"{API}/quotes", json={"listing_id": listing["id"]} | body)


def _book(client: TestClient, listing: dict[str, Any], who: str = "guest", **terms: Any) -> Any:
    """Quote ``terms`` and book the quote as ``who``; returns the booking response."""
    made = _quote(client, listing, **terms)
    assert made.status_code == 201, made.text
    body = {"quote_id": made.json()["id"], "contact": CONTACT}
    return client.post(f"{API}/bookings", json=body, headers=listing[who])


def _booked(client: TestClient, listing: dict[str, Any], who: str = "guest", **terms: Any) -> Any:
    response = _book(client, listing, who, **terms)
    assert response.status_code == 201, response.text
    return response.json()


def _act(
    client: TestClient, listing: dict[str, Any], booking: dict[str, Any], action: str, **body: Any
) -> Any:
    who = body.pop("who", "guest")
    return client.post(f"{API}/bookings/{booking['id']}/{action}", json=body, headers=listing[who])


def _get(client: TestClient, listing: dict[str, Any], booking: dict[str, Any], who: str) -> Any:
    return client.get(f"{API}/bookings/{booking['id']}", headers=listing[who]).json()


def _reasons(response: Any) -> list[str]:
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "unavailable"
    return [r["reason"] for r in response.json()["error"]["details"]["reasons"]]


def _add_sessions(
    client: TestClient, listing: dict[str, Any], times: list[dict[str, Any]], **span: Any
) -> None:
    body = {"start": DAY, "end": NEXT_DAY} | span | {"times": times}
    response = client.post(
        f"{listing['base']}/availability/slots", json=body, headers=listing["host"]
    )
    assert response.status_code == 204, response.text


def _slots(
    client: TestClient, listing: dict[str, Any], start: str = DAY, end: str = NEXT_DAY
) -> Any:
    params = {"start": start, "end": end}
    response = client.get(f"{API}/listings/{listing['id']}/slots", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _remaining(
    client: TestClient, listing: dict[str, Any], start: str = DAY, end: str = NEXT_DAY
) -> list[int]:
    return [slot["remaining"] for slot in _slots(client, listing, start, end)]


def _set_capacity(client: TestClient, listing: dict[str, Any], capacity: int | None) -> Any:
    body = {"start": DAY, "end": NEXT_DAY, "capacity": capacity}
    return client.put(
        f"{listing['base']}/availability/capacity", json=body, headers=listing["host"]
    )


def _day_row(services: Services, listing: dict[str, Any]) -> tuple[int, int, bool] | None:
    with services.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT capacity, booked, inherited FROM day_capacity "
                "WHERE listing_id = :id AND day = :day"
            ),
            {"id": listing["id"], "day": DAY},
        ).first()
    return None if row is None else (row[0], row[1], row[2])


def _search(client: TestClient, **params: Any) -> list[str]:
    response = client.get(f"{API}/search", params=params)
    assert response.status_code == 200, response.text
    return [item["listing"]["id"] for item in response.json()["items"]]


def _experience_hits(client: TestClient, guests: int) -> list[str]:
    return _search(client, check_in=DAY, kind="experience", guests=guests)


# Experiences on a session


def test_booking_a_session_takes_its_places_and_cancelling_gives_them_back(
    client: TestClient, safari: dict[str, Any]
) -> None:
    _add_sessions(client, safari, [{"starts_at": "15:00", "ends_at": "21:00", "capacity": 8}])
    slot = _slots(client, safari)[0]["id"]

    first = _booked(client, safari, check_in=DAY, guests=5, slot_id=slot)
    assert (first["status"], first["slot_id"], first["guests"]) == ("pending_payment", slot, 5)
    assert first["arrival_at"] == "2026-12-02T11:00:00Z"  # 15:00 in Dubai
    assert first["guest_total"]["currency"] == "AED"
    assert _slots(client, safari)[0] | {"id": None} == {
        "id": None, "day": DAY, "starts_at": "15:00:00", "ends_at": "21:00:00",
        "capacity": 8, "booked": 5, "remaining": 3,
    }  # fmt: skip

    second = _booked(client, safari, "other", check_in=DAY, guests=3, slot_id=slot)
    assert _remaining(client, safari) == [0]
    span = {"start": DAY, "end": NEXT_DAY}
    kept = client.post(
        f"{safari['base']}/availability/slots/clear", json=span, headers=safari["host"]
    )
    assert (kept.status_code, kept.json()["error"]["code"]) == (409, "slot_oversold")
    assert _reasons(_quote(client, safari, check_in=DAY, guests=1, slot_id=slot)) == ["sold_out"]
    assert safari["id"] not in _experience_hits(client, 1)

    cancelled = _act(client, safari, first, "cancel", reason="plans changed")
    assert cancelled.json()["status"] == "cancelled"
    assert _remaining(client, safari) == [5]
    assert _quote(client, safari, check_in=DAY, guests=5, slot_id=slot).status_code == 201
    assert safari["id"] in _experience_hits(client, 5)
    assert _get(client, safari, second, "other")["status"] == "pending_payment"  # untouched


def test_a_quote_taken_before_the_session_sold_out_cannot_be_booked(
    client: TestClient, safari: dict[str, Any]
) -> None:
    """The quote said yes; booking re-checks under the listing lock and refuses."""
    _add_sessions(client, safari, [{"starts_at": "15:00", "ends_at": "21:00", "capacity": 8}])
    slot = _slots(client, safari)[0]["id"]
    stale = _quote(client, safari, check_in=DAY, guests=4, slot_id=slot).json()
    _booked(client, safari, "other", check_in=DAY, guests=6, slot_id=slot)

    body = {"quote_id": stale["id"], "contact": CONTACT}
    refused = client.post(f"{API}/bookings", json=body, headers=safari["guest"])
    assert _reasons(refused) == ["sold_out"]
    assert _remaining(client, safari) == [2]
    mine = client.get(f"{API}/bookings", headers=safari["guest"]).json()
    assert mine["total"] == 0


def test_a_party_larger_than_the_session_or_the_listing_is_refused(
    client: TestClient, safari: dict[str, Any]
) -> None:
    _add_sessions(
        client,
        safari,
        [{"starts_at": "06:00", "ends_at": "10:00", "capacity": 4}],
        start="2026-12-04",
        end="2026-12-05",
    )
    dawn = _slots(client, safari, "2026-12-04", "2026-12-05")[0]["id"]
    assert _reasons(_quote(client, safari, check_in="2026-12-04", guests=5, slot_id=dawn)) == [
        "party_too_large"
    ]
    # A day without sessions: the listing's capacity of 12.
    assert _reasons(_quote(client, safari, check_in=DAY, guests=13)) == ["party_too_large"]
    assert _quote(client, safari, check_in=DAY, guests=12).status_code == 201


def test_modifying_an_experience_booking_moves_it_to_another_session(
    client: TestClient, safari: dict[str, Any]
) -> None:
    _add_sessions(
        client,
        safari,
        [
            {"starts_at": "06:00", "ends_at": "10:00", "capacity": 4},
            {"starts_at": "15:00", "ends_at": "21:00", "capacity": 8},
        ],
    )
    dawn, dusk = (slot["id"] for slot in _slots(client, safari))
    booking = _booked(client, safari, check_in=DAY, guests=3, slot_id=dawn)
    assert _remaining(client, safari) == [1, 8]

    bigger = _act(client, safari, booking, "modify", guests=4)  # its own three places count
    assert bigger.status_code == 200, bigger.text
    assert _remaining(client, safari) == [0, 8]
    assert bigger.json()["guest_total"]["amount_minor"] > booking["guest_total"]["amount_minor"]

    moved = _act(client, safari, booking, "modify", slot_id=dusk)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["slot_id"], moved.json()["guests"]) == (dusk, 4)
    assert moved.json()["arrival_at"] == "2026-12-02T11:00:00Z"
    assert _remaining(client, safari) == [4, 4]

    _booked(client, safari, "other", check_in=DAY, guests=4, slot_id=dawn)
    back = _act(client, safari, booking, "modify", slot_id=dawn)
    assert _reasons(back) == ["sold_out"]
    kept = _get(client, safari, booking, "guest")
    assert (kept["slot_id"], kept["arrival_at"]) == (dusk, "2026-12-02T11:00:00Z")
    assert _remaining(client, safari) == [0, 4]  # nothing moved

    history = client.get(f"{API}/bookings/{booking['id']}/changes", headers=safari["guest"])
    assert [(c["before"]["slot_id"], c["after"]["slot_id"]) for c in history.json()] == [
        (dawn, dawn),
        (dawn, dusk),
    ]


def test_moving_an_experience_booking_to_another_day_needs_that_days_session(
    client: TestClient, safari: dict[str, Any]
) -> None:
    _add_sessions(
        client,
        safari,
        [{"starts_at": "15:00", "ends_at": "21:00", "capacity": 8}],
        start=DAY,
        end="2026-12-05",
    )
    slots = _slots(client, safari, DAY, "2026-12-05")
    today, later = slots[0]["id"], slots[2]["id"]
    booking = _booked(client, safari, check_in=DAY, guests=2, slot_id=today)

    no_session = _act(client, safari, booking, "modify", check_in="2026-12-04")
    assert no_session.status_code == 422
    assert no_session.json()["error"]["fields"][0]["field"] == "slot_id"

    moved = _act(client, safari, booking, "modify", check_in="2026-12-04", slot_id=later)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["check_in"], moved.json()["check_out"]) == ("2026-12-04", "2026-12-05")
    assert _remaining(client, safari, DAY, "2026-12-05") == [8, 8, 6]


# Experiences on a day without sessions


def test_a_day_without_sessions_sells_the_listings_capacity(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    booking = _booked(client, safari, check_in=DAY, guests=5)
    assert booking["slot_id"] is None
    assert _day_row(services, safari) == (12, 5, True)  # follows the listing's capacity
    assert _reasons(_quote(client, safari, check_in=DAY, guests=8)) == ["sold_out"]
    assert _quote(client, safari, check_in=DAY, guests=7).status_code == 201
    assert safari["id"] in _experience_hits(client, 7)
    assert safari["id"] not in _experience_hits(client, 8)

    _booked(client, safari, "other", check_in=DAY, guests=7)
    assert _reasons(_quote(client, safari, check_in=DAY, guests=1)) == ["sold_out"]
    assert safari["id"] not in _experience_hits(client, 1)
    assert _quote(client, safari, check_in=NEXT_DAY, guests=12).status_code == 201  # other days

    _act(client, safari, booking, "cancel", reason="plans changed")
    assert _day_row(services, safari) == (12, 7, True)
    assert safari["id"] in _experience_hits(client, 5)
    assert safari["id"] not in _experience_hits(client, 6)


def test_modifying_a_party_on_a_day_without_sessions_counts_its_own_places(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    """A full day can still take a smaller party, or the same one again, from its booking."""
    booking = _booked(client, safari, check_in=DAY, guests=5)
    _booked(client, safari, "other", check_in=DAY, guests=7)  # 12 of 12

    smaller = _act(client, safari, booking, "modify", guests=4)
    assert smaller.status_code == 200, smaller.text
    assert _day_row(services, safari) == (12, 11, True)
    again = _act(client, safari, booking, "modify", guests=5)
    assert again.status_code == 200, again.text
    assert _reasons(_act(client, safari, booking, "modify", guests=6)) == ["sold_out"]
    assert _day_row(services, safari) == (12, 12, True)
    assert _get(client, safari, booking, "guest")["guests"] == 5

    moved = _act(client, safari, booking, "modify", check_in=NEXT_DAY)
    assert moved.status_code == 200, moved.text
    assert _day_row(services, safari) == (12, 7, True)
    assert _quote(client, safari, check_in=DAY, guests=5).status_code == 201


def test_a_days_capacity_cannot_drop_below_its_bookings_and_restoring_it_keeps_them(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    booking = _booked(client, safari, check_in=DAY, guests=5)

    for too_small in (4, 0):
        refused = _set_capacity(client, safari, too_small)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "slot_oversold"
    assert _day_row(services, safari) == (12, 5, True)  # the refused edits changed nothing

    assert _set_capacity(client, safari, 6).status_code == 204
    assert _day_row(services, safari) == (6, 5, False)
    assert _reasons(_quote(client, safari, check_in=DAY, guests=2)) == ["sold_out"]
    assert _quote(client, safari, check_in=DAY, guests=1).status_code == 201
    assert safari["id"] not in _experience_hits(client, 2)

    assert _set_capacity(client, safari, 20).status_code == 204  # a bigger day
    assert _quote(client, safari, check_in=DAY, guests=15).status_code == 201
    assert safari["id"] in _experience_hits(client, 15)

    assert _set_capacity(client, safari, None).status_code == 204
    assert _day_row(services, safari) == (12, 5, True)
    kept = _get(client, safari, booking, "guest")
    assert (kept["status"], kept["guests"]) == ("pending_payment", 5)
    assert _reasons(_quote(client, safari, check_in=DAY, guests=8)) == ["sold_out"]
    assert safari["id"] in _experience_hits(client, 7)

    _act(client, safari, booking, "cancel", reason="plans changed")
    assert _set_capacity(client, safari, 0).status_code == 204  # nothing booked: may close
    assert _reasons(_quote(client, safari, check_in=DAY, guests=1)) == ["sold_out"]


def test_a_host_override_bigger_than_the_listing_is_kept_by_bookings(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    """A booking on an overridden day counts against the override, not the listing's
    capacity: the quote, search and the booking must agree."""
    assert _set_capacity(client, safari, 20).status_code == 204
    _booked(client, safari, check_in=DAY, guests=5)  # fits the listing's 12 as well
    assert _day_row(services, safari) == (20, 5, False)
    assert _quote(client, safari, check_in=DAY, guests=15).status_code == 201
    assert safari["id"] in _experience_hits(client, 15)


def test_a_party_bigger_than_the_listing_books_on_a_bigger_day(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    assert _set_capacity(client, safari, 20).status_code == 204
    assert _quote(client, safari, check_in=DAY, guests=15).status_code == 201
    booked = _book(client, safari, check_in=DAY, guests=15)
    assert booked.status_code == 201, booked.text
    assert _day_row(services, safari) == (20, 15, False)
    assert _reasons(_quote(client, safari, check_in=DAY, guests=6)) == ["sold_out"]


def test_an_expired_hold_gives_a_days_places_back(
    client: TestClient, safari: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    _booked(client, safari, check_in=DAY, guests=12)
    assert safari["id"] not in _experience_hits(client, 1)
    clock.advance(minutes=16)
    assert expire_due(services) == 1
    assert _day_row(services, safari) == (12, 0, True)
    assert safari["id"] in _experience_hits(client, 12)


# Multi-unit stays


def _per_unit(client: TestClient, listing: dict[str, Any]) -> None:
    """Price each unit a night, so that the units booked show in the totals."""
    response = client.put(
        f"{listing['base']}/pricing", json={"basis": "per_unit"}, headers=listing["host"]
    )
    assert response.status_code == 200, response.text


def _charges(booking: dict[str, Any]) -> int:
    """The host's nightly charges of a booking, before fees and taxes."""
    return sum(
        line["amount"]["amount_minor"] for line in booking["lines"] if line["code"] == "nights"
    )


def test_three_units_sell_three_bookings_and_the_fourth_is_refused(
    client: TestClient, hotel: dict[str, Any]
) -> None:
    window = {"check_in": "2026-12-10", "check_out": "2026-12-13"}
    stale = _quote(client, hotel, **window).json()  # taken while units were free
    for who in ("guest", "other", "third"):
        assert _search(client, **window) == [hotel["id"]]
        made = _booked(client, hotel, who, **window)
        assert (made["status"], made["units"]) == ("pending_payment", 1)

    fourth = _quote(client, hotel, check_in="2026-12-12", check_out="2026-12-14")
    assert _reasons(fourth) == ["occupied"]
    assert fourth.json()["error"]["details"]["reasons"][0] == {
        "reason": "occupied",
        "message": "0 of 3 units are free for these dates",
        "dates": ["2026-12-12"],
    }
    body = {"quote_id": stale["id"], "contact": CONTACT}
    late = client.post(f"{API}/bookings", json=body, headers=hotel["fourth"])
    assert _reasons(late) == ["occupied"]
    assert client.get(f"{API}/bookings", headers=hotel["fourth"]).json()["total"] == 0

    assert _search(client, **window) == []
    assert _search(client, check_in="2026-12-12", check_out="2026-12-14") == []
    assert _search(client, check_in="2026-12-13", check_out="2026-12-15") == [hotel["id"]]
    assert _quote(client, hotel, check_in="2026-12-13", check_out="2026-12-15").status_code == 201
    listed = client.get(f"{API}/organizations/{hotel['org']}/bookings", headers=hotel["host"])
    assert listed.json()["total"] == 3


def test_a_booking_can_take_several_units(client: TestClient, hotel: dict[str, Any]) -> None:
    _per_unit(client, hotel)
    window = {"check_in": "2026-12-10", "check_out": "2026-12-12"}
    single = _quote(client, hotel, **window).json()
    pair = _booked(client, hotel, **window, units=2, guests=5)
    assert (pair["units"], pair["guests"]) == (2, 5)
    assert _charges(pair) == 2 * 2 * 500_00  # two nights, two units
    assert pair["guest_total"]["amount_minor"] == 2 * single["guest_total"]["amount_minor"]
    assert _search(client, **window, units=1) == [hotel["id"]]
    assert _search(client, **window, units=2) == []

    two_more = _quote(client, hotel, **window, units=2)
    assert _reasons(two_more) == ["occupied"]
    assert two_more.json()["error"]["details"]["reasons"][0]["message"] == (
        "1 of 3 units are free for these dates"
    )
    too_many = _quote(client, hotel, **window, units=4)
    assert too_many.status_code == 422
    assert too_many.json()["error"]["fields"][0]["field"] == "units"
    crowded = _quote(client, hotel, **window, units=1, guests=4)  # three a unit
    assert _reasons(crowded) == ["party_too_large"]
    _booked(client, hotel, "other", **window)
    assert _search(client, **window) == []


def test_several_units_cost_several_times_one_by_default(
    client: TestClient, hotel: dict[str, Any]
) -> None:
    window = {"check_in": "2026-12-10", "check_out": "2026-12-12"}
    one = _quote(client, hotel, **window).json()
    two = _quote(client, hotel, **window, units=2).json()
    assert two["guest_total"]["amount_minor"] == 2 * one["guest_total"]["amount_minor"]


def test_modifying_party_and_units_of_a_multi_unit_stay(
    client: TestClient, hotel: dict[str, Any]
) -> None:
    _per_unit(client, hotel)
    window = {"check_in": "2026-12-10", "check_out": "2026-12-12"}
    booking = _booked(client, hotel, **window, guests=2)
    _act(client, hotel, booking, "confirm-payment", who="admin")
    _booked(client, hotel, "other", **window)

    crowded = _act(client, hotel, booking, "modify", guests=5)  # one unit takes three
    assert _reasons(crowded) == ["party_too_large"]

    grown = _act(client, hotel, booking, "modify", guests=5, units=2)
    assert grown.status_code == 200, grown.text
    after = grown.json()
    assert (after["units"], after["guests"], after["status"]) == (2, 5, "confirmed")
    assert _charges(after) == 2 * _charges(booking)
    difference = after["guest_total"]["amount_minor"] - booking["guest_total"]["amount_minor"]
    assert difference == booking["guest_total"]["amount_minor"]
    history = client.get(f"{API}/bookings/{booking['id']}/changes", headers=hotel["guest"]).json()
    assert [(c["difference"]["amount_minor"], c["settlement"]) for c in history] == [
        (difference, "due")
    ]
    assert (history[0]["before"]["units"], history[0]["after"]["units"]) == (1, 2)
    assert _search(client, **window) == []  # 2 + 1 units of 3

    three = _act(client, hotel, booking, "modify", units=3)
    assert _reasons(three) == ["occupied"]
    kept = _get(client, hotel, booking, "guest")
    assert (kept["units"], kept["guests"]) == (2, 5)  # nothing changed
    assert (
        len(client.get(f"{API}/bookings/{booking['id']}/changes", headers=hotel["guest"]).json())
        == 1
    )

    shrunk = _act(client, hotel, booking, "modify", units=1, guests=3)
    assert shrunk.status_code == 200, shrunk.text
    assert shrunk.json()["guest_total"] == booking["guest_total"]
    assert _search(client, **window) == [hotel["id"]]
    assert _search(client, **window, units=2) == []
    assert _quote(client, hotel, **window).status_code == 201


# Search follows the bookings of a one-unit stay


def test_a_booked_stay_leaves_search_and_returns_when_cancelled(
    client: TestClient, villa: dict[str, Any]
) -> None:
    window = {"check_in": "2026-12-10", "check_out": "2026-12-13"}
    overlapping = {"check_in": "2026-12-12", "check_out": "2026-12-15"}
    later = {"check_in": "2026-12-13", "check_out": "2026-12-15"}
    assert _search(client, **window) == [villa["id"]]
    booking = _booked(client, villa, **window)
    assert _search(client, **window) == []
    assert _search(client, **overlapping) == []
    assert _search(client, **later) == [villa["id"]]  # check-out day is free again

    _act(client, villa, booking, "cancel", reason="plans changed")
    assert _search(client, **window) == [villa["id"]]
    assert _search(client, **overlapping) == [villa["id"]]


def test_a_booked_stay_returns_to_search_when_its_hold_expires(
    client: TestClient, villa: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    window = {"check_in": "2026-12-10", "check_out": "2026-12-13"}
    booking = _booked(client, villa, **window)
    clock.advance(minutes=14)
    assert expire_due(services) == 0
    assert _search(client, **window) == []

    clock.advance(minutes=2)
    assert expire_due(services) == 1
    assert _get(client, villa, booking, "guest")["status"] == "expired"
    assert _search(client, **window) == [villa["id"]]
    assert _quote(client, villa, **window).status_code == 201


def test_a_request_to_book_holds_nothing_until_accepted(
    client: TestClient, villa: dict[str, Any]
) -> None:
    """Requests wait for the host without taking the dates; accepting one takes them."""
    response = client.put(
        f"{villa['base']}/availability", json={"instant_book": False}, headers=villa["host"]
    )
    assert response.status_code == 200, response.text
    window = {"check_in": "2026-12-10", "check_out": "2026-12-13"}
    request = _booked(client, villa, **window)
    assert request["status"] == "requested"
    assert _search(client, **window) == [villa["id"]]
    accepted = _act(client, villa, request, "accept", who="host")
    assert accepted.json()["status"] == "pending_payment"
    assert _search(client, **window) == []


def test_clearing_sessions_that_were_only_quoted_or_cancelled_is_not_a_500(
    client: TestClient, safari: dict[str, Any]
) -> None:
    _add_sessions(client, safari, [{"starts_at": "15:00", "ends_at": "21:00", "capacity": 8}])
    slot = _slots(client, safari)[0]["id"]
    booking = _booked(client, safari, check_in=DAY, guests=2, slot_id=slot)
    _act(client, safari, booking, "cancel", reason="plans changed")
    assert _remaining(client, safari) == [8]  # nothing is booked on it any more

    span = {"start": DAY, "end": NEXT_DAY}
    cleared = client.post(
        f"{safari['base']}/availability/slots/clear", json=span, headers=safari["host"]
    )
    assert cleared.status_code in (204, 409), cleared.text
    assert _get(client, safari, booking, "guest")["status"] == "cancelled"
