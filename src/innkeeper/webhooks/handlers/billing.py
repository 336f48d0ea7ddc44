"""Subscription, invoice and subscription-schedule events: handed to billing through the
``BillingSink`` in ``webhooks.billing`` (record only until the billing issue plugs in);
the sink's sentence is the event's effect."""

from __future__ import annotations

from innkeeper.webhooks import billing
from innkeeper.webhooks.registry import Context, handles

GROUP = "billing"


@handles(
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired",
    group=GROUP,
    effect="Handed to billing (BillingSink.subscription_changed); recorded only until it plugs in.",
)
def on_subscription(ctx: Context) -> None:
    said = billing.sink().subscription_changed(ctx.svc, ctx.object, billing.event_of(ctx.event))
    ctx.effect("billing", said)


@handles(
    "invoice.created",
    "invoice.updated",
    "invoice.finalized",
    "invoice.finalization_failed",
    "invoice.sent",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "invoice.upcoming",
    "invoice.overdue",
    "invoice.will_be_due",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.deleted",
    group=GROUP,
    effect="Handed to billing (BillingSink.invoice_changed); recorded only until it plugs in.",
)
def on_invoice(ctx: Context) -> None:
    said = billing.sink().invoice_changed(ctx.svc, ctx.object, billing.event_of(ctx.event))
    ctx.effect("billing", said)


@handles(
    "subscription_schedule.created",
    "subscription_schedule.updated",
    "subscription_schedule.canceled",
    "subscription_schedule.completed",
    "subscription_schedule.expiring",
    "subscription_schedule.released",
    "subscription_schedule.aborted",
    group=GROUP,
    effect="Handed to billing (BillingSink.schedule_changed); recorded only until it plugs in.",
)
def on_schedule(ctx: Context) -> None:
    said = billing.sink().schedule_changed(ctx.svc, ctx.object, billing.event_of(ctx.event))
    ctx.effect("billing", said)
