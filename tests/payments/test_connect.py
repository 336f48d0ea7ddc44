"""Stripe Connect onboarding end to end: an organization opens an Express account, goes
through the emulator's hosted onboarding page, comes back to our return route; its status is
kept in sync; a listing whose payee cannot take charges cannot be booked; a listing's own
account is paid instead of its organization's."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import requests
import stripe
from fastapi.testclient import TestClient

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.demo.payouts import connect_hosts, finish_onboarding
from innkeeper.services import Services
from stripe_emulator.server import Emulator
from tests.builders import (
    STAY_JSON,
    actor_for,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)
from tests.payments.conftest import API, CONTACT, DAY, book_stay, connect, pay

SUBMIT_SESSION = re.compile(r"name='session' value='([^']+)'")


@pytest.fixture
def fresh(client: TestClient, services: Services, emulator: Emulator) -> dict[str, Any]:
    """A published stay whose organization has no payout account yet, with a manager, a
    staff member and a guest."""
    owner = make_user(services, email="owner@example.com")
    org = make_org(services, owner)
    for email, role in (("manager@example.com", MemberRole.MANAGER),
                        ("staff@example.com", MemberRole.STAFF)):  # fmt: skip
        make_user(services, email=email)
        organizations.add_member(services, actor_for(services, owner), org.id, email, role)
    make_user(services, email="outsider@example.com")
    host = login_headers(client, "owner@example.com")
    listing = publish_over_http(client, host, org.id, copy.deepcopy(STAY_JSON))
    return {
        "org": str(org.id),
        "id": listing["id"],
        "url": f"{API}/organizations/{org.id}/payout-account",
        "host": host,
        "manager": login_headers(client, "manager@example.com"),
        "staff": login_headers(client, "staff@example.com"),
        "guest": login_headers(client, "outsider@example.com"),
    }


def test_onboarding_through_the_hosted_page_enables_the_account(
    client: TestClient, fresh: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    opened = client.post(fresh["url"], json={}, headers=fresh["host"])
    assert opened.status_code == 201, opened.text
    account = opened.json()
    assert account["state"] == "pending"
    assert (account["charges_enabled"], account["details_submitted"]) == (False, False)
    assert account["requirements_currently_due"]
    on_stripe = sdk.v1.accounts.retrieve(account["stripe_account"])
    assert on_stripe.country == "AE"
    assert on_stripe.metadata["organization_id"] == fresh["org"]
    assert on_stripe.controller is not None
    assert on_stripe.capabilities is not None
    assert set(on_stripe.capabilities.to_dict()) == {"card_payments", "transfers"}
    again = client.post(fresh["url"], json={}, headers=fresh["host"])
    assert again.json()["stripe_account"] == account["stripe_account"]

    link = client.post(fresh["url"] + "/link", headers=fresh["host"])
    assert link.status_code == 201, link.text
    back = submit_onboarding(link.json()["url"])
    assert back.startswith(f"http://testserver{fresh['url']}/return")

    returned = client.get(back.removeprefix("http://testserver"), headers=fresh["host"])
    assert returned.status_code == 200, returned.text
    status = returned.json()
    assert status["state"] == "enabled"
    assert (status["charges_enabled"], status["payouts_enabled"]) == (True, True)
    assert status["requirements_currently_due"] == []
    seen = client.get(fresh["url"], headers=fresh["staff"])
    assert (seen.status_code, seen.json()["state"]) == (200, "enabled")


def test_a_used_link_sends_the_host_to_refresh_which_makes_a_new_link(
    client: TestClient, fresh: dict[str, Any]
) -> None:
    client.post(fresh["url"], json={}, headers=fresh["host"])
    url = client.post(fresh["url"] + "/link", headers=fresh["host"]).json()["url"]
    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 200
    revisit = requests.get(url, allow_redirects=False, timeout=10)
    assert revisit.status_code in (302, 303)
    refresh = revisit.headers["location"].removeprefix("http://testserver")
    assert refresh == f"{fresh['url']}/refresh"
    redirected = client.get(refresh, headers=fresh["host"], follow_redirects=False)
    assert redirected.status_code == 303
    fresh_link = redirected.headers["location"]
    assert fresh_link != url
    assert requests.get(fresh_link, allow_redirects=False, timeout=10).status_code == 200


def test_status_follows_stripe_when_refreshed(
    client: TestClient, fresh: dict[str, Any], services: Services
) -> None:
    account = client.post(fresh["url"], json={}, headers=fresh["host"]).json()["stripe_account"]
    finish_onboarding(services.settings, account, "complete")
    stale = client.get(fresh["url"], headers=fresh["host"]).json()
    assert stale["state"] == "pending"  # we only know what we last read
    synced = client.get(fresh["url"], params={"refresh": "true"}, headers=fresh["host"]).json()
    assert synced["state"] == "enabled"
    assert synced["synced_at"] is not None


def test_a_host_without_a_ready_payee_cannot_be_booked_but_can_be_quoted(
    client: TestClient, fresh: dict[str, Any]
) -> None:
    refused = _book(client, fresh)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "payee_not_ready"
    assert "connect a Stripe account" in refused.json()["error"]["message"]
    client.post(fresh["url"], json={}, headers=fresh["host"])
    pending = _book(client, fresh)
    assert pending.status_code == 409
    assert "waiting on" in pending.json()["error"]["message"]


def test_past_due_requirements_stop_bookings_with_what_is_missing(
    client: TestClient, hosted: dict[str, Any], services: Services
) -> None:
    finish_onboarding(services.settings, hosted["account"], "past_due")
    url = f"{API}/organizations/{hosted['org']}/payout-account"
    synced = client.get(url, params={"refresh": "true"}, headers=hosted["host"]).json()
    assert synced["state"] == "disabled"
    assert synced["disabled_reason"] == "requirements.past_due"
    refused = _book(client, hosted)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "payee_not_ready"
    assert synced["requirements_currently_due"][0] in error["message"]


def test_a_restricted_account_takes_bookings_until_its_deadline_passes(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator
) -> None:
    """``restricted``: Stripe wants a document within days; charges go on, payouts pause.
    When the deadline passes unanswered the account can no longer take charges."""
    finish_onboarding(services.settings, hosted["account"], "restricted")
    url = f"{API}/organizations/{hosted['org']}/payout-account"
    synced = client.get(url, params={"refresh": "true"}, headers=hosted["host"]).json()
    assert (synced["state"], synced["payouts_enabled"]) == ("restricted", False)
    assert synced["requirements_currently_due"]
    assert book_stay(client, hosted, "2026-12-10", "2026-12-12")["status"] == "pending_payment"

    emulator.advance(8 * DAY)
    synced = client.get(url, params={"refresh": "true"}, headers=hosted["host"]).json()
    assert (synced["state"], synced["charges_enabled"]) == ("disabled", False)
    refused = _book(client, hosted, "2026-12-20", "2026-12-22")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payee_not_ready"


def test_a_listing_s_own_account_is_paid_instead_of_the_organization_s(
    client: TestClient,
    hosted: dict[str, Any],
    services: Services,
    emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:
    own = connect(services, emulator, hosted["org"], listing_id=hosted["id"])
    assert own != hosted["account"]
    status = client.get(
        f"{API}/organizations/{hosted['org']}/payout-account",
        params={"listing_id": hosted["id"]},
        headers=hosted["host"],
    ).json()
    assert (status["stripe_account"], status["listing_id"]) == (own, hosted["id"])
    on_stripe = sdk.v1.accounts.retrieve(own)
    assert on_stripe.metadata["listing_id"] == hosted["id"]

    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    paid = pay(client, hosted, booking)
    assert paid.status_code == 200, paid.text
    intent = sdk.v1.payment_intents.retrieve(paid.json()["stripe_payment_intent"])
    assert intent.transfer_data is not None
    assert intent.transfer_data.destination == own


def test_a_listing_s_unready_account_stops_bookings_though_the_organization_s_is_ready(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator
) -> None:
    connect(services, emulator, hosted["org"], listing_id=hosted["id"], ready=False)
    refused = _book(client, hosted)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payee_not_ready"


def test_the_dashboard_opens_only_after_onboarding(
    client: TestClient, fresh: dict[str, Any], services: Services
) -> None:
    account = client.post(fresh["url"], json={}, headers=fresh["host"]).json()["stripe_account"]
    early = client.get(fresh["url"] + "/dashboard", headers=fresh["host"])
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "onboarding_not_finished"
    finish_onboarding(services.settings, account, "complete")
    link = client.get(fresh["url"] + "/dashboard", headers=fresh["manager"])
    assert link.status_code == 200, link.text
    assert requests.get(link.json()["url"], allow_redirects=False, timeout=10).status_code == 200


def test_only_owners_and_managers_manage_and_outsiders_see_nothing(
    client: TestClient, fresh: dict[str, Any], hosted: dict[str, Any]
) -> None:
    url = fresh["url"]
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=fresh["guest"]).status_code == 404
    assert client.post(url, json={}, headers=fresh["staff"]).status_code == 403
    assert client.get(url, headers=fresh["staff"]).status_code == 404  # none yet
    assert client.post(url, json={}, headers=fresh["manager"]).status_code == 201
    assert client.get(url, headers=fresh["staff"]).status_code == 200
    assert client.get(url, headers=fresh["guest"]).status_code == 404
    assert client.post(url + "/link", headers=fresh["staff"]).status_code == 403
    assert client.post(url + "/link", headers=fresh["guest"]).status_code == 404
    assert client.get(url + "/dashboard", headers=fresh["guest"]).status_code == 404
    # another organization's host, and another organization's listing
    assert client.get(url, headers=hosted["host"]).status_code == 404
    foreign = client.post(url, json={"listing_id": hosted["id"]}, headers=fresh["host"])
    assert foreign.status_code == 422
    assert foreign.json()["error"]["fields"][0]["field"] == "listing_id"


def test_a_failed_create_retried_makes_one_account(
    client: TestClient, fresh: dict[str, Any], emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    fault = {"method": "POST", "path": "/v1/accounts", "kind": "error", "status": "500",
             "after_apply": "true", "remaining": "10"}  # fmt: skip
    requests.post(
        f"{emulator.url}/_emulator/faults", data=fault, allow_redirects=False, timeout=10
    ).raise_for_status()
    failed = client.post(fresh["url"], json={}, headers=fresh["host"])
    assert failed.status_code == 503, failed.text
    requests.delete(f"{emulator.url}/_emulator/faults", timeout=10).raise_for_status()
    opened = client.post(fresh["url"], json={}, headers=fresh["host"])
    assert opened.status_code == 201, opened.text
    made = [a.id for a in sdk.v1.accounts.list({"limit": 100}).data]
    assert made == [opened.json()["stripe_account"]]


def submit_onboarding(url: str) -> str:
    """Open the hosted onboarding page and press "Submit and return", as the host would;
    the return URL Stripe redirects to."""
    page = requests.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    found = SUBMIT_SESSION.search(page.text)
    assert found is not None, page.text
    sent = requests.post(
        url,
        data={"session": found.group(1), "action": "submit"},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def _book(
    client: TestClient, place: dict[str, Any], check_in: str = "2026-12-10",
    check_out: str = "2026-12-12",
) -> Any:  # fmt: skip
    quote = client.post(
        f"{API}/quotes",
        json={"listing_id": place["id"], "check_in": check_in, "check_out": check_out},
        headers=place["guest"],
    )
    assert quote.status_code == 201, quote.text  # quotes are made whatever the payee
    return client.post(
        f"{API}/bookings",
        json={"quote_id": quote.json()["id"], "contact": CONTACT},
        headers=place["guest"],
    )


def test_demo_hosts_are_connected_once_and_ready(
    services: Services, emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    orgs = [make_org(services, make_user(services)).id for _ in range(2)]
    assert connect_hosts(services, orgs) == 2
    assert connect_hosts(services, orgs) == 2  # the demo loads again: nothing new is made
    made = sdk.v1.accounts.list({"limit": 100}).data
    assert len(made) == 2
    assert all(a.charges_enabled for a in made)
