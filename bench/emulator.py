"""Stripe emulator figures: how many SDK calls per second one in-process emulator serves.

One ``Emulator`` on a loopback port and one official ``stripe.StripeClient``, requests made
one after another, so each figure is a full round trip through the SDK (form encoding,
HTTP, the emulator's lock, the handler, events, JSON) on one client thread: what a test
suite driving the emulator sees.
"""

from __future__ import annotations

import time
from typing import Any

import stripe

from stripe_emulator import Emulator

CUSTOMERS = 300
PAYMENT_INTENTS = 300


def run() -> list[dict[str, Any]]:
    with Emulator(port=0) as emulator:
        client = _client(emulator)
        return [_customers(client), _payment_intents(client)]


def _client(emulator: Emulator) -> stripe.StripeClient:
    base = emulator.url
    return stripe.StripeClient(
        "sk_test_bench",
        base_addresses={"api": base, "connect": base, "files": base},
        max_network_retries=0,
    )


def _customers(client: stripe.StripeClient) -> dict[str, Any]:
    client.v1.customers.create({"name": "warm-up"})
    started = time.perf_counter()
    for n in range(CUSTOMERS):
        client.v1.customers.create({"email": f"guest{n}@example.com", "name": f"Guest {n}"})
    seconds = time.perf_counter() - started
    return {
        "name": "emulator_customer_create_per_s",
        "value": round(CUSTOMERS / seconds, 1),
        "unit": "req/s",
        "requests": CUSTOMERS,
        "concurrency": 1,
    }


def _pay(client: stripe.StripeClient) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        }
    )


def _payment_intents(client: stripe.StripeClient) -> dict[str, Any]:
    _pay(client)
    started = time.perf_counter()
    succeeded = 0
    for _ in range(PAYMENT_INTENTS):
        succeeded += _pay(client).status == "succeeded"
    seconds = time.perf_counter() - started
    return {
        "name": "emulator_pi_create_confirm_per_s",
        "value": round(PAYMENT_INTENTS / seconds, 1),
        "unit": "req/s",
        "requests": PAYMENT_INTENTS,
        "concurrency": 1,
        "succeeded": succeeded,
        "note": "PaymentIntent created and confirmed in one call (pm_card_visa)",
    }
