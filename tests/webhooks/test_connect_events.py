"""Connect events: a host's account state follows Stripe whatever order the events come in
(a payee that stops taking charges makes its listings unbookable), a deauthorization
stops an account that can no longer be read, and bank accounts and persons are kept as
redacted compliance records. Everything happens on Stripe's side (the Dashboard, Stripe's
onboarding), delivered as webhooks, then replayed: nothing happens twice."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from innkeeper.audit.models import AuditEntry
from innkeeper.core.errors import NotFound
from innkeeper.payments import connect as payout_accounts
from innkeeper.payments.models import ConnectRecord, PayoutAccount
from innkeeper.services import Services
from innkeeper.webhooks import records
from innkeeper.webhooks.models import EventEffect, StripeEvent
from stripe_emulator.server import Emulator
from tests.builders import actor_for, make_org, make_user
from tests.payments.conftest import API, CONTACT, connect, control
from tests.webhooks.conftest import replay_all, run, stripe_events

ACCOUNT_TYPES = ("account.updated", "capability.updated")
RECORD_TYPES = (
    "account.external_account.created", "account.external_account.updated",
    "account.external_account.deleted", "person.created", "person.updated", "person.deleted",
)  # fmt: skip
IBAN = "AE070331234567890123457"


def snapshot(services: Services) -> dict[str, Any]:
    with services.uow() as uow:
        accounts = uow.session.scalars(select(PayoutAccount).order_by(PayoutAccount.id)).all()
        audits = uow.session.scalar(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.entity_type == "payout_account")
        )  # fmt: skip
        kept = uow.session.scalars(select(ConnectRecord).order_by(ConnectRecord.stripe_id)).all()
        return {
            "accounts": [(a.stripe_account_id, payout_accounts.state_of(a), a.disabled_reason)
                         for a in accounts],
            "audits": audits,
            "records": [(r.stripe_id, r.kind, r.deleted, r.summary) for r in kept],
        }  # fmt: skip


def row_of(services: Services, account: str) -> PayoutAccount:
    found = payout_accounts.account_row(services, account)
    assert found is not None
    return found


def book(client: TestClient, hosted: dict[str, Any]) -> Any:
    quote = client.post(
        f"{API}/quotes",
        json={"listing_id": hosted["id"], "check_in": "2026-12-10", "check_out": "2026-12-12"},
        headers=hosted["guest"],
    )
    assert quote.status_code == 201, quote.text
    return client.post(
        f"{API}/bookings", json={"quote_id": quote.json()["id"], "contact": CONTACT},
        headers=hosted["guest"],
    )  # fmt: skip


def effects_of(services: Services, event_type: str) -> list[tuple[str, str]]:
    """(kind, detail) of every effect the handlers of ``event_type`` events reported."""
    with services.uow() as uow:
        rows = uow.session.execute(
            select(EventEffect.kind, EventEffect.detail)
            .join(StripeEvent, StripeEvent.id == EventEffect.event_id)
            .where(StripeEvent.type == event_type)
        ).all()
    return [(str(k), str(d)) for k, d in rows]


def hand_made(event_type: str, account: str | None, obj: dict[str, Any]) -> dict[str, Any]:
    """An event Stripe sends but the emulator does not make (account.application.*)."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": event_type,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj},
        **({"account": account} if account else {}),
    }  # fmt: skip


# --- the account's state ----------------------------------------------------------------------


def test_a_rejected_account_stops_bookings_in_any_order_and_replays_change_nothing(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator
) -> None:
    assert row_of(services, hosted["account"]).charges_enabled
    control(emulator, f"/_emulator/accounts/{hosted['account']}/onboarding", state="rejected")
    events = stripe_events(emulator, services, types=ACCOUNT_TYPES)
    assert {e["type"] for e in events} == set(ACCOUNT_TYPES)
    run(client, services, list(reversed(events)))  # newest first: the old "enabled" news last

    row = row_of(services, hosted["account"])
    assert (payout_accounts.state_of(row), row.charges_enabled) == ("disabled", False)
    assert row.disabled_reason == "rejected.other"
    refused = book(client, hosted)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "payee_not_ready"
    assert any("cannot be booked" in d for _, d in effects_of(services, "account.updated"))

    before = snapshot(services)
    replay_all(client, services, hosted["admin"])
    assert snapshot(services) == before


def test_an_old_account_event_delivered_late_keeps_the_current_state(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator
) -> None:
    """Restricted, then complete again: only the restricted news arrives (late). We read the
    account, so we keep what Stripe says now: enabled."""
    control(emulator, f"/_emulator/accounts/{hosted['account']}/onboarding", state="restricted")
    stale = [e for e in stripe_events(emulator, services, types=["account.updated"])
             if e["data"]["object"]["payouts_enabled"] is False]  # fmt: skip
    assert stale
    control(emulator, f"/_emulator/accounts/{hosted['account']}/onboarding", state="complete")
    run(client, services, stale)
    row = row_of(services, hosted["account"])
    assert (payout_accounts.state_of(row), row.requirements_due) == ("enabled", [])


@pytest.mark.reconcile_differs  # made outside Innkeeper on purpose
def test_a_deauthorized_account_takes_no_charges_and_late_news_does_not_revive_it(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    account = hosted["account"]
    enabled_news = sdk.v1.accounts.retrieve(account).to_dict()
    sdk.v1.accounts.delete(account)  # the account is out of our reach from now on
    application = {"id": "ca_innkeeper", "object": "application", "name": "Innkeeper"}
    gone = hand_made("account.application.deauthorized", account, application)
    late = [
        hand_made("account.updated", account, enabled_news),
        hand_made("account.application.authorized", account, application),
    ]
    run(client, services, [gone, *late])

    row = row_of(services, account)
    assert (row.charges_enabled, row.payouts_enabled) == (False, False)
    assert row.disabled_reason == "application_deauthorized"
    assert payout_accounts.state_of(row) == "disabled"
    assert book(client, hosted).json()["error"]["code"] == "payee_not_ready"
    with services.uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == str(row.id))
        ).all()
    assert actions.count("deauthorized") == 1
    kinds = [k for t in ("account.updated", "account.application.authorized")
             for k, _ in effects_of(services, t)]  # fmt: skip
    assert set(kinds) == {"ignored"}

    before = snapshot(services)
    replay_all(client, services, hosted["admin"])
    assert snapshot(services) == before


def test_events_for_accounts_that_are_not_ours_are_ignored(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    stranger = sdk.v1.accounts.create({"type": "express", "country": "AE"})
    sdk.v1.accounts.persons.create(stranger.id, {"first_name": "Zed", "last_name": "Stranger"})
    control(emulator, f"/_emulator/accounts/{stranger.id}/onboarding", state="complete")
    listed = sdk.v1.events.list({"limit": 100}, {"stripe_account": stranger.id})
    events = [e.to_dict() for e in listed.auto_paging_iter() if e.type in
              (*ACCOUNT_TYPES, *RECORD_TYPES)]  # fmt: skip
    assert {e["account"] for e in events} == {stranger.id}
    application = {"id": "ca_innkeeper", "object": "application", "name": "Innkeeper"}
    events.append(hand_made("account.application.deauthorized", stranger.id, application))
    assert events
    before = snapshot(services)
    run(client, services, events)
    assert snapshot(services) == before
    with services.uow() as uow:
        kinds = set(uow.session.scalars(select(EventEffect.kind)))
    assert kinds == {"ignored"}


# --- bank accounts and persons ---------------------------------------------------------------


def test_bank_accounts_and_persons_are_recorded_redacted_in_any_order(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    account = hosted["account"]
    accounts = sdk.v1.accounts
    first = accounts.external_accounts.list(account).data[0]  # added by onboarding
    second = accounts.external_accounts.create(
        account,
        {"external_account": {"object": "bank_account", "country": "AE", "currency": "aed",
                              "account_number": IBAN, "account_holder_name": "Layla Haddad"}},
    )  # fmt: skip
    accounts.external_accounts.update(account, second.id, {"default_for_currency": True})
    accounts.external_accounts.delete(account, first.id)
    owner = accounts.persons.create(
        account,
        {"first_name": "omar", "last_name": "Haddad", "email": "omar@example.com",
         "id_number": "784198012345678", "dob": {"day": 2, "month": 3, "year": 1980},
         "address": {"line1": "1 Palm Street", "city": "Dubai", "country": "AE"},
         "relationship": {"owner": True, "title": "Managing partner", "percent_ownership": 60}},
    )  # fmt: skip
    accounts.persons.update(account, owner.id, {"phone": "+971501234567"})
    leaving = accounts.persons.create(account, {"first_name": "Sami", "last_name": "Nasser",
                                                "relationship": {"director": True}})  # fmt: skip
    accounts.persons.delete(account, leaving.id)
    events = stripe_events(emulator, services, types=RECORD_TYPES)
    assert {e["type"] for e in events} == set(RECORD_TYPES)
    run(client, services, list(reversed(events)))  # deletions first, creations last

    kept = {r.stripe_id: r for r in _records(services)}
    assert kept[first.id].deleted
    assert kept[leaving.id].deleted
    assert not kept[second.id].deleted
    assert not kept[owner.id].deleted
    assert kept[second.id].summary == {
        "type": "bank_account", "bank_name": "TEST BANK", "country": "AE", "currency": "aed",
        "last4": IBAN[-4:], "status": "new", "default_for_currency": True,
    }  # fmt: skip
    assert kept[owner.id].kind == "person"
    assert kept[owner.id].summary["initials"] == "O.H."
    assert kept[owner.id].summary["roles"] == ["owner"]
    assert kept[owner.id].summary["title"] == "Managing partner"
    assert {r.stripe_account for r in kept.values()} == {account}
    stored = json.dumps([r.summary for r in kept.values()])
    for secret in (IBAN, IBAN[:-4], "784198012345678", "1980", "Palm", "omar@example.com",
                   "+971501234567", "Haddad", "Omar", "routing", "fingerprint"):  # fmt: skip
        assert secret not in stored

    before = snapshot(services)
    replay_all(client, services, hosted["admin"])
    assert snapshot(services) == before


def test_admins_list_connect_records_and_no_one_else_does(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator
) -> None:
    run(client, services, stripe_events(emulator, services, types=RECORD_TYPES))
    admin = actor_for(services, _user(services, "admin@example.com"))
    page = records.search(services, admin, stripe_account=hosted["account"])
    assert page.total == len(page.items) >= 2  # the onboarding bank account and individual
    assert {r.kind for r in page.items} == {"external_account", "person"}
    banks = records.search(services, admin, kind="external_account")
    assert [r.summary["type"] for r in banks.items] == ["bank_account"]
    host = actor_for(services, _user(services, "host@example.com"))
    with pytest.raises(NotFound):
        records.search(services, host, stripe_account=hosted["account"])
    other_org = make_org(services, make_user(services, email="second@example.com"))
    connect(services, emulator, other_org.id)
    assert records.search(services, admin, stripe_account="acct_nothing").total == 0
    listed = client.get(
        "/api/v1/admin/connect-records", params={"stripe_account": hosted["account"]},
        headers=hosted["admin"],
    )  # fmt: skip
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == page.total
    assert "routing_number" not in listed.text
    assert "account_number" not in listed.text
    bad = client.get(
        "/api/v1/admin/connect-records", params={"kind": "card"}, headers=hosted["admin"]
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "kind"
    for headers in (hosted["host"], hosted["guest"]):
        assert client.get("/api/v1/admin/connect-records", headers=headers).status_code == 404


def test_redaction_keeps_an_allow_list_only() -> None:
    card = {"id": "card_1", "object": "card", "brand": "Visa", "last4": "4242", "exp_month": 4,
            "exp_year": 2030, "number": "4242424242424242", "cvc_check": "pass",
            "address_line1": "1 Palm Street", "fingerprint": "abc", "country": "AE",
            "currency": "aed", "default_for_currency": False}  # fmt: skip
    assert records.redact(card) == {
        "type": "card", "brand": "Visa", "country": "AE", "currency": "aed", "last4": "4242",
        "exp_month": 4, "exp_year": 2030, "default_for_currency": False,
    }  # fmt: skip
    person = {"id": "person_1", "object": "person", "first_name": None, "last_name": "Rosen",
              "relationship": {"representative": True, "owner": False},
              "verification": {"status": "verified"},
              "requirements": {"currently_due": ["id_number"], "past_due": []},
              "dob": {"day": 1, "month": 1, "year": 1901}}  # fmt: skip
    assert records.redact(person) == {
        "type": "person", "initials": "R.", "roles": ["representative"], "title": None,
        "verification": "verified", "currently_due": ["id_number"], "past_due": [],
    }  # fmt: skip


def _records(services: Services) -> list[ConnectRecord]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(ConnectRecord)))


def _user(services: Services, email: str) -> Any:
    from innkeeper.accounts.models import User

    with services.uow() as uow:
        return uow.session.scalars(select(User).where(User.email == email)).one()
