"""Transfer and payout events: the money that leaves the platform for hosts, and leaves
Stripe for banks.

Transfers are read again and matched to what made them: an escrow payout
(``EscrowTransfer.stripe_transfer_id``, or its ``escrow_id`` metadata when the event outran
``escrow.release``), a destination charge's transfer (``Payment.stripe_transfer_id``), or
any other transfer to one of our payout accounts (sent from the Dashboard). Every reversal
the ledger lacks is booked under ``transfer_reversal:{id}``, the key ``escrow.reverse`` and
the refund path use too, so a reversal is booked once whoever sees it first, and one made in
the Dashboard is booked at all.

Payouts are Stripe's business (organizations are paid by Stripe directly); we only mirror
them in the ledger, from the payout's current state, so ``innkeeper reconcile`` agrees.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import stripe

from innkeeper.core.errors import NotFound
from innkeeper.payments import connect, escrow
from innkeeper.webhooks.registry import Context, handles

GROUP = "transfers and payouts"


@handles(
    "transfer.created",
    "transfer.updated",
    "transfer.reversed",
    "transfer.canceled",
    group=GROUP,
    effect=(
        "Re-reads the transfer: an escrow payout's transfer marks it paid (once); every "
        "reversal not yet in the ledger (e.g. made in the Dashboard) is booked and counted on "
        "its escrow payout (reversed when nothing is left); a Dashboard transfer to a host is "
        "booked. transfer.canceled is a legacy type, handled the same way."
    ),
)
def on_transfer(ctx: Context) -> None:
    if ctx.account is not None:
        ctx.effect("ignored", f"a transfer of connected account {ctx.account}, not ours")
        return
    transfer = _read(lambda: ctx.svc.stripe.v1.transfers.retrieve(str(ctx.object.id)))
    if transfer is None:
        ctx.effect("ignored", f"transfer {ctx.object.id} no longer exists at Stripe")
        return
    released = _release(ctx, transfer)
    booked = escrow.record_reversals(
        ctx.svc, transfer.id, str(transfer.destination), str(transfer.currency),
        [_reversal(r) for r in _reversals_of(ctx, transfer.id)],
    )  # fmt: skip
    if booked is None:
        ctx.effect("ignored", f"transfer {transfer.id} is not to an Innkeeper payout account")
        return
    manual = _manual(ctx, transfer) if not released else False
    ctx.effect("transfer", _describe(transfer, released, manual, booked))


def _release(ctx: Context, transfer: Any) -> bool:
    """An escrow payout whose transfer this is, recorded as paid if it was still held."""
    escrow_id = _escrow_id(transfer)
    if escrow_id is None:
        return False
    try:
        row = escrow.record_release(ctx.svc, escrow_id, transfer)
    except NotFound:
        return False
    return bool(row.stripe_transfer_id == transfer.id)


def _manual(ctx: Context, transfer: Any) -> bool:
    """A transfer with no charge behind it and no escrow payout: sent from the Dashboard.
    (A destination charge's transfer is booked by its payment's outcome.)"""
    if getattr(transfer, "source_transaction", None):
        return False
    booked = escrow.record_manual_transfer(
        ctx.svc, transfer.id, str(transfer.destination), str(transfer.currency),
        int(transfer.amount), _optional_id(getattr(transfer, "destination_payment", None)),
    )  # fmt: skip
    return bool(booked)


def _reversals_of(ctx: Context, transfer_id: str) -> list[Any]:
    listed = ctx.svc.stripe.v1.transfers.reversals.list(transfer_id, {"limit": 100})
    return list(listed.auto_paging_iter())


def _reversal(reversal: Any) -> escrow.Reversal:
    metadata = getattr(reversal, "metadata", None)
    reason = getattr(metadata, "reason", None) if metadata is not None else None
    return escrow.Reversal(
        id=str(reversal.id),
        amount=int(reversal.amount),
        destination_refund=_optional_id(getattr(reversal, "destination_payment_refund", None)),
        memo=str(reason or f"transfer reversal {reversal.id} (seen at Stripe)"),
    )


def _describe(transfer: Any, released: bool, manual: bool, booked: list[str]) -> str:
    detail = (
        f"transfer {transfer.id} of {transfer.amount} {transfer.currency} to "
        f"{transfer.destination}: {transfer.amount_reversed} reversed"
    )
    if released:
        detail += "; its escrow payout is paid"
    if manual:
        detail += "; booked as a transfer made outside Innkeeper"
    detail += f"; reversals booked now: {', '.join(booked)}" if booked else "; nothing new"
    return detail


@handles(
    "payout.created",
    "payout.updated",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
    "payout.reconciliation_completed",
    group=GROUP,
    effect=(
        "Recorded (Stripe pays organizations directly); the ledger mirrors the payout from "
        "its current state: the balance leaves when it is made (payout:{id}) and returns if "
        "it fails or is canceled, so reconcile agrees."
    ),
)
def on_payout(ctx: Context) -> None:
    payload = ctx.object
    payout = _read(
        lambda: ctx.svc.stripe.v1.payouts.retrieve(str(payload.id), options=ctx.options),
        fallback=payload,
    )
    seen = connect.Payout(
        str(payout.id), int(payout.amount), str(payout.currency), str(payout.status)
    )
    booked = connect.record_payout(ctx.svc, ctx.account, seen)
    if booked is None:
        ctx.effect("ignored", f"payout {seen.id} of {ctx.account}, not an Innkeeper account")
        return
    whose = ctx.account or "the platform"
    ledger = f"ledger: {', '.join(booked)} booked" if booked else "ledger already agrees"
    ctx.effect(
        "recorded",
        f"payout {seen.id} of {seen.amount} {seen.currency} from {whose} is {seen.status} "
        f"(Stripe pays organizations directly); {ledger}",
    )


def _read(fetch: Callable[[], Any], *, fallback: Any = None) -> Any:
    """The object as Stripe has it now; ``fallback`` if it is gone or out of reach (a
    disconnected account)."""
    try:
        return fetch()
    except stripe.PermissionError:
        return fallback
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return fallback
        raise


def _escrow_id(transfer: Any) -> uuid.UUID | None:
    metadata = getattr(transfer, "metadata", None)
    raw = getattr(metadata, "escrow_id", None) if metadata is not None else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _optional_id(value: Any) -> str | None:
    if not value:
        return None
    return str(value if isinstance(value, str) else value.id)
