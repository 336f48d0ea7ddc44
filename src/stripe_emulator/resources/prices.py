"""Prices: create, retrieve, update, list and search (never deleted: ``active=false``).

Since basil a metered price must name a billing meter; ``lookup_key`` is unique among a
account's prices unless ``transfer_lookup_key`` moves it. ``price_data`` on Checkout,
subscription and invoice item requests makes an inactive price through ``from_data``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj

CURRENCY = re.compile(r"^[a-z]{3}$")
INTERVALS = ("day", "week", "month", "year")
INTERVAL_LIMITS = {"day": 1095, "week": 156, "month": 36, "year": 3}
MAX_AMOUNT = 99_999_999


def currency_of(params: Params, key: str = "currency") -> str:
    value = (params.text(key, required=True) or "").lower()
    if not CURRENCY.match(value):
        raise invalid(f"Invalid currency: {value}", params.name(key))
    return value


def _amount(params: Params) -> tuple[int | None, str | None]:
    """``unit_amount`` or ``unit_amount_decimal`` (exactly one), as Stripe stores them."""
    if params.has("unit_amount") and params.has("unit_amount_decimal"):
        raise invalid(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
            params.name("unit_amount_decimal"),
        )
    if params.has("unit_amount_decimal"):
        text = str(params.raw("unit_amount_decimal"))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise invalid(f"Invalid decimal: {text}", params.name("unit_amount_decimal")) from None
        if value < 0 or not value.is_finite() or value > MAX_AMOUNT:
            raise invalid(
                "Invalid unit_amount_decimal: must be between 0 and 99999999.",
                params.name("unit_amount_decimal"),
            )
        normal = format(value.normalize(), "f")
        return (int(value) if value == value.to_integral_value() else None), normal
    amount = params.integer("unit_amount", minimum=0, maximum=MAX_AMOUNT)
    if amount is None:
        raise invalid(
            "Missing required param: unit_amount. You must specify either `unit_amount`, "
            "`unit_amount_decimal`, or `custom_unit_amount`.",
            params.name("unit_amount"),
        )
    return amount, str(amount)


def _recurring(ctx: Ctx, params: Params) -> dict[str, Any] | None:
    if not params.raw("recurring"):
        return None
    recurring = params.child("recurring")
    recurring.reject_unknown(
        ("interval", "interval_count", "usage_type", "meter", "trial_period_days")
    )
    interval = recurring.text("interval", required=True, choices=INTERVALS) or "month"
    count = recurring.integer("interval_count", minimum=1) or 1
    if count > INTERVAL_LIMITS[interval]:
        raise invalid(
            "The maximum billing frequency is 3 years (36 months, 156 weeks or 1095 days).",
            recurring.name("interval_count"),
        )
    usage = recurring.text("usage_type", choices=("licensed", "metered")) or "licensed"
    meter = recurring.text("meter")
    if usage == "metered" and not meter:
        raise invalid(
            "Metered prices must be backed by a meter: pass `recurring[meter]` (legacy "
            "usage-based billing was removed in 2025-03-31.basil).",
            recurring.name("meter"),
        )
    if meter:
        if usage != "metered":
            raise invalid(
                "A meter can only be set on prices with `recurring[usage_type]=metered`.",
                recurring.name("meter"),
            )
        ctx.get(meter, "billing.meter", recurring.name("meter"))
    return {
        "interval": interval,
        "interval_count": count,
        "meter": meter,
        "trial_period_days": recurring.integer("trial_period_days", minimum=0, maximum=730),
        "usage_type": usage,
    }


def build(ctx: Ctx, params: Params, product_id: str, *, active: bool = True) -> Obj:
    """The price a request describes (validated, not stored)."""
    currency = currency_of(params)
    unit_amount, unit_decimal = _amount(params)
    billing_scheme = params.text("billing_scheme", choices=("per_unit",)) or "per_unit"
    return {
        "id": ids.new("price"),
        "object": "price",
        "active": params.flag("active", default=active),
        "billing_scheme": billing_scheme,
        "created": ctx.now(),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": params.text("lookup_key", max_length=200),
        "metadata": new_metadata(params),
        "nickname": params.text("nickname"),
        "product": product_id,
        "recurring": _recurring(ctx, params),
        "tax_behavior": params.text(
            "tax_behavior", choices=("exclusive", "inclusive", "unspecified")
        )
        or "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if params.raw("recurring") else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_decimal,
    }


def get(ctx: Ctx, price_id: str | None, param: str = "price") -> Obj:
    return ctx.get(price_id, "price", param)


def _lookup_holder(ctx: Ctx, key: str | None, exclude: str | None = None) -> Obj | None:
    if not key:
        return None
    for price in ctx.store.objects("price", ctx.account):
        if price["lookup_key"] == key and price["id"] != exclude:
            return price
    return None


def _claim_lookup_key(ctx: Ctx, params: Params, key: str | None, exclude: str | None) -> None:
    """Refuse a taken key unless ``transfer_lookup_key``; moving it changes the old price."""
    holder = _lookup_holder(ctx, key, exclude)
    if holder is not None and not params.flag("transfer_lookup_key", default=False):
        raise invalid(
            f"A price (`{holder['id']}`) already uses that lookup key.",
            "lookup_key",
        )


def _release_lookup_key(ctx: Ctx, key: str | None, exclude: str | None) -> None:
    holder = _lookup_holder(ctx, key, exclude)
    if holder is not None:
        previous = ctx.change(holder, lookup_key=None)
        ctx.emit("price.updated", holder, previous)


def _product_for(ctx: Ctx, params: Params, *, inline_active: bool) -> tuple[str, Obj | None]:
    """The product a price belongs to: ``product`` (an id) or ``product_data`` (new)."""
    from stripe_emulator.resources import products

    if params.has("product") and params.has("product_data"):
        raise invalid(
            "You may only specify one of these parameters: product, product_data.",
            params.name("product_data"),
        )
    if params.raw("product_data"):
        data = params.child("product_data")
        data.reject_unknown(
            (
                "name",
                "active",
                "description",
                "images",
                "metadata",
                "statement_descriptor",
                "tax_code",
                "unit_label",
                "id",
                "tax_details",
            )
        )
        product = products.build(ctx, data, active=inline_active)
        return product["id"], product
    if not params.text("product"):
        raise invalid(
            "Missing required param: product. You must specify either `product` or `product_data`.",
            params.name("product"),
        )
    product = products.get(ctx, params.text("product"), params.name("product"))
    return product["id"], None


def from_data(ctx: Ctx, params: Params, *, recurring: str) -> Obj:
    """An inactive price made from ``price_data`` (``recurring``: "required", "allowed" or
    "forbidden" by the caller's mode). Validates everything, then stores it."""
    params.reject_unknown(
        (
            "currency",
            "product",
            "product_data",
            "unit_amount",
            "unit_amount_decimal",
            "recurring",
            "tax_behavior",
        )
    )
    if recurring == "required" and not params.raw("recurring"):
        raise invalid(
            "Missing required param: recurring. Prices for subscriptions must be recurring.",
            params.name("recurring"),
        )
    if recurring == "forbidden" and params.raw("recurring"):
        raise invalid(
            "You specified `recurring` in `price_data`, but this is only allowed in "
            "`subscription` mode.",
            params.name("recurring"),
        )
    product_id, new_product = _product_for(ctx, params, inline_active=False)
    price = build(ctx, Params({**params.data, "active": "false"}, params.prefix), product_id)
    if new_product is not None:
        ctx.add(new_product)
    return ctx.add(price)


def usable(ctx: Ctx, price_id: str | None, param: str) -> Obj:
    """An active price for a new line item, or the 400 Stripe gives for an archived one."""
    price = get(ctx, price_id, param)
    if not price["active"]:
        raise invalid(
            f"The price specified is inactive. This field only accepts active prices: {price_id}",
            param,
        )
    return price


def unit_amount(price: Obj) -> Decimal:
    return Decimal(str(price["unit_amount_decimal"] or price["unit_amount"] or 0))


@api.post("/v1/prices")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        (
            "currency",
            "product",
            "product_data",
            "unit_amount",
            "unit_amount_decimal",
            "recurring",
            "lookup_key",
            "transfer_lookup_key",
            "active",
            "nickname",
            "metadata",
            "tax_behavior",
            "billing_scheme",
        )
    )
    product_id, new_product = _product_for(ctx, params, inline_active=True)
    price = build(ctx, params, product_id)
    _claim_lookup_key(ctx, params, price["lookup_key"], None)
    if new_product is not None:
        ctx.add(new_product)
        ctx.emit("product.created", new_product)
    _release_lookup_key(ctx, price["lookup_key"], None)
    ctx.add(price)
    ctx.emit("price.created", price)
    return respond(ctx, price, params)


@api.get("/v1/prices/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [p for p in ctx.store.objects("price", ctx.account) if matches(query, p)]
    return search_result(ctx, found, params, "/v1/prices/search")


@api.get("/v1/prices/{price}")
def retrieve(ctx: Ctx, params: Params, price: str) -> Obj:
    return respond(ctx, get(ctx, price, "price"), params)


@api.post("/v1/prices/{price}")
def update(ctx: Ctx, params: Params, price: str) -> Obj:
    params.reject_unknown(
        (
            "active",
            "lookup_key",
            "transfer_lookup_key",
            "metadata",
            "nickname",
            "tax_behavior",
            "currency_options",
        )
    )
    obj = get(ctx, price, "price")
    changes: dict[str, Any] = {}
    if params.has("active"):
        changes["active"] = params.flag("active")
    if params.has("nickname"):
        changes["nickname"] = params.text("nickname")
    if params.has("tax_behavior"):
        behaviour = params.text("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
        if obj["tax_behavior"] != "unspecified" and behaviour != obj["tax_behavior"]:
            raise invalid(
                "Tax behavior cannot be changed once it is set to exclusive or inclusive.",
                "tax_behavior",
            )
        changes["tax_behavior"] = behaviour
    if params.has("lookup_key"):
        key = params.text("lookup_key", max_length=200)
        _claim_lookup_key(ctx, params, key, obj["id"])
        changes["lookup_key"] = key
    if "lookup_key" in changes:
        _release_lookup_key(ctx, changes["lookup_key"], obj["id"])
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("price.updated", obj, previous)
    return respond(ctx, obj, params)


@api.get("/v1/prices")
def listing(ctx: Ctx, params: Params) -> Obj:
    active = params.flag("active")
    currency = params.text("currency")
    product = params.text("product")
    kind = params.text("type", choices=("one_time", "recurring"))
    keys = set(params.strings("lookup_keys"))
    recurring = params.child("recurring")
    interval = recurring.text("interval", choices=INTERVALS)
    usage = recurring.text("usage_type", choices=("licensed", "metered"))
    meter = recurring.text("meter")
    created = created_filter(params)

    def accept(p: Obj) -> bool:
        rec = p["recurring"] or {}
        return bool(
            (active is None or p["active"] == active)
            and (currency is None or p["currency"] == currency)
            and (product is None or p["product"] == product)
            and (kind is None or p["type"] == kind)
            and (not keys or p["lookup_key"] in keys)
            and (interval is None or rec.get("interval") == interval)
            and (usage is None or rec.get("usage_type") == usage)
            and (meter is None or rec.get("meter") == meter)
            and created(p)
        )

    return page(ctx, ctx.store.objects("price", ctx.account, accept), params, "/v1/prices")
