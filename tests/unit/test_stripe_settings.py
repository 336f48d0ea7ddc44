"""Stripe configuration: the bundled emulator without a key, and never in production."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from pydantic import SecretStr, ValidationError

from innkeeper.cli import _start_stripe_emulator
from innkeeper.settings import Environment, Settings

PRODUCTION = {
    "environment": Environment.PRODUCTION,
    "database_url": SecretStr("postgresql://x@/y"),
    "public_url": "https://example.com",
    "smtp_url": SecretStr("smtp://mail.example.com"),
}


def test_production_needs_a_stripe_key() -> None:
    with pytest.raises(ValidationError, match="STRIPE_SECRET_KEY"):
        Settings(**PRODUCTION)  # type: ignore[arg-type]
    configured = Settings(**PRODUCTION, stripe_secret_key=SecretStr("sk_live_x"))  # type: ignore[arg-type]
    assert configured.stripe_emulated is False


def test_run_starts_the_emulator_and_keeps_its_state(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, stripe_emulator_port=0)
    emulator = _start_stripe_emulator(settings)
    try:
        client = stripe.StripeClient("sk_test_run", base_addresses={"api": emulator.url})
        made = client.v1.customers.create({"email": "guest@example.com"})
    finally:
        emulator.stop()
    again = _start_stripe_emulator(settings)
    try:
        client = stripe.StripeClient("sk_test_run", base_addresses={"api": again.url})
        assert client.v1.customers.retrieve(made.id).email == "guest@example.com"
    finally:
        again.stop()
    assert (tmp_path / "stripe-emulator.json").exists()


def test_no_emulator_with_a_real_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, stripe_secret_key=SecretStr("sk_test_real"))
    assert _start_stripe_emulator(settings) is None
