"""Customers: create, retrieve, update, delete, list and search.

The pattern every resource module follows: a ``build`` function gives the full object in the
shape of the pinned API version, handlers validate every parameter before changing anything,
and each change emits the event Stripe would."""

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
    "address",
    "balance",
    "description",
    "email",
    "invoice_prefix",
    "invoice_settings",
    "metadata",
    "name",
    "payment_method",
    "phone",
    "preferred_locales",
    "shipping",
    "tax_exempt",
    "test_clock",
)


def build(ctx: Ctx, params: Params) -> Obj:
    settings = params.child("invoice_settings")
    clock = params.text("test_clock")
    if clock:
        ctx.get(clock, "test_helpers.test_clock", "test_clock")
    return {
        "id": ids.new("cus", 14),
        "object": "customer",
        "address": params.raw("address") or None,
        "balance": params.integer("balance") or 0,
        "created": ctx.now(),
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": params.text("description"),
        "discount": None,
        "email": params.text("email", max_length=512),
        "invoice_prefix": ids.token(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": settings.text("default_payment_method"),
            "footer": settings.text("footer"),
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": new_metadata(params),
        "name": params.text("name", max_length=256),
        "next_invoice_sequence": 1,
        "phone": params.text("phone", max_length=20),
        "preferred_locales": params.strings("preferred_locales"),
        "shipping": params.raw("shipping") or None,
        "tax_exempt": params.text("tax_exempt", choices=("none", "exempt", "reverse")) or "none",
        "test_clock": clock,
    }


def get(ctx: Ctx, customer_id: str | None, param: str = "customer") -> Obj:
    return ctx.get(customer_id, "customer", param)


def _attach_initial_method(ctx: Ctx, customer: Obj, params: Params) -> None:
    method_ref = params.text("payment_method")
    if method_ref:
        from stripe_emulator.resources import payment_methods

        method = payment_methods.attach(ctx, method_ref, customer, param="payment_method")
        default = customer["invoice_settings"]["default_payment_method"]
        if default == method_ref:
            customer["invoice_settings"]["default_payment_method"] = method["id"]


@api.post("/v1/customers")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown((*FIELDS, "source", "tax", "tax_id_data", "cash_balance", "test_clock"))
    customer = ctx.add(build(ctx, params))
    ctx.emit("customer.created", customer)
    _attach_initial_method(ctx, customer, params)
    return respond(ctx, customer, params)


@api.get("/v1/customers/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [c for c in ctx.store.objects("customer", ctx.account) if matches(query, c)]
    return search_result(ctx, found, params, "/v1/customers/search")


@api.get("/v1/customers/{customer}")
def retrieve(ctx: Ctx, params: Params, customer: str) -> Obj:
    found = ctx.store.find(customer, ctx.account)
    if found is not None and found.get("object") == "customer" and found.get("deleted"):
        return found
    return respond(ctx, get(ctx, customer, "id"), params)


@api.post("/v1/customers/{customer}")
def update(ctx: Ctx, params: Params, customer: str) -> Obj:
    params.reject_unknown((*FIELDS, "default_source", "source", "tax"))
    obj = get(ctx, customer, "id")
    changes: dict[str, Any] = {}
    for name in ("description", "email", "name", "phone"):
        if params.has(name):
            changes[name] = params.text(name)
    if params.has("address"):
        changes["address"] = params.raw("address") or None
    if params.has("shipping"):
        changes["shipping"] = params.raw("shipping") or None
    if params.has("balance"):
        changes["balance"] = params.integer("balance") or 0
    if params.has("preferred_locales"):
        changes["preferred_locales"] = params.strings("preferred_locales")
    if params.has("tax_exempt"):
        changes["tax_exempt"] = params.text("tax_exempt", choices=("none", "exempt", "reverse"))
    if params.has("invoice_settings"):
        settings = params.child("invoice_settings")
        merged = dict(obj["invoice_settings"])
        if settings.has("default_payment_method"):
            method = settings.text("default_payment_method")
            if method:
                _require_attached(ctx, method, obj)
            merged["default_payment_method"] = method
        if settings.has("footer"):
            merged["footer"] = settings.text("footer")
        changes["invoice_settings"] = merged
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("customer.updated", obj, previous)
    return respond(ctx, obj, params)


def _require_attached(ctx: Ctx, method_id: str, customer: Obj) -> None:
    method = ctx.store.find(method_id, ctx.account)
    if method is None or method.get("object") != "payment_method":
        raise invalid(
            f"No such PaymentMethod: '{method_id}'",
            "invoice_settings[default_payment_method]",
            code="resource_missing",
        )
    if method.get("customer") != customer["id"]:
        raise invalid(
            f"The customer does not have a payment method with the ID {method_id}. The "
            "payment method must be attached to the customer.",
            "invoice_settings[default_payment_method]",
        )


@api.delete("/v1/customers/{customer}")
def delete(ctx: Ctx, params: Params, customer: str) -> Obj:
    obj = get(ctx, customer, "id")
    ctx.emit("customer.deleted", obj)
    return ctx.store.tombstone(obj["id"])


@api.get("/v1/customers")
def listing(ctx: Ctx, params: Params) -> Obj:
    email = params.text("email")
    clock = params.text("test_clock")
    created = created_filter(params)
    found = ctx.store.objects(
        "customer",
        ctx.account,
        lambda c: (
            (email is None or c.get("email") == email)
            and (clock is None or c.get("test_clock") == clock)
            and created(c)
        ),
    )
    return page(ctx, found, params, "/v1/customers")
