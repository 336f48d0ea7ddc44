"""Radar: early fraud warnings (``issfr_``, from 4000000000005423) and reviews (``prv_``,
opened for elevated-risk charges such as 4000000000009235).

A warning stops being ``actionable`` once its charge is refunded or disputed; a review closes
when it is approved, or when its charge is refunded or disputed."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj, task


def open_review(ctx: Ctx, charge: Obj) -> Obj:
    """Put an elevated-risk charge into review; emits ``review.opened``."""
    owner = ctx.store.owner(charge["id"]) or ctx.account
    address = (charge.get("billing_details") or {}).get("address") or {}
    review: Obj = {
        "id": ids.new("prv"),
        "object": "review",
        "billing_zip": address.get("postal_code"),
        "charge": charge["id"],
        "closed_reason": None,
        "created": ctx.now(),
        "ip_address": None,
        "ip_address_location": None,
        "livemode": False,
        "open": True,
        "opened_reason": "rule",
        "payment_intent": charge.get("payment_intent"),
        "reason": "rule",
        "session": None,
    }
    ctx.add(review, account=owner)
    ctx.change(charge, review=review["id"])
    ctx.emit("review.opened", review)
    return review


def close_review(ctx: Ctx, review: Obj, reason: str) -> None:
    previous = ctx.change(review, open=False, closed_reason=reason, reason=reason)
    ctx.emit("review.closed", review, previous)


def _settle_charge(ctx: Ctx, charge: Obj, reason: str) -> None:
    review = ctx.store.find(charge["review"]) if charge.get("review") else None
    if review is not None and review["open"]:
        close_review(ctx, review, reason)
    for warning in ctx.store.objects(
        "radar.early_fraud_warning", None, lambda w: w["charge"] == charge["id"]
    ):
        if warning["actionable"]:
            previous = ctx.change(warning, actionable=False)
            ctx.emit("radar.early_fraud_warning.updated", warning, previous)


def charge_refunded(ctx: Ctx, charge: Obj) -> None:
    """A refunded charge needs no more fraud handling."""
    _settle_charge(ctx, charge, "refunded")


def charge_disputed(ctx: Ctx, charge: Obj) -> None:
    _settle_charge(ctx, charge, "disputed")


@task("radar.early_fraud_warning")
def early_fraud_warning(ctx: Ctx, args: dict[str, Any]) -> None:
    """The issuer reports the charge as fraudulent (test card 4000000000005423)."""
    charge = ctx.store.find(args["charge"])
    if charge is None:
        return
    owner = ctx.store.owner(charge["id"]) or ctx.account
    warning: Obj = {
        "id": ids.new("issfr"),
        "object": "radar.early_fraud_warning",
        "actionable": not charge.get("refunded") and not charge.get("disputed"),
        "charge": charge["id"],
        "created": ctx.now(),
        "fraud_type": "made_with_stolen_card",
        "livemode": False,
        "payment_intent": charge.get("payment_intent"),
    }
    ctx.add(warning, account=owner)
    ctx.emit("radar.early_fraud_warning.created", warning)


@api.get("/v1/radar/early_fraud_warnings")
def list_warnings(ctx: Ctx, params: Params) -> Obj:
    charge = params.text("charge")
    intent = params.text("payment_intent")
    created = created_filter(params)
    found = ctx.store.objects(
        "radar.early_fraud_warning",
        ctx.account,
        lambda w: (
            (charge is None or w["charge"] == charge)
            and (intent is None or w["payment_intent"] == intent)
            and bool(created(w))
        ),
    )
    return page(ctx, found, params, "/v1/radar/early_fraud_warnings")


@api.get("/v1/radar/early_fraud_warnings/{warning}")
def retrieve_warning(ctx: Ctx, params: Params, warning: str) -> Obj:
    return respond(
        ctx, ctx.get(warning, "radar.early_fraud_warning", "early_fraud_warning"), params
    )


@api.get("/v1/reviews")
def list_reviews(ctx: Ctx, params: Params) -> Obj:
    """Stripe lists the reviews that are still open."""
    created = created_filter(params)
    found = ctx.store.objects("review", ctx.account, lambda r: r["open"] and bool(created(r)))
    return page(ctx, found, params, "/v1/reviews")


@api.get("/v1/reviews/{review}")
def retrieve_review(ctx: Ctx, params: Params, review: str) -> Obj:
    return respond(ctx, ctx.get(review, "review", "review"), params)


@api.post("/v1/reviews/{review}/approve")
def approve(ctx: Ctx, params: Params, review: str) -> Obj:
    params.reject_unknown(())
    obj = ctx.get(review, "review", "review")
    if not obj["open"]:
        raise invalid(f"This review is already closed ({obj['closed_reason']}).", "review")
    close_review(ctx, obj, "approved")
    return respond(ctx, obj, params)
