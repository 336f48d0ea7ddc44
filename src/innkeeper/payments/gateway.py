"""The Stripe client and what its errors mean to us.

Every call goes through the official SDK. With ``STRIPE_SECRET_KEY`` it talks to Stripe;
without it (development, tests) ``base_addresses`` point at the bundled emulator, and
nothing else in the engine can tell the difference.
"""

from __future__ import annotations

import logging
from typing import Any, Final, NoReturn

import stripe

from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.payments.domain import PaymentFailed, PaymentProviderUnavailable
from innkeeper.settings import Settings

_log = logging.getLogger(__name__)

EMULATOR_KEY: Final = "sk_test_innkeeper_emulator"  # the emulator takes any sk_test_ key


def make_client(settings: Settings) -> stripe.StripeClient:
    """One client per process; the SDK retries network failures itself with the same
    idempotency key (``max_network_retries``), after which our operation row keeps it."""
    http_client = stripe.RequestsClient(timeout=settings.stripe_timeout_seconds)
    if settings.stripe_secret_key is not None:
        return stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            max_network_retries=settings.stripe_network_retries,
            http_client=http_client,
        )
    url = settings.stripe_emulator_url
    return stripe.StripeClient(
        EMULATOR_KEY,
        base_addresses={"api": url, "connect": url, "files": url},
        max_network_retries=settings.stripe_network_retries,
        http_client=http_client,
    )


class StripeRefused(Conflict):
    """Stripe refused a request for a reason that is not the card's (a state that moved on,
    a balance too small): the message is Stripe's, the code ours."""

    code = "stripe_refused"


# Errors after which the same request may succeed later: the operation keeps its key.
TRANSIENT: Final = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def is_transient(error: stripe.StripeError) -> bool:
    return isinstance(error, TRANSIENT) or (error.http_status or 0) >= 500


def raise_for(error: stripe.StripeError) -> NoReturn:
    """Translate a Stripe error into the domain error a client sees. Never echoes the key."""
    if is_transient(error):
        _log.warning("stripe unavailable", extra={"stripe_error": type(error).__name__})
        raise PaymentProviderUnavailable(
            "the payment provider did not answer; nothing was charged twice, try again"
        ) from error
    if isinstance(error, stripe.CardError):
        raise PaymentFailed(
            card_message(error), stripe_code=error.code, decline_code=_decline_code(error)
        ) from error
    if isinstance(error, (stripe.AuthenticationError, stripe.PermissionError)):
        _log.error("stripe refused our credentials", extra={"stripe_error": type(error).__name__})
        raise PaymentProviderUnavailable("payments are not configured correctly") from error
    param = getattr(error, "param", None)
    message = error.user_message or _message(error)
    if param in ("payment_method", "customer", "source"):
        raise InvalidInput.for_field(param, message) from error
    raise StripeRefused(message) from error


def card_message(error: stripe.StripeError) -> str:
    """What the guest reads: Stripe's own wording, which names the cause."""
    return error.user_message or _message(error) or "the card was declined"


def _decline_code(error: stripe.StripeError) -> str | None:
    body: Any = error.json_body or {}
    found = body.get("error", {}).get("decline_code")
    return str(found) if found else None


def _message(error: stripe.StripeError) -> str:
    body: Any = error.json_body or {}
    return str(body.get("error", {}).get("message") or "the payment provider refused")
