"""PaymentIntent, Charge and Checkout events: every one ends in the shared payment-outcome
handler (``payments.outcome.apply_intent``) with the intent as Stripe has it now.

Re-reading the intent instead of trusting the payload is what makes order irrelevant: a
late ``payment_intent.processing`` after the success sees ``succeeded`` and changes
nothing; a ``charge.succeeded`` that outruns its ``payment_intent.succeeded`` settles the
payment, and the intent's own event then finds it settled. A success for a booking that is
no longer payable follows the late-payment rule (re-acquire or refund in full).
"""

from __future__ import annotations

from typing import Any

from innkeeper.core.errors import NotFound
from innkeeper.payments import checkout, outcome
from innkeeper.webhooks.registry import Context, handles

INTENT_EFFECT = (
    "Re-reads the PaymentIntent and applies it through the shared outcome handler: payment "
    "status, failure reason, 3-D Secure link; on success the ledger and the booking's "
    "confirmation (or, when the booking is gone, the late-payment rule: re-acquire or refund)."
)


@handles(
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "payment_intent.partially_funded",
    group="payments",
    effect=INTENT_EFFECT,
)
def on_intent(ctx: Context) -> None:
    apply(ctx, _id(ctx.object))


@handles(
    "charge.succeeded",
    "charge.failed",
    "charge.pending",
    "charge.captured",
    "charge.updated",
    "charge.expired",
    group="payments",
    effect=(
        "Re-reads the charge's PaymentIntent and applies it like a payment_intent event (so a "
        "charge event that arrives first settles the payment once)."
    ),
)
def on_charge(ctx: Context) -> None:
    intent = getattr(ctx.object, "payment_intent", None)
    if not intent:
        ctx.effect("ignored", f"charge {ctx.object.id} has no PaymentIntent: not one of ours")
        return
    apply(ctx, _id(intent))


def apply(ctx: Context, intent_id: str) -> None:
    """Apply the intent as Stripe has it now; report what changed."""
    intent = ctx.svc.stripe.v1.payment_intents.retrieve(intent_id, options=ctx.options)
    result = outcome.apply_intent(ctx.svc, intent)
    if result is None:
        ctx.effect("ignored", f"{intent_id} is not an Innkeeper payment")
        return
    booking_id = _booking_of(intent)
    detail = f"payment {result.payment_id} is {result.status} ({intent_id})"
    if result.late_refund:
        detail += "; its booking was no longer payable, so it was refunded in full"
    ctx.effect("payment", detail, booking_id=booking_id)


@handles(
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    group="checkout",
    effect=(
        "Binds the session's PaymentIntent to its payment and applies it (as the Checkout "
        "return page does); an expired session cancels its unpaid payment."
    ),
)
def on_checkout_session(ctx: Context) -> None:
    session_id = _id(ctx.object)
    try:
        payment = checkout.complete_checkout(ctx.svc, session_id)
    except NotFound:
        ctx.effect("ignored", f"checkout session {session_id} is not an Innkeeper payment")
        return
    ctx.effect(
        "payment", f"payment {payment.id} is {payment.status} (session {session_id})",
        booking_id=payment.booking_id,
    )  # fmt: skip


def _booking_of(intent: Any) -> Any:
    import uuid

    metadata = getattr(intent, "metadata", None)
    raw = getattr(metadata, "booking_id", None) if metadata is not None else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _id(value: Any) -> str:
    return str(value if isinstance(value, str) else value["id"])
