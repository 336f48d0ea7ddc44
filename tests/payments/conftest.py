"""Payments tests run against the bundled Stripe emulator through the official SDK: one
emulator per session, reset before every test, and an organization onboarded to Connect.

Helpers here are plain functions so that every payments test module reads the same way:
``hosted`` (a published stay whose host can take charges), ``book_stay`` (a hold from a
quote) and ``pay`` (the guest pays with a test card id, never a card number).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient

from innkeeper.accounts.domain import PlatformRole
from innkeeper.payments import connect as payout_accounts
from innkeeper.services import Services
from innkeeper.settings import Settings
from stripe_emulator.resources import accounts as emulated_accounts
from stripe_emulator.server import Emulator
from tests.builders import STAY_JSON, login_headers, make_org, make_user, publish_over_http
from tests.conftest import settings_for

API = "/api/v1"
CONTACT = {"name": "Layla Haddad", "email": "layla@example.com", "phone": "+971501234567"}
DAY = 86_400


@pytest.fixture
def settings(database_url: str, emulator: Emulator) -> Settings:
    return settings_for(database_url, emulator, payments_connect_required=True)


@pytest.fixture
def sdk(services: Services) -> stripe.StripeClient:
    """The app's own client: what tests use to look at Stripe's side."""
    client: stripe.StripeClient = services.stripe
    return client


def connect(services: Services, emulator: Emulator, organization_id: Any, *, ready: bool = True,
            listing_id: Any = None) -> str:  # fmt: skip
    """An Express account for the organization (or one listing), opened through the payout
    account service, onboarded in the emulator when ``ready`` and synced back."""
    listing = None if listing_id is None else uuid.UUID(str(listing_id))
    row = payout_accounts.create_account(services, uuid.UUID(str(organization_id)), listing)
    if ready:
        with emulator.store.lock:
            stored = emulator.store.find(row.stripe_account_id)
            assert stored is not None
            emulated_accounts.finish_onboarding(emulator.ctx(), stored, "complete")
        synced = payout_accounts.sync_account(services, row.stripe_account_id)
        assert synced is not None
        assert synced.charges_enabled
    return row.stripe_account_id


@pytest.fixture
def hosted(client: TestClient, services: Services, emulator: Emulator) -> dict[str, Any]:
    """A published one-unit stay at AED 500 a night (flexible policy) whose organization
    can take charges; a guest, another guest and an admin."""
    return host_world(client, services, emulator)


def host_world(
    client: TestClient, services: Services, emulator: Emulator, prefix: str = ""
) -> dict[str, Any]:
    """What ``hosted`` holds; ``prefix`` makes another, separate world in the same test
    (its people's emails start with it)."""
    owner = make_user(services, email=f"{prefix}host@example.com")
    org = make_org(services, owner, slug=f"{prefix}stays" if prefix else None)
    host = login_headers(client, f"{prefix}host@example.com")
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    listing = publish_over_http(client, host, org.id, body)
    make_user(services, email=f"{prefix}guest@example.com")
    make_user(services, email=f"{prefix}other@example.com")
    make_user(services, email=f"{prefix}admin@example.com", roles=(PlatformRole.ADMIN,))
    account = connect(services, emulator, org.id)
    return {
        "id": listing["id"],
        "org": str(org.id),
        "account": account,
        "base": f"{API}/organizations/{org.id}/listings/{listing['id']}",
        "host": host,
        "guest": login_headers(client, f"{prefix}guest@example.com"),
        "other": login_headers(client, f"{prefix}other@example.com"),
        "admin": login_headers(client, f"{prefix}admin@example.com"),
    }


def set_pricing(client: TestClient, hosted: dict[str, Any], **pricing: Any) -> None:
    """Replace the listing's pricing (deposit schedule, security deposit, policy...)."""
    current = client.get(f"{hosted['base']}/pricing", headers=hosted["host"]).json()
    body = {
        k: v
        for k, v in current.items()
        if k not in ("listing_id", "updated_at", "currency", "base_price_minor")
    } | pricing
    response = client.put(f"{hosted['base']}/pricing", json=body, headers=hosted["host"])
    assert response.status_code == 200, response.text


def book_stay(
    client: TestClient, hosted: dict[str, Any], check_in: str, check_out: str, who: str = "guest"
) -> dict[str, Any]:
    made = client.post(
        f"{API}/quotes",
        json={"listing_id": hosted["id"], "check_in": check_in, "check_out": check_out},
        headers=hosted[who],
    )
    assert made.status_code == 201, made.text
    booked = client.post(
        f"{API}/bookings",
        json={"quote_id": made.json()["id"], "contact": CONTACT},
        headers=hosted[who],
    )
    assert booked.status_code == 201, booked.text
    booking: dict[str, Any] = booked.json()
    return booking


def pay(
    client: TestClient,
    hosted: dict[str, Any],
    booking: dict[str, Any],
    payment_method: str | None = "pm_card_visa",
    who: str = "guest",
    **extra: Any,
) -> Any:
    body = ({"payment_method": payment_method} if payment_method else {}) | extra
    return client.post(f"{API}/bookings/{booking['id']}/pay", json=body, headers=hosted[who])


def booking_of(client: TestClient, hosted: dict[str, Any], booking: dict[str, Any]) -> Any:
    response = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"])
    assert response.status_code == 200, response.text
    return response.json()


def authenticate(emulator: Emulator, intent_id: str, outcome: str = "succeed") -> None:
    """Finish (or fail) the 3-D Secure challenge of a PaymentIntent, as the guest's bank
    page would (the emulator's control endpoint)."""
    import urllib.request

    request = urllib.request.Request(
        f"{emulator.url}/_emulator/payment_intents/{intent_id}/authenticate",
        data=f"outcome={outcome}".encode(),
        headers={"Authorization": "Bearer sk_test_emulator"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200


def control(emulator: Emulator, path: str, **form: Any) -> dict[str, Any]:
    """POST to the emulator's control plane (what a guest's browser or Stripe would do)."""
    import json
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        f"{emulator.url}{path}",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": "Bearer sk_test_emulator"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found
