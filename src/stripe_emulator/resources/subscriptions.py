"""Subscriptions: create, retrieve, update, cancel, list, search, pause and resume, with
renewals, trials and dunning driven by the clock.

Shape is basil-and-later: billing periods live on the items (``current_period_start/end``),
``billing_mode`` defaults to flexible. The first invoice is paid on-session (3-D Secure
leaves the subscription ``incomplete``, which expires after 23 hours); renewals create and
pay the next invoice off-session at the period end, on the customer's test clock when it
has one. A failed renewal makes the subscription ``past_due``; after the last retry it is
canceled (or ``unpaid`` when ``store.settings["subscription_dunning"] == "unpaid"``)."""

from __future__ import annotations

import calendar
import copy
from datetime import UTC, datetime
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj, task

KIND = "subscription"
INCOMPLETE_EXPIRY = 23 * 3600
TRIAL_WILL_END_BEFORE = 3 * 86400
MAX_ATTEMPTS = 4  # the first attempt and three retries
LIVE = ("active", "past_due", "trialing", "unpaid", "paused", "incomplete")


def add_interval(ts: int, interval: str, count: int) -> int:
    """``ts`` moved by ``count`` intervals; months keep the day of month (clamped)."""
    if interval == "day":
        return ts + count * 86400
    if interval == "week":
        return ts + count * 7 * 86400
    moment = datetime.fromtimestamp(ts, UTC)
    months = count * (12 if interval == "year" else 1)
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def get(ctx: Ctx, sub_id: str | None, param: str = "subscription") -> Obj:
    return ctx.get(sub_id, KIND, param)


def _plan(price: Obj) -> Obj:
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval", "month"),
        "interval_count": recurring.get("interval_count", 1),
        "livemode": False,
        "metadata": dict(price["metadata"]),
        "meter": recurring.get("meter"),
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def _item(ctx: Ctx, sub_id: str, price: Obj, quantity: int | None, metadata: Obj) -> Obj:
    metered = (price["recurring"] or {}).get("usage_type") == "metered"
    return {
        "id": ids.new("si", 14),
        "object": "subscription_item",
        "billed_until": None,
        "billing_thresholds": None,
        "created": ctx.now(),
        "current_period_end": 0,
        "current_period_start": 0,
        "current_trial": None,
        "discounts": [],
        "metadata": metadata,
        "plan": _plan(price),
        "price": copy.deepcopy(price),
        "quantity": None if metered else (1 if quantity is None else quantity),
        "subscription": sub_id,
        "tax_rates": [],
    }


def _item_specs(
    ctx: Ctx, params: Params, key: str = "items", *, inactive_ok: bool = False
) -> list[dict[str, Any]]:
    """Validate ``items[n]`` without storing anything; inline prices are made later."""
    from stripe_emulator.resources import prices

    specs = []
    for position, entry in enumerate(params.items(key)):
        spec = Params(entry if isinstance(entry, dict) else {}, f"{key}[{position}]")
        spec.reject_unknown(
            ("id", "price", "price_data", "quantity", "metadata", "deleted", "discounts", "plan")
        )
        item_id = spec.text("id")
        deleted = spec.flag("deleted", default=False)
        price = None
        if spec.text("price") or spec.text("plan"):
            name = "price" if spec.text("price") else "plan"
            price = (
                prices.get(ctx, spec.text(name), spec.name(name))
                if inactive_ok
                else prices.usable(ctx, spec.text(name), spec.name(name))
            )
            if price["type"] != "recurring":
                raise invalid(
                    f"The price specified is set to `type=one_time` but this field only "
                    f"accepts prices with `type=recurring`: {price['id']}",
                    spec.name(name),
                )
        elif spec.raw("price_data"):
            data = spec.child("price_data")
            data.require("product")
            data.require("recurring")
            prices.currency_of(data)
            prices.get(ctx, data.text("product"), data.name("product"))
        elif not item_id:
            raise invalid(f"Missing required param: {spec.name('price')}.", spec.name("price"))
        specs.append(
            {
                "id": item_id,
                "price": price,
                "price_data": spec.child("price_data") if spec.raw("price_data") else None,
                "quantity": spec.integer("quantity", minimum=0),
                "has_quantity": spec.has("quantity"),
                "metadata": new_metadata(spec),
                "has_metadata": spec.has("metadata"),
                "deleted": deleted,
            }
        )
    return specs


def _materialise(ctx: Ctx, spec: dict[str, Any]) -> Obj:
    from stripe_emulator.resources import prices

    if spec["price"] is not None:
        price: Obj = spec["price"]
        return price
    return prices.from_data(ctx, spec["price_data"], recurring="required")


def _check_prices(all_prices: list[Obj], param: str) -> tuple[str, str, int]:
    currencies = {p["currency"] for p in all_prices}
    cadences = {(p["recurring"]["interval"], p["recurring"]["interval_count"]) for p in all_prices}
    if len(currencies) > 1:
        raise invalid(
            "Currency and interval fields must match across all plans on a subscription. "
            f"Found mismatched currencies: {', '.join(sorted(currencies))}.",
            param,
        )
    if len(cadences) > 1:
        raise invalid(
            "Currency and interval fields must match across all plans on a subscription.",
            param,
        )
    interval, count = next(iter(cadences))
    return next(iter(currencies)), interval, count


def _payment_method(ctx: Ctx, params: Params, customer: Obj) -> str | None:
    ref = params.text("default_payment_method")
    if not ref:
        return None
    method = ctx.store.find(ref, ctx.account)
    if method is None or method.get("object") != "payment_method":
        raise invalid(
            f"No such PaymentMethod: '{ref}'", "default_payment_method", "resource_missing"
        )
    if method.get("customer") != customer["id"]:
        raise invalid(
            f"The customer does not have a payment method with the ID {ref}. The payment "
            "method must be attached to the customer.",
            "default_payment_method",
        )
    return ref


def _connect(ctx: Ctx, params: Params) -> tuple[float | None, Obj | None, str | None]:
    percent_raw = params.raw("application_fee_percent")
    percent = None
    if percent_raw not in (None, ""):
        try:
            percent = float(percent_raw)
        except (TypeError, ValueError):
            raise invalid(f"Invalid decimal: {percent_raw}", "application_fee_percent") from None
        if not 0 <= percent <= 100:
            raise invalid(
                "application_fee_percent must be between 0 and 100.", "application_fee_percent"
            )
    transfer = None
    if params.raw("transfer_data"):
        from stripe_emulator.resources import accounts

        data = params.child("transfer_data")
        data.reject_unknown(("destination", "amount_percent"))
        destination = data.text("destination", required=True) or ""
        accounts.payee(ctx, destination, param=data.name("destination"), capability="transfers")
        amount_percent = data.raw("amount_percent")
        transfer = {
            "amount_percent": float(amount_percent) if amount_percent not in (None, "") else None,
            "destination": destination,
        }
    on_behalf_of = params.text("on_behalf_of")
    if on_behalf_of:
        from stripe_emulator.resources import accounts

        accounts.payee(ctx, on_behalf_of, param="on_behalf_of", capability="card_payments")
    return percent, transfer, on_behalf_of


def _trial_end(params: Params, now: int) -> int | None:
    raw = params.raw("trial_end")
    days = params.integer("trial_period_days", minimum=0, maximum=730)
    if raw not in (None, "") and days is not None:
        raise invalid(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            "trial_end",
        )
    if raw == "now":
        return None
    if raw not in (None, ""):
        end = params.integer("trial_end") or 0
        if end <= now:
            raise invalid("Invalid timestamp: must be in the future.", "trial_end")
        if end > now + 730 * 86400:
            raise invalid(
                "Invalid timestamp: can be no more than two years in the future.", "trial_end"
            )
        return end
    if days:
        return now + days * 86400
    return None


CREATE_FIELDS = (
    "customer",
    "items",
    "default_payment_method",
    "payment_behavior",
    "trial_period_days",
    "trial_end",
    "trial_from_plan",
    "trial_settings",
    "collection_method",
    "days_until_due",
    "cancel_at_period_end",
    "cancel_at",
    "billing_mode",
    "application_fee_percent",
    "transfer_data",
    "on_behalf_of",
    "metadata",
    "description",
    "off_session",
    "proration_behavior",
    "payment_settings",
    "currency",
)


@api.post("/v1/subscriptions")
def create(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, _create(ctx, params), params)


def validate_checkout_data(ctx: Ctx, data: Params, now: int) -> None:
    """Checkout's ``subscription_data`` checked at session creation (used at completion)."""
    _trial_end(data, now)
    _connect(ctx, data)
    data.text("description", max_length=500)
    data.child("billing_mode").text("type", choices=("classic", "flexible"))


def from_checkout(
    ctx: Ctx, customer: Obj, items: list[tuple[str, int]], data: Params, method_id: str
) -> Obj:
    """The subscription a completed Checkout Session creates (first invoice left open for
    the session to pay on-session, or paid at zero during a trial)."""
    fields: dict[str, Any] = {
        **data.data,
        "customer": customer["id"],
        "items": [{"price": price, "quantity": str(quantity)} for price, quantity in items],
        "default_payment_method": method_id,
        "payment_behavior": "default_incomplete",
    }
    return _create(ctx, Params(fields), inactive_ok=True)


def _create(ctx: Ctx, params: Params, *, inactive_ok: bool = False) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(CREATE_FIELDS)
    customer = ctx.get(params.text("customer", required=True), "customer", "customer")
    params.require("items")
    specs = _item_specs(ctx, params, inactive_ok=inactive_ok)
    if not specs:
        raise invalid("Missing required param: items.", "items")
    if len(specs) > 20:
        raise invalid("A subscription can have at most 20 items.", "items")
    for spec in specs:
        if spec["id"] or spec["deleted"]:
            raise invalid("You cannot name existing items when creating.", "items")
    behaviour = (
        params.text(
            "payment_behavior",
            choices=(
                "allow_incomplete",
                "default_incomplete",
                "error_if_incomplete",
                "pending_if_incomplete",
            ),
        )
        or "allow_incomplete"
    )
    if behaviour == "pending_if_incomplete":
        raise invalid(
            "payment_behavior=pending_if_incomplete is only supported when updating a "
            "subscription.",
            "payment_behavior",
        )
    now = test_clocks.now_for(ctx, customer["id"])
    trial_end = _trial_end(params, now)
    method = (
        params.text("collection_method", choices=("charge_automatically", "send_invoice"))
        or "charge_automatically"
    )
    days = params.integer("days_until_due", minimum=0, maximum=1825)
    if method == "send_invoice" and days is None:
        raise invalid(
            "Missing required param: days_until_due (required when collection_method is "
            "send_invoice).",
            "days_until_due",
        )
    if method == "charge_automatically" and days is not None:
        raise invalid(
            "You can only set `days_until_due` when `collection_method` is `send_invoice`.",
            "days_until_due",
        )
    mode = params.child("billing_mode").text("type", choices=("classic", "flexible")) or "flexible"
    default_method = _payment_method(ctx, params, customer)
    percent, transfer, on_behalf_of = _connect(ctx, params)
    missing_method = (
        params.child("trial_settings")
        .child("end_behavior")
        .text("missing_payment_method", choices=("cancel", "create_invoice", "pause"))
        or "create_invoice"
    )
    cancel_at = params.integer("cancel_at")
    if cancel_at is not None and cancel_at <= now:
        raise invalid("Invalid timestamp: must be in the future.", "cancel_at")
    save_default = params.child("payment_settings").text(
        "save_default_payment_method", choices=("off", "on_subscription")
    )
    known_prices = [s["price"] for s in specs if s["price"] is not None]
    inline = [s["price_data"] for s in specs if s["price_data"] is not None]
    shapes = known_prices + [
        {
            "currency": (d.text("currency") or "").lower(),
            "recurring": {
                "interval": d.child("recurring").text(
                    "interval", choices=("day", "week", "month", "year")
                )
                or "month",
                "interval_count": d.child("recurring").integer("interval_count", minimum=1) or 1,
            },
        }
        for d in inline
    ]
    currency, interval, count = _check_prices(shapes, "items")
    has_method = bool(
        default_method or (customer.get("invoice_settings") or {}).get("default_payment_method")
    )
    charges_now = (
        trial_end is None
        and any(
            (p["recurring"] or {}).get("usage_type", "licensed") == "licensed"
            and (p.get("unit_amount") or 0) > 0
            for p in known_prices
        )
        or (trial_end is None and bool(inline))
    )
    if (
        charges_now
        and method == "charge_automatically"
        and behaviour in ("allow_incomplete", "error_if_incomplete")
        and not has_method
    ):
        raise invalid(
            "This customer has no attached payment source or default payment method. Please "
            "consider adding a default payment method. For more information, visit "
            "https://docs.stripe.com/billing/subscriptions/payment-methods-setting#payment-method-priority.",
            None,
            "resource_missing",
        )
    # --- everything is valid: store ---
    sub_id = ids.new("sub")
    items = [_item(ctx, sub_id, _materialise(ctx, s), s["quantity"], s["metadata"]) for s in specs]
    period_end = trial_end or add_interval(now, interval, count)
    for item in items:
        item.update(current_period_start=now, current_period_end=period_end)
    sub: Obj = {
        "id": sub_id,
        "object": KIND,
        "application": None,
        "application_fee_percent": percent,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": period_end if trial_end else now,
        "billing_cycle_anchor_config": None,
        "billing_mode": {
            "flexible": {"proration_discounts": "included"} if mode == "flexible" else None,
            "type": mode,
            "updated_at": now if mode == "flexible" else None,
        },
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": cancel_at,
        "cancel_at_period_end": bool(params.flag("cancel_at_period_end", default=False)),
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": method,
        "created": now,
        "currency": currency,
        "customer": customer["id"],
        "customer_account": None,
        "days_until_due": days,
        "default_payment_method": default_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": params.text("description", max_length=500),
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {
            "account_tax_ids": None,
            "custom_fields": None,
            "description": None,
            "footer": None,
            "issuer": {"account": None, "type": "self"},
        },
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": new_metadata(params),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": on_behalf_of,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": save_default or "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "presentment_details": None,
        "schedule": None,
        "start_date": now,
        "status": "trialing" if trial_end else "incomplete",
        "status_details": None,
        "test_clock": customer.get("test_clock"),
        "transfer_data": transfer,
        "trial_end": trial_end,
        "trial_settings": {
            "end_behavior": {"billing_cycle_anchor": None, "missing_payment_method": missing_method}
        },
        "trial_start": now if trial_end else None,
    }
    ctx.add(sub, private={"behaviour": behaviour})
    ctx.emit("customer.subscription.created", sub)
    first_invoice(ctx, sub, now, behaviour=behaviour, off_session=bool(params.flag("off_session")))
    return sub


def first_invoice(
    ctx: Ctx, sub: Obj, now: int, *, behaviour: str = "allow_incomplete", off_session: bool = False
) -> Obj:
    """The subscription_create invoice: paid now (or zero during a trial)."""
    from stripe_emulator.resources import invoices

    invoice = _new_invoice(ctx, sub, "subscription_create", now, (now, now))
    period = (now, sub["items"]["data"][0]["current_period_end"])
    for item in sub["items"]["data"]:
        licensed = item["quantity"] is not None
        quantity = item["quantity"] if licensed else 0
        invoices.add_subscription_line(ctx, invoice, sub, item, period=period, quantity=quantity)
        if sub["status"] == "trialing":
            line = invoice["lines"]["data"][-1]
            line.update(amount=0, subtotal=0)
            line["description"] = f"Trial period for {_product_name(ctx, item)}"
    if sub["status"] != "trialing":
        invoices.pull_pending_items(ctx, invoice)
    invoices._totals(ctx, invoice)
    ctx.emit("invoice.created", invoice)
    ctx.change(sub, latest_invoice=invoice["id"])
    invoices.finalize(ctx, invoice, now)
    if sub["status"] == "trialing":
        _schedule_trial(ctx, sub, now)
        return invoice
    if invoice["status"] == "paid":
        return invoice
    _schedule(ctx, now + INCOMPLETE_EXPIRY, "subscription.incomplete_expire", sub)
    if sub["collection_method"] == "send_invoice" or behaviour == "default_incomplete":
        if sub["collection_method"] == "send_invoice":
            _activate(ctx, sub)
        return invoice
    paid = invoices.attempt(ctx, invoice, off_session=off_session)
    if not paid and behaviour == "error_if_incomplete":
        from stripe_emulator.resources import payment_intents

        intent_id = ctx.private(invoice).get("payment_intent")
        intent = ctx.store.find(intent_id or "")
        error = (intent or {}).get("last_payment_error") or {}
        ctx.change(sub, status="incomplete_expired", ended_at=now)
        _unschedule_all(ctx, sub)
        if intent is not None and intent["status"] in (
            "requires_payment_method",
            "requires_action",
        ):
            payment_intents.cancel_intent(ctx, intent, Params({}))
        from stripe_emulator.errors import card_error

        raise card_error(
            error.get("message") or "Your card was declined.",
            error.get("code") or "card_declined",
            error.get("decline_code"),
        )
    return invoice


def _product_name(ctx: Ctx, item: Obj) -> str:
    product = ctx.store.find(item["price"]["product"]) or {}
    return str(product.get("name", "Item"))


def _new_invoice(ctx: Ctx, sub: Obj, reason: str, now: int, period: tuple[int, int]) -> Obj:
    from stripe_emulator.resources import invoices

    customer = ctx.store.find(sub["customer"]) or {"id": sub["customer"]}
    invoice = invoices.build(
        ctx,
        customer,
        now=now,
        currency=sub["currency"],
        billing_reason=reason,
        collection_method=sub["collection_method"],
        days_until_due=sub["days_until_due"],
        subscription=sub,
        period=period,
        default_payment_method=None,
        auto_advance=True,
    )
    ctx.add(invoice, private={"days_until_due": sub["days_until_due"]})
    return invoice


def _schedule(ctx: Ctx, at: int, kind: str, sub: Obj, **extra: Any) -> None:
    from stripe_emulator.resources import test_clocks

    test_clocks.schedule(ctx, at, kind, sub["test_clock"], id=sub["id"], **extra)


def _unschedule_all(ctx: Ctx, sub: Obj) -> None:
    from stripe_emulator.resources import test_clocks

    for kind in (
        "subscription.renew",
        "subscription.trial_will_end",
        "subscription.incomplete_expire",
        "subscription.upcoming",
    ):
        test_clocks.unschedule(ctx, kind, sub["test_clock"], id=sub["id"])


def _schedule_trial(ctx: Ctx, sub: Obj, now: int) -> None:
    end = int(sub["trial_end"])
    _schedule(ctx, max(now, end - TRIAL_WILL_END_BEFORE), "subscription.trial_will_end", sub)
    _schedule_renewal(ctx, sub, end)


def _schedule_renewal(ctx: Ctx, sub: Obj, period_end: int) -> None:
    _schedule(ctx, period_end, "subscription.renew", sub, period_end=period_end)
    interval = sub["items"]["data"][0]["price"]["recurring"]["interval"]
    if interval in ("month", "year"):
        _schedule(ctx, period_end - 3 * 86400, "subscription.upcoming", sub, period_end=period_end)


def _activate(ctx: Ctx, sub: Obj) -> None:
    if sub["status"] in ("active", "canceled", "incomplete_expired"):
        return
    from stripe_emulator.resources import test_clocks

    was = sub["status"]
    previous = ctx.change(sub, status="active")
    test_clocks.unschedule(ctx, "subscription.incomplete_expire", sub["test_clock"], id=sub["id"])
    if was == "incomplete":
        _schedule_renewal(ctx, sub, sub["items"]["data"][0]["current_period_end"])
    ctx.emit("customer.subscription.updated", sub, previous)


def invoice_paid(ctx: Ctx, sub_id: str, invoice: Obj) -> None:
    """Called by invoices when one of this subscription's invoices is paid."""
    sub = ctx.store.find(sub_id)
    if sub is None or sub.get("deleted"):
        return
    if sub["status"] in ("incomplete", "past_due", "unpaid"):
        _activate(ctx, sub)
    if sub["payment_settings"]["save_default_payment_method"] == "on_subscription":
        intent = ctx.store.find(ctx.private(invoice).get("payment_intent") or "")
        if (
            intent is not None
            and intent.get("payment_method")
            and not sub["default_payment_method"]
        ):
            previous = ctx.change(sub, default_payment_method=intent["payment_method"])
            ctx.emit("customer.subscription.updated", sub, previous)


def invoice_failed(ctx: Ctx, sub_id: str, invoice: Obj) -> None:
    """A payment attempt failed: past_due and a retry, or the end of dunning."""
    sub = ctx.store.find(sub_id)
    if sub is None or sub.get("deleted") or invoice["billing_reason"] == "subscription_create":
        return
    from stripe_emulator.resources import test_clocks

    now = test_clocks.now_for(ctx, sub["customer"])
    if invoice["attempt_count"] < MAX_ATTEMPTS and invoice["next_payment_attempt"]:
        if sub["status"] in ("active", "trialing"):
            previous = ctx.change(sub, status="past_due")
            ctx.emit("customer.subscription.updated", sub, previous)
        test_clocks.schedule(
            ctx,
            int(invoice["next_payment_attempt"]),
            "invoice.retry",
            sub["test_clock"],
            id=invoice["id"],
        )
        return
    ctx.change(invoice, next_payment_attempt=None)
    if ctx.store.settings.get("subscription_dunning", "cancel") == "unpaid":
        previous = ctx.change(sub, status="unpaid")
        ctx.emit("customer.subscription.updated", sub, previous)
        return
    _end(ctx, sub, now, reason="payment_failed")


def _end(
    ctx: Ctx,
    sub: Obj,
    now: int,
    *,
    reason: str,
    comment: str | None = None,
    feedback: str | None = None,
) -> None:
    _unschedule_all(ctx, sub)
    ctx.change(
        sub,
        status="canceled",
        canceled_at=sub["canceled_at"] or now,
        ended_at=now,
        cancellation_details={"comment": comment, "feedback": feedback, "reason": reason},
    )
    ctx.emit("customer.subscription.deleted", sub)


# --- clock-driven work ---------------------------------------------------------------------


def _live(ctx: Ctx, args: dict[str, Any]) -> Obj | None:
    sub = ctx.store.find(args["id"])
    if sub is None or sub.get("deleted") or sub["status"] in ("canceled", "incomplete_expired"):
        return None
    return sub


@task("subscription.trial_will_end")
def trial_will_end(ctx: Ctx, args: dict[str, Any]) -> None:
    sub = _live(ctx, args)
    if sub is not None and sub["status"] == "trialing":
        ctx.automatic().emit("customer.subscription.trial_will_end", sub)


@task("subscription.incomplete_expire")
def incomplete_expire(ctx: Ctx, args: dict[str, Any]) -> None:
    sub = _live(ctx, args)
    if sub is None or sub["status"] != "incomplete":
        return
    from stripe_emulator.resources import invoices, test_clocks

    auto = ctx.automatic()
    now = test_clocks.now_for(ctx, sub["customer"])
    invoice = ctx.store.find(sub["latest_invoice"] or "")
    if invoice is not None and invoice["status"] == "open":
        invoices.void(auto, Params({}), invoice=invoice["id"])
    _unschedule_all(auto, sub)
    previous = auto.change(sub, status="incomplete_expired", ended_at=now)
    auto.emit("customer.subscription.updated", sub, previous)


@task("subscription.upcoming")
def upcoming(ctx: Ctx, args: dict[str, Any]) -> None:
    sub = _live(ctx, args)
    if sub is None or sub["status"] not in ("active", "trialing", "past_due"):
        return
    if sub["cancel_at_period_end"]:
        return
    ctx.automatic().emit("invoice.upcoming", preview_invoice(ctx, sub))


@task("subscription.renew")
def renew(ctx: Ctx, args: dict[str, Any]) -> None:
    sub = _live(ctx, args)
    if sub is None or sub["items"]["data"][0]["current_period_end"] != args.get("period_end"):
        return
    cycle(ctx.automatic(), sub)


def cycle(ctx: Ctx, sub: Obj) -> None:
    """The period ends: cancel if asked, else a new period and its invoice, paid off-session."""
    from stripe_emulator.resources import invoices, test_clocks

    now = test_clocks.now_for(ctx, sub["customer"])
    old_items = copy.deepcopy(sub["items"])
    start = sub["items"]["data"][0]["current_period_start"]
    end = sub["items"]["data"][0]["current_period_end"]
    if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= end):
        _end(ctx, sub, now, reason="cancellation_requested")
        return
    if sub["status"] == "paused":
        return
    trialing = sub["status"] == "trialing"
    customer = ctx.store.find(sub["customer"]) or {}
    has_method = bool(
        sub["default_payment_method"]
        or (customer.get("invoice_settings") or {}).get("default_payment_method")
    )
    if trialing and not has_method and sub["collection_method"] == "charge_automatically":
        behaviour = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
        if behaviour == "cancel":
            _end(ctx, sub, now, reason="cancellation_requested")
            return
        if behaviour == "pause":
            _pause(ctx, sub, now, "trial_end_without_payment_method")
            return
    recurring = sub["items"]["data"][0]["price"]["recurring"]
    new_end = add_interval(end, recurring["interval"], recurring["interval_count"])
    for item in sub["items"]["data"]:
        item.update(current_period_start=end, current_period_end=new_end)
    changes: dict[str, Any] = {"items": sub["items"]}
    if trialing:
        changes["status"] = "active"
    previous = ctx.change(sub, **changes)
    previous["items"] = old_items
    ctx.emit("customer.subscription.updated", sub, previous)
    invoice = _new_invoice(ctx, sub, "subscription_cycle", now, (start, end))
    _period_lines(ctx, sub, invoice, (end, new_end), (start, end), trialing)
    invoices.pull_pending_items(ctx, invoice)
    ctx.emit("invoice.created", invoice)
    ctx.change(sub, latest_invoice=invoice["id"])
    _schedule_renewal(ctx, sub, new_end)
    behaviour = (sub["pause_collection"] or {}).get("behavior")
    if behaviour == "keep_as_draft":
        return
    invoices.finalize(ctx, invoice, now)
    if invoice["status"] != "open":
        return
    if behaviour == "void":
        invoices.void(ctx, Params({}), invoice=invoice["id"])
    elif behaviour == "mark_uncollectible":
        invoices.mark_uncollectible(ctx, Params({}), invoice=invoice["id"])
    elif sub["collection_method"] == "charge_automatically":
        invoices.attempt(ctx, invoice, off_session=True)


def _period_lines(
    ctx: Ctx,
    sub: Obj,
    invoice: Obj,
    period: tuple[int, int],
    usage_period: tuple[int, int],
    after_trial: bool,
) -> None:
    """Licensed items in advance for ``period``; metered usage in arrears."""
    from stripe_emulator.resources import invoices, meters

    for item in sub["items"]["data"]:
        recurring = item["price"]["recurring"] or {}
        if recurring.get("usage_type") == "metered":
            used = 0
            if not after_trial and recurring.get("meter"):
                value = meters.usage(
                    ctx, recurring["meter"], sub["customer"], usage_period[0], usage_period[1]
                )
                used = int(value.to_integral_value())
            invoices.add_subscription_line(
                ctx, invoice, sub, item, period=usage_period, quantity=used
            )
        else:
            invoices.add_subscription_line(
                ctx, invoice, sub, item, period=period, quantity=int(item["quantity"] or 0)
            )


def preview_invoice(ctx: Ctx, sub: Obj) -> Obj:
    """The next renewal invoice as it would be now (nothing stored or claimed)."""
    from stripe_emulator.resources import invoice_items, invoices, test_clocks

    if sub["status"] in ("canceled", "incomplete_expired") or sub["cancel_at_period_end"]:
        raise invalid(
            "No upcoming invoices for this subscription: it is canceled or ends at the period end.",
            "subscription",
            "invoice_upcoming_none",
        )
    customer = ctx.store.find(sub["customer"]) or {"id": sub["customer"]}
    start = sub["items"]["data"][0]["current_period_start"]
    end = sub["items"]["data"][0]["current_period_end"]
    recurring = sub["items"]["data"][0]["price"]["recurring"]
    new_end = add_interval(end, recurring["interval"], recurring["interval_count"])
    preview = invoices.build(
        ctx,
        customer,
        now=test_clocks.now_for(ctx, sub["customer"]),
        currency=sub["currency"],
        billing_reason="upcoming",
        collection_method=sub["collection_method"],
        subscription=sub,
        period=(start, end),
    )
    invoices.preview_line_items(
        ctx, preview, invoice_items.pending_for(ctx, sub["customer"], sub["currency"])
    )
    lines = preview["lines"]["data"]
    preview["lines"]["data"] = []
    _period_lines(ctx, sub, preview, (end, new_end), (start, end), sub["status"] == "trialing")
    preview["lines"]["data"].extend(lines)
    subtotal = sum(line["amount"] for line in preview["lines"]["data"])
    preview.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total=subtotal,
        total_excluding_tax=subtotal,
        amount_due=max(subtotal, 0),
        amount_remaining=max(subtotal, 0),
        next_payment_attempt=end if sub["collection_method"] == "charge_automatically" else None,
    )
    return preview


def _pause(ctx: Ctx, sub: Obj, now: int, reason: str) -> None:
    _unschedule_all(ctx, sub)
    previous = ctx.change(
        sub,
        status="paused",
        status_details={
            "paused": {
                "subscription": {"type": reason},
                "transitioned_at": now,
                "type": "subscription",
            }
        },
    )
    ctx.emit("customer.subscription.paused", sub)
    ctx.emit("customer.subscription.updated", sub, previous)


# --- HTTP ---------------------------------------------------------------------------------


@api.get("/v1/subscriptions/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [s for s in ctx.store.objects(KIND, ctx.account) if matches(query, s)]
    return search_result(ctx, found, params, "/v1/subscriptions/search")


@api.get("/v1/subscriptions/{subscription_exposed_id}")
def retrieve(ctx: Ctx, params: Params, subscription_exposed_id: str) -> Obj:
    return respond(ctx, get(ctx, subscription_exposed_id, "subscription_exposed_id"), params)


UPDATE_FIELDS = (
    "items",
    "cancel_at_period_end",
    "cancel_at",
    "metadata",
    "default_payment_method",
    "pause_collection",
    "description",
    "proration_behavior",
    "payment_behavior",
    "trial_end",
    "collection_method",
    "days_until_due",
    "cancellation_details",
    "off_session",
)


@api.post("/v1/subscriptions/{subscription_exposed_id}")
def update(ctx: Ctx, params: Params, subscription_exposed_id: str) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(UPDATE_FIELDS)
    sub = get(ctx, subscription_exposed_id, "subscription_exposed_id")
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid(
            "A canceled subscription can only update its cancellation_details and metadata.",
            None,
        )
    customer = ctx.store.find(sub["customer"]) or {"id": sub["customer"]}
    now = test_clocks.now_for(ctx, sub["customer"])
    changes: dict[str, Any] = {}
    if params.has("cancel_at_period_end"):
        changes["cancel_at_period_end"] = params.flag("cancel_at_period_end")
        if changes["cancel_at_period_end"]:
            changes["canceled_at"] = now
            changes["cancellation_details"] = {
                **sub["cancellation_details"],
                "reason": "cancellation_requested",
            }
        else:
            changes["canceled_at"] = None
            changes["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}
    if params.has("cancel_at"):
        cancel_at = params.integer("cancel_at")
        if cancel_at is not None and cancel_at <= now:
            raise invalid("Invalid timestamp: must be in the future.", "cancel_at")
        changes["cancel_at"] = cancel_at
    if params.raw("cancellation_details"):
        details = params.child("cancellation_details")
        changes["cancellation_details"] = {
            **(changes.get("cancellation_details") or sub["cancellation_details"]),
            "comment": details.text("comment"),
            "feedback": details.text("feedback"),
        }
    if params.has("default_payment_method"):
        changes["default_payment_method"] = _payment_method(ctx, params, customer)
    if params.has("description"):
        changes["description"] = params.text("description", max_length=500)
    if params.has("pause_collection"):
        if params.raw("pause_collection") in ("", None):
            changes["pause_collection"] = None
        else:
            pause = params.child("pause_collection")
            behavior = pause.text(
                "behavior", required=True, choices=("keep_as_draft", "mark_uncollectible", "void")
            )
            changes["pause_collection"] = {
                "behavior": behavior,
                "resumes_at": pause.integer("resumes_at"),
            }
    if params.has("collection_method") or params.has("days_until_due"):
        method = (
            params.text("collection_method", choices=("charge_automatically", "send_invoice"))
            or sub["collection_method"]
        )
        days = params.integer("days_until_due", minimum=0, maximum=1825)
        if method == "send_invoice" and days is None and sub["days_until_due"] is None:
            raise invalid("Missing required param: days_until_due.", "days_until_due")
        changes["collection_method"] = method
        changes["days_until_due"] = (
            None if method == "charge_automatically" else days or sub["days_until_due"]
        )
    end_trial_now = params.raw("trial_end") == "now"
    if params.has("trial_end") and not end_trial_now:
        if sub["status"] != "trialing":
            raise invalid("Only a subscription in a trial can move its trial end.", "trial_end")
        trial_end = _trial_end(Params({"trial_end": params.raw("trial_end")}), now)
        changes["trial_end"] = trial_end
    if end_trial_now and sub["status"] != "trialing":
        raise invalid("The subscription is not in a trial.", "trial_end")
    specs = _item_specs(ctx, params) if params.has("items") else []
    existing = {item["id"]: item for item in sub["items"]["data"]}
    for position, spec in enumerate(specs):
        if spec["id"] and spec["id"] not in existing:
            raise invalid(
                f"No such subscription item: '{spec['id']}'",
                f"items[{position}][id]",
                "resource_missing",
            )
    remaining = [
        i
        for i in sub["items"]["data"]
        if not any(s["id"] == i["id"] and s["deleted"] for s in specs)
    ]
    added = [s for s in specs if not s["id"]]
    if specs and not remaining and not added:
        raise invalid("A subscription must have at least one item.", "items")
    new_prices = [s["price"] for s in specs if s["price"] is not None]
    if new_prices:
        _check_prices(
            [i["price"] for i in remaining if not any(s["id"] == i["id"] for s in specs)]
            + new_prices,
            "items",
        )
    # --- valid: apply ---
    old_items = copy.deepcopy(sub["items"])
    if specs:
        period = (
            sub["items"]["data"][0]["current_period_start"],
            sub["items"]["data"][0]["current_period_end"],
        )
        items = []
        for item in sub["items"]["data"]:
            spec = next((s for s in specs if s["id"] == item["id"]), {})
            if not spec:
                items.append(item)
                continue
            if spec["deleted"]:
                continue
            if spec["price"] is not None or spec["price_data"] is not None:
                price = _materialise(ctx, spec)
                item.update(price=copy.deepcopy(price), plan=_plan(price))
            if spec["has_quantity"]:
                item["quantity"] = spec["quantity"]
            if spec["has_metadata"]:
                item["metadata"] = spec["metadata"]
            items.append(item)
        for spec in added:
            item = _item(
                ctx, sub["id"], _materialise(ctx, spec), spec["quantity"], spec["metadata"]
            )
            item.update(current_period_start=period[0], current_period_end=period[1])
            items.append(item)
        sub["items"]["data"] = items
        changes["items"] = sub["items"]
    previous = ctx.metadata(sub, params)
    previous.update(ctx.change(sub, **changes))
    if specs and sub["items"] != old_items:
        previous["items"] = old_items
    if previous:
        ctx.emit("customer.subscription.updated", sub, previous)
    if "trial_end" in changes and changes["trial_end"]:
        test_clocks.unschedule(ctx, "subscription.renew", sub["test_clock"], id=sub["id"])
        test_clocks.unschedule(ctx, "subscription.upcoming", sub["test_clock"], id=sub["id"])
        test_clocks.unschedule(ctx, "subscription.trial_will_end", sub["test_clock"], id=sub["id"])
        for item in sub["items"]["data"]:
            item["current_period_end"] = changes["trial_end"]
        _schedule_trial(ctx, sub, now)
    if end_trial_now:
        for item in sub["items"]["data"]:
            item["current_period_end"] = now
        _unschedule_all(ctx, sub)
        ctx.change(sub, trial_end=now)
        cycle(ctx, sub)
    return respond(ctx, sub, params)


@api.delete("/v1/subscriptions/{subscription_exposed_id}")
def cancel(ctx: Ctx, params: Params, subscription_exposed_id: str) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(("invoice_now", "prorate", "cancellation_details"))
    sub = get(ctx, subscription_exposed_id, "subscription_exposed_id")
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid(
            f"No such subscription: '{sub['id']}' is already canceled.",
            None,
            "resource_missing",
        )
    details = params.child("cancellation_details")
    feedback = details.text(
        "feedback",
        choices=(
            "customer_service",
            "low_quality",
            "missing_features",
            "other",
            "switched_service",
            "too_complex",
            "too_expensive",
            "unused",
        ),
    )
    now = test_clocks.now_for(ctx, sub["customer"])
    _end(
        ctx,
        sub,
        now,
        reason="cancellation_requested",
        comment=details.text("comment"),
        feedback=feedback,
    )
    return respond(ctx, sub, params)


@api.post("/v1/subscriptions/{subscription}/pause")
def pause(ctx: Ctx, params: Params, subscription: str) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(("bill_for", "invoicing_behavior", "type"))
    params.text("type", choices=("subscription",))
    params.text("invoicing_behavior", choices=("invoice", "pending_invoice_item"))
    sub = get(ctx, subscription, "subscription")
    if sub["status"] not in ("active", "trialing", "past_due"):
        raise invalid(
            f"Only active subscriptions can be paused; this one is {sub['status']}.", None
        )
    _pause(ctx, sub, test_clocks.now_for(ctx, sub["customer"]), "pause_requested")
    return respond(ctx, sub, params)


@api.post("/v1/subscriptions/{subscription}/resume")
def resume(ctx: Ctx, params: Params, subscription: str) -> Obj:
    """A paused subscription starts a new period now and invoices it."""
    from stripe_emulator.resources import invoices, test_clocks

    params.reject_unknown(("billing_cycle_anchor", "payment_behavior", "proration_behavior"))
    anchor = params.text("billing_cycle_anchor", choices=("now", "unchanged")) or "now"
    params.text(
        "payment_behavior", choices=("resume_on_payment_attempt", "resume_on_payment_success")
    )
    sub = get(ctx, subscription, "subscription")
    if sub["status"] != "paused":
        raise invalid(
            f"Only paused subscriptions can be resumed; this one is {sub['status']}.", None
        )
    now = test_clocks.now_for(ctx, sub["customer"])
    recurring = sub["items"]["data"][0]["price"]["recurring"]
    start = now if anchor == "now" else sub["items"]["data"][0]["current_period_start"]
    end = add_interval(start, recurring["interval"], recurring["interval_count"])
    while end <= now:
        start, end = end, add_interval(end, recurring["interval"], recurring["interval_count"])
    for item in sub["items"]["data"]:
        item.update(current_period_start=start, current_period_end=end)
    previous = ctx.change(
        sub,
        status="active",
        status_details=None,
        billing_cycle_anchor=start if anchor == "now" else sub["billing_cycle_anchor"],
        trial_end=sub["trial_end"],
    )
    ctx.emit("customer.subscription.resumed", sub)
    ctx.emit("customer.subscription.updated", sub, previous)
    invoice = _new_invoice(ctx, sub, "subscription_update", now, (now, now))
    _period_lines(ctx, sub, invoice, (start, end), (start, start), True)
    ctx.emit("invoice.created", invoice)
    ctx.change(sub, latest_invoice=invoice["id"])
    _schedule_renewal(ctx, sub, end)
    invoices.finalize(ctx, invoice, now)
    if invoice["status"] == "open" and sub["collection_method"] == "charge_automatically":
        invoices.attempt(ctx, invoice, off_session=True)
    return respond(ctx, sub, params)


@api.get("/v1/subscriptions")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    price = params.text("price")
    status = params.text(
        "status",
        choices=(
            "active",
            "all",
            "canceled",
            "ended",
            "incomplete",
            "incomplete_expired",
            "past_due",
            "paused",
            "trialing",
            "unpaid",
        ),
    )
    method = params.text("collection_method", choices=("charge_automatically", "send_invoice"))
    clock = params.text("test_clock")
    created = created_filter(params)

    def accept(s: Obj) -> bool:
        if status is None and s["status"] in ("canceled", "incomplete_expired"):
            return False
        if status == "ended" and s["status"] not in ("canceled", "incomplete_expired"):
            return False
        if status not in (None, "all", "ended") and s["status"] != status:
            return False
        return bool(
            (customer is None or s["customer"] == customer)
            and (price is None or any(i["price"]["id"] == price for i in s["items"]["data"]))
            and (method is None or s["collection_method"] == method)
            and (clock is None or s["test_clock"] == clock)
            and created(s)
        )

    return page(ctx, ctx.store.objects(KIND, ctx.account, accept), params, "/v1/subscriptions")
