"""The late-event matrix: a payment that succeeds on Stripe's side for a booking that has
already ended (cancelled, expired with its dates resold, declined, completed, no-show)
leaves the booking where it is and gives the money back, whichever success event brings the
news, however often."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.expiry import expire_due
from innkeeper.bookings.models import Booking
from innkeeper.core.clock import FixedClock
from innkeeper.payments import ledger
from innkeeper.payments.domain import RefundStatus
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.services import Services
from stripe_emulator.server import Emulator
from tests.payments.conftest import API, book_stay, control, pay
from tests.webhooks.conftest import deliver, drain, failures, stripe_events

STATES = ["cancelled", "expired_resold", "declined", "completed", "no_show"]
SUCCESS_EVENTS = ["payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]
DATES = ("2026-12-10", "2026-12-12")


def _start(client: TestClient, hosted: dict[str, Any], booking: dict[str, Any], via: str
           ) -> dict[str, Any]:  # fmt: skip
    """Open the payment the guest will finish in the browser: a PaymentIntent for Stripe.js,
    or a Checkout Session."""
    if via.startswith("checkout."):
        started = client.post(
            f"{API}/bookings/{booking['id']}/checkout", json={}, headers=hosted["guest"]
        )
    else:
        started = pay(client, hosted, booking, None)
    assert started.status_code in (200, 201), started.text
    payment: dict[str, Any] = started.json()
    return payment


def _end(client: TestClient, services: Services, clock: FixedClock, hosted: dict[str, Any],
         booking: dict[str, Any], state: str) -> BookingStatus:  # fmt: skip
    """Bring the booking to ``state`` before the money lands."""
    if state == "cancelled":
        answer = client.post(
            f"{API}/bookings/{booking['id']}/cancel", json={"reason": "changed plans"},
            headers=hosted["guest"],
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return BookingStatus.CANCELLED
    if state == "expired_resold":
        clock.advance(minutes=16)
        assert expire_due(services) == 1
        other = book_stay(client, hosted, *DATES, who="other")  # the dates are taken again
        assert other["status"] == "pending_payment"
        return BookingStatus.EXPIRED
    # Declined, completed and no-show are reached by longer roads (a host's answer, the
    # stay itself); the rule under test is only that nothing moves a booking out of them.
    status = BookingStatus(state)
    with services.uow() as uow:
        uow.session.execute(
            update(Booking)
            .where(Booking.id == booking["id"])
            .values(status=status, deadline_at=None)
        )
        uow.commit()
    return status


def _finish_on_stripe(sdk: stripe.StripeClient, emulator: Emulator, payment: dict[str, Any],
                      via: str) -> None:  # fmt: skip
    """The guest's browser completes the payment; our server is not told."""
    if via.startswith("checkout."):
        session = sdk.v1.checkout.sessions.list({"limit": 1}).data[0]
        control(emulator, f"/_emulator/checkout/sessions/{session.id}/complete")
    else:
        sdk.v1.payment_intents.confirm(
            payment["stripe_payment_intent"],
            {"payment_method": "pm_card_visa", "return_url": "https://guest.example.com"},
        )


@pytest.mark.parametrize("via", SUCCESS_EVENTS)
@pytest.mark.parametrize("state", STATES)
def test_a_success_for_a_finished_booking_keeps_its_state_and_returns_the_money(
    client: TestClient,
    services: Services,
    clock: FixedClock,
    emulator: Emulator,
    sdk: stripe.StripeClient,
    hosted: dict[str, Any],
    state: str,
    via: str,
) -> None:
    booking = book_stay(client, hosted, *DATES)
    payment = _start(client, hosted, booking, via)
    final = _end(client, services, clock, hosted, booking, state)
    _finish_on_stripe(sdk, emulator, payment, via)
    news = stripe_events(emulator, services, types=[via])
    assert len(news) == 1, news
    for _ in range(3):  # the news, again and again
        assert deliver(client, news[0]).status_code == 200
        drain(services)
    assert failures(services) == []

    with services.uow() as uow:
        seen = uow.session.get(Booking, booking["id"])
        assert seen is not None
        assert seen.status is final
        paid = uow.session.scalars(
            select(Payment).where(Payment.booking_id == seen.id, Payment.captured_minor > 0)
        ).one()
        refunds = uow.session.scalars(select(RefundRow).where(RefundRow.payment_id == paid.id))
        assert [(r.status, r.amount_minor) for r in refunds] == [
            (RefundStatus.SUCCEEDED, paid.captured_minor)
        ]
        assert paid.refunded_minor == paid.captured_minor
        owed = ledger.balances(uow.session, booking_id=seen.id)
    charge = sdk.v1.charges.retrieve(str(paid.stripe_charge_id))
    assert (charge.refunded, charge.amount_refunded) == (True, paid.captured_minor)
    assert all(amount == 0 for key, amount in owed.items() if key[0] == "host_payable"), owed
