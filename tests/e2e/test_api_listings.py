"""Listings over HTTP: hosts create, edit, publish and archive; the public reads."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.services import Services
from tests.builders import STAY_JSON, actor_for, login_headers, make_org, make_user


@pytest.fixture
def host(client: TestClient, services: Services) -> dict[str, Any]:
    owner = make_user(services, email="owner@example.com")
    org = make_org(services, owner, slug="palm-villas")
    return {
        "org": str(org.id),
        "headers": login_headers(client, "owner@example.com"),
        "owner": owner,
    }


def _create(client: TestClient, host: dict[str, Any], body: dict[str, Any] | None = None) -> Any:
    return client.post(
        f"/api/v1/organizations/{host['org']}/listings",
        json=body or STAY_JSON,
        headers=host["headers"],
    )


def test_host_creates_a_draft(client: TestClient, host: dict[str, Any]) -> None:
    response = _create(client, host)
    assert response.status_code == 201
    listing = response.json()
    assert listing["status"] == "draft"
    assert listing["base_price"] == {
        "amount_minor": 450000,
        "currency": "AED",
        "formatted": "AED 4500.00",
        "per": "night",
    }
    assert listing["stay"]["bathrooms"] == "5.5"
    assert listing["lease"] is None
    assert client.get(f"/api/v1/listings/{listing['id']}").status_code == 404  # drafts are private


def test_each_bad_field_is_named(client: TestClient, host: dict[str, Any]) -> None:
    body = copy.deepcopy(STAY_JSON)
    body["title"] = ""
    body["location"]["latitude"] = "123.5"
    body["currency"] = "XYZ"
    body["amenities"] = ["wifi", "helipad"]
    body["stay"]["max_guests"] = 0
    shape = _create(client, host, body)
    assert shape.status_code == 422
    assert {f["field"] for f in shape.json()["error"]["fields"]} == {
        "title",
        "location.latitude",
        "stay.max_guests",
    }
    body = copy.deepcopy(STAY_JSON) | {
        "currency": "XYZ",
        "amenities": ["wifi", "helipad"],
        "time_zone": "Mars/Base",
    }
    meaning = _create(client, host, body)
    assert meaning.status_code == 422
    assert {f["field"] for f in meaning.json()["error"]["fields"]} == {
        "currency",
        "amenities",
        "time_zone",
    }


def test_kind_details_must_match(client: TestClient, host: dict[str, Any]) -> None:
    missing = {k: v for k, v in STAY_JSON.items() if k != "stay"}
    response = _create(client, host, missing)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "stay"
    stray = STAY_JSON | {
        "lease": {"bedrooms": 1, "bathrooms": "1", "max_occupants": 2, "minimum_term_months": 12}
    }
    assert _create(client, host, stray).json()["error"]["fields"][0]["field"] == "lease"


def test_publish_needs_a_photo_then_the_public_sees_it(
    client: TestClient, host: dict[str, Any]
) -> None:
    listing = _create(client, host, STAY_JSON | {"photos": []}).json()
    base = f"/api/v1/organizations/{host['org']}/listings/{listing['id']}"
    refused = client.post(f"{base}/publish", headers=host["headers"])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "not_publishable"
    assert refused.json()["error"]["fields"][0]["field"] == "photos"
    client.patch(
        base,
        json={"photos": [{"url": "/media/demo/0a1b2c3d-pool.svg", "caption": "Pool"}]},
        headers=host["headers"],
    )
    published = client.post(f"{base}/publish", headers=host["headers"])
    assert published.status_code == 200
    assert published.json()["published_at"] is not None
    public = client.get(
        "/api/v1/listings", params={"city": "dubai", "kind": "stay", "guests": 10}
    ).json()
    assert [item["id"] for item in public["items"]] == [listing["id"]]
    assert client.get("/api/v1/listings", params={"guests": 11}).json()["total"] == 0
    assert client.post(f"{base}/publish", headers=host["headers"]).status_code == 409


def test_partial_edit_keeps_everything_else(client: TestClient, host: dict[str, Any]) -> None:
    listing = _create(client, host).json()
    base = f"/api/v1/organizations/{host['org']}/listings/{listing['id']}"
    edited = client.patch(
        base,
        json={
            "title": "Renamed villa",
            "location": {"area": "Palm Jumeirah West"},
            "stay": {"unit_count": 3},
        },
        headers=host["headers"],
    )
    assert edited.status_code == 200
    body = edited.json()
    assert body["title"] == "Renamed villa"
    assert body["location"]["area"] == "Palm Jumeirah West"
    assert body["location"]["city"] == "Dubai"
    assert body["stay"]["unit_count"] == 3
    units = client.get(f"{base}/units", headers=host["headers"]).json()
    assert [u["name"] for u in units if u["is_active"]] == ["Unit 1", "Unit 2", "Unit 3"]
    client.patch(base, json={"stay": {"unit_count": 1}}, headers=host["headers"])
    units = client.get(f"{base}/units", headers=host["headers"]).json()
    assert [u["is_active"] for u in units] == [True, False, False]  # kept for history, not deleted


def test_bad_edits_are_refused_and_change_nothing(client: TestClient, host: dict[str, Any]) -> None:
    listing = _create(client, host).json()
    base = f"/api/v1/organizations/{host['org']}/listings/{listing['id']}"
    for body, field in (
        ({"title": None}, "title"),
        ({"lease": {"minimum_term_months": 6}}, "lease"),
        ({"stay": {"check_in_time": "10:00"}}, "stay.check_out_time"),
        ({"kind": "lease"}, "kind"),
    ):
        response = client.patch(base, json=body, headers=host["headers"])
        assert response.status_code == 422, body
        assert response.json()["error"]["fields"][0]["field"] == field
    assert client.get(base, headers=host["headers"]).json() == listing


def test_archive_hides_and_restore_brings_back_a_draft(
    client: TestClient, host: dict[str, Any]
) -> None:
    listing = _create(client, host).json()
    base = f"/api/v1/organizations/{host['org']}/listings/{listing['id']}"
    client.post(f"{base}/publish", headers=host["headers"])
    archived = client.post(f"{base}/archive", json={"reason": "sold"}, headers=host["headers"])
    assert archived.json()["status"] == "archived"
    assert client.get(f"/api/v1/listings/{listing['id']}").status_code == 404
    assert client.post(f"{base}/restore", headers=host["headers"]).json()["status"] == "draft"
    drafts = client.get(
        f"/api/v1/organizations/{host['org']}/listings?status=draft", headers=host["headers"]
    ).json()
    assert drafts["total"] == 1


def test_other_kinds(client: TestClient, host: dict[str, Any]) -> None:
    lease = {k: v for k, v in STAY_JSON.items() if k != "stay"} | {
        "kind": "lease",
        "title": "Two-bed in JLT, 12 months",
        "base_price_minor": 9_500_00,
        "lease": {
            "bedrooms": 2,
            "bathrooms": "2",
            "max_occupants": 4,
            "minimum_term_months": 12,
            "furnished": True,
        },
    }
    safari = {k: v for k, v in STAY_JSON.items() if k != "stay"} | {
        "kind": "experience",
        "title": "Evening desert safari",
        "base_price_minor": 350_00,
        "amenities": [],
        "experience": {
            "category": "activity",
            "duration_minutes": 360,
            "capacity": 40,
            "meeting_point": "Al Qudra",
        },
    }
    lease_out = _create(client, host, lease).json()
    safari_out = _create(client, host, safari).json()
    assert lease_out["base_price"]["per"] == "month"
    assert lease_out["lease"]["viewings_enabled"] is True
    assert safari_out["base_price"]["per"] == "person"
    assert safari_out["experience"]["capacity"] == 40


def test_zero_decimal_currency_prices(client: TestClient, host: dict[str, Any]) -> None:
    listing = _create(
        client,
        host,
        STAY_JSON | {"currency": "jpy", "base_price_minor": 25000, "time_zone": "Asia/Tokyo"},
    ).json()
    assert listing["base_price"]["formatted"] == "JPY 25000"


def test_staff_read_but_cannot_write(
    client: TestClient, services: Services, host: dict[str, Any]
) -> None:
    listing = _create(client, host).json()
    staff = make_user(services, email="staff@example.com")
    organizations.add_member(
        services,
        actor_for(services, host["owner"]),
        uuid.UUID(host["org"]),
        staff.email,
        MemberRole.STAFF,
    )
    headers = login_headers(client, "staff@example.com")
    base = f"/api/v1/organizations/{host['org']}/listings/{listing['id']}"
    assert client.get(base, headers=headers).status_code == 200
    refused = client.patch(base, json={"title": "Mine"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_times_with_a_zone_are_refused_not_a_500(client: TestClient, services: Services) -> None:
    """Check-in times are wall-clock times in the listing's zone; `0` or `10:00Z` is not."""
    owner = make_user(services, email="zone@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "zone@example.com")
    body = STAY_JSON | {"stay": STAY_JSON["stay"] | {"check_in_time": 0}}
    response = client.post(f"/api/v1/organizations/{org.id}/listings", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "stay.check_in_time"
