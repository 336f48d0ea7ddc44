"""Saving a card on Stripe's hosted Checkout page (``mode=setup``), for pages that have no
Stripe.js: the guest types the card on Stripe's page and comes back; the session's
SetupIntent attached the card to their customer. The first saved card becomes the default
(the ``setup_intent.succeeded`` webhook does the same, so either may come first).
"""

from __future__ import annotations

from typing import Any

import stripe

from innkeeper.accounts.domain import Actor
from innkeeper.core.errors import NotFound, Unauthenticated
from innkeeper.payments import customers, operations
from innkeeper.payments.gateway import raise_for
from innkeeper.payments.operations import Call
from innkeeper.services import Services


def start(svc: Services, actor: Actor | None, *, success_url: str, cancel_url: str) -> str:
    """A setup-mode Checkout Session for the caller's customer; returns the page's URL.
    ``success_url`` may carry ``{CHECKOUT_SESSION_ID}``."""
    if actor is None:
        raise Unauthenticated("log in to save a card")
    customer = customers.customer_for(svc, actor.user_id)
    metadata = {"user_id": str(actor.user_id)}
    params: dict[str, Any] = {
        "mode": "setup",
        "customer": customer,
        "payment_method_types": ["card"],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "setup_intent_data": {"metadata": metadata},
    }
    session = operations.run(
        svc,
        Call("create_checkout_session", params),
        lambda p, o: svc.stripe.v1.checkout.sessions.create(p, o),
    )
    return str(session.url)


def finish(svc: Services, actor: Actor | None, session_id: str) -> str | None:
    """The return from the setup page: the saved card's id (made the default if the
    customer had none), or None when the session did not save one (still open, expired)."""
    if actor is None:
        raise Unauthenticated("log in to save a card")
    customer = customers.customer_for(svc, actor.user_id)
    try:
        session = svc.stripe.v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        raise NotFound(f"checkout session {session_id} not found") from None
    except stripe.StripeError as error:
        raise_for(error)
    if session.customer != customer or session.mode != "setup":
        raise NotFound(f"checkout session {session_id} not found")
    if session.status != "complete" or not session.setup_intent:
        return None
    try:
        intent = svc.stripe.v1.setup_intents.retrieve(_id(session.setup_intent))
    except stripe.StripeError as error:
        raise_for(error)
    if intent.status != "succeeded" or not intent.payment_method:
        return None
    method = _id(intent.payment_method)
    customers.adopt_default(svc, customer, method)
    return method


def _id(value: Any) -> str:
    return value if isinstance(value, str) else str(value.id)
