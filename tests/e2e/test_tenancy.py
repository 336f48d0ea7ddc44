"""Every object route, probed across tenants.

Routes are read from the app itself, so a new route under an organization (or about a
listing) is probed the day it is added; a write route without a sample body fails the
suite until one is given here. Outsiders, plain guests and anonymous callers must get 404
(or 401), learn nothing from the body, and change nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.services import Services
from innkeeper.settings import Settings
from stripe_emulator.server import Emulator
from tests.builders import STAY_JSON, actor_for, login_headers, make_listing, make_org, make_user
from tests.conftest import settings_for
from tests.payments.conftest import connect

LISTING = "/api/v1/organizations/{organization_id}/listings/{listing_id}"
PAYOUT_ACCOUNT = "/api/v1/organizations/{organization_id}/payout-account"
SAMPLE_BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v1/organizations/{organization_id}"): {"name": "Taken over"},
    ("POST", "/api/v1/organizations/{organization_id}/members"): {
        "email": "outsider@example.com",
        "role": "owner",
    },
    ("PATCH", "/api/v1/organizations/{organization_id}/members/{user_id}"): {"role": "staff"},
    ("POST", "/api/v1/organizations/{organization_id}/listings"): STAY_JSON,
    ("PATCH", "/api/v1/organizations/{organization_id}/listings/{listing_id}"): {
        "title": "Hijacked"
    },
    ("PUT", f"{LISTING}/pricing"): {"cleaning_minor": 1},
    ("PUT", f"{LISTING}/pricing/nights"): {
        "start": "2027-01-01",
        "end": "2027-01-03",
        "price_minor": 1,
    },
    ("PUT", f"{LISTING}/availability"): {"bookable": False},
    ("PUT", f"{LISTING}/guide"): {"check_in_instructions": "The key is under the mat"},
    ("POST", f"{LISTING}/availability/spans"): {"start": "2027-01-01", "end": "2027-01-03"},
    ("POST", f"{LISTING}/availability/spans/clear"): {"start": "2027-01-01", "end": "2027-01-03"},
    ("PUT", f"{LISTING}/availability/capacity"): {
        "start": "2027-01-01",
        "end": "2027-01-03",
        "capacity": 0,
    },
    ("POST", f"{LISTING}/availability/slots"): {
        "start": "2027-01-01",
        "end": "2027-01-03",
        "times": [{"starts_at": "09:00", "ends_at": "10:00", "capacity": 5}],
    },
    ("POST", f"{LISTING}/availability/slots/clear"): {"start": "2027-01-01", "end": "2027-01-03"},
    ("POST", PAYOUT_ACCOUNT): {},
    ("POST", f"{PAYOUT_ACCOUNT}/link"): {},
}
# Reads that hand out a way into the payout account: staff see the account, managers act.
MANAGERS_ONLY = {f"{PAYOUT_ACCOUNT}/refresh", f"{PAYOUT_ACCOUNT}/dashboard"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class World:
    org_a: uuid.UUID
    owner_a: uuid.UUID
    draft_a: uuid.UUID
    published_a: uuid.UUID
    org_b: uuid.UUID
    snapshot: str


def _object_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the published API that names an organization or a listing."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if "{organization_id}" in path or "{listing_id}" in path
        for method in operations
    ]


def _snapshot(client: TestClient, headers: dict[str, str], world_org: uuid.UUID) -> str:
    """Everything the owner can see of their organization, to prove probes changed nothing."""
    base = f"/api/v1/organizations/{world_org}"
    parts = [
        client.get(path, headers=headers).json()
        for path in (base, f"{base}/members", f"{base}/listings")
    ]
    return json.dumps(parts, sort_keys=True)


@pytest.fixture
def settings(database_url: str, emulator: Emulator) -> Settings:
    """Stripe is the emulator here: the payout-account routes reach a real account."""
    return settings_for(database_url, emulator)


@pytest.fixture
def world(client: TestClient, services: Services, emulator: Emulator) -> World:
    owner_a = make_user(services, email="owner-a@example.com")
    org_a = make_org(services, owner_a, slug="secret-stays")
    staff = make_user(services, email="staff-a@example.com")
    organizations.add_member(
        services, actor_for(services, owner_a), org_a.id, staff.email, MemberRole.STAFF
    )
    draft = make_listing(services, owner_a, org_a.id, title="Hidden penthouse draft")
    published = make_listing(services, owner_a, org_a.id, publish=True, title="Public marina flat")
    owner_b = make_user(services, email="outsider@example.com")
    org_b = make_org(services, owner_b, slug="rival-homes")
    make_user(services, email="guest@example.com")
    connect(services, emulator, org_a.id)  # so that every payout-account route has an object
    headers_a = login_headers(client, "owner-a@example.com")
    return World(
        org_a.id,
        owner_a.id,
        draft.listing.id,
        published.listing.id,
        org_b.id,
        _snapshot(client, headers_a, org_a.id),
    )


def _url(path: str, world: World, *, organization: uuid.UUID, listing: uuid.UUID) -> str:
    return (
        path.replace("{organization_id}", str(organization))
        .replace("{listing_id}", str(listing))
        .replace("{user_id}", str(world.owner_a))
    )


def _call(client: TestClient, method: str, path: str, url: str, headers: dict[str, str]) -> Any:
    body = SAMPLE_BODIES.get((method, path))
    if (
        method in WRITE_METHODS
        and body is None
        and method != "DELETE"
        and not path.endswith(("/publish", "/unpublish", "/archive", "/restore"))
    ):
        pytest.fail(f"add a valid sample body for {method} {path} to SAMPLE_BODIES")
    return client.request(method, url, json=body, headers=headers)


def _assert_nothing_leaked(response: Any, world: World) -> None:
    text = response.text
    for secret in (
        "secret-stays",
        "Org secret",
        "Hidden penthouse",
        "owner-a@example.com",
        "staff-a",
    ):
        assert secret not in text, (
            f"{response.request.method} {response.request.url} leaked {secret!r}"
        )


def test_the_probe_covers_every_object_route(client: TestClient) -> None:
    routes = _object_routes(client)
    assert len(routes) >= 15, routes  # organizations, members, listings, units, status actions


@pytest.mark.parametrize("caller", ["outsider", "guest", "anonymous"])
def test_strangers_get_404_or_401_and_change_nothing(
    client: TestClient, world: World, caller: str
) -> None:
    headers = {} if caller == "anonymous" else login_headers(client, f"{caller}@example.com")
    expected = 401 if caller == "anonymous" else 404
    for method, path in _object_routes(client):
        if path.startswith("/api/v1/listings/"):
            continue  # the public listing route is probed below
        response = _call(
            client,
            method,
            path,
            _url(path, world, organization=world.org_a, listing=world.draft_a),
            headers,
        )
        assert response.status_code == expected, (caller, method, path, response.text)
        _assert_nothing_leaked(response, world)
    owner_headers = login_headers(client, "owner-a@example.com")
    assert _snapshot(client, owner_headers, world.org_a) == world.snapshot


def test_another_organizations_listing_cannot_be_reached_through_your_own(
    client: TestClient, world: World
) -> None:
    headers = login_headers(client, "outsider@example.com")
    for method, path in _object_routes(client):
        if "{listing_id}" not in path or "{organization_id}" not in path:
            continue
        url = _url(path, world, organization=world.org_b, listing=world.draft_a)
        response = _call(client, method, path, url, headers)
        assert response.status_code == 404, (method, path, response.text)
        _assert_nothing_leaked(response, world)


def test_members_reach_their_own_objects(client: TestClient, world: World) -> None:
    headers = login_headers(client, "staff-a@example.com")
    owner = login_headers(client, "owner-a@example.com")
    for method, path in _object_routes(client):
        if method != "GET" or path.startswith("/api/v1/listings/"):
            continue
        url = _url(path, world, organization=world.org_a, listing=world.draft_a)
        response = client.get(url, headers=headers, follow_redirects=False)
        if path in MANAGERS_ONLY:
            assert response.status_code == 403, (path, response.text)
            response = client.get(url, headers=owner, follow_redirects=False)
        # 303: a route that sends the browser on to Stripe (a fresh onboarding link)
        assert response.status_code in (200, 303), (path, response.text)


def test_drafts_are_invisible_publicly_and_published_listings_visible(
    client: TestClient, world: World
) -> None:
    for headers in ({}, login_headers(client, "outsider@example.com")):
        assert client.get(f"/api/v1/listings/{world.draft_a}", headers=headers).status_code == 404
        assert (
            client.get(f"/api/v1/listings/{world.published_a}", headers=headers).status_code == 200
        )
    listed = client.get("/api/v1/listings").json()
    assert [item["id"] for item in listed["items"]] == [str(world.published_a)]


@pytest.mark.parametrize(
    "path", ["/api/v1/admin/users", "/api/v1/admin/organizations", "/api/v1/admin/audit-log"]
)
def test_admin_routes_are_invisible_to_everyone_else(
    client: TestClient, world: World, path: str
) -> None:
    assert client.get(path).status_code == 401
    for email in ("outsider@example.com", "owner-a@example.com", "guest@example.com"):
        assert client.get(path, headers=login_headers(client, email)).status_code == 404
