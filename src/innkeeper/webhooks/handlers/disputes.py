"""Disputes, early fraud warnings and Radar reviews: each re-reads its object from Stripe and
hands it to ``payments.disputes``, which upserts the row, posts the money and tells people
once. Any order converges: every event about a dispute applies the dispute as it is now,
so ``closed`` arriving first also posts the funds its missed ``funds_withdrawn`` moved.
"""

from __future__ import annotations

from innkeeper.payments import disputes
from innkeeper.webhooks.registry import Context, handles


@handles(
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    group="disputes and fraud",
    effect=(
        "Re-reads the dispute and upserts its row (status, reason, amount, evidence due date, "
        "payment and booking); posts funds withdrawn and reinstated from its balance "
        "transactions (one ledger entry each, platform balance against dispute_losses); tells "
        "the host's owners and managers and the admins when it opens and when it closes. The "
        "booking is not cancelled."
    ),
)
def on_dispute(ctx: Context) -> None:
    dispute = ctx.svc.stripe.v1.disputes.retrieve(ctx.object.id, options=ctx.options)
    recorded = disputes.record_dispute(ctx.svc, dispute, account=ctx.account)
    if recorded is None:
        ctx.effect("ignored", f"dispute {dispute.id} is on charge {dispute.charge}: not ours")
        return
    ctx.effect(
        "dispute",
        f"dispute {dispute.id} is {recorded.status}: {recorded.withdrawn_minor} withdrawn, "
        f"{recorded.reinstated_minor} reinstated",
        booking_id=recorded.booking_id,
    )
    if recorded.posted:
        ctx.effect(
            "ledger",
            f"{recorded.posted} dispute entr{'y' if recorded.posted == 1 else 'ies'} posted",
        )
    if recorded.notified:
        ctx.effect("notified", f"{recorded.notified} message(s) to the host and the admins")


@handles(
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
    group="disputes and fraud",
    effect=(
        "Re-reads the warning and flags its payment and booking (a risk signal: fraud type, "
        "actionable); tells the host and the admins once; with INNKEEPER_FRAUD_AUTO_REFUND on, "
        "refunds an actionable warning's payment in full, once, unless the charge is already "
        "refunded or disputed."
    ),
)
def on_early_fraud_warning(ctx: Context) -> None:
    warning = ctx.svc.stripe.v1.radar.early_fraud_warnings.retrieve(
        ctx.object.id, options=ctx.options
    )
    flagged = disputes.record_warning(ctx.svc, warning, account=ctx.account)
    if flagged is None:
        ctx.effect("ignored", f"early fraud warning {warning.id} is not about one of our charges")
        return
    state = "refunded in full" if flagged.refunded else f"actionable={warning.actionable}"
    ctx.effect("risk", f"early fraud warning {warning.id}: {state}", booking_id=flagged.booking_id)
    if flagged.notified:
        ctx.effect("notified", f"{flagged.notified} message(s) to the host and the admins")


@handles(
    "review.opened",
    "review.closed",
    group="disputes and fraud",
    effect=(
        "Re-reads the Radar review and records it on its payment and booking (a risk signal: "
        "reason, open or closed, closed reason)."
    ),
)
def on_review(ctx: Context) -> None:
    review = ctx.svc.stripe.v1.reviews.retrieve(ctx.object.id, options=ctx.options)
    flagged = disputes.record_review(ctx.svc, review)
    if flagged is None:
        ctx.effect("ignored", f"review {review.id} is not about one of our charges")
        return
    state = "open" if flagged.open else f"closed ({review.closed_reason})"
    ctx.effect("risk", f"review {review.id} is {state}", booking_id=flagged.booking_id)
