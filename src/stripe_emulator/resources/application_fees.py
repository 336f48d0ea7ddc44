"""Application fees the platform collects on connected accounts' charges, and fee refunds.

A fee is a platform object: the connected account books ``application_fee`` (−F) and the
platform ``application_fee`` (+F); a fee refund books the opposite pair. Destination charges
take the fee from the destination payment (``py_``), direct charges from the charge itself.
"""

from __future__ import annotations

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.resources import transfers
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

APPLICATION = "ca_EmulatorPlatformApplication"


def collect(
    ctx: Ctx,
    *,
    fee_amount: int,
    charge: Obj,
    paying_account: str,
    originating: str | None,
    available_on: int | None,
) -> Obj:
    """Take ``fee_amount`` from ``paying_account`` for ``charge``; emits
    ``application_fee.created``."""
    from stripe_emulator.resources import money

    platform = ctx.store.platform
    fee_id = ids.new("fee")
    currency = charge["currency"]
    money.record(
        ctx,
        paying_account,
        amount=-fee_amount,
        currency=currency,
        type_="application_fee",
        source=fee_id,
        available_on=available_on,
        description="Application fee",
    )
    txn = money.record(
        ctx,
        platform,
        amount=fee_amount,
        currency=currency,
        type_="application_fee",
        source=fee_id,
        available_on=available_on,
    )
    fee: Obj = {
        "id": fee_id,
        "object": "application_fee",
        "account": paying_account,
        "amount": fee_amount,
        "amount_refunded": 0,
        "application": APPLICATION,
        "balance_transaction": txn["id"],
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": currency,
        "fee_source": {"charge": charge["id"], "payout": None, "type": "charge"},
        "livemode": False,
        "originating_transaction": originating,
        "refunded": False,
        "refunds": transfers.empty_list(f"/v1/application_fees/{fee_id}/refunds"),
    }
    ctx.add(fee, account=platform)
    if charge["id"].startswith("py_"):
        charge["application_fee"] = fee_id
        charge["application_fee_amount"] = fee_amount
        ctx.store.bump()
    ctx.emit("application_fee.created", fee)
    return fee


def refund_fee(ctx: Ctx, fee: Obj, amount: int, metadata: dict[str, str] | None = None) -> Obj:
    """Give ``amount`` of the fee back to the account that paid it (validated by the caller);
    emits ``application_fee.refunded``."""
    from stripe_emulator.resources import money

    platform = ctx.store.platform
    refund_id = ids.new("fr")
    txn = money.record(
        ctx,
        platform,
        amount=-amount,
        currency=fee["currency"],
        type_="application_fee_refund",
        source=refund_id,
    )
    money.record(
        ctx,
        fee["account"],
        amount=amount,
        currency=fee["currency"],
        type_="application_fee_refund",
        source=refund_id,
        description="Application fee refund",
    )
    refund: Obj = {
        "id": refund_id,
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": ctx.now(),
        "currency": fee["currency"],
        "fee": fee["id"],
        "metadata": metadata or {},
    }
    ctx.add(refund, account=platform)
    total = fee["amount_refunded"] + amount
    previous = ctx.change(fee, amount_refunded=total, refunded=total >= fee["amount"])
    transfers.push(fee["refunds"], refund)
    ctx.emit("application_fee.refunded", fee, previous)
    return refund


def get(ctx: Ctx, fee_id: str, param: str = "id") -> Obj:
    return ctx.get(fee_id, "application_fee", param)


@api.get("/v1/application_fees")
def listing(ctx: Ctx, params: Params) -> Obj:
    charge = params.text("charge")
    created = created_filter(params)
    found = ctx.store.objects(
        "application_fee",
        ctx.account,
        lambda f: (
            (charge is None or charge in (f["charge"], f["originating_transaction"]))
            and bool(created(f))
        ),
    )
    return page(ctx, found, params, "/v1/application_fees")


@api.get("/v1/application_fees/{fee}")
def retrieve(ctx: Ctx, params: Params, fee: str) -> Obj:
    return respond(ctx, get(ctx, fee), params)


@api.post("/v1/application_fees/{fee}/refunds")
def create_refund(ctx: Ctx, params: Params, fee: str) -> Obj:
    params.reject_unknown(("amount", "metadata"))
    obj = get(ctx, fee)
    amount = params.integer("amount", minimum=1)
    metadata = new_metadata(params)
    remaining = obj["amount"] - obj["amount_refunded"]
    if remaining <= 0:
        raise invalid(
            f"Application fee {obj['id']} has already been refunded.",
            "amount" if amount is not None else None,
        )
    wanted = remaining if amount is None else amount
    if wanted > remaining:
        raise invalid(
            f"Refund amount ({wanted}) is greater than the unrefunded amount on the "
            f"application fee ({remaining}).",
            "amount",
        )
    return respond(ctx, refund_fee(ctx, obj, wanted, metadata), params)


@api.post("/v1/application_fees/{fee}/refund")
def legacy_refund(ctx: Ctx, params: Params, fee: str) -> Obj:
    """The deprecated ``/refund`` path: same checks, answers with the fee."""
    params.reject_unknown(("amount", "directive"))
    obj = get(ctx, fee)
    remaining = obj["amount"] - obj["amount_refunded"]
    amount = params.integer("amount", minimum=1)
    wanted = remaining if amount is None else amount
    if remaining <= 0 or wanted > remaining:
        raise invalid(
            f"Refund amount ({wanted}) is greater than the unrefunded amount on the "
            f"application fee ({remaining}).",
            "amount",
        )
    refund_fee(ctx, obj, wanted)
    return respond(ctx, obj, params)


@api.get("/v1/application_fees/{fee}/refunds")
def list_refunds(ctx: Ctx, params: Params, fee: str) -> Obj:
    obj = get(ctx, fee)
    found = ctx.store.objects("fee_refund", ctx.account, lambda r: r["fee"] == obj["id"])
    return page(ctx, found, params, f"/v1/application_fees/{obj['id']}/refunds")


def _fee_refund(ctx: Ctx, fee: str, refund: str) -> tuple[Obj, Obj]:
    obj = get(ctx, fee)
    found = ctx.get(refund, "fee_refund", "id")
    if found["fee"] != obj["id"]:
        raise missing("fee_refund", refund, "id")
    return obj, found


@api.get("/v1/application_fees/{fee}/refunds/{refund}")
def retrieve_refund(ctx: Ctx, params: Params, fee: str, refund: str) -> Obj:
    return respond(ctx, _fee_refund(ctx, fee, refund)[1], params)


@api.post("/v1/application_fees/{fee}/refunds/{refund}")
def update_refund(ctx: Ctx, params: Params, fee: str, refund: str) -> Obj:
    params.reject_unknown(("metadata",))
    parent, obj = _fee_refund(ctx, fee, refund)
    previous = ctx.metadata(obj, params)
    if previous:
        transfers.replace_in(parent["refunds"], obj)
        ctx.emit("application_fee.refund.updated", obj, previous)
    return respond(ctx, obj, params)
