"""Transfers to connected accounts and their reversals.

A transfer moves funds from the platform balance to a connected account: the platform books a
``transfer`` transaction, the destination gets a payment (``py_``, a charge object on the
connected account) and a ``payment`` transaction. A reversal books the reverse on both sides
(``transfer_refund`` on the platform, a ``pyr_`` refund of the payment on the destination).
Destination charges use the same machinery (``create_transfer`` with the charge as source).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import StripeError, invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

INSUFFICIENT = (
    "You have insufficient available funds in your Stripe account. Try adding funds directly "
    "to your available balance by creating Charges using the 4000000000000077 test card. "
    "See: https://stripe.com/docs/testing#available-balance"
)


def proportion(amount: int, numerator: int, denominator: int) -> int:
    """``amount * numerator / denominator`` rounded half up (proportional reversals)."""
    if denominator <= 0:
        return 0
    exact = Decimal(amount) * Decimal(numerator) / Decimal(denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def empty_list(url: str) -> Obj:
    return {"object": "list", "data": [], "has_more": False, "url": url}


def push(listing: Any, item: Obj) -> None:
    """Add an object to an embedded list (newest first, as Stripe shows at most 10)."""
    if isinstance(listing, dict):
        data = [item, *listing.get("data", [])]
        listing["data"] = data[:10]
        listing["has_more"] = len(data) > 10
        if "total_count" in listing:
            listing["total_count"] = int(listing["total_count"]) + 1


def replace_in(listing: Any, item: Obj) -> None:
    if isinstance(listing, dict):
        listing["data"] = [
            item if entry["id"] == item["id"] else entry for entry in listing["data"]
        ]


def build_payment(ctx: Ctx, transfer: Obj, txn_id: str | None) -> Obj:
    """The destination payment: a succeeded charge object (``py_``) on the connected account."""
    payment_id = ids.new("py")
    return {
        "id": payment_id,
        "object": "charge",
        "amount": transfer["amount"],
        "amount_captured": transfer["amount"],
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None,
        "balance_transaction": txn_id,
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": None,
        "captured": True,
        "created": ctx.now(),
        "currency": transfer["currency"],
        "customer": None,
        "description": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {"stripe_report": None, "user_report": None},
        "level3": None,
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": None,
        "paid": True,
        "payment_intent": None,
        "payment_method": None,
        "payment_method_details": {"stripe_account": {}, "type": "stripe_account"},
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": empty_list(f"/v1/charges/{payment_id}/refunds"),
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": transfer["id"],
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer": None,
        "transfer_data": None,
        "transfer_group": transfer["transfer_group"],
    }


def create_transfer(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    destination: str,
    source_transaction: str | None = None,
    transfer_group: str | None = None,
    available_on: int | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    source_type: str = "card",
) -> Obj:
    """Move ``amount`` from the platform to ``destination`` (already validated): transfer,
    destination payment and both balance transactions; emits ``transfer.created``."""
    from stripe_emulator.resources import money

    platform = ctx.store.platform
    transfer_id = ids.new("tr")
    txn = money.record(
        ctx,
        platform,
        amount=-amount,
        currency=currency,
        type_="transfer",
        source=transfer_id,
        available_on=available_on,
    )
    transfer: Obj = {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": txn["id"],
        "created": ctx.now(),
        "currency": currency,
        "description": description,
        "destination": destination,
        "destination_payment": None,
        "livemode": False,
        "metadata": metadata or {},
        "reversals": empty_list(f"/v1/transfers/{transfer_id}/reversals"),
        "reversed": False,
        "source_transaction": source_transaction,
        "source_type": source_type,
        "transfer_group": transfer_group,
    }
    ctx.add(transfer, account=platform)
    payment = build_payment(ctx, transfer, None)
    ctx.add(payment, account=destination)
    payment_txn = money.record(
        ctx,
        destination,
        amount=amount,
        currency=currency,
        type_="payment",
        source=payment["id"],
        available_on=available_on,
    )
    payment["balance_transaction"] = payment_txn["id"]
    transfer["destination_payment"] = payment["id"]
    ctx.emit("transfer.created", transfer)
    return transfer


def is_charge_transfer(ctx: Ctx, transfer: Obj) -> bool:
    """A destination charge's own transfer (reversible up to the charge, no balance check)."""
    source = transfer.get("source_transaction")
    charge = ctx.store.find(source) if source else None
    return charge is not None and charge.get("transfer") == transfer["id"]


def check_reversal(ctx: Ctx, transfer: Obj, amount: int, param: str = "amount") -> None:
    """Refuse a reversal larger than what is left, or one the destination cannot fund."""
    from stripe_emulator.resources import money

    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining <= 0:
        raise invalid(
            f"Transfer {transfer['id']} has already been fully reversed.",
            param,
        )
    if amount > remaining:
        raise invalid(
            f"Amount ({amount}) is greater than the amount remaining on the transfer "
            f"({remaining}).",
            param,
        )
    if not is_charge_transfer(ctx, transfer) and transfer["destination"]:
        sums = money.totals(ctx, transfer["destination"]).get(transfer["currency"], {})
        if sums.get("available", 0) + sums.get("pending", 0) < amount:
            raise StripeError(
                400,
                "invalid_request_error",
                "Insufficient funds in the destination account "
                f"{transfer['destination']} to reverse this transfer.",
                code="balance_insufficient",
                param=param,
            )


def reverse(
    ctx: Ctx,
    transfer: Obj,
    amount: int,
    *,
    refund_application_fee: bool = False,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    source_refund: str | None = None,
) -> Obj:
    """Reverse ``amount`` of a transfer (validated by ``check_reversal``); emits
    ``transfer.reversed``."""
    from stripe_emulator.resources import application_fees, money, refunds

    platform = ctx.store.platform
    reversal_id = ids.new("trr")
    txn = money.record(
        ctx,
        platform,
        amount=amount,
        currency=transfer["currency"],
        type_="transfer_refund",
        source=reversal_id,
    )
    reversal: Obj = {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": ctx.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": None,
        "metadata": metadata or {},
        "source_refund": source_refund,
        "transfer": transfer["id"],
    }
    ctx.add(reversal, account=platform)
    payment = ctx.store.find(transfer.get("destination_payment") or "")
    destination = transfer["destination"]
    if payment is not None and destination:
        payment_refund = refunds.build(
            ctx,
            payment,
            amount,
            prefix="pyr",
            reason=None,
            metadata={},
            description=description,
        )
        payment_refund["source_transfer_reversal"] = reversal_id
        ctx.add(payment_refund, account=destination)
        refund_txn = money.record(
            ctx,
            destination,
            amount=-amount,
            currency=transfer["currency"],
            type_="payment_refund",
            source=payment_refund["id"],
        )
        payment_refund["balance_transaction"] = refund_txn["id"]
        money.bump_refunded(ctx, payment, amount)
        push(payment.get("refunds"), payment_refund)
        reversal["destination_payment_refund"] = payment_refund["id"]
    reversed_total = transfer["amount_reversed"] + amount
    previous = ctx.change(
        transfer,
        amount_reversed=reversed_total,
        reversed=reversed_total >= transfer["amount"],
    )
    push(transfer["reversals"], reversal)
    ctx.emit("transfer.reversed", transfer, previous)
    if refund_application_fee and payment is not None and payment.get("application_fee"):
        fee = ctx.store.find(payment["application_fee"])
        if fee is not None:
            fee_back = (
                fee["amount"] - fee["amount_refunded"]
                if transfer["reversed"]
                else proportion(fee["amount"], amount, transfer["amount"])
            )
            fee_back = min(fee_back, fee["amount"] - fee["amount_refunded"])
            if fee_back > 0:
                application_fees.refund_fee(ctx, fee, fee_back)
    return reversal


# --- HTTP ------------------------------------------------------------------------------------


@api.post("/v1/transfers")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        (
            "amount",
            "currency",
            "description",
            "destination",
            "metadata",
            "source_transaction",
            "source_type",
            "transfer_group",
        )
    )
    currency = (params.text("currency", required=True) or "").lower()
    destination = params.text("destination", required=True) or ""
    amount = params.integer("amount", minimum=1)
    source_id = params.text("source_transaction")
    source_type = params.text("source_type", choices=("bank_account", "card", "fpx")) or "card"
    group = params.text("transfer_group")
    description = params.text("description")
    metadata = new_metadata(params)
    from stripe_emulator.resources import accounts, money

    accounts.payee(ctx, destination, param="destination", capability="transfers")
    if not ctx.on_platform:
        raise invalid(
            "Transfers can only be created by the platform account, without the "
            "Stripe-Account header.",
            "destination",
        )
    available_on: int | None = None
    if source_id:
        charge = ctx.get(source_id, "charge", "source_transaction")
        if charge.get("status") != "succeeded" or not charge.get("captured"):
            raise invalid(
                f"The source_transaction {source_id} has not succeeded: only captured charges "
                "can fund a transfer.",
                "source_transaction",
            )
        if charge["currency"] != currency:
            raise invalid(
                f"The currency of source_transaction {source_id} ({charge['currency']}) must "
                f"match the transfer currency ({currency}).",
                "currency",
            )
        used = sum(
            t["amount"] - t["amount_reversed"]
            for t in ctx.store.objects(
                "transfer", ctx.account, lambda t: t.get("source_transaction") == source_id
            )
        )
        left = int(charge.get("amount_captured") or 0) - int(charge.get("amount_refunded") or 0)
        left -= used
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise invalid(
                f"Transfer amount ({amount}) exceeds the amount left on source_transaction "
                f"{source_id} ({max(left, 0)}).",
                "amount",
            )
        available_on = ctx.store.private(source_id).get("available_on")
    else:
        if amount is None:
            params.require("amount")
            amount = 0
        if money.available_balance(ctx, ctx.account, currency) < amount:
            raise StripeError(
                400,
                "invalid_request_error",
                INSUFFICIENT,
                code="balance_insufficient",
            )
    transfer = create_transfer(
        ctx,
        amount=amount,
        currency=currency,
        destination=destination,
        source_transaction=source_id,
        transfer_group=group,
        available_on=available_on,
        description=description,
        metadata=metadata,
        source_type=source_type,
    )
    return respond(ctx, transfer, params)


@api.get("/v1/transfers")
def listing(ctx: Ctx, params: Params) -> Obj:
    destination = params.text("destination")
    group = params.text("transfer_group")
    created = created_filter(params)
    found = ctx.store.objects(
        "transfer",
        ctx.account,
        lambda t: (
            (destination is None or t["destination"] == destination)
            and (group is None or t["transfer_group"] == group)
            and bool(created(t))
        ),
    )
    return page(ctx, found, params, "/v1/transfers")


@api.get("/v1/transfers/{transfer}")
def retrieve(ctx: Ctx, params: Params, transfer: str) -> Obj:
    return respond(ctx, ctx.get(transfer, "transfer"), params)


@api.post("/v1/transfers/{transfer}")
def update(ctx: Ctx, params: Params, transfer: str) -> Obj:
    params.reject_unknown(("description", "metadata"))
    obj = ctx.get(transfer, "transfer")
    changes: dict[str, Any] = {}
    if params.has("description"):
        changes["description"] = params.text("description")
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("transfer.updated", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/transfers/{transfer}/reversals")
def create_reversal(ctx: Ctx, params: Params, transfer: str) -> Obj:
    params.reject_unknown(("amount", "description", "metadata", "refund_application_fee"))
    obj = ctx.get(transfer, "transfer", "id")
    amount = params.integer("amount", minimum=1)
    refund_fee = bool(params.flag("refund_application_fee", default=False))
    metadata = new_metadata(params)
    description = params.text("description")
    remaining = obj["amount"] - obj["amount_reversed"]
    wanted = remaining if amount is None else amount
    check_reversal(ctx, obj, wanted)
    reversal = reverse(
        ctx,
        obj,
        wanted,
        refund_application_fee=refund_fee,
        metadata=metadata,
        description=description,
    )
    return respond(ctx, reversal, params)


@api.get("/v1/transfers/{transfer}/reversals")
def list_reversals(ctx: Ctx, params: Params, transfer: str) -> Obj:
    obj = ctx.get(transfer, "transfer", "id")
    found = ctx.store.objects(
        "transfer_reversal", ctx.account, lambda r: r["transfer"] == obj["id"]
    )
    return page(ctx, found, params, f"/v1/transfers/{obj['id']}/reversals")


def _reversal(ctx: Ctx, transfer: str, reversal: str) -> Obj:
    obj = ctx.get(transfer, "transfer", "id")
    found = ctx.get(reversal, "transfer_reversal", "id")
    if found["transfer"] != obj["id"]:
        raise missing("transfer_reversal", reversal, "id")
    return found


@api.get("/v1/transfers/{transfer}/reversals/{reversal}")
def retrieve_reversal(ctx: Ctx, params: Params, transfer: str, reversal: str) -> Obj:
    return respond(ctx, _reversal(ctx, transfer, reversal), params)


@api.post("/v1/transfers/{transfer}/reversals/{reversal}")
def update_reversal(ctx: Ctx, params: Params, transfer: str, reversal: str) -> Obj:
    params.reject_unknown(("metadata",))
    obj = _reversal(ctx, transfer, reversal)
    if ctx.metadata(obj, params):
        parent = ctx.get(transfer, "transfer", "id")
        replace_in(parent["reversals"], obj)
    return respond(ctx, obj, params)
