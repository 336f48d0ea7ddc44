"""Products: create, retrieve, update, delete, list and search.

A product with prices cannot be deleted (Stripe keeps prices forever, so it refuses rather
than leave them orphaned); ``default_price_data`` creates the first price in the same call."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj

FIELDS = (
    "active",
    "description",
    "images",
    "marketing_features",
    "metadata",
    "name",
    "package_dimensions",
    "shippable",
    "statement_descriptor",
    "tax_code",
    "unit_label",
    "url",
)


def _features(params: Params) -> list[dict[str, Any]]:
    features = []
    for position, entry in enumerate(params.items("marketing_features")):
        feature = Params(entry, f"marketing_features[{position}]")
        features.append({"name": feature.text("name", required=True, max_length=80)})
    return features


def _dimensions(params: Params) -> dict[str, float] | None:
    if not params.raw("package_dimensions"):
        return None
    dims = params.child("package_dimensions")
    result: dict[str, float] = {}
    for key in ("height", "length", "weight", "width"):
        dims.require(key)
        try:
            result[key] = float(dims.raw(key))
        except (TypeError, ValueError):
            raise invalid(f"Invalid decimal: {dims.raw(key)}", dims.name(key)) from None
    return result


def _descriptor(params: Params) -> str | None:
    descriptor = params.text("statement_descriptor", max_length=22)
    if descriptor is not None and any(c in descriptor for c in "<>\\'\""):
        raise invalid(
            "The statement descriptor contains one or more prohibited characters (<, >, \\, ' "
            'or ").',
            "statement_descriptor",
        )
    return descriptor


def build(ctx: Ctx, params: Params, *, active: bool = True) -> Obj:
    name = params.text("name", required=True, max_length=250) or ""
    now = ctx.now()
    return {
        "id": ids.new("prod", 14),
        "object": "product",
        "active": params.flag("active", default=active),
        "created": now,
        "default_price": None,
        "description": params.text("description", max_length=40000),
        "images": params.strings("images")[:8],
        "livemode": False,
        "marketing_features": _features(params),
        "metadata": new_metadata(params),
        "name": name,
        "package_dimensions": _dimensions(params),
        "shippable": params.flag("shippable"),
        "statement_descriptor": _descriptor(params),
        "tax_code": params.text("tax_code"),
        "tax_details": None,
        "type": "service",
        "unit_label": params.text("unit_label", max_length=12),
        "updated": now,
        "url": params.text("url"),
    }


def get(ctx: Ctx, product_id: str | None, param: str = "product") -> Obj:
    return ctx.get(product_id, "product", param)


@api.post("/v1/products")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown((*FIELDS, "id", "default_price_data", "tax_details"))
    from stripe_emulator.resources import prices

    product = build(ctx, params)
    custom_id = params.text("id")
    if custom_id:
        if ctx.store.find(custom_id) is not None:
            raise invalid(f"Product already exists with ID '{custom_id}'.", "id")
        product["id"] = custom_id
    price_data = params.child("default_price_data")
    if price_data.data:
        price_data.reject_unknown(
            (
                "currency",
                "unit_amount",
                "unit_amount_decimal",
                "recurring",
                "tax_behavior",
                "metadata",
                "currency_options",
                "custom_unit_amount",
            )
        )
        price_fields = prices.build(ctx, price_data, product["id"])  # validates first
    ctx.add(product)
    ctx.emit("product.created", product)
    if price_data.data:
        price = ctx.add(price_fields)
        ctx.emit("price.created", price)
        ctx.change(product, default_price=price["id"])
    return respond(ctx, product, params)


@api.get("/v1/products/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [p for p in ctx.store.objects("product", ctx.account) if matches(query, p)]
    return search_result(ctx, found, params, "/v1/products/search")


@api.get("/v1/products/{product}")
def retrieve(ctx: Ctx, params: Params, product: str) -> Obj:
    return respond(ctx, get(ctx, product, "id"), params)


@api.post("/v1/products/{product}")
def update(ctx: Ctx, params: Params, product: str) -> Obj:
    params.reject_unknown((*FIELDS, "default_price", "tax_details"))
    obj = get(ctx, product, "id")
    changes: dict[str, Any] = {}
    if params.has("name"):
        changes["name"] = params.text("name", required=True, max_length=250)
    for name in ("description", "tax_code", "url"):
        if params.has(name):
            changes[name] = params.text(name)
    if params.has("unit_label"):
        changes["unit_label"] = params.text("unit_label", max_length=12)
    if params.has("statement_descriptor"):
        changes["statement_descriptor"] = _descriptor(params)
    if params.has("active"):
        changes["active"] = params.flag("active")
    if params.has("shippable"):
        changes["shippable"] = params.flag("shippable")
    if params.has("images"):
        changes["images"] = params.strings("images")[:8]
    if params.has("marketing_features"):
        changes["marketing_features"] = _features(params)
    if params.has("package_dimensions"):
        changes["package_dimensions"] = _dimensions(params)
    if params.has("default_price"):
        price_id = params.text("default_price")
        if price_id:
            price = ctx.store.find(price_id, ctx.account)
            if price is None or price.get("object") != "price":
                raise invalid(f"No such price: '{price_id}'", "default_price", "resource_missing")
            if price["product"] != obj["id"]:
                raise invalid(
                    f"The price `{price_id}` does not belong to this product.", "default_price"
                )
            if not price["active"]:
                raise invalid(
                    "The default price must be active; you cannot set an inactive price as "
                    "the default price of a product.",
                    "default_price",
                )
        changes["default_price"] = price_id
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.change(obj, updated=ctx.now())
        ctx.emit("product.updated", obj, previous)
    return respond(ctx, obj, params)


@api.delete("/v1/products/{product}")
def delete(ctx: Ctx, params: Params, product: str) -> Obj:
    obj = get(ctx, product, "id")
    if ctx.store.objects("price", ctx.account, lambda p: p["product"] == obj["id"]):
        raise invalid(
            "This product cannot be deleted because it has one or more user-created prices.",
            None,
            "product_has_prices",
        )
    ctx.emit("product.deleted", obj)
    return ctx.store.tombstone(obj["id"])


@api.get("/v1/products")
def listing(ctx: Ctx, params: Params) -> Obj:
    active = params.flag("active")
    shippable = params.flag("shippable")
    wanted = set(params.strings("ids"))
    url = params.text("url")
    created = created_filter(params)
    found = ctx.store.objects(
        "product",
        ctx.account,
        lambda p: (
            (active is None or p["active"] == active)
            and (shippable is None or p["shippable"] == shippable)
            and (not wanted or p["id"] in wanted)
            and (url is None or p["url"] == url)
            and created(p)
        ),
    )
    return page(ctx, found, params, "/v1/products")
