"""Customer, PaymentMethod and SetupIntent events keep a guest's saved cards in step with
Stripe: a card saved in the browser (Stripe.js) or the Dashboard becomes the default when
there is none, a detached default is replaced by the newest card left, a deleted customer
is forgotten (the next payment makes a new one). Legacy Sources and card updates are
recorded only. Delivered twice, replayed: nothing happens twice."""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.audit.models import AuditEntry
from innkeeper.payments import customers
from innkeeper.payments.models import Operation, StripeCustomer
from innkeeper.services import Services
from innkeeper.webhooks.models import EventEffect, StripeEvent
from stripe_emulator.server import Emulator
from tests.payments.conftest import API
from tests.webhooks.conftest import replay_all, run, stripe_events

CARD_TYPES = (
    "payment_method.attached", "payment_method.detached", "customer.created", "customer.updated",
    "setup_intent.succeeded", "setup_intent.setup_failed",
)  # fmt: skip


def snapshot(services: Services) -> dict[str, Any]:
    with services.uow() as uow:
        rows = uow.session.scalars(select(StripeCustomer).order_by(StripeCustomer.user_id))
        audits = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "stripe_customer")
        ).all()
        return {
            "customers": [(r.user_id, r.customer_id, r.default_payment_method) for r in rows],
            "audits": sorted(audits),
        }


def effects(services: Services, event_type: str) -> list[tuple[str, str]]:
    with services.uow() as uow:
        rows = uow.session.execute(
            select(EventEffect.kind, EventEffect.detail)
            .join(StripeEvent, StripeEvent.id == EventEffect.event_id)
            .where(StripeEvent.type == event_type)
        ).all()
    return [(str(k), str(d)) for k, d in rows]


def guest_id(services: Services, email: str = "guest@example.com") -> uuid.UUID:
    from innkeeper.accounts.models import User

    with services.uow() as uow:
        return uow.session.scalars(select(User.id).where(User.email == email)).one()


def card(sdk: stripe.StripeClient, token: str) -> str:
    """A card made by Stripe.js in the guest's browser (never a number on our servers)."""
    made = sdk.v1.payment_methods.create({"type": "card", "card": {"token": token}})
    return str(made.id)


def hand_made(event_type: str, obj: dict[str, Any], account: str | None = None
              ) -> dict[str, Any]:  # fmt: skip
    """An event Stripe sends that the emulator does not make (legacy Sources, card
    updaters)."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": event_type,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj},
        **({"account": account} if account else {}),
    }  # fmt: skip


def test_cards_saved_at_stripe_set_the_default_and_a_detached_default_is_replaced(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    user = guest_id(services)
    customer = customers.customer_for(services, user)
    saved = []
    for token in ("tok_visa", "tok_mastercard", "tok_amex"):  # saved from the Dashboard, a
        saved.append(card(sdk, token))  # minute apart: we are told only by webhooks
        sdk.v1.payment_methods.attach(saved[-1], {"customer": customer})
        emulator.advance(60)
    first, second, newest = saved
    for event in stripe_events(emulator, services, types=CARD_TYPES):
        run(client, services, [event])  # a minute apart, as they happened
    assert customers.default_card(services, user) == first
    kinds = [k for k, _ in effects(services, "payment_method.attached")]
    assert kinds == ["saved_card", "recorded", "recorded"]

    sdk.v1.payment_methods.detach(first)
    run(client, services, stripe_events(emulator, services, types=["payment_method.detached"]))
    assert customers.default_card(services, user) == newest
    listed = client.get(f"{API}/me/payment-methods", headers=hosted["guest"]).json()
    assert {(c["id"], c["is_default"]) for c in listed} == {(second, False), (newest, True)}

    before = snapshot(services)  # the old "attached" news of the first card comes again
    replay_all(client, services, hosted["admin"])
    assert snapshot(services) == before


def test_a_detached_last_card_leaves_no_default_and_other_cards_change_nothing(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    user = guest_id(services)
    customer = customers.customer_for(services, user)
    only = card(sdk, "tok_visa")
    sdk.v1.payment_methods.attach(only, {"customer": customer})
    stranger = sdk.v1.customers.create({"email": "someone@example.com"})
    theirs = card(sdk, "tok_amex")
    sdk.v1.payment_methods.attach(theirs, {"customer": stranger.id})
    sdk.v1.payment_methods.detach(theirs)
    sdk.v1.payment_methods.detach(only)
    events = stripe_events(emulator, services, types=CARD_TYPES)
    run(client, services, list(reversed(events)))  # the detach before the attach
    assert customers.default_card(services, user) is None
    kinds = {k for k, _ in effects(services, "payment_method.attached")}
    assert kinds == {"ignored"}  # no longer attached when we look: nothing to adopt


def test_a_card_saved_by_a_setup_intent_in_the_browser_becomes_the_default(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    guest = hosted["guest"]
    failing = client.post(f"{API}/me/payment-methods/setup-intent", headers=guest).json()
    works = client.post(f"{API}/me/payment-methods/setup-intent", headers=guest).json()
    with contextlib.suppress(stripe.CardError):  # Stripe.js shows the guest the decline
        sdk.v1.setup_intents.confirm(failing["id"], {"payment_method": "pm_card_chargeDeclined"})
    saved = sdk.v1.setup_intents.confirm(works["id"], {"payment_method": "pm_card_visa"})
    assert saved.status == "succeeded"
    setup_events = stripe_events(
        emulator, services, types=["setup_intent.succeeded", "setup_intent.setup_failed"]
    )
    run(client, services, setup_events)  # the intent's news only; no attach event yet
    user = guest_id(services)
    assert customers.default_card(services, user) == saved.payment_method
    assert effects(services, "setup_intent.setup_failed") == [
        ("recorded", f"setup intent {failing['id']} failed: card_declined (generic_decline)")
    ]
    before = snapshot(services)
    run(client, services, stripe_events(emulator, services, types=CARD_TYPES))
    replay_all(client, services, hosted["admin"])
    assert snapshot(services) == before


def test_a_deleted_customer_is_forgotten_and_the_next_payment_makes_a_new_one(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    user = guest_id(services)
    old = customers.customer_for(services, user)
    sdk.v1.payment_methods.attach(card(sdk, "tok_visa"), {"customer": old})
    sdk.v1.customers.delete(old)
    run(client, services, stripe_events(emulator, services, types=["customer.deleted"]))
    assert customers.owner_of(services, old) is None
    assert client.get(f"{API}/me/payment-methods", headers=hosted["guest"]).json() == []

    started = client.post(f"{API}/me/payment-methods/setup-intent", headers=hosted["guest"])
    assert started.status_code == 201, started.text
    new = customers.customer_for(services, user)
    assert new != old
    assert sdk.v1.customers.retrieve(new).email == "guest@example.com"
    with services.uow() as uow:
        purposes = set(uow.session.scalars(select(Operation.purpose).where(
            Operation.kind == "create_customer")))  # fmt: skip
    assert purposes == {f"customer:{user}", f"customer:{user}:deleted:{old}"}

    before = snapshot(services)
    replay_all(client, services, hosted["admin"])  # the old customer's deletion, again
    assert snapshot(services) == before
    assert customers.owner_of(services, new) == user
    assert before["audits"] == ["forgotten"]


def test_legacy_sources_card_updates_and_connected_accounts_customers_are_recorded_only(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    user = guest_id(services)
    customer = customers.customer_for(services, user)
    method = card(sdk, "tok_visa")
    sdk.v1.payment_methods.attach(method, {"customer": customer})
    customers.adopt_default(services, customer, method)
    updated = sdk.v1.payment_methods.update(method, {"card": {"exp_month": 12, "exp_year": 2031}})
    source = {"id": "card_legacy1", "object": "card", "brand": "Visa", "last4": "4242",
              "customer": customer, "exp_month": 4, "exp_year": 2030}  # fmt: skip
    events = [
        hand_made(kind, source)
        for kind in ("customer.card.created", "customer.card.updated", "customer.card.deleted",
                     "customer.source.created", "customer.source.updated",
                     "customer.source.deleted", "customer.source.expiring",
                     "customer.bank_account.created", "customer.bank_account.updated",
                     "customer.bank_account.deleted")
    ]  # fmt: skip
    events += [
        hand_made(kind, updated.to_dict())
        for kind in ("payment_method.updated", "payment_method.automatically_updated",
                     "payment_method.card_automatically_updated")
    ]  # fmt: skip
    theirs = {"id": "cus_hosts1", "object": "customer", "email": "x@example.com"}
    events += [
        hand_made("customer.deleted", theirs, hosted["account"]),
        hand_made("payment_method.detached", updated.to_dict(), hosted["account"]),
    ]
    before = snapshot(services)
    run(client, services, events)
    assert snapshot(services) == before
    assert customers.default_card(services, user) == method
    legacy = effects(services, "customer.source.expiring")
    assert legacy[0][0] == "recorded"
    assert "PaymentMethods, not Sources" in legacy[0][1]
    assert "listed live from Stripe" in effects(services, "payment_method.updated")[0][1]
    assert [k for k, _ in effects(services, "customer.deleted")] == ["ignored"]
