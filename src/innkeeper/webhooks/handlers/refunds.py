"""Refund events: each refund is re-read from Stripe and applied by ``payments.refund_sync``,
which records refunds made outside Innkeeper and undoes ours when Stripe sends the money
back; a refund our own path recorded changes nothing. ``charge.refunded`` lists every
refund of the charge and applies each, so a missed ``refund.created`` is caught there.
"""

from __future__ import annotations

from typing import Any

from innkeeper.payments import refund_sync
from innkeeper.webhooks.registry import Context, handles

EFFECT = (
    "Re-reads the refund. Ours: nothing when it succeeded (our own path recorded it); when "
    "Stripe failed or canceled it, the row is marked failed, the ledger reverses it, the "
    "payment and booking count the money as paid again and the admins are told. Made outside "
    "Innkeeper (the Dashboard) on one of our charges: recorded as a refund from the platform's "
    "share (the host's for any transfer reversal), with the ledger and booking updated."
)


@handles(
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refund.updated",
    group="refunds",
    effect=EFFECT,
)
def on_refund(ctx: Context) -> None:
    refund = ctx.svc.stripe.v1.refunds.retrieve(ctx.object.id, options=ctx.options)
    apply(ctx, refund)


@handles(
    "charge.refunded",
    group="refunds",
    effect="Lists the charge's refunds on Stripe and applies each as a refund event does.",
)
def on_charge_refunded(ctx: Context) -> None:
    listed = ctx.svc.stripe.v1.refunds.list(
        {"charge": ctx.object.id, "limit": 100}, options=ctx.options
    )
    found = False
    for refund in listed.auto_paging_iter():
        found = True
        apply(ctx, refund)
    if not found:
        ctx.effect("ignored", f"charge {ctx.object.id} has no refunds")


def apply(ctx: Context, refund: Any) -> None:
    applied = refund_sync.apply_refund(ctx.svc, refund)
    if applied is None:
        ctx.effect("ignored", f"refund {refund.id} is not about one of our payments")
        return
    detail = {
        "recorded": f"refund {refund.id} ({refund.status}) made outside Innkeeper: recorded",
        "failed": f"refund {refund.id} {refund.status} at Stripe: reversed in the ledger",
        "unchanged": f"refund {refund.id} ({refund.status}) already recorded: nothing to do",
    }[applied.action]
    ctx.effect(f"refund.{applied.action}", detail, booking_id=applied.booking_id)
