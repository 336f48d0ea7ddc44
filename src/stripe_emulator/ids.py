"""Stripe-style identifiers: a prefix and 24 base62 characters (``pi_3MtwBwLkdIwHu7ix28a3tqPa``)."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def token(length: int = 24) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new(prefix: str, length: int = 24) -> str:
    """A fresh id; Checkout Sessions use ``cs_test_`` and a longer tail, accounts 16 characters."""
    return f"{prefix}_{token(length)}"


def secret_for(object_id: str) -> str:
    """A client secret in Stripe's ``<id>_secret_<random>`` form."""
    return f"{object_id}_secret_{token(25)}"
