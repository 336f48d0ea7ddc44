"""Refunds of charges (by charge or PaymentIntent id), with the Connect options
``reverse_transfer`` and ``refund_application_fee`` applied proportionally.

The charge's owner pays the refund (``refund`` transaction; the processing fee is not
returned). Test cards decide what happens later: 4000000000007726 refunds stay ``pending`` until
the clock settles them, 4000000000005126 refunds succeed and then fail (the money comes back as
a ``refund_failure`` transaction)."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.resources import transfers
from stripe_emulator.routing import api
from stripe_emulator.store import Obj, task

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
}  # fmt: skip


def refund_delay(ctx: Ctx) -> int:
    return int(ctx.store.settings.get("refund_delay_seconds", 30))


def money_text(amount: int, currency: str) -> str:
    if currency.lower() in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency.lower())
    value = f"{amount / 100:.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def build(
    ctx: Ctx,
    charge: Obj,
    amount: int,
    *,
    prefix: str = "re",
    reason: str | None,
    metadata: dict[str, str],
    description: str | None = None,
    instructions_email: str | None = None,
) -> Obj:
    """A refund of ``charge`` (not stored); ``pyr`` refunds are a destination payment's side of
    a transfer reversal."""
    card = charge.get("payment_method_details") or {}
    is_card = card.get("type") == "card"
    return {
        "id": ids.new(prefix),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": charge["currency"],
        "customer": charge.get("customer"),
        "customer_account": None,
        "description": description,
        "destination_details": (
            {
                "card": {
                    "reference": None,
                    "reference_status": "pending",
                    "reference_type": None,
                    "type": "refund",
                },
                "type": "card",
            }
            if is_card
            else None
        ),
        "failure_balance_transaction": None,
        "failure_reason": None,
        "instructions_email": instructions_email,
        "metadata": metadata,
        "next_action": None,
        "payment_intent": charge.get("payment_intent"),
        "payment_method": charge.get("payment_method"),
        "pending_reason": None,
        "presentment_details": None,
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def _charge_for(ctx: Ctx, params: Params) -> Obj:
    charge_id = params.text("charge")
    intent_id = params.text("payment_intent")
    if not charge_id and not intent_id:
        raise invalid(
            "One of the following params should be provided for this request: charge or "
            "payment_intent.",
            "charge",
        )
    if intent_id:
        intent = ctx.get(intent_id, "payment_intent", "payment_intent")
        latest = intent.get("latest_charge")
        if isinstance(latest, dict):
            latest = latest.get("id")
        if intent.get("status") != "succeeded" or not latest:
            raise invalid(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                "payment_intent",
            )
        if charge_id and charge_id != latest:
            raise invalid(
                f"The charge {charge_id} does not belong to the PaymentIntent {intent_id}.",
                "charge",
            )
        return ctx.get(latest, "charge", "payment_intent")
    return ctx.get(charge_id, "charge", "charge")


def refundable(ctx: Ctx, charge: Obj) -> int:
    """What can still be refunded on ``charge``; raises Stripe's errors when nothing can."""
    if charge.get("status") != "succeeded" or not charge.get("captured"):
        raise invalid(
            f"Charge {charge['id']} has not been captured: cancel the PaymentIntent to release "
            "the authorization instead of refunding it.",
            "charge",
            code="charge_not_refundable",
        )
    disputes = ctx.store.objects(
        "dispute", None, lambda d: d["charge"] == charge["id"] and not _inquiry(d)
    )
    if any(d["status"] not in ("won",) for d in disputes):
        raise invalid(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    remaining = int(charge.get("amount_captured") or 0) - int(charge.get("amount_refunded") or 0)
    if remaining <= 0:
        raise invalid(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    return remaining


def _inquiry(dispute: Obj) -> bool:
    return str(dispute.get("status", "")).startswith("warning_")


def refund_charge(
    ctx: Ctx,
    charge: Obj,
    amount: int,
    *,
    reason: str | None = None,
    metadata: dict[str, str] | None = None,
    refund_application_fee: bool = False,
    reverse_transfer: bool = False,
    instructions_email: str | None = None,
) -> Obj:
    """Refund ``amount`` (already checked against ``refundable``) and move the money."""
    from stripe_emulator.resources import application_fees, money, radar

    owner = money.charge_owner(ctx, charge)
    card = money.card_of_charge(ctx, charge)
    behaviour = getattr(card, "refund", None)
    refund = build(
        ctx,
        charge,
        amount,
        reason=reason,
        metadata=metadata or {},
        instructions_email=instructions_email,
    )
    if behaviour == "pending":
        refund["status"] = "pending"
        refund["pending_reason"] = "processing"
    ctx.add(refund, account=owner)
    txn = money.record(
        ctx,
        owner,
        amount=-amount,
        currency=charge["currency"],
        type_="refund",
        source=refund["id"],
        description="REFUND FOR CHARGE"
        + (f" ({charge['description']})" if charge.get("description") else ""),
    )
    refund["balance_transaction"] = txn["id"]
    previous = money.bump_refunded(ctx, charge, amount)
    if isinstance(charge.get("refunds"), dict):
        transfers.push(charge["refunds"], refund)
    fully = bool(charge["refunded"])
    captured = int(charge.get("amount_captured") or charge["amount"])

    transfer = ctx.store.find(charge["transfer"]) if charge.get("transfer") else None
    if reverse_transfer and transfer is not None:
        left = transfer["amount"] - transfer["amount_reversed"]
        back = (
            left if fully else min(left, transfers.proportion(transfer["amount"], amount, captured))
        )
        if back > 0:
            reversal = transfers.reverse(ctx, transfer, back, source_refund=refund["id"])
            refund["transfer_reversal"] = reversal["id"]
    fee = ctx.store.find(charge["application_fee"]) if charge.get("application_fee") else None
    if refund_application_fee and fee is not None:
        left = fee["amount"] - fee["amount_refunded"]
        back = left if fully else min(left, transfers.proportion(fee["amount"], amount, captured))
        if back > 0:
            application_fees.refund_fee(ctx, fee, back)
    ctx.store.bump()
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    radar.charge_refunded(ctx, charge)
    if behaviour == "pending":
        ctx.store.schedule(
            ctx.now() + refund_delay(ctx), "refund.settle", id=refund["id"], account=owner
        )
    elif behaviour == "fail":
        ctx.store.schedule(
            ctx.now() + refund_delay(ctx), "refund.fail", id=refund["id"], account=owner
        )
    return refund


def _give_back(ctx: Ctx, refund: Obj, status: str, failure_reason: str | None) -> None:
    """A refund that did not reach the customer: the money returns to the balance."""
    from stripe_emulator.resources import money

    owner = ctx.store.owner(refund["id"]) or ctx.account
    txn = money.record(
        ctx,
        owner,
        amount=refund["amount"],
        currency=refund["currency"],
        type_="refund_failure",
        source=refund["id"],
        description="REFUND FAILURE",
    )
    previous = ctx.change(
        refund,
        status=status,
        failure_reason=failure_reason,
        failure_balance_transaction=txn["id"],
        pending_reason=None,
    )
    charge = ctx.store.find(refund["charge"]) if refund.get("charge") else None
    if charge is not None:
        money.bump_refunded(ctx, charge, -refund["amount"])
        if isinstance(charge.get("refunds"), dict):
            transfers.replace_in(charge["refunds"], refund)
    ctx.emit("refund.updated", refund, previous)
    if status == "failed":
        ctx.emit("refund.failed", refund, previous)


@task("refund.settle")
def settle(ctx: Ctx, args: dict[str, Any]) -> None:
    refund = ctx.store.find(args["id"])
    if refund is None or refund["status"] != "pending":
        return
    previous = ctx.change(refund, status="succeeded", pending_reason=None)
    charge = ctx.store.find(refund["charge"]) if refund.get("charge") else None
    if charge is not None and isinstance(charge.get("refunds"), dict):
        transfers.replace_in(charge["refunds"], refund)
    ctx.emit("refund.updated", refund, previous)


@task("refund.fail")
def fail(ctx: Ctx, args: dict[str, Any]) -> None:
    refund = ctx.store.find(args["id"])
    if refund is None or refund["status"] != "succeeded":
        return
    _give_back(ctx, refund, "failed", "expired_or_canceled_card")


# --- HTTP ------------------------------------------------------------------------------------


@api.post("/v1/refunds")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        (
            "amount",
            "charge",
            "currency",
            "customer",
            "instructions_email",
            "metadata",
            "origin",
            "payment_intent",
            "reason",
            "refund_application_fee",
            "reverse_transfer",
        )
    )
    amount = params.integer("amount", minimum=1)
    reason = params.text("reason", choices=REASONS)
    metadata = new_metadata(params)
    refund_fee = bool(params.flag("refund_application_fee", default=False))
    reverse = bool(params.flag("reverse_transfer", default=False))
    email = params.text("instructions_email")
    currency = params.text("currency")
    charge = _charge_for(ctx, params)
    if currency and currency.lower() != charge["currency"]:
        raise invalid(
            f"The currency ({currency.lower()}) must match the charge's currency "
            f"({charge['currency']}).",
            "currency",
        )
    remaining = refundable(ctx, charge)
    wanted = remaining if amount is None else amount
    if wanted > remaining:
        total = int(charge.get("amount_captured") or charge["amount"])
        raise invalid(
            f"Refund amount ({money_text(wanted, charge['currency'])}) is greater than "
            + (
                f"charge amount ({money_text(total, charge['currency'])})"
                if remaining == total
                else f"unrefunded amount on charge ({money_text(remaining, charge['currency'])})"
            ),
            "amount",
        )
    refund = refund_charge(
        ctx,
        charge,
        wanted,
        reason=reason,
        metadata=metadata,
        refund_application_fee=refund_fee,
        reverse_transfer=reverse,
        instructions_email=email,
    )
    return respond(ctx, refund, params)


@api.get("/v1/refunds")
def listing(ctx: Ctx, params: Params) -> Obj:
    charge = params.text("charge")
    intent = params.text("payment_intent")
    created = created_filter(params)
    found = ctx.store.objects(
        "refund",
        ctx.account,
        lambda r: (
            (charge is None or r["charge"] == charge)
            and (intent is None or r["payment_intent"] == intent)
            and bool(created(r))
        ),
    )
    return page(ctx, found, params, "/v1/refunds")


@api.get("/v1/refunds/{refund}")
def retrieve(ctx: Ctx, params: Params, refund: str) -> Obj:
    return respond(ctx, ctx.get(refund, "refund"), params)


@api.post("/v1/refunds/{refund}")
def update(ctx: Ctx, params: Params, refund: str) -> Obj:
    params.reject_unknown(("metadata",))
    obj = ctx.get(refund, "refund")
    previous = ctx.metadata(obj, params)
    if previous:
        ctx.emit("refund.updated", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/refunds/{refund}/cancel")
def cancel(ctx: Ctx, params: Params, refund: str) -> Obj:
    params.reject_unknown(())
    obj = ctx.get(refund, "refund")
    if obj["status"] not in ("pending", "requires_action"):
        raise invalid(
            f"Refund {obj['id']} cannot be canceled because it has a status of "
            f"{obj['status']}. Only refunds with a status of pending or requires_action can "
            "be canceled."
        )
    ctx.store.cancel_tasks("refund.settle", id=obj["id"])
    _give_back(ctx, obj, "canceled", None)
    return respond(ctx, obj, params)


@api.post("/v1/test_helpers/refunds/{refund}/expire")
def expire(ctx: Ctx, params: Params, refund: str) -> Obj:
    params.reject_unknown(())
    obj = ctx.get(refund, "refund")
    if obj["status"] != "requires_action":
        raise invalid(
            f"Refund {obj['id']} has a status of {obj['status']}: only refunds with a status "
            "of requires_action can be expired.",
        )
    _give_back(ctx, obj, "canceled", None)
    return respond(ctx, obj, params)
