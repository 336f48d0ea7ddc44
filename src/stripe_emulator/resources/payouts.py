"""Payouts from an account's available balance to its bank account.

A payout books a ``payout`` transaction at once and then moves on the emulator clock:
``pending`` → ``in_transit`` → ``paid`` on its ``arrival_date``. Stripe's failing test bank
accounts (account numbers ending 1116, 1113, 2227, 3335, 4440) fail it instead, and the money
returns as a ``payout_failure`` transaction. Pending payouts can be canceled."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj, task

IN_TRANSIT_AFTER = 60
ARRIVAL_DAYS = {"standard": 2, "instant": 0}
MESSAGES = {
    "no_account": "The bank account details on file are probably incorrect. No bank account "
    "could be located with those details.",
    "account_closed": "The bank account has been closed.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "debit_not_authorized": "Debit transactions are not approved on the bank account.",
    "invalid_currency": "The bank was unable to process this payout because of its currency.",
}
INSUFFICIENT = (
    "You have insufficient funds in your Stripe account for this transfer. Your card balance "
    "is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more "
    "details, see stripe.com/docs/api#balance)."
)


def external_accounts(ctx: Ctx, account: str) -> list[Obj]:
    """The account's bank accounts and debit cards for payouts (default first)."""
    found = [
        obj
        for kind in ("bank_account", "card")
        for obj in ctx.store.objects(kind, account)
        if obj.get("account") == account
    ]
    found.sort(key=lambda obj: not obj.get("default_for_currency"))
    return found


def _destination(ctx: Ctx, params: Params, currency: str) -> Obj | None:
    wanted = params.text("destination")
    choices = external_accounts(ctx, ctx.account)
    if wanted:
        for obj in choices:
            if obj["id"] == wanted:
                return obj
        raise StripeError(
            404,
            "invalid_request_error",
            f"No such external account: '{wanted}'",
            code="resource_missing",
            param="destination",
        )
    for obj in choices:
        if str(obj.get("currency") or currency).lower() == currency:
            return obj
    return None


def _failure(ctx: Ctx, destination: Obj | None) -> tuple[str, str] | None:
    """How the bank will answer a payout to ``destination`` (Stripe's failing test accounts)."""
    if destination is None or destination.get("object") != "bank_account":
        return None
    from stripe_emulator.resources import external_accounts

    code = external_accounts.payout_failure(ctx, destination)
    return (code, MESSAGES.get(code, "The payout failed.")) if code else None


@api.post("/v1/payouts")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        (
            "amount",
            "currency",
            "description",
            "destination",
            "metadata",
            "method",
            "payout_method",
            "source_type",
            "statement_descriptor",
        )
    )
    amount = params.integer("amount", required=True, minimum=1) or 0
    currency = (params.text("currency", required=True) or "").lower()
    method = params.text("method", choices=("standard", "instant")) or "standard"
    source_type = params.text("source_type", choices=("bank_account", "card", "fpx")) or "card"
    descriptor = params.text("statement_descriptor", max_length=22)
    description = params.text("description")
    metadata = new_metadata(params)
    destination = _destination(ctx, params, currency)
    from stripe_emulator.resources import money

    if money.available_balance(ctx, ctx.account, currency) < amount:
        raise StripeError(
            400, "invalid_request_error", INSUFFICIENT, code="balance_insufficient", param="amount"
        )
    now = ctx.now()
    payout_id = ids.new("po")
    txn = money.record(
        ctx,
        ctx.account,
        amount=-amount,
        currency=currency,
        type_="payout",
        source=payout_id,
        description=description or "STRIPE PAYOUT",
    )
    kind = "card" if destination is not None and destination["object"] == "card" else "bank_account"
    payout: Obj = {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": now + ARRIVAL_DAYS[method] * money.DAY,
        "automatic": False,
        "balance_transaction": txn["id"],
        "created": now,
        "currency": currency,
        "description": description or "STRIPE PAYOUT",
        "destination": destination["id"] if destination is not None else None,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": metadata,
        "method": method,
        "original_payout": None,
        "payout_method": params.text("payout_method"),
        "reconciliation_status": "not_applicable",
        "reversed_by": None,
        "source_type": source_type,
        "statement_descriptor": descriptor,
        "status": "pending",
        "trace_id": {"status": "pending", "value": None},
        "type": kind,
    }
    failure = _failure(ctx, destination)
    ctx.add(payout, private={"covers": [txn["id"]], "failure": failure})
    ctx.emit("payout.created", payout)
    ctx.store.schedule(
        now + min(IN_TRANSIT_AFTER, ARRIVAL_DAYS[method] * money.DAY or IN_TRANSIT_AFTER),
        "payout.in_transit",
        id=payout_id,
        account=ctx.account,
    )
    ctx.store.schedule(
        payout["arrival_date"] + 1, "payout.arrive", id=payout_id, account=ctx.account
    )
    return respond(ctx, payout, params)


@task("payout.in_transit")
def in_transit(ctx: Ctx, args: dict[str, Any]) -> None:
    payout = ctx.store.find(args["id"])
    if payout is None or payout["status"] != "pending":
        return
    previous = ctx.change(payout, status="in_transit")
    ctx.emit("payout.updated", payout, previous)


@task("payout.arrive")
def arrive(ctx: Ctx, args: dict[str, Any]) -> None:
    """The bank answers: paid, or failed for the failing test accounts."""
    payout = ctx.store.find(args["id"])
    if payout is None or payout["status"] not in ("pending", "in_transit"):
        return
    failure = ctx.store.private(payout["id"]).get("failure")
    if failure:
        from stripe_emulator.resources import money

        owner = ctx.store.owner(payout["id"]) or ctx.account
        txn = money.record(
            ctx,
            owner,
            amount=payout["amount"],
            currency=payout["currency"],
            type_="payout_failure",
            source=payout["id"],
            description="Payout failure",
        )
        ctx.store.private(payout["id"])["covers"].append(txn["id"])
        previous = ctx.change(
            payout,
            status="failed",
            failure_code=failure[0],
            failure_message=failure[1],
            failure_balance_transaction=txn["id"],
            reconciliation_status="completed",
        )
        ctx.emit("payout.failed", payout, previous)
        return
    previous = ctx.change(
        payout,
        status="paid",
        reconciliation_status="completed",
        trace_id={"status": "supported", "value": f"TRACE{payout['id'][-12:].upper()}"},
    )
    ctx.emit("payout.paid", payout, previous)


@api.get("/v1/payouts")
def listing(ctx: Ctx, params: Params) -> Obj:
    status = params.text("status")
    destination = params.text("destination")
    created = created_filter(params)
    found = ctx.store.objects(
        "payout",
        ctx.account,
        lambda p: (
            (status is None or p["status"] == status)
            and (destination is None or p["destination"] == destination)
            and bool(created(p))
        ),
    )
    return page(ctx, found, params, "/v1/payouts")


@api.get("/v1/payouts/{payout}")
def retrieve(ctx: Ctx, params: Params, payout: str) -> Obj:
    return respond(ctx, ctx.get(payout, "payout"), params)


@api.post("/v1/payouts/{payout}")
def update(ctx: Ctx, params: Params, payout: str) -> Obj:
    params.reject_unknown(("metadata",))
    obj = ctx.get(payout, "payout")
    previous = ctx.metadata(obj, params)
    if previous:
        ctx.emit("payout.updated", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/payouts/{payout}/cancel")
def cancel(ctx: Ctx, params: Params, payout: str) -> Obj:
    params.reject_unknown(())
    obj = ctx.get(payout, "payout")
    if obj["status"] != "pending":
        raise invalid(
            f"Payout {obj['id']} cannot be canceled because it has a status of "
            f"{obj['status']}: only pending payouts can be canceled."
        )
    from stripe_emulator.resources import money

    txn = money.record(
        ctx,
        ctx.account,
        amount=obj["amount"],
        currency=obj["currency"],
        type_="payout_cancel",
        source=obj["id"],
        description="Payout cancellation",
    )
    ctx.private(obj)["covers"].append(txn["id"])
    ctx.store.cancel_tasks("payout.in_transit", id=obj["id"])
    ctx.store.cancel_tasks("payout.arrive", id=obj["id"])
    previous = ctx.change(obj, status="canceled", failure_balance_transaction=txn["id"])
    ctx.emit("payout.canceled", obj, previous)
    return respond(ctx, obj, params)
