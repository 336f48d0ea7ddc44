"""A stateful Stripe emulator: Stripe's API at the HTTP boundary, with Connect, Checkout,
billing and signed webhooks, so the official SDK runs offline against it.

It imports nothing from Innkeeper and nothing outside the standard library.

    with Emulator(port=0) as emulator:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": emulator.url, ...})
"""

from __future__ import annotations

from stripe_emulator.server import Emulator
from stripe_emulator.store import Clock

__all__ = ["Clock", "Emulator"]
