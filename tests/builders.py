"""Data builders: plain functions with keyword defaults, going through the real services."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from innkeeper.accounts import organizations
from innkeeper.accounts import repository as accounts_repository
from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import Actor, OrganizationKind, PlatformRole
from innkeeper.accounts.models import Organization, User, UserRole
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import (
    ListingAction,
    ListingDraft,
    ListingKind,
    Location,
    Photo,
    StayDetails,
)
from innkeeper.catalog.service import ListingView
from innkeeper.services import Services

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_user(
    services: Services,
    *,
    email: str | None = None,
    name: str = "Test User",
    password: str = PASSWORD,
    roles: tuple[PlatformRole, ...] = (),
) -> User:
    email = email or f"user{next(_numbers)}@example.com"
    with services.uow() as uow:
        user = accounts.create_user(
            uow,
            services,
            accounts.SignUp(email, password, name),
            email=email,
            password_hash=services.passwords.hash(password),
        )
        for role in roles:
            uow.session.add(UserRole(user_id=user.id, role=role, granted_at=services.clock.now()))
        uow.commit()
    return user


def actor_for(services: Services, user: User) -> Actor:
    with services.uow() as uow:
        return accounts_repository.load_actor(uow.session, user.id)


def make_org(
    services: Services,
    owner: User,
    *,
    slug: str | None = None,
    kind: OrganizationKind = OrganizationKind.HOST,
) -> Organization:
    slug = slug or f"org-{next(_numbers)}"
    details = organizations.OrganizationDetails(
        name=f"Org {slug}", slug=slug, kind=kind, contact_email=f"hello@{slug}.example.com",
        country="AE", default_currency="AED", time_zone="Asia/Dubai",
    )  # fmt: skip
    return organizations.create_organization(services, actor_for(services, owner), details)


def stay_draft(**overrides: Any) -> ListingDraft:
    draft = ListingDraft(
        kind=ListingKind.STAY,
        title="Marina view one-bedroom",
        description="A bright one-bedroom apartment with a balcony over Dubai Marina.",
        location=Location(
            "Marina Gate 1, Apt 1203",
            "Dubai Marina",
            "Dubai",
            "AE",
            Decimal("25.080500"),
            Decimal("55.140300"),
        ),
        time_zone="Asia/Dubai",
        currency="AED",
        base_price_minor=650_00,
        details=StayDetails(
            bedrooms=1, bathrooms=Decimal("1.5"), beds=2, max_guests=3, unit_count=1
        ),
        amenities=frozenset({"wifi", "pool"}),
        photos=(Photo("https://images.example.com/1.jpg", "Living room"),),
    )
    return replace(draft, **overrides)


def make_listing(
    services: Services,
    owner: User,
    organization_id: Any,
    *,
    publish: bool = False,
    **overrides: Any,
) -> ListingView:
    actor = actor_for(services, owner)
    view = catalog.create_listing(services, actor, organization_id, stay_draft(**overrides))
    if publish:
        view = catalog.change_status(
            services, actor, organization_id, view.listing.id, ListingAction.PUBLISH
        )
    return view


def login_headers(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """A bearer token for ``email``, as an integration would get one."""
    response = client.post(
        "/api/v1/auth/tokens", json={"email": email, "password": password, "name": "tests"}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


STAY_JSON: dict[str, Any] = {
    "kind": "stay",
    "title": "Palm villa with private pool",
    "description": "Five bedrooms on the Palm's fronds, private beach and pool, staff on call.",
    "location": {
        "address": "Frond N, Villa 12",
        "area": "Palm Jumeirah",
        "city": "Dubai",
        "country": "AE",
        "latitude": "25.112400",
        "longitude": "55.139000",
    },  # fmt: skip
    "time_zone": "Asia/Dubai",
    "currency": "AED",
    "base_price_minor": 4_500_00,
    "amenities": ["private_pool", "wifi", "beach_access"],
    "photos": [{"url": "https://images.example.com/villa.jpg", "caption": "Pool"}],
    "stay": {"bedrooms": 5, "bathrooms": "5.5", "beds": 6, "max_guests": 10, "unit_count": 1},
}


SAFARI_JSON: dict[str, Any] = {k: v for k, v in STAY_JSON.items() if k != "stay"} | {
    "kind": "experience",
    "title": "Evening desert safari",
    "base_price_minor": 350_00,
    "amenities": [],
    "experience": {
        "category": "activity",
        "duration_minutes": 360,
        "capacity": 12,
        "meeting_point": "Al Qudra",
    },
}


def publish_over_http(
    client: TestClient, headers: dict[str, str], organization_id: Any, body: dict[str, Any]
) -> dict[str, Any]:
    """Create and publish a listing through the API, as a host would; returns the listing."""
    base = f"/api/v1/organizations/{organization_id}/listings"
    listing: dict[str, Any] = client.post(base, json=body, headers=headers).json()
    published = client.post(f"{base}/{listing['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return listing
