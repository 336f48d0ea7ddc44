"""The whole road, over real HTTP: the emulator's delivery engine signs and posts events to
our endpoint served by uvicorn, the inbox stores them, the handlers confirm the booking.
This is what `make run` does, minus the browser."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.main import create_app
from innkeeper.services import Services
from innkeeper.webhooks.models import StripeEvent
from stripe_emulator.server import Emulator
from tests.payments.conftest import book_stay, booking_of, control, pay
from tests.webhooks.conftest import SECRET, drain, failures


@pytest.fixture
def served(services: Services) -> Iterator[str]:
    """The app on a real port, in a thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=0, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_emulator_delivers_signed_events_that_confirm_a_booking(
    client: TestClient,
    services: Services,
    emulator: Emulator,
    sdk: stripe.StripeClient,
    hosted: dict[str, Any],
    served: str,
) -> None:
    emulator.register_webhook(f"{served}/webhooks/stripe", secret=SECRET)
    emulator.register_webhook(f"{served}/webhooks/stripe/connect", secret=SECRET, connect=True)
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    intent = pay(client, hosted, booking, None).json()["stripe_payment_intent"]
    sdk.v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa"})  # Stripe.js
    control(emulator, f"/_emulator/accounts/{hosted['account']}/onboarding", state="past_due")
    control(emulator, "/_emulator/webhooks/flush")  # deliver everything queued, and wait
    with services.uow() as uow:
        received = dict(uow.session.execute(select(StripeEvent.id, StripeEvent.type)).all())
    assert "payment_intent.succeeded" in received.values()
    assert "account.updated" in received.values()  # a Connect event, on the Connect endpoint
    drain(services)
    assert failures(services) == []
    assert booking_of(client, hosted, booking)["status"] == "confirmed"
