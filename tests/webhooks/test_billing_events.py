"""Subscription, invoice and subscription-schedule events are handed to billing through
``webhooks.billing``: recorded only until billing plugs in a ``BillingSink``; a sink gets
each object with its event and its sentence becomes the event's effect; a sink that fails
is retried like any handler."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from innkeeper.payments.models import LedgerEntry
from innkeeper.services import Services
from innkeeper.webhooks import billing
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect, StripeEvent
from stripe_emulator.server import Emulator
from tests.webhooks.conftest import REPLAY, drain, failures, inbox_row, run, stripe_events

# Subscription invoices are charged on the platform; until billing posts them to the
# ledger (its own issue), reconcile reports those charges.
pytestmark = pytest.mark.reconcile_differs

SCHEDULE_TYPES = ("subscription_schedule.created", "subscription_schedule.updated",
                  "subscription_schedule.canceled", "subscription_schedule.completed",
                  "subscription_schedule.expiring", "subscription_schedule.released",
                  "subscription_schedule.aborted")  # fmt: skip


def billing_events(emulator: Emulator, services: Services) -> list[dict[str, Any]]:
    wanted = [t for t in billing_types() if not t.startswith("subscription_schedule.")]
    return stripe_events(emulator, services, types=wanted)


def billing_types() -> list[str]:
    from innkeeper.webhooks import registry

    return sorted(t for t, h in registry.load().items() if h.group == "billing")


def effects_by_event(services: Services) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(event type, event id) → the (kind, detail) of each effect its runs reported."""
    with services.uow() as uow:
        rows = uow.session.execute(
            select(StripeEvent.type, StripeEvent.id, EventEffect.kind, EventEffect.detail)
            .join(EventEffect, EventEffect.event_id == StripeEvent.id)
            .order_by(EventEffect.id)
        ).all()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for event_type, event_id, kind, detail in rows:
        found.setdefault((str(event_type), str(event_id)), []).append((str(kind), str(detail)))
    return found


def details(seen: dict[tuple[str, str], list[tuple[str, str]]], event_type: str) -> list[str]:
    return [d for (t, _), found in seen.items() if t == event_type for _, d in found]


def hand_made(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An event Stripe sends that the emulator does not make (subscription schedules)."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": event_type,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj},
    }  # fmt: skip


def subscribe(sdk: stripe.StripeClient) -> tuple[Any, Any]:
    """A SaaS customer on a monthly plan, as billing will make them: a subscription paid by
    card, changed, then cancelled; and a one-off invoice that is voided."""
    product = sdk.v1.products.create({"name": "Innkeeper Pro"})
    price = sdk.v1.prices.create(
        {"product": product.id, "currency": "aed", "unit_amount": 99_00,
         "recurring": {"interval": "month"}}
    )  # fmt: skip
    customer = sdk.v1.customers.create({"email": "owner@saas.example.com"})
    method = sdk.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    subscription = sdk.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": price.id}],
         "default_payment_method": method.id}
    )  # fmt: skip
    sdk.v1.subscriptions.update(subscription.id, {"metadata": {"plan": "pro"}})
    sdk.v1.subscriptions.cancel(subscription.id)
    invoice = sdk.v1.invoices.create({"customer": customer.id, "collection_method": "send_invoice",
                                      "days_until_due": 7, "currency": "aed"})  # fmt: skip
    sdk.v1.invoice_items.create({"customer": customer.id, "invoice": invoice.id,
                                 "amount": 250_00, "currency": "aed"})  # fmt: skip
    sdk.v1.invoices.finalize_invoice(invoice.id)
    sdk.v1.invoices.void_invoice(invoice.id)
    return subscription, invoice


class Recorder:
    """A billing sink that remembers what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []

    def _note(self, method: str, obj: Any, event: billing.BillingEvent) -> str:
        self.calls.append((method, str(getattr(obj, "id", None)), event.type, event.id))
        return f"billing saw {getattr(obj, 'id', None)}"

    def subscription_changed(self, svc: Services, subscription: Any,
                             event: billing.BillingEvent) -> str:  # fmt: skip
        return self._note("subscription", subscription, event)

    def invoice_changed(self, svc: Services, invoice: Any, event: billing.BillingEvent) -> str:
        return self._note("invoice", invoice, event)

    def schedule_changed(self, svc: Services, schedule: Any, event: billing.BillingEvent) -> str:
        return self._note("schedule", schedule, event)


class Broken(Recorder):
    def invoice_changed(self, svc: Services, invoice: Any, event: billing.BillingEvent) -> str:
        raise RuntimeError("billing is down")


@pytest.fixture
def plug() -> Iterator[Any]:
    """Install a sink for one test; the record-only sink comes back after."""
    installed: list[billing.BillingSink] = []

    def install(sink: billing.BillingSink) -> None:
        installed.append(billing.set_sink(sink))

    yield install
    if installed:
        billing.set_sink(installed[0])


def test_billing_events_are_recorded_only_until_billing_plugs_in(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient,
) -> None:  # fmt: skip
    assert isinstance(billing.sink(), billing.RecordOnly)
    subscription, invoice = subscribe(sdk)
    events = billing_events(emulator, services)
    assert {"customer.subscription.created", "customer.subscription.updated",
            "customer.subscription.deleted", "invoice.created", "invoice.finalized",
            "invoice.paid", "invoice.payment_succeeded", "invoice.voided"} <= {
        e["type"] for e in events
    }  # fmt: skip
    run(client, services, events)
    assert failures(services) == []
    seen = effects_by_event(services)
    assert set(seen) == {(e["type"], e["id"]) for e in events}
    for found in seen.values():
        assert [kind for kind, _ in found] == ["billing"]
        assert "recorded only, billing is not plugged in yet" in found[0][1]
    assert any(subscription.id in d for d in details(seen, "customer.subscription.deleted"))
    assert any(invoice.id in d and "void" in d for d in details(seen, "invoice.voided"))
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0

    answer = client.post(REPLAY, json={"status": "processed"}, headers=hosted["admin"])
    assert answer.status_code == 200
    drain(services)
    assert failures(services) == []


def test_a_plugged_in_sink_gets_every_object_with_its_event(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient, plug: Any,
) -> None:  # fmt: skip
    recorder = Recorder()
    plug(recorder)
    subscription, _ = subscribe(sdk)
    schedule = {"id": "sub_sched_1", "object": "subscription_schedule", "status": "active",
                "subscription": subscription.id}  # fmt: skip
    events = billing_events(emulator, services)
    events += [hand_made(t, schedule) for t in SCHEDULE_TYPES]
    run(client, services, events)
    assert failures(services) == []

    assert sorted((c[2], c[3]) for c in recorder.calls) == sorted(
        (e["type"], e["id"]) for e in events
    )  # each event once, though delivered twice
    assert {c[1] for c in recorder.calls if c[0] == "schedule"} == {"sub_sched_1"}
    assert {c[1] for c in recorder.calls if c[2].startswith("customer.subscription.")} == {
        subscription.id
    }
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    assert effects_by_event(services)[(created["type"], created["id"])] == [
        ("billing", f"billing saw {subscription.id}")
    ]
    assert inbox_row(services, created["id"]).status is EventStatus.PROCESSED


def test_a_failing_sink_is_retried_like_any_handler(
    client: TestClient, hosted: dict[str, Any], services: Services, emulator: Emulator,
    sdk: stripe.StripeClient, plug: Any,
) -> None:  # fmt: skip
    plug(Broken())
    subscribe(sdk)
    events = billing_events(emulator, services)
    run(client, services, events, failing=True)
    failed = {t for t, _ in failures(services)}
    assert failed
    assert all(t.startswith("invoice.") for t in failed)
    assert all("billing is down" in (e or "") for _, e in failures(services))
    for event in events:
        if event["type"].startswith("customer.subscription."):
            assert inbox_row(services, event["id"]).status is EventStatus.PROCESSED
        else:
            row = inbox_row(services, event["id"])
            assert row.status is EventStatus.RETRYING
            assert row.attempts > 1
