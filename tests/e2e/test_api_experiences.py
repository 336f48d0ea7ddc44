"""Experience inventory: capacity per day, dated sessions with their own capacity, and the
quotes and search that respect them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from innkeeper.availability.models import TimeSlot
from innkeeper.services import Services
from tests.builders import (
    SAFARI_JSON,
    STAY_JSON,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)

DAY = "2026-12-02"  # a Wednesday


@pytest.fixture
def safari(client: TestClient, services: Services) -> dict[str, Any]:
    """A published AED 350-per-person desert safari for up to 12."""
    owner = make_user(services, email="safari@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "safari@example.com")
    listing = publish_over_http(client, headers, org.id, SAFARI_JSON)
    base = f"/api/v1/organizations/{org.id}/listings/{listing['id']}"
    return {"id": listing["id"], "base": f"{base}/availability", "headers": headers}


def _quote(
    client: TestClient, safari: dict[str, Any], guests: int, slot_id: str | None = None
) -> Any:
    body = {"listing_id": safari["id"], "check_in": DAY, "guests": guests, "slot_id": slot_id}
    return client.post("/api/v1/quotes", json=body)


def _search(client: TestClient, guests: int) -> int:
    params = {"check_in": DAY, "kind": "experience", "guests": guests}
    return int(client.get("/api/v1/search", params=params).json()["total"])


def test_a_days_capacity_overrides_the_listings(client: TestClient, safari: dict[str, Any]) -> None:
    assert _quote(client, safari, 12).status_code == 201
    client.put(
        f"{safari['base']}/capacity",
        json={"start": DAY, "end": "2026-12-03", "capacity": 20},
        headers=safari["headers"],
    )
    assert _quote(client, safari, 20).status_code == 201  # a bigger day
    assert _search(client, 20) == 1
    client.put(
        f"{safari['base']}/capacity",
        json={"start": DAY, "end": "2026-12-03", "capacity": 0},
        headers=safari["headers"],
    )
    refused = _quote(client, safari, 1)
    assert [r["reason"] for r in refused.json()["error"]["details"]["reasons"]] == ["sold_out"]
    assert _search(client, 1) == 0
    client.put(
        f"{safari['base']}/capacity",
        json={"start": DAY, "end": "2026-12-03", "capacity": None},
        headers=safari["headers"],
    )
    assert _search(client, 12) == 1


def test_sessions_have_their_own_capacity(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    times = [
        {"starts_at": "15:00", "ends_at": "21:00", "capacity": 8},
        {"starts_at": "06:00", "ends_at": "10:00", "capacity": 4},
    ]
    response = client.post(
        f"{safari['base']}/slots",
        json={"start": "2026-12-01", "end": "2026-12-08", "weekdays": [2, 4], "times": times},
        headers=safari["headers"],
    )
    assert response.status_code == 204
    slots = client.get(
        f"/api/v1/listings/{safari['id']}/slots",
        params={"start": "2026-12-01", "end": "2026-12-08"},
    ).json()
    assert [(s["day"], s["starts_at"], s["remaining"]) for s in slots] == [
        ("2026-12-02", "06:00:00", 4), ("2026-12-02", "15:00:00", 8),
        ("2026-12-04", "06:00:00", 4), ("2026-12-04", "15:00:00", 8),
    ]  # fmt: skip
    missing = _quote(client, safari, 2)
    assert missing.json()["error"]["fields"][0] == {
        "field": "slot_id",
        "message": "choose one of the sessions on 2026-12-02: 06:00, 15:00",
    }
    dawn, dusk = slots[0]["id"], slots[1]["id"]
    assert _quote(client, safari, 4, dawn).json()["slot_id"] == dawn
    too_many = _quote(client, safari, 5, dawn).json()["error"]["details"]["reasons"]
    assert [r["reason"] for r in too_many] == ["party_too_large"]  # dawn takes 4
    assert _quote(client, safari, 8, dusk).status_code == 201
    assert _search(client, 8) == 1
    assert _search(client, 9) == 0  # no session has nine places


def test_sessions_never_shrink_below_their_bookings(
    client: TestClient, safari: dict[str, Any], services: Services
) -> None:
    times = [{"starts_at": "15:00", "ends_at": "21:00", "capacity": 8}]
    client.post(
        f"{safari['base']}/slots",
        json={"start": DAY, "end": "2026-12-03", "times": times},
        headers=safari["headers"],
    )
    with services.uow() as uow:  # bookings (a later capability) will keep this count
        uow.session.execute(update(TimeSlot).values(booked=6))
        uow.commit()
    smaller = client.post(
        f"{safari['base']}/slots",
        json={"start": DAY, "end": "2026-12-03", "times": [times[0] | {"capacity": 5}]},
        headers=safari["headers"],
    )
    assert smaller.status_code == 409
    assert smaller.json()["error"]["code"] == "slot_oversold"
    cleared = client.post(
        f"{safari['base']}/slots/clear",
        json={"start": DAY, "end": "2026-12-03"},
        headers=safari["headers"],
    )
    assert cleared.status_code == 409
    assert [
        r["reason"]
        for r in _quote(
            client,
            safari,
            3,
            client.get(
                f"/api/v1/listings/{safari['id']}/slots", params={"start": DAY, "end": "2026-12-03"}
            ).json()[0]["id"],
        ).json()["error"]["details"]["reasons"]
    ] == ["sold_out"]


def test_bad_inventory_edits_name_the_field(client: TestClient, safari: dict[str, Any]) -> None:
    same_start = [{"starts_at": "09:00", "ends_at": "10:00", "capacity": 5}] * 2
    response = client.post(
        f"{safari['base']}/slots",
        json={"start": DAY, "end": "2026-12-03", "times": same_start},
        headers=safari["headers"],
    )
    assert response.json()["error"]["fields"][0]["field"] == "times"
    backwards = [{"starts_at": "10:00", "ends_at": "09:00", "capacity": 5}]
    response = client.post(
        f"{safari['base']}/slots",
        json={"start": DAY, "end": "2026-12-03", "times": backwards},
        headers=safari["headers"],
    )
    assert response.json()["error"]["fields"][0]["field"] == "times.0.ends_at"


def test_stays_have_no_sessions(client: TestClient, services: Services) -> None:
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "host@example.com")
    listing = client.post(
        f"/api/v1/organizations/{org.id}/listings", json=STAY_JSON, headers=headers
    ).json()
    base = f"/api/v1/organizations/{org.id}/listings/{listing['id']}"
    response = client.put(
        f"{base}/availability/capacity",
        json={"start": DAY, "end": "2026-12-03", "capacity": 3},
        headers=headers,
    )
    assert response.json()["error"]["fields"][0]["field"] == "kind"
