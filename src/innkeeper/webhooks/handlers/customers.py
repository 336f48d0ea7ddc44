"""Customer, PaymentMethod and SetupIntent events: keep guests' saved cards in step with
Stripe.

We keep little to keep in step: a user's customer id and which card is their default. The
cards themselves are listed live from Stripe (``payments.customers.list_cards``), so card
updates leave nothing stale here. A card counts as attached only if Stripe says so when we
look (a late ``attached`` after a ``detached`` changes nothing), and a default is set only
where there is none, so any order of these events ends the same. Customers of connected
accounts are not ours.
"""

from __future__ import annotations

from typing import Any

import stripe

from innkeeper.payments import customers
from innkeeper.webhooks.registry import Context, handles

GROUP = "customers and payment methods"
LIVE = "saved cards are listed live from Stripe, so nothing stale is kept"


@handles(
    "customer.created",
    "customer.updated",
    group=GROUP,
    effect="Recorded only: Innkeeper keeps just the customer id (made by Innkeeper itself).",
)
def on_customer(ctx: Context) -> None:
    if _elsewhere(ctx):
        return
    customer_id = str(ctx.object.id)
    user_id = customers.owner_of(ctx.svc, customer_id)
    whose = f"user {user_id}" if user_id else "no Innkeeper user"
    ctx.effect("recorded", f"customer {customer_id} ({whose}): nothing to keep; {LIVE}")


@handles(
    "customer.deleted",
    group=GROUP,
    effect=(
        "Forgets the user's Stripe customer (its saved cards went with it); the next payment "
        "makes a new one."
    ),
)
def on_customer_deleted(ctx: Context) -> None:
    if _elsewhere(ctx):
        return
    customer_id = str(ctx.object.id)
    user_id = customers.forget_customer(ctx.svc, customer_id)
    if user_id is None:
        ctx.effect("ignored", f"customer {customer_id} is not (or no longer) an Innkeeper one")
        return
    ctx.effect(
        "customer",
        f"customer {customer_id} of user {user_id} forgotten with its saved cards; the next "
        "payment makes a new one",
    )


@handles(
    "payment_method.attached",
    group=GROUP,
    effect="Re-reads the card; if its customer is ours and has no default card, it becomes it.",
)
def on_attached(ctx: Context) -> None:
    if _elsewhere(ctx):
        return
    method = _read_method(ctx, str(ctx.object.id))
    customer_id = _customer_of(method)
    if method is None or customer_id is None:
        ctx.effect("ignored", f"{ctx.object.id} is no longer attached to a customer")
        return
    adopt(ctx, customer_id, method)


@handles(
    "payment_method.detached",
    group=GROUP,
    effect=(
        "If the card was a user's default, the newest card still saved at Stripe becomes the "
        "default (or none)."
    ),
)
def on_detached(ctx: Context) -> None:
    if _elsewhere(ctx):
        return
    method_id = str(ctx.object.id)
    method = _read_method(ctx, method_id)
    if method is not None and _customer_of(method) is not None:
        ctx.effect("ignored", f"{method_id} is attached again at Stripe: kept")
        return
    replaced = customers.drop_default(ctx.svc, method_id)
    if replaced is None:
        ctx.effect("recorded", f"{method_id} was no default card of ours; {LIVE}")
        return
    now = replaced.new_default or "none"
    ctx.effect(
        "saved_card",
        f"{method_id} was user {replaced.user_id}'s default card; the default is now {now}",
    )


@handles(
    "payment_method.updated",
    "payment_method.automatically_updated",
    "payment_method.card_automatically_updated",
    group=GROUP,
    effect=f"Recorded only: {LIVE}.",
)
def on_method_updated(ctx: Context) -> None:
    ctx.effect("recorded", f"{ctx.object.id} {_what(ctx)}; {LIVE}")


@handles(
    "customer.card.created",
    "customer.card.updated",
    "customer.card.deleted",
    "customer.bank_account.created",
    "customer.bank_account.updated",
    "customer.bank_account.deleted",
    "customer.source.created",
    "customer.source.updated",
    "customer.source.deleted",
    "customer.source.expiring",
    group=GROUP,
    effect="Recorded only: Innkeeper saves cards as PaymentMethods, never as legacy Sources.",
)
def on_legacy_source(ctx: Context) -> None:
    ctx.effect(
        "recorded",
        f"legacy source {ctx.object.id} {_what(ctx)}: Innkeeper uses PaymentMethods, not "
        "Sources, so nothing depends on it",
    )


@handles(
    "setup_intent.succeeded",
    group=GROUP,
    effect=(
        "When the customer is ours and has no default card, the card it saved becomes the "
        "default (if still attached)."
    ),
)
def on_setup_succeeded(ctx: Context) -> None:
    if _elsewhere(ctx):
        return
    intent = ctx.object
    method_id = _optional_id(getattr(intent, "payment_method", None))
    customer_id = _optional_id(getattr(intent, "customer", None))
    if method_id is None or customer_id is None:
        ctx.effect("ignored", f"setup intent {intent.id} saved no card for a customer")
        return
    method = _read_method(ctx, method_id)
    if method is None or _customer_of(method) != customer_id:
        ctx.effect("ignored", f"{method_id} is no longer saved on {customer_id}")
        return
    adopt(ctx, customer_id, method)


@handles(
    "setup_intent.setup_failed",
    group=GROUP,
    effect="Recorded with the error code (the guest sees the failure where they saved the card).",
)
def on_setup_failed(ctx: Context) -> None:
    error = getattr(ctx.object, "last_setup_error", None)
    code = getattr(error, "code", None) if error else None
    decline = getattr(error, "decline_code", None) if error else None
    said = f"{code or 'no error code'}" + (f" ({decline})" if decline else "")
    ctx.effect("recorded", f"setup intent {ctx.object.id} failed: {said}")


def adopt(ctx: Context, customer_id: str, method: Any) -> None:
    """A card saved on our customer becomes its default if it has none (saved cards are
    cards: other payment methods are never a default)."""
    method_id = str(method.id)
    if customers.owner_of(ctx.svc, customer_id) is None:
        ctx.effect("ignored", f"{customer_id} is not an Innkeeper customer")
        return
    if getattr(method, "type", None) != "card":
        ctx.effect("recorded", f"{method_id} is a {method.type}, not a card: never a default")
        return
    if customers.adopt_default(ctx.svc, customer_id, method_id):
        ctx.effect("saved_card", f"{method_id} is now the default card of {customer_id}")
    else:
        ctx.effect("recorded", f"{customer_id} already has a default card; {method_id} kept")


def _read_method(ctx: Context, method_id: str) -> Any:
    """The PaymentMethod as Stripe has it now; None if Stripe no longer has it."""
    try:
        return ctx.svc.stripe.v1.payment_methods.retrieve(method_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise


def _customer_of(method: Any) -> str | None:
    return None if method is None else _optional_id(getattr(method, "customer", None))


def _elsewhere(ctx: Context) -> bool:
    """Objects of a connected account are the host's own, not Innkeeper's."""
    if ctx.account is None:
        return False
    ctx.effect("ignored", f"{ctx.object.id} belongs to connected account {ctx.account}")
    return True


def _what(ctx: Context) -> str:
    return str(ctx.event.type).rsplit(".", 1)[-1].replace("_", " ")


def _optional_id(value: Any) -> str | None:
    if not value:
        return None
    return str(value if isinstance(value, str) else value.id)
