"""Disputes, early fraud warnings and Radar reviews, from the emulator's events to our rows,
ledger and messages: in order, out of order, with events missed, three times over and at
once, with the same final state and every effect once."""

from __future__ import annotations

import json
import random
import threading
import uuid
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.bookings.models import Booking
from innkeeper.notifications.models import Notification
from innkeeper.payments import ledger, reconcile
from innkeeper.payments.models import (
    Dispute,
    LedgerEntry,
    LedgerPosting,
    Payment,
    RefundRow,
    RiskSignal,
)
from innkeeper.services import Services
from innkeeper.settings import Settings
from innkeeper.webhooks import processing
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect
from stripe_emulator.server import Emulator
from tests.conftest import settings_for
from tests.payments.conftest import API, book_stay, control, pay
from tests.webhooks.conftest import SECRET, deliver, drain, inbox_row, stripe_events

DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
RADAR_EVENTS = ("radar.early_fraud_warning.created", "radar.early_fraud_warning.updated")
DISPUTE_FEE = 15_00  # the emulator's, as Stripe's


@pytest.fixture
def auto_refund() -> bool:
    """FRAUD_AUTO_REFUND; a test turns it on with ``parametrize("auto_refund", [True])``."""
    return False


@pytest.fixture
def settings(database_url: str, emulator: Emulator, auto_refund: bool) -> Settings:
    return settings_for(
        database_url, emulator, payments_connect_required=True, stripe_webhook_secret=SECRET,
        fraud_auto_refund=auto_refund,
    )  # fmt: skip


# --- helpers -------------------------------------------------------------------------------


def paid_booking(
    client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient,
    card: str = "pm_card_visa", dates: tuple[str, str] = ("2026-12-10", "2026-12-12"),
) -> tuple[dict[str, Any], dict[str, Any], str]:  # fmt: skip
    """A confirmed booking paid by ``card``: (booking, payment, Stripe charge id)."""
    booking = book_stay(client, hosted, *dates)
    paid = pay(client, hosted, booking, card)
    assert paid.status_code == 200, paid.text
    assert paid.json()["booking_status"] == "confirmed"
    intent = sdk.v1.payment_intents.retrieve(paid.json()["stripe_payment_intent"])
    return booking, paid.json(), str(intent.latest_charge)


def deliver_all(client: TestClient, events: list[dict[str, Any]]) -> None:
    for event in events:
        response = deliver(client, event)
        assert response.status_code == 200, response.text


def run(client: TestClient, services: Services, emulator: Emulator, types: tuple[str, ...]
        ) -> list[str]:  # fmt: skip
    """Deliver every event of ``types`` the emulator made (again, for those seen before) and
    run the handlers; returns the event ids."""
    events = stripe_events(emulator, services, types=types)
    deliver_all(client, events)
    drain(services)
    for event in events:
        assert inbox_row(services, event["id"]).status is EventStatus.PROCESSED, failures(services)
    return [e["id"] for e in events]


def rerun(
    client: TestClient, services: Services, admin: dict[str, str], event_ids: list[str], *,
    seed: int, together: bool = False,
) -> None:  # fmt: skip
    """Replay the events (as an admin would) and run them again in a shuffled order, one
    after the other or all at once."""
    replayed = client.post(
        f"{API}/admin/webhooks/events/replay", json={"event_ids": event_ids}, headers=admin
    )
    assert replayed.status_code == 200, replayed.text
    order = list(event_ids)
    random.Random(seed).shuffle(order)
    if not together:
        for event_id in order:
            processing.process(services, event_id)
        return
    start = threading.Barrier(len(order))
    errors: list[BaseException] = []

    def one(event_id: str) -> None:
        start.wait()
        try:
            processing.process(services, event_id)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    drain(services)  # an event that lost a race for a lock was retried: finish it


def state(services: Services) -> str:
    """Everything these events may change, as comparable text."""
    with services.uow() as uow:
        s = uow.session
        parts: dict[str, Any] = {
            "disputes": [
                (d.stripe_dispute_id, d.status, d.withdrawn_minor, d.reinstated_minor,
                 str(d.closed_at), str(d.booking_id), str(d.evidence_due_by))
                for d in s.scalars(select(Dispute).order_by(Dispute.stripe_dispute_id))
            ],
            "signals": [
                (r.stripe_id, r.kind, r.open, r.actionable, r.refunded, r.closed_reason)
                for r in s.scalars(select(RiskSignal).order_by(RiskSignal.stripe_id))
            ],
            "refunds": [
                (str(r.id), r.status, r.amount_minor, r.from_host_minor, r.from_platform_minor,
                 r.stripe_refund_id, r.initiated_by)
                for r in s.scalars(select(RefundRow).order_by(RefundRow.id))
            ],
            "ledger": [
                (e.dedupe_key, e.kind, sorted(
                    (p.account, p.ref, p.amount_minor)
                    for p in s.scalars(select(LedgerPosting).where(LedgerPosting.entry_id == e.id))
                ))
                for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.dedupe_key))
            ],
            "notifications": sorted(s.scalars(select(Notification.idempotency_key))),
            "bookings": [
                (str(b.id), b.status, b.paid_minor, b.refund_due_minor)
                for b in s.scalars(select(Booking).order_by(Booking.id))
            ],
            "payments": [
                (str(p.id), p.status, p.refunded_minor)
                for p in s.scalars(select(Payment).order_by(Payment.id))
            ],
        }  # fmt: skip
    return json.dumps(parts, sort_keys=True, default=str)


def messages(services: Services, template: str) -> list[tuple[str, str]]:
    """(recipient's email or user, channel) of every message of ``template``."""
    with services.uow() as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.template == template)
        ).all()
        return sorted((str(r.to_address or r.recipient_user_id), r.channel.value) for r in rows)


def the_dispute(services: Services) -> Dispute:
    with services.uow() as uow:
        [row] = uow.session.scalars(select(Dispute)).all()
        return row


def booking_balances(services: Services, booking_id: str) -> dict[tuple[str, str], int]:
    with services.uow() as uow:
        return ledger.balances(uow.session, booking_id=uuid.UUID(booking_id))


# --- disputes ------------------------------------------------------------------------------


def test_a_lost_chargeback_is_recorded_posted_and_announced_once(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, charge = paid_booking(client, hosted, sdk)
    amount = payment["amount"]["amount_minor"]
    opened = control(emulator, f"/_emulator/charges/{charge}/dispute", reason="fraudulent")

    run(client, services, emulator, DISPUTE_EVENTS)

    row = the_dispute(services)
    assert (row.stripe_dispute_id, row.status, row.reason) == (
        opened["id"],
        "needs_response",
        "fraudulent",
    )
    assert (row.amount_minor, row.currency) == (amount, "AED")
    assert str(row.booking_id) == booking["id"]
    assert str(row.organization_id) == hosted["org"]
    assert row.evidence_due_by is not None
    assert int(row.evidence_due_by.timestamp()) == opened["evidence_details"]["due_by"]
    assert (row.withdrawn_minor, row.reinstated_minor, row.closed_at) == (
        amount + DISPUTE_FEE,
        0,
        None,
    )
    balances = booking_balances(services, booking["id"])
    assert balances[("dispute_losses", "AED")] == amount + DISPUTE_FEE
    opened_to = messages(services, "payments.dispute_opened")
    assert opened_to == sorted(
        [("admin@example.com", "email"), ("host@example.com", "email")]
        + [(u, "in_app") for u in _user_ids(services, "admin@example.com", "host@example.com")]
    )
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"]).json()
    assert seen["status"] == "confirmed"  # a dispute never cancels the booking

    control(emulator, f"/_emulator/disputes/{opened['id']}/resolve", outcome="lost")
    ids = run(client, services, emulator, DISPUTE_EVENTS)

    row = the_dispute(services)
    assert (row.status, row.withdrawn_minor, row.reinstated_minor) == (
        "lost",
        amount + DISPUTE_FEE,
        0,
    )
    assert row.closed_at is not None
    assert len(messages(services, "payments.dispute_closed")) == 4
    assert len(messages(services, "payments.dispute_opened")) == 4
    assert (
        booking_balances(services, booking["id"])[("dispute_losses", "AED")] == amount + DISPUTE_FEE
    )
    assert reconcile.reconcile(services) == []

    before = state(services)
    deliver_all(client, stripe_events(emulator, services, types=DISPUTE_EVENTS))
    rerun(client, services, hosted["admin"], ids, seed=1)
    rerun(client, services, hosted["admin"], ids, seed=2, together=True)
    assert state(services) == before


def test_a_won_dispute_delivered_backwards_converges_to_the_same_state(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, charge = paid_booking(client, hosted, sdk)
    amount = payment["amount"]["amount_minor"]
    opened = control(
        emulator, f"/_emulator/charges/{charge}/dispute", reason="product_not_received"
    )
    control(emulator, f"/_emulator/disputes/{opened['id']}/resolve", outcome="won")
    events = stripe_events(emulator, services, types=DISPUTE_EVENTS)
    assert sorted(e["type"] for e in events) == [
        "charge.dispute.closed", "charge.dispute.created",
        "charge.dispute.funds_reinstated", "charge.dispute.funds_withdrawn",
    ]  # fmt: skip
    events.sort(key=lambda e: DISPUTE_EVENTS.index(e["type"]), reverse=True)  # the last first

    deliver_all(client, events)
    drain(services)

    row = the_dispute(services)
    assert (row.status, row.reason) == ("won", "product_not_received")
    assert (row.withdrawn_minor, row.reinstated_minor) == (amount + DISPUTE_FEE, amount)
    balances = booking_balances(services, booking["id"])
    assert balances[("dispute_losses", "AED")] == DISPUTE_FEE  # winning returns the amount only
    assert len(messages(services, "payments.dispute_opened")) == 4
    assert len(messages(services, "payments.dispute_closed")) == 4
    with services.uow() as uow:
        closed = uow.session.scalars(
            select(Notification).where(Notification.template == "payments.dispute_closed")
        ).first()
        assert closed is not None
        assert closed.data["dispute"]["won"] is True
    assert reconcile.reconcile(services) == []

    before = state(services)
    rerun(client, services, hosted["admin"], [e["id"] for e in events], seed=3, together=True)
    assert state(services) == before


def test_a_missed_funds_withdrawn_is_posted_when_the_close_arrives(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, charge = paid_booking(client, hosted, sdk)
    amount = payment["amount"]["amount_minor"]
    opened = control(emulator, f"/_emulator/charges/{charge}/dispute", reason="duplicate")
    control(emulator, f"/_emulator/disputes/{opened['id']}/resolve", outcome="lost")

    run(client, services, emulator, ("charge.dispute.closed",))  # every other event was lost

    row = the_dispute(services)
    assert (row.status, row.withdrawn_minor) == ("lost", amount + DISPUTE_FEE)
    assert (
        booking_balances(services, booking["id"])[("dispute_losses", "AED")] == amount + DISPUTE_FEE
    )
    assert len(messages(services, "payments.dispute_opened")) == 4  # the host still learns of it
    assert len(messages(services, "payments.dispute_closed")) == 4
    assert reconcile.reconcile(services) == []


def test_an_inquiry_moves_no_money_and_an_escalation_is_announced_again(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, charge = paid_booking(client, hosted, sdk)
    opened = control(
        emulator, f"/_emulator/charges/{charge}/dispute", reason="general", inquiry="true"
    )
    run(client, services, emulator, DISPUTE_EVENTS)
    row = the_dispute(services)
    assert (row.status, row.withdrawn_minor) == ("warning_needs_response", 0)
    assert ("dispute_losses", "AED") not in booking_balances(services, booking["id"])

    sdk.v1.disputes.update(
        opened["id"], {"evidence": {"uncategorized_text": "escalate_inquiry_evidence"}}
    )
    run(client, services, emulator, DISPUTE_EVENTS)

    row = the_dispute(services)
    withdrawn = payment["amount"]["amount_minor"] + DISPUTE_FEE
    assert (row.status, row.withdrawn_minor) == ("needs_response", withdrawn)
    with services.uow() as uow:
        keys = set(
            uow.session.scalars(
                select(Notification.idempotency_key).where(
                    Notification.template == "payments.dispute_opened"
                )
            )
        )
    assert len(keys) == 8  # host and admin, email and in-app: for the inquiry, then the chargeback
    assert sum(f"dispute:{opened['id']}:opened:inquiry" in k for k in keys) == 4


@pytest.mark.reconcile_differs  # made outside Innkeeper on purpose
def test_a_dispute_on_a_charge_that_is_not_ours_is_ignored(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    intent = sdk.v1.payment_intents.create(
        {"amount": 5000, "currency": "aed", "payment_method": "pm_card_visa", "confirm": True,
         "payment_method_types": ["card"]}
    )  # fmt: skip
    control(emulator, f"/_emulator/charges/{intent.latest_charge}/dispute")

    ids = run(client, services, emulator, DISPUTE_EVENTS)

    with services.uow() as uow:
        assert uow.session.scalars(select(Dispute)).all() == []
        kinds = set(
            uow.session.scalars(select(EventEffect.kind).where(EventEffect.event_id.in_(ids)))
        )
    assert kinds == {"ignored"}


def test_hosts_and_admins_read_disputes_and_strangers_learn_nothing(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, _payment, charge = paid_booking(client, hosted, sdk)
    opened = control(emulator, f"/_emulator/charges/{charge}/dispute", reason="fraudulent")
    run(client, services, emulator, DISPUTE_EVENTS)
    org = f"{API}/organizations/{hosted['org']}/disputes"
    one = f"{API}/bookings/{booking['id']}/disputes"

    listed = client.get(org, headers=hosted["host"])
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    [item] = listed.json()["items"]
    assert (item["stripe_dispute"], item["status"], item["open"]) == (
        opened["id"],
        "needs_response",
        True,
    )
    assert item["withdrawn"]["amount_minor"] == item["amount"]["amount_minor"] + DISPUTE_FEE
    assert client.get(org, params={"status": "closed"}, headers=hosted["host"]).json()["total"] == 0
    assert client.get(one, headers=hosted["host"]).json()[0]["id"] == item["id"]
    admin = client.get(f"{API}/admin/disputes", params={"status": "open"}, headers=hosted["admin"])
    assert [d["id"] for d in admin.json()["items"]] == [item["id"]]
    bad = client.get(f"{API}/admin/disputes", params={"status": "bogus"}, headers=hosted["admin"])
    assert bad.status_code == 422

    assert client.get(one, headers=hosted["guest"]).status_code == 403  # the guest's own booking
    for path in (org, one, f"{API}/admin/disputes"):
        assert client.get(path).status_code == 401
        stranger = client.get(path, headers=hosted["other"])
        assert stranger.status_code == 404, path
        assert opened["id"] not in stranger.text
    assert client.get(f"{API}/admin/disputes", headers=hosted["host"]).status_code == 404


# --- early fraud warnings and reviews -----------------------------------------------------------


def _warned(client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient,
            emulator: Emulator) -> tuple[dict[str, Any], dict[str, Any], str]:  # fmt: skip
    """A booking paid with the card whose issuer reports fraud shortly after the charge."""
    found = paid_booking(client, hosted, sdk, card="pm_card_createIssuerFraudRecord")
    emulator.advance(5)  # the issuer's report comes a few seconds after the charge
    return found


def test_an_early_fraud_warning_flags_the_booking_and_tells_host_and_admins_once(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, _payment, charge = _warned(client, hosted, sdk, emulator)

    ids = run(client, services, emulator, RADAR_EVENTS)

    with services.uow() as uow:
        [signal] = uow.session.scalars(select(RiskSignal)).all()
        refunds = uow.session.scalars(select(RefundRow)).all()
    assert (signal.kind, signal.reason, signal.actionable, signal.refunded) == (
        "early_fraud_warning",
        "made_with_stolen_card",
        True,
        False,
    )
    assert (signal.stripe_charge_id, str(signal.booking_id)) == (charge, booking["id"])
    assert refunds == []  # FRAUD_AUTO_REFUND is off
    assert len(messages(services, "payments.fraud_warning")) == 4
    flags = client.get(f"/api/v1/bookings/{booking['id']}/risk-signals", headers=hosted["host"])
    assert [(f["kind"], f["reason"], f["open"]) for f in flags.json()] == [
        ("early_fraud_warning", "made_with_stolen_card", True)
    ]
    guest = client.get(f"/api/v1/bookings/{booking['id']}/risk-signals", headers=hosted["guest"])
    assert guest.status_code == 403
    queue = client.get("/api/v1/admin/risk-signals", params={"open": "true"},
                       headers=hosted["admin"])  # fmt: skip
    assert [f["stripe_charge"] for f in queue.json()["items"]] == [charge]
    assert client.get("/api/v1/admin/risk-signals", headers=hosted["host"]).status_code == 404
    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=4)
    assert state(services) == before


@pytest.mark.parametrize("auto_refund", [True])
def test_with_auto_refund_an_actionable_warning_refunds_the_payment_once(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, charge = _warned(client, hosted, sdk, emulator)
    amount = payment["amount"]["amount_minor"]

    run(client, services, emulator, RADAR_EVENTS)

    with services.uow() as uow:
        [signal] = uow.session.scalars(select(RiskSignal)).all()
        [row] = uow.session.scalars(select(RefundRow)).all()
    assert (signal.refunded, signal.open) == (True, False)
    assert (row.status, row.amount_minor, row.initiated_by) == ("succeeded", amount, "system")
    assert row.purpose == f"fraud:{signal.stripe_id}"
    assert sdk.v1.charges.retrieve(charge).refunded is True
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"]).json()
    assert seen["paid"]["amount_minor"] == 0
    with services.uow() as uow:
        note = uow.session.scalars(
            select(Notification).where(Notification.template == "payments.fraud_warning")
        ).first()
        assert note is not None
        assert note.data["warning"]["refunded"] is True

    # Stripe now reports the refund and a warning that is no longer actionable: nothing twice.
    every = (*RADAR_EVENTS, "refund.created", "charge.refunded", "refund.updated")
    ids = run(client, services, emulator, every)
    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=5, together=True)
    assert state(services) == before
    with services.uow() as uow:
        assert len(uow.session.scalars(select(RefundRow)).all()) == 1
        refund_entries = uow.session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == "refund")
        ).all()
    assert len(refund_entries) == 1
    assert len(messages(services, "payments.fraud_warning")) == 4
    assert reconcile.reconcile(services) == []


def test_a_radar_review_is_recorded_open_then_closed(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, _payment, charge = paid_booking(client, hosted, sdk, card="pm_card_riskLevelElevated")
    review = sdk.v1.charges.retrieve(charge).review
    assert review is not None
    run(client, services, emulator, ("review.opened", "review.closed"))
    with services.uow() as uow:
        [signal] = uow.session.scalars(select(RiskSignal)).all()
    assert (signal.kind, signal.open, str(signal.booking_id)) == ("review", True, booking["id"])

    sdk.v1.reviews.approve(str(review))
    ids = run(client, services, emulator, ("review.opened", "review.closed"))

    with services.uow() as uow:
        [signal] = uow.session.scalars(select(RiskSignal)).all()
    assert (signal.open, signal.closed_reason) == (False, "approved")
    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=6)  # review.opened again: stays closed
    assert state(services) == before


def _user_ids(services: Services, *emails: str) -> list[str]:
    from innkeeper.accounts.models import User

    with services.uow() as uow:
        return [
            str(uow.session.scalars(select(User.id).where(User.email == email)).one())
            for email in emails
        ]


def failures(services: Services) -> list[str]:
    """What the handlers' failed runs said, for an assertion's message."""
    with services.uow() as uow:
        return list(
            uow.session.scalars(select(EventEffect.detail).where(EventEffect.kind == "failed"))
        )
