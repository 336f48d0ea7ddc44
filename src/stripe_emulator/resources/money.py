"""The ledger: balance transactions, Stripe's processing fee, and what a captured charge moves.

Every movement of money is one ``balance_transaction`` on the account whose balance it
changes, so ``GET /v1/balance`` is a sum and the Connect flows (destination charges, direct
charges with application fees, refunds, reversals, disputes, payouts) can be checked by adding
up transactions. Pending funds become available on the emulator clock (``available_on``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.store import Obj, task

DAY = 86400

CATEGORIES = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "refund_failure": "refund_failure",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
    "application_fee": "platform_earning",
    "application_fee_refund": "platform_earning_refund",
    "payout": "payout",
    "payout_cancel": "payout_reversal",
    "payout_failure": "payout_reversal",
}


def fee_for(ctx: Ctx, amount: int) -> int:
    """Stripe's processing fee: a percentage (rounded half up) plus a fixed part."""
    percent = Decimal(str(ctx.store.settings.get("stripe_fee_percent", 2.9)))
    fixed = int(ctx.store.settings.get("stripe_fee_fixed", 30))
    variable = (Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(variable) + fixed


def settles_at(ctx: Ctx, *, immediately: bool = False) -> int:
    """When funds from a payment made now become available."""
    if immediately:
        return ctx.now()
    days = int(ctx.store.settings.get("available_after_days", 2))
    return ctx.now() + days * DAY


def record(
    ctx: Ctx,
    account: str,
    *,
    amount: int,
    currency: str,
    type_: str,
    source: str | None,
    fee: int = 0,
    fee_description: str = "Stripe processing fees",
    available_on: int | None = None,
    description: str | None = None,
    reporting_category: str | None = None,
) -> Obj:
    """Write one balance transaction on ``account``; pending until ``available_on``."""
    now = ctx.now()
    available_at = now if available_on is None else available_on
    txn: Obj = {
        "id": ids.new("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_at,
        "balance_type": "payments",
        "created": now,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": fee_description,
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": reporting_category or CATEGORIES.get(type_, type_),
        "source": source,
        "status": "available" if available_at <= now else "pending",
        "type": type_,
    }
    ctx.add(txn, account=account)
    if txn["status"] == "pending":
        ctx.store.schedule(available_at, "balance.settle", account=account)
    return txn


def transactions(ctx: Ctx, account: str) -> list[Obj]:
    return ctx.store.objects("balance_transaction", account)


def totals(ctx: Ctx, account: str) -> dict[str, dict[str, int]]:
    """``{currency: {"available": n, "pending": n}}`` from the account's transactions."""
    sums: dict[str, dict[str, int]] = {}
    for txn in transactions(ctx, account):
        entry = sums.setdefault(txn["currency"], {"available": 0, "pending": 0})
        entry["available" if txn["status"] == "available" else "pending"] += txn["net"]
    return sums


def available_balance(ctx: Ctx, account: str, currency: str) -> int:
    """What ``account`` can transfer or pay out now in ``currency``."""
    return totals(ctx, account).get(currency.lower(), {}).get("available", 0)


@task("balance.settle")
def settle(ctx: Ctx, args: dict[str, Any]) -> None:
    """Pending funds whose day has come become available (one ``balance.available`` per
    settlement, as Stripe sends one when the balance changes)."""
    account = args.get("account") or ctx.store.platform
    now = ctx.now()
    matured = [
        txn
        for txn in transactions(ctx, account)
        if txn["status"] == "pending" and txn["available_on"] <= now
    ]
    if not matured:
        return
    for txn in matured:
        txn["status"] = "available"
    ctx.store.bump()
    from stripe_emulator.resources import balance

    ctx.emit("balance.available", balance.build(ctx, account), account=account)


# --- captured charges ----------------------------------------------------------------------


def _card_of_charge(ctx: Ctx, charge: Obj) -> Any:
    method_id = charge.get("payment_method")
    method = ctx.store.find(method_id) if isinstance(method_id, str) else None
    if method is None or method.get("type", "card") != "card":
        return None
    try:
        from stripe_emulator.resources import cards
    except ImportError:  # the card catalogue is not loaded: plain card behaviour
        return None
    return cards.card_of(ctx, method)


def card_of_charge(ctx: Ctx, charge: Obj) -> Any:
    """The test-card behaviour behind a charge (``None`` for non-card or unknown)."""
    return _card_of_charge(ctx, charge)


def charge_captured(ctx: Ctx, charge: Obj, intent: Obj | None) -> None:
    """Book a captured charge: its balance transaction with Stripe's fee, then the Connect
    money flows (destination transfer and payment, application fee)."""
    if charge.get("balance_transaction"):
        return
    owner = ctx.store.owner(charge["id"]) or ctx.account
    amount = int(charge.get("amount_captured") or charge["amount"])
    currency = charge["currency"]
    card = _card_of_charge(ctx, charge)
    immediately = bool(getattr(card, "bypass_pending", False))
    available_on = settles_at(ctx, immediately=immediately)
    txn = record(
        ctx,
        owner,
        amount=amount,
        currency=currency,
        type_="charge",
        source=charge["id"],
        fee=fee_for(ctx, amount),
        available_on=available_on,
        description=charge.get("description"),
    )
    private = ctx.store.private(charge["id"])
    private["available_on"] = available_on
    updates: dict[str, Any] = {"balance_transaction": txn["id"]}

    source = intent if intent is not None else charge
    fee_amount = source.get("application_fee_amount")
    if fee_amount is None:
        fee_amount = charge.get("application_fee_amount")
    transfer_data = source.get("transfer_data") or charge.get("transfer_data") or None
    destination = transfer_data.get("destination") if transfer_data else None

    from stripe_emulator.resources import application_fees, transfers

    if destination:
        wanted = transfer_data.get("amount") if transfer_data else None
        transfer_amount = amount if wanted is None else min(int(wanted), amount)
        transfer = transfers.create_transfer(
            ctx,
            amount=transfer_amount,
            currency=currency,
            destination=destination,
            source_transaction=charge["id"],
            transfer_group=charge.get("transfer_group"),
            available_on=available_on,
        )
        updates["transfer"] = transfer["id"]
        if fee_amount:
            fee = application_fees.collect(
                ctx,
                fee_amount=int(fee_amount),
                charge=ctx.store.find(transfer["destination_payment"]) or charge,
                paying_account=destination,
                originating=charge["id"],
                available_on=available_on,
            )
            updates["application_fee"] = fee["id"]
            updates["application_fee_amount"] = int(fee_amount)
    elif fee_amount and owner != ctx.store.platform:
        fee = application_fees.collect(
            ctx,
            fee_amount=int(fee_amount),
            charge=charge,
            paying_account=owner,
            originating=None,
            available_on=available_on,
        )
        updates["application_fee"] = fee["id"]
        updates["application_fee_amount"] = int(fee_amount)
    charge.update(updates)
    ctx.store.bump()


def charge_owner(ctx: Ctx, charge: Obj) -> str:
    return ctx.store.owner(charge["id"]) or ctx.account


def bump_refunded(ctx: Ctx, charge: Obj, delta: int) -> dict[str, Any]:
    """Grow (or shrink, for a failed refund) a charge's ``amount_refunded``; returns the
    previous values for ``charge.refunded``."""
    refunded = int(charge.get("amount_refunded") or 0) + delta
    captured = int(charge.get("amount_captured") or charge["amount"])
    return ctx.change(charge, amount_refunded=refunded, refunded=refunded >= captured)
