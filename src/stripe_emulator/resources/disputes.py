"""Disputes: chargebacks and inquiries opened by the dispute test cards (or the control plane),
evidence, closing, and the money they move.

A chargeback withdraws the disputed amount plus Stripe's dispute fee from the account the charge
belongs to (the platform for destination charges) in one ``adjustment`` transaction; winning
reinstates the amount (not the fee). Inquiries move no money. Test evidence decides the outcome:
``evidence[uncategorized_text]=winning_evidence`` wins, ``losing_evidence`` loses (shortly after
submission, on the emulator clock) and ``escalate_inquiry_evidence`` turns an inquiry into a
chargeback."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api, control
from stripe_emulator.store import Obj, task

DISPUTE_FEE = 1500
DAY = 86400
RESPONSE_DAYS = 7
REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
NETWORK_CODES = {"fraudulent": "10.4", "product_not_received": "13.1", "duplicate": "12.6.1"}
EVIDENCE_TEXT = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
OPEN = ("needs_response", "warning_needs_response")
CLOSED = ("won", "lost", "warning_closed", "prevented")
CARD_DISPUTES = {
    "fraudulent": ("fraudulent", False),
    "product_not_received": ("product_not_received", False),
    "inquiry": ("general", True),
}


def delay(ctx: Ctx) -> int:
    return int(ctx.store.settings.get("dispute_delay_seconds", 2))


def after_charge_succeeded(ctx: Ctx, charge: Obj, card: Any) -> None:
    """Schedule what the test card asks for after a successful charge: a dispute (or two),
    an early fraud warning, a Radar review for elevated risk."""
    owner = ctx.store.owner(charge["id"]) or ctx.account
    wait = delay(ctx)
    kind = getattr(card, "dispute", None)
    if kind == "multiple":
        for position, reason in enumerate(("fraudulent", "product_not_received")):
            ctx.store.schedule(
                ctx.now() + wait * (position + 1),
                "dispute.open",
                charge=charge["id"],
                account=owner,
                reason=reason,
                inquiry=False,
            )
    elif kind in CARD_DISPUTES:
        reason, inquiry = CARD_DISPUTES[kind]
        ctx.store.schedule(
            ctx.now() + wait,
            "dispute.open",
            charge=charge["id"],
            account=owner,
            reason=reason,
            inquiry=inquiry,
        )
    from stripe_emulator.resources import radar

    if getattr(card, "early_fraud_warning", False):
        ctx.store.schedule(ctx.now() + wait, "radar.early_fraud_warning", charge=charge["id"])
    if getattr(card, "risk_level", "normal") == "elevated":
        radar.open_review(ctx, charge)


@task("dispute.open")
def open_from_card(ctx: Ctx, args: dict[str, Any]) -> None:
    charge = ctx.store.find(args["charge"])
    if charge is None:
        return
    amount = int(charge.get("amount_captured") or 0) - int(charge.get("amount_refunded") or 0)
    if amount <= 0:
        return
    open_dispute(ctx, charge, reason=args["reason"], inquiry=bool(args["inquiry"]), amount=amount)


def _due_by(now: int) -> int:
    return (now + RESPONSE_DAYS * DAY) // DAY * DAY + DAY - 1


def _withdraw(ctx: Ctx, dispute: Obj, owner: str) -> None:
    from stripe_emulator.resources import money

    txn = money.record(
        ctx,
        owner,
        amount=-dispute["amount"],
        currency=dispute["currency"],
        type_="adjustment",
        source=dispute["id"],
        fee=DISPUTE_FEE,
        fee_description="Dispute fee",
        description=f"Chargeback withdrawal for {dispute['charge']}",
        reporting_category="dispute",
    )
    dispute["balance_transactions"] = [*dispute["balance_transactions"], dict(txn)]
    ctx.store.bump()


def open_dispute(ctx: Ctx, charge: Obj, *, reason: str, inquiry: bool, amount: int) -> Obj:
    """Open a dispute on ``charge``: chargebacks withdraw the funds at once."""
    from stripe_emulator.resources import radar

    owner = ctx.store.owner(charge["id"]) or ctx.account
    now = ctx.now()
    details = charge.get("payment_method_details") or {}
    brand = (details.get("card") or {}).get("brand") or "visa"
    dispute: Obj = {
        "id": ids.new("dp"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_TEXT), "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": _due_by(now),
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "intended_submission_method": None,
        "is_charge_refundable": inquiry,
        "livemode": False,
        "metadata": {},
        "network_reason_code": NETWORK_CODES.get(reason, "13.7"),
        "payment_intent": charge.get("payment_intent"),
        "payment_method_details": {
            "card": {
                "brand": brand,
                "case_type": "inquiry" if inquiry else "chargeback",
                "network": brand,
                "network_reason_code": NETWORK_CODES.get(reason, "13.7"),
            },
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }
    ctx.add(dispute, account=owner)
    ctx.change(charge, disputed=True)
    if not inquiry:
        _withdraw(ctx, dispute, owner)
    ctx.emit("charge.dispute.created", dispute)
    if not inquiry:
        ctx.emit("charge.dispute.funds_withdrawn", dispute)
    radar.charge_disputed(ctx, charge)
    ctx.store.schedule(
        dispute["evidence_details"]["due_by"], "dispute.due", id=dispute["id"], account=owner
    )
    return dispute


def inquiry(dispute: Obj) -> bool:
    return str(dispute["status"]).startswith("warning_")


def resolve(ctx: Ctx, dispute: Obj, outcome: str) -> None:
    """Close a dispute as ``won`` or ``lost`` (inquiries close as ``warning_closed``)."""
    if dispute["status"] in CLOSED:
        return
    if inquiry(dispute):
        previous = ctx.change(dispute, status="warning_closed", is_charge_refundable=True)
        ctx.emit("charge.dispute.closed", dispute, previous)
        return
    if outcome == "won":
        from stripe_emulator.resources import money

        owner = ctx.store.owner(dispute["id"]) or ctx.account
        txn = money.record(
            ctx,
            owner,
            amount=dispute["amount"],
            currency=dispute["currency"],
            type_="adjustment",
            source=dispute["id"],
            description=f"Chargeback reversal for {dispute['charge']}",
            reporting_category="dispute_reversal",
        )
        previous = ctx.change(
            dispute,
            status="won",
            balance_transactions=[*dispute["balance_transactions"], dict(txn)],
        )
        ctx.emit("charge.dispute.funds_reinstated", dispute, previous)
        ctx.emit("charge.dispute.closed", dispute, previous)
        return
    previous = ctx.change(dispute, status="lost")
    ctx.emit("charge.dispute.closed", dispute, previous)


def escalate(ctx: Ctx, dispute: Obj) -> dict[str, Any]:
    """An inquiry the issuer turns into a chargeback: funds are withdrawn now."""
    owner = ctx.store.owner(dispute["id"]) or ctx.account
    previous = ctx.change(
        dispute,
        status="needs_response",
        is_charge_refundable=False,
        evidence_details={
            **dispute["evidence_details"],
            "due_by": _due_by(ctx.now()),
            "past_due": False,
        },
    )
    dispute["payment_method_details"]["card"]["case_type"] = "chargeback"
    _withdraw(ctx, dispute, owner)
    ctx.store.schedule(
        dispute["evidence_details"]["due_by"], "dispute.due", id=dispute["id"], account=owner
    )
    return previous


@task("dispute.resolve")
def resolve_later(ctx: Ctx, args: dict[str, Any]) -> None:
    dispute = ctx.store.find(args["id"])
    if dispute is not None:
        resolve(ctx, dispute, args["outcome"])


@task("dispute.due")
def past_due(ctx: Ctx, args: dict[str, Any]) -> None:
    """No response by ``due_by``: the dispute is lost (an inquiry just closes)."""
    dispute = ctx.store.find(args["id"])
    if dispute is None or dispute["status"] not in OPEN:
        return
    if dispute["evidence_details"]["due_by"] > ctx.now():
        return
    dispute["evidence_details"] = {**dispute["evidence_details"], "past_due": True}
    resolve(ctx, dispute, "lost")


# --- HTTP ------------------------------------------------------------------------------------


def get(ctx: Ctx, dispute_id: str) -> Obj:
    return ctx.get(dispute_id, "dispute", "dispute")


@api.get("/v1/disputes")
def listing(ctx: Ctx, params: Params) -> Obj:
    charge = params.text("charge")
    intent = params.text("payment_intent")
    created = created_filter(params)
    found = ctx.store.objects(
        "dispute",
        ctx.account,
        lambda d: (
            (charge is None or d["charge"] == charge)
            and (intent is None or d["payment_intent"] == intent)
            and bool(created(d))
        ),
    )
    return page(ctx, found, params, "/v1/disputes")


@api.get("/v1/disputes/{dispute}")
def retrieve(ctx: Ctx, params: Params, dispute: str) -> Obj:
    return respond(ctx, get(ctx, dispute), params)


def _evidence(params: Params) -> dict[str, Any]:
    evidence = params.child("evidence")
    evidence.reject_unknown((*EVIDENCE_TEXT, "enhanced_evidence", "appeal"))
    values: dict[str, Any] = {}
    for key in EVIDENCE_TEXT:
        if evidence.has(key):
            values[key] = evidence.text(key, max_length=150000 if key.endswith("text") else 20000)
    return values


@api.post("/v1/disputes/{dispute}")
def update(ctx: Ctx, params: Params, dispute: str) -> Obj:
    params.reject_unknown(("evidence", "metadata", "submit", "intended_submission_method"))
    obj = get(ctx, dispute)
    evidence = _evidence(params)
    submit = params.flag("submit", default=True)
    method = params.text(
        "intended_submission_method",
        choices=("manual", "prefer_manual", "prefer_smart_disputes", "smart_disputes"),
    )
    if obj["status"] not in OPEN and (evidence or params.has("submit")):
        raise invalid(
            f"This dispute is already {'closed' if obj['status'] in CLOSED else 'submitted'} "
            f"(status {obj['status']}): its evidence can no longer be updated.",
            "evidence" if evidence else "submit",
        )
    previous = ctx.metadata(obj, params)
    changes: dict[str, Any] = {}
    if method is not None:
        changes["intended_submission_method"] = method
    if evidence:
        changes["evidence"] = {**obj["evidence"], **evidence}
    text = evidence.get("uncategorized_text")
    resolution: str | None = None
    if obj["status"] in OPEN and (evidence or submit):
        merged = {**obj["evidence"], **evidence}
        has = any(merged.get(key) for key in EVIDENCE_TEXT)
        details = {**obj["evidence_details"], "has_evidence": bool(has)}
        if submit:
            details["submission_count"] = details["submission_count"] + 1
            details["submission_method"] = "manual"
            if text == "escalate_inquiry_evidence" and inquiry(obj):
                previous.update(ctx.change(obj, **changes))
                previous.update(escalate(ctx, obj))
                changes = {}
            else:
                changes["status"] = "warning_under_review" if inquiry(obj) else "under_review"
                if text == "winning_evidence":
                    resolution = "won"
                elif text == "losing_evidence":
                    resolution = "lost"
        changes["evidence_details"] = details
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("charge.dispute.updated", obj, previous)
    if resolution is not None:
        owner = ctx.store.owner(obj["id"]) or ctx.account
        ctx.store.schedule(
            ctx.now() + delay(ctx),
            "dispute.resolve",
            id=obj["id"],
            outcome=resolution,
            account=owner,
        )
    return respond(ctx, obj, params)


@api.post("/v1/disputes/{dispute}/close")
def close(ctx: Ctx, params: Params, dispute: str) -> Obj:
    params.reject_unknown(())
    obj = get(ctx, dispute)
    if obj["status"] in CLOSED:
        raise invalid(f"This dispute is already closed (status {obj['status']}).")
    resolve(ctx, obj, "lost")
    return respond(ctx, obj, params)


# --- control plane ---------------------------------------------------------------------------


@control.post("/_emulator/charges/{charge}/dispute")
def open_control(ctx: Ctx, params: Params, charge: str) -> Obj:
    """Open a dispute on any charge without a dispute card (reason, inquiry, amount)."""
    found = ctx.store.find(charge)
    if found is None or found.get("object") != "charge":
        raise missing("charge", charge, "charge")
    reason = params.text("reason", choices=REASONS) or "fraudulent"
    is_inquiry = bool(params.flag("inquiry", default=False))
    left = int(found.get("amount_captured") or 0) - int(found.get("amount_refunded") or 0)
    amount = params.integer("amount", minimum=1, maximum=max(left, 1))
    if left <= 0:
        raise invalid(f"Charge {charge} has nothing left to dispute.", "charge")
    return open_dispute(ctx, found, reason=reason, inquiry=is_inquiry, amount=amount or left)


@control.post("/_emulator/disputes/{dispute}/resolve")
def resolve_control(ctx: Ctx, params: Params, dispute: str) -> Obj:
    """Decide a dispute now (``outcome`` won or lost), whatever evidence it has."""
    found = ctx.store.find(dispute)
    if found is None or found.get("object") != "dispute":
        raise missing("dispute", dispute, "dispute")
    outcome = params.text("outcome", required=True, choices=("won", "lost")) or "lost"
    if found["status"] in CLOSED:
        raise invalid(f"This dispute is already closed (status {found['status']}).", "outcome")
    ctx.store.cancel_tasks("dispute.resolve", id=dispute)
    resolve(ctx, found, outcome)
    return found
