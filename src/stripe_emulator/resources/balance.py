"""The balance: ``GET /v1/balance`` (sums of the account's balance transactions) and the
balance transaction listing, including the legacy ``/v1/balance/history`` path."""

from __future__ import annotations

from typing import Any

from stripe_emulator.context import Ctx
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj


def _source_types(amount: int) -> dict[str, int]:
    return {"bank_account": 0, "card": amount, "fpx": 0}


def _default_currency(ctx: Ctx, account: str) -> str:
    found = ctx.store.find(account)
    if found is not None and found.get("object") == "account" and found.get("default_currency"):
        return str(found["default_currency"])
    return "usd"


def build(ctx: Ctx, account: str) -> Obj:
    """The ``balance`` object of ``account`` as Stripe renders it (one entry per currency)."""
    from stripe_emulator.resources import money

    sums = money.totals(ctx, account)
    if not sums:
        sums = {_default_currency(ctx, account): {"available": 0, "pending": 0}}
    currencies = sorted(sums)
    return {
        "object": "balance",
        "available": [
            {
                "amount": sums[c]["available"],
                "currency": c,
                "source_types": _source_types(sums[c]["available"]),
            }
            for c in currencies
        ],
        "connect_reserved": [
            {"amount": 0, "currency": c, "source_types": _source_types(0)} for c in currencies
        ],
        "instant_available": None,
        "issuing": None,
        "livemode": False,
        "pending": [
            {
                "amount": sums[c]["pending"],
                "currency": c,
                "source_types": _source_types(sums[c]["pending"]),
            }
            for c in currencies
        ],
        "refund_and_dispute_prefunding": None,
    }


@api.get("/v1/balance")
def retrieve(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, build(ctx, ctx.account), params)


def _txn_filter(ctx: Ctx, params: Params) -> Any:
    kind = params.text("type")
    source = params.text("source")
    payout = params.text("payout")
    currency = (params.text("currency") or "").lower() or None
    created = created_filter(params)
    paid_out: set[str] | None = None
    if payout:
        paid_out = set(ctx.private(ctx.get(payout, "payout", "payout")).get("covers", []))

    def accept(txn: Obj) -> bool:
        return (
            (kind is None or txn["type"] == kind)
            and (source is None or txn["source"] == source)
            and (currency is None or txn["currency"] == currency)
            and (paid_out is None or txn["id"] in paid_out)
            and bool(created(txn))
        )

    return accept


@api.get("/v1/balance_transactions")
def listing(ctx: Ctx, params: Params) -> Obj:
    found = ctx.store.objects("balance_transaction", ctx.account, _txn_filter(ctx, params))
    return page(ctx, found, params, "/v1/balance_transactions")


@api.get("/v1/balance_transactions/{transaction}")
def retrieve_transaction(ctx: Ctx, params: Params, transaction: str) -> Obj:
    return respond(ctx, ctx.get(transaction, "balance_transaction"), params)


@api.get("/v1/balance/history")
def history(ctx: Ctx, params: Params) -> Obj:
    found = ctx.store.objects("balance_transaction", ctx.account, _txn_filter(ctx, params))
    return page(ctx, found, params, "/v1/balance/history")


@api.get("/v1/balance/history/{transaction}")
def history_item(ctx: Ctx, params: Params, transaction: str) -> Obj:
    return respond(ctx, ctx.get(transaction, "balance_transaction"), params)
