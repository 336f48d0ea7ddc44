"""Deposit now, balance later: the balance is charged off-session by the job, a failure asks
the guest to pay on-session within a grace period, and the grace ends by policy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.bookings import expiry
from innkeeper.core.clock import FixedClock
from innkeeper.notifications.models import Notification
from innkeeper.payments import ledger, schedules
from innkeeper.payments.domain import PaymentKind
from innkeeper.payments.models import Payment
from innkeeper.services import Services
from tests.payments.conftest import API, authenticate, book_stay, booking_of, pay

DEPOSIT = {"kind": "percent", "percent": "30", "amount_minor": 0, "balance_due_days": 14}
READ_ONLY = ("listing_id", "updated_at", "currency", "base_price_minor")


def set_pricing(client: TestClient, hosted: dict[str, Any], **pricing: Any) -> None:
    """Replace part of the listing's pricing (the deposit schedule, the security deposit)."""
    current = client.get(f"{hosted['base']}/pricing", headers=hosted["host"]).json()
    body = {k: v for k, v in current.items() if k not in READ_ONLY} | pricing
    response = client.put(f"{hosted['base']}/pricing", json=body, headers=hosted["host"])
    assert response.status_code == 200, response.text


def _booked_with_deposit(
    client: TestClient, hosted: dict[str, Any], card: str = "pm_card_visa"
) -> dict[str, Any]:
    set_pricing(client, hosted, deposit=DEPOSIT)
    booking = book_stay(client, hosted, "2026-12-20", "2026-12-23")
    assert len(booking["installments"]) == 2, booking
    return booking


def _balance(services: Services, booking: dict[str, Any]) -> Payment:
    with services.uow() as uow:
        found = uow.session.scalar(
            select(Payment).where(
                Payment.booking_id == uuid.UUID(booking["id"]),
                Payment.kind == PaymentKind.BOOKING,
                Payment.installment == 1,
            )
        )
    assert found is not None
    return found


def _messages(services: Services, template: str) -> list[Notification]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(select(Notification).where(Notification.template == template))
        )


def _assert_balanced(services: Services, booking: dict[str, Any]) -> None:
    with services.uow() as uow:
        assert ledger.unbalanced(uow.session) == []


def _pay_deposit_with_3ds(client: TestClient, hosted: dict[str, Any], emulator: Any,
                          booking: dict[str, Any]) -> None:  # fmt: skip
    started = pay(client, hosted, booking, "pm_card_authenticationRequired").json()
    assert started["status"] == "requires_action", started
    authenticate(emulator, started["stripe_payment_intent"])
    done = client.post(f"{API}/payments/{started['id']}/refresh", headers=hosted["guest"])
    assert done.json()["booking_status"] == "confirmed", done.text


def test_the_balance_is_reminded_once_then_charged_off_session(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock, sdk: Any
) -> None:
    booking = _booked_with_deposit(client, hosted)
    total = booking["guest_total"]["amount_minor"]
    deposit = pay(client, hosted, booking).json()
    assert (deposit["status"], deposit["booking_status"]) == ("succeeded", "confirmed")
    balance = _balance(services, booking)
    assert balance.status == "created"
    assert balance.off_session
    assert deposit["amount"]["amount_minor"] + balance.amount_minor == total
    assert schedules.charge_due(services) == 0  # not due yet
    assert schedules.remind_due(services) == 0  # not even close
    clock.advance(days=12)  # 2026-12-04: two days before the balance
    assert schedules.remind_due(services) > 0
    assert schedules.remind_due(services) == 0  # once per payment
    assert _messages(services, "booking.balance_reminder")
    clock.advance(days=3)  # 2026-12-07: the balance is due
    assert schedules.charge_due(services) == 1
    assert schedules.charge_due(services) == 0  # nothing twice
    charged = _balance(services, booking)
    assert charged.status == "succeeded"
    intent = sdk.v1.payment_intents.retrieve(charged.stripe_intent_id)
    assert (intent.status, intent.amount) == ("succeeded", charged.amount_minor)
    assert intent.transfer_data.destination == hosted["account"]
    seen = booking_of(client, hosted, booking)
    assert seen["status"] == "confirmed"
    assert seen["paid"]["amount_minor"] == total
    _assert_balanced(services, booking)


def test_a_balance_needing_authentication_is_recovered_on_session(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock,
    emulator: Any,
) -> None:  # fmt: skip
    booking = _booked_with_deposit(client, hosted)
    _pay_deposit_with_3ds(client, hosted, emulator, booking)
    clock.advance(days=15)
    assert schedules.charge_due(services) == 0
    failed = _balance(services, booking)
    assert (failed.status, failed.failure_code) == (
        "requires_payment_method",
        "authentication_required",
    )
    seen = booking_of(client, hosted, booking)
    assert seen["status"] == "payment_action_required"
    assert seen["deadline_at"] is not None
    told = _messages(services, "booking.payment_action_required")
    assert told
    assert f"/bookings/{booking['id']}/pay" in told[0].data["payment"]["pay_url"]
    assert schedules.charge_due(services) == 0  # the job leaves it to the guest now
    started = pay(client, hosted, booking, "pm_card_authenticationRequired")
    assert started.status_code == 200, started.text
    assert started.json()["id"] == str(failed.id)  # the same payment, finished on-session
    assert started.json()["status"] == "requires_action"
    authenticate(emulator, started.json()["stripe_payment_intent"])
    done = client.post(f"{API}/payments/{failed.id}/refresh", headers=hosted["guest"]).json()
    assert (done["status"], done["booking_status"]) == ("succeeded", "confirmed")
    seen = booking_of(client, hosted, booking)
    assert seen["paid"]["amount_minor"] == booking["guest_total"]["amount_minor"]
    _assert_balanced(services, booking)


@pytest.mark.parametrize(("policy", "ends"), [("cancel", "expired"), ("keep", "confirmed")])
def test_the_grace_period_ends_by_policy(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock,
    emulator: Any, monkeypatch: pytest.MonkeyPatch, policy: str, ends: str,
) -> None:  # fmt: skip
    monkeypatch.setattr(
        services,
        "settings",
        services.settings.model_copy(update={"payment_failure_policy": policy}),
    )
    booking = _booked_with_deposit(client, hosted)
    _pay_deposit_with_3ds(client, hosted, emulator, booking)
    clock.advance(days=15)
    schedules.charge_due(services)
    assert booking_of(client, hosted, booking)["status"] == "payment_action_required"
    clock.advance(hours=23)
    assert expiry.expire_due(services) == 0  # still within the grace period
    clock.advance(hours=2)
    assert expiry.expire_due(services) == 1
    seen = booking_of(client, hosted, booking)
    assert seen["status"] == ends
    deposit = booking["installments"][0]["amount"]["amount_minor"]
    assert seen["paid"]["amount_minor"] == deposit  # the unpaid balance stays recorded
    assert _balance(services, booking).status == "requires_payment_method"
    _assert_balanced(services, booking)


def test_no_saved_card_asks_the_guest(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    booking = _booked_with_deposit(client, hosted)
    pay(client, hosted, booking)
    with services.uow() as uow:
        row = uow.session.get(Payment, _balance(services, booking).id)
        assert row is not None
        row.payment_method = None
        uow.commit()
    clock.advance(days=15)
    assert schedules.charge_due(services) == 0
    assert _balance(services, booking).failure_code == schedules.NO_CARD
    assert booking_of(client, hosted, booking)["status"] == "payment_action_required"
