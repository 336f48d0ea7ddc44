"""Refund events against the emulator: a refund made in the Stripe Dashboard is recorded once
(from the platform's share, or the host's for a transfer reversal); our own refunds change
nothing when their events arrive; a refund Stripe sends back is undone in the ledger, the
payment and the booking, and the admins hear of it once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.payments import ledger, reconcile, refunds
from innkeeper.payments.models import LedgerEntry, Payment, RefundRow
from innkeeper.services import Services
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect
from stripe_emulator.server import Emulator
from tests.payments.conftest import API
from tests.webhooks.conftest import deliver, drain, inbox_row, stripe_events
from tests.webhooks.test_disputes import messages, paid_booking, rerun, run, state

REFUND_EVENTS = (
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refunded",
    "charge.refund.updated",
)
REFUND_DELAY = 31  # the emulator's refund_delay_seconds (30), and one


def rows(services: Services) -> list[RefundRow]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(RefundRow).order_by(RefundRow.created_at)))


def payment_row(services: Services, payment: dict[str, Any]) -> Payment:
    with services.uow() as uow:
        found = uow.session.get(Payment, uuid.UUID(payment["id"]))
        assert found is not None
        return found


def entries(services: Services, kind: str) -> list[str]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(select(LedgerEntry.dedupe_key).where(LedgerEntry.kind == kind))
        )


def paid_of(client: TestClient, hosted: dict[str, Any], booking: dict[str, Any]) -> int:
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["host"]).json()
    return int(seen["paid"]["amount_minor"])


def cancel(client: TestClient, hosted: dict[str, Any], booking: dict[str, Any]) -> Any:
    """The host cancels: our own path refunds everything, synchronously."""
    response = client.post(
        f"{API}/bookings/{booking['id']}/cancel", json={"reason": "double booked"},
        headers=hosted["host"],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def test_a_dashboard_refund_is_recorded_once_from_the_platforms_share(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, _charge = paid_booking(client, hosted, sdk)
    total = payment["amount"]["amount_minor"]
    made = sdk.v1.refunds.create(
        {"payment_intent": payment["stripe_payment_intent"], "amount": 100_00}
    )

    ids = run(client, services, emulator, REFUND_EVENTS)

    [row] = rows(services)
    assert (row.status, row.initiated_by, row.reason) == (
        "succeeded", "stripe", "refunded outside Innkeeper"
    )  # fmt: skip
    assert (row.stripe_refund_id, row.amount_minor) == (made.id, 100_00)
    assert (row.from_host_minor, row.from_platform_minor, row.from_expert_minor) == (0, 100_00, 0)
    assert payment_row(services, payment).refunded_minor == 100_00
    assert paid_of(client, hosted, booking) == total - 100_00
    assert entries(services, "refund") == [f"refund:{made.id}"]
    with services.uow() as uow:
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    assert balances[("platform_revenue", "AED")] == -(
        booking["platform_fee"]["amount_minor"] - 100_00
    )
    assert reconcile.reconcile(services) == []

    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=7, together=True)
    rerun(client, services, hosted["admin"], ids, seed=8)
    assert state(services) == before


def test_a_dashboard_refund_that_reverses_the_transfer_takes_the_hosts_part(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, _charge = paid_booking(client, hosted, sdk)
    total = payment["amount"]["amount_minor"]
    host_share = booking["host_payout"]["amount_minor"]
    made = sdk.v1.refunds.create(
        {"payment_intent": payment["stripe_payment_intent"], "reverse_transfer": True}
    )
    assert made.transfer_reversal is not None

    run(client, services, emulator, REFUND_EVENTS)

    [row] = rows(services)
    assert (row.amount_minor, row.from_host_minor) == (total, host_share)
    assert row.from_platform_minor == total - host_share
    assert paid_of(client, hosted, booking) == 0
    assert entries(services, "transfer_reversal") == [f"transfer_reversal:{made.transfer_reversal}"]
    with services.uow() as uow:
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    assert balances.get(("host_payable", "AED"), 0) == 0
    assert reconcile.reconcile(services) == []


def test_our_own_refund_and_its_events_change_nothing_twice(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, _payment, _charge = paid_booking(client, hosted, sdk)
    cancel(client, hosted, booking)
    [ours] = rows(services)
    before = state(services)

    ids = run(client, services, emulator, REFUND_EVENTS)

    assert state(services) == before
    with services.uow() as uow:
        kinds = set(
            uow.session.scalars(select(EventEffect.kind).where(EventEffect.event_id.in_(ids)))
        )
    assert kinds == {"refund.unchanged"}
    assert entries(services, "refund") == [f"refund:{ours.stripe_refund_id}"]
    rerun(client, services, hosted["admin"], ids, seed=9, together=True)
    assert state(services) == before


def test_an_event_that_outruns_our_own_refund_waits_for_it(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    """Stripe made the refund but our path has not recorded it (here: the transfer reversal
    failed): the event is retried, not recorded as a refund from outside."""
    booking, _payment, _charge = paid_booking(client, hosted, sdk)
    _fault(emulator, {"method": "POST", "path": "/v1/transfers/*/reversals", "kind": "error",
                      "status": "500", "after_apply": "true", "remaining": "20"})  # fmt: skip
    cancel(client, hosted, booking)
    [pending] = rows(services)
    assert pending.status == "pending"
    [created] = stripe_events(emulator, services, types=("refund.created",))
    assert deliver(client, created).status_code == 200
    drain(services)
    waiting = inbox_row(services, created["id"])
    assert waiting.status is EventStatus.RETRYING
    assert "NotYetRecorded" in str(waiting.last_error)
    assert [r.status for r in rows(services)] == ["pending"]  # nothing recorded from outside

    _fault(emulator, None)
    assert [r.status for r in refunds.refund_due(services, uuid.UUID(booking["id"]))] == [
        "succeeded"
    ]  # what the cancellation's job runs
    drain(services)

    assert inbox_row(services, created["id"]).status is EventStatus.PROCESSED
    assert [r.status for r in rows(services)] == ["succeeded"]
    assert len(entries(services, "refund")) == 1


def test_a_refund_stripe_sends_back_is_undone_and_the_admins_are_told_once(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, _charge = paid_booking(client, hosted, sdk, card="pm_card_refundFail")
    total = payment["amount"]["amount_minor"]
    cancelled = cancel(client, hosted, booking)
    assert cancelled["paid"]["amount_minor"] == 0
    emulator.advance(REFUND_DELAY)  # the card is closed: the refund comes back

    ids = run(client, services, emulator, REFUND_EVENTS)

    [row] = rows(services)
    assert row.status == "failed"
    assert "failed at Stripe" in row.reason
    assert payment_row(services, payment).refunded_minor == 0
    assert paid_of(client, hosted, booking) == total  # the booking counts it as paid again
    assert entries(services, "refund_failure") == [f"refund_failed:{row.stripe_refund_id}"]
    with services.uow() as uow:
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    assert balances[("host_payable", "AED")] == -booking["host_payout"]["amount_minor"]
    told = messages(services, "payments.refund_failed")
    assert [who for who, channel in told if channel == "email"] == ["admin@example.com"]
    assert len(told) == 2  # the admin, by email and in the app; not the host, not the guest
    assert reconcile.reconcile(services) == []

    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=10, together=True)
    assert state(services) == before


def test_a_dashboard_refund_seen_only_in_charge_refunded_and_later_failed(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    booking, payment, _charge = paid_booking(client, hosted, sdk, card="pm_card_refundFail")
    total = payment["amount"]["amount_minor"]
    made = sdk.v1.refunds.create(
        {"payment_intent": payment["stripe_payment_intent"], "amount": 200_00}
    )

    run(client, services, emulator, ("charge.refunded",))  # refund.created never came

    [row] = rows(services)
    assert (row.stripe_refund_id, row.status, row.initiated_by) == (made.id, "succeeded", "stripe")
    assert paid_of(client, hosted, booking) == total - 200_00

    emulator.advance(REFUND_DELAY)
    ids = run(client, services, emulator, REFUND_EVENTS)

    [row] = rows(services)
    assert row.status == "failed"
    assert paid_of(client, hosted, booking) == total
    assert payment_row(services, payment).refunded_minor == 0
    assert reconcile.reconcile(services) == []
    before = state(services)
    rerun(client, services, hosted["admin"], ids, seed=11)
    assert state(services) == before


@pytest.mark.reconcile_differs  # made outside Innkeeper on purpose
def test_a_refund_of_a_charge_that_is_not_ours_is_ignored(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient,
    emulator: Emulator,
) -> None:  # fmt: skip
    intent = sdk.v1.payment_intents.create(
        {"amount": 5000, "currency": "aed", "payment_method": "pm_card_visa", "confirm": True,
         "payment_method_types": ["card"]}
    )  # fmt: skip
    sdk.v1.refunds.create({"payment_intent": intent.id})

    ids = run(client, services, emulator, REFUND_EVENTS)

    assert rows(services) == []
    with services.uow() as uow:
        kinds = set(
            uow.session.scalars(select(EventEffect.kind).where(EventEffect.event_id.in_(ids)))
        )
    assert kinds == {"ignored"}


def _fault(emulator: Emulator, spec: dict[str, str] | None) -> None:
    """Break (or, with None, mend) one Stripe endpoint in the emulator."""
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        f"{emulator.url}/_emulator/faults",
        data=None if spec is None else urllib.parse.urlencode(spec).encode(),
        headers={"Authorization": "Bearer sk_test_x"},
        method="DELETE" if spec is None else "POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
