"""One emulator per test session, reset before every test; the official SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from stripe_emulator import Emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(emulator: Emulator) -> None:
    emulator.reset()


def client_for(emulator: Emulator, **options: object) -> stripe.StripeClient:
    base = emulator.url
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(emulator: Emulator) -> stripe.StripeClient:
    return client_for(emulator)
