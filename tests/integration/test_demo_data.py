"""The Dubai demo marketplace loads through the services, only into an empty database, and
a demo host can log in and see their listings through the API."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from innkeeper.accounts.models import Organization, OrganizationMember, User, UserRole
from innkeeper.catalog.models import Listing
from innkeeper.demo import data, loader
from innkeeper.services import Services, build_services
from innkeeper.settings import Environment, Settings
from tests.conftest import TEMPLATE


@pytest.fixture(scope="module")
def database_url(pg: Any) -> Iterator[str]:
    """One demo database for the module: the tests here read it, and loading takes seconds."""
    name = f"demo_{uuid.uuid4().hex}"
    with psycopg.connect(pg.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')  # type: ignore[arg-type]
    yield str(pg.get_uri(name))
    with psycopg.connect(pg.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def loaded(database_url: str) -> loader.Summary:
    settings = Settings(
        environment=Environment.TEST,
        database_url=database_url,
        log_json=False,
        payments_connect_required=False,  # no Stripe here: demo hosts have no payout accounts
    )
    services = build_services(settings, database_url)
    try:
        return loader.load_if_empty(services)
    finally:
        services.close()


def test_the_marketplace_is_big_enough(loaded: loader.Summary, services: Services) -> None:
    assert loaded.loaded
    assert loaded.listings["stay"] >= 170
    assert loaded.listings["lease"] >= 10
    assert loaded.listings["experience"] >= 30
    assert loaded.organizations >= 12
    with services.uow() as uow:
        areas = uow.session.scalar(select(func.count(func.distinct(Listing.area))))
        statuses = Counter(uow.session.scalars(select(Listing.status)))
        roles = Counter(uow.session.scalars(select(UserRole.role)))
        members = uow.session.scalar(select(func.count()).select_from(OrganizationMember))
        orgs = uow.session.scalar(select(func.count()).select_from(Organization))
    assert (areas or 0) >= 12
    assert statuses == {"published": sum(loaded.listings.values())}
    assert roles == {"admin": 1, "local_expert": 2, "personal_assistant": 1}
    assert (members or 0) > (orgs or 0)  # organizations have managers and staff too


def test_it_loads_only_into_an_empty_database(loaded: loader.Summary, services: Services) -> None:
    again = loader.load_if_empty(services)
    assert not again.loaded
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(User)) == loaded.users


def test_the_data_is_deterministic() -> None:
    assert data.stays() == data.stays()
    assert [o.slug for o in data.organizations()] == [o.slug for o in data.organizations()]


def test_a_demo_host_logs_in_and_lists_their_listings(
    loaded: loader.Summary, client: TestClient
) -> None:
    owner = data.organizations()[0].owner.email
    login = client.post(
        "/api/v1/auth/tokens",
        json={"email": owner, "password": loader.DEMO_PASSWORD, "name": "demo"},
    )
    assert login.status_code == 201
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    (organization,) = client.get("/api/v1/organizations", headers=headers).json()
    assert organization["my_role"] == "owner"
    listings = client.get(
        f"/api/v1/organizations/{organization['id']}/listings?limit=100", headers=headers
    ).json()
    expected = sum(1 for s in data.stays() if s.organization_slug == organization["slug"])
    assert listings["total"] == expected > 0
    assert {item["location"]["city"] for item in listings["items"]} == {"Dubai"}
    assert {item["base_price"]["currency"] for item in listings["items"]} == {"AED"}


def test_demo_photos_are_served_locally(loaded: loader.Summary, client: TestClient) -> None:
    listing = client.get("/api/v1/listings?limit=1").json()["items"][0]
    photo = client.get(listing["photos"][0]["url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/svg+xml"
    assert "<svg" in photo.text
    assert client.get("/media/demo/not-a-photo.svg").status_code == 422


def test_the_logins_printed_by_make_run_work(loaded: loader.Summary, client: TestClient) -> None:
    for _, email in loader.demo_logins():
        response = client.post(
            "/api/v1/auth/login", json={"email": email, "password": loader.DEMO_PASSWORD}
        )
        assert response.status_code == 200, email


def test_demo_hosts_have_bookings_and_requests(loaded: loader.Summary, services: Services) -> None:
    """`make run` opens on a marketplace with confirmed stays and requests to answer."""
    from innkeeper.bookings.models import Booking

    assert loaded.bookings is not None
    assert loaded.bookings.confirmed >= 60
    assert loaded.bookings.requested == 2
    with services.uow() as uow:
        statuses = Counter(uow.session.scalars(select(Booking.status)))
    assert statuses["confirmed"] == loaded.bookings.confirmed
    assert statuses["requested"] == 2
