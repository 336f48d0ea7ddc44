"""Invoice items (``/v1/invoiceitems``): one-off charges waiting for an invoice.

An item either names a draft ``invoice`` (it becomes one of its lines at once) or stays
pending on the customer until the next invoice that pulls pending items in (a subscription
invoice, or one created with ``pending_invoice_items_behavior=include``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

KIND = "invoiceitem"


def get(ctx: Ctx, item_id: str | None, param: str = "invoiceitem") -> Obj:
    return ctx.get(item_id, KIND, param)


def _pricing(ctx: Ctx, params: Params) -> tuple[Obj | None, int | None]:
    """(price, amount) from ``pricing[price]``/``price_data`` or a plain ``amount``."""
    from stripe_emulator.resources import prices

    pricing = params.child("pricing")
    price_id = pricing.text("price")
    chosen = [k for k in ("amount", "price_data") if params.has(k)] + (
        ["pricing[price]"] if price_id else []
    )
    if len(chosen) > 1:
        raise invalid(
            f"You may only specify one of these parameters: {', '.join(chosen)}.", chosen[-1]
        )
    if price_id:
        return prices.usable(ctx, price_id, "pricing[price]"), None
    if params.raw("price_data"):
        return None, None  # made by ``build`` once everything else is valid
    if not params.has("amount"):
        raise invalid(
            "Missing required param: amount. You must specify `amount`, `pricing[price]` or "
            "`price_data`.",
            "amount",
        )
    return None, params.integer("amount", required=True, minimum=-99_999_999, maximum=99_999_999)


def build(ctx: Ctx, params: Params, customer: Obj, now: int) -> Obj:
    from stripe_emulator.resources import prices

    price, amount = _pricing(ctx, params)
    quantity = params.integer("quantity", minimum=0) or 1
    currency = params.text("currency")
    period = params.child("period")
    start = period.integer("start") or now
    end = period.integer("end") or now
    if end < start:
        raise invalid("The period end must be after its start.", "period[end]")
    if price is None and params.raw("price_data"):
        price = prices.from_data(ctx, params.child("price_data"), recurring="forbidden")
    if price is not None:
        if currency and currency.lower() != price["currency"]:
            raise invalid("The currency must match the price's currency.", "currency")
        currency = price["currency"]
        unit = prices.unit_amount(price)
        amount = int((unit * quantity).to_integral_value())
        unit_decimal: str | None = str(price["unit_amount_decimal"])
    else:
        if not currency:
            currency = customer.get("currency")
        if not currency:
            raise invalid("Missing required param: currency.", "currency")
        unit_decimal = format(Decimal(amount or 0) / quantity, "f") if quantity else "0"
    return {
        "id": ids.new("ii"),
        "object": KIND,
        "amount": amount or 0,
        "currency": currency.lower(),
        "customer": customer["id"],
        "customer_account": None,
        "date": now,
        "description": params.text("description"),
        "discountable": params.flag("discountable", default=True),
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": new_metadata(params),
        "net_amount": amount or 0,
        "parent": None,
        "period": {"end": end, "start": start},
        "pricing": {
            "price_details": (
                {"price": price["id"], "product": price["product"]} if price else None
            ),
            "type": "price_details",
            "unit_amount_decimal": unit_decimal,
        },
        "proration": False,
        "proration_details": {"credited_items": None, "discount_amounts": []},
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "tax_rates": [],
        "test_clock": customer.get("test_clock"),
    }


@api.post("/v1/invoiceitems")
def create(ctx: Ctx, params: Params) -> Obj:
    from stripe_emulator.resources import invoices, test_clocks

    params.reject_unknown(
        (
            "customer",
            "amount",
            "currency",
            "description",
            "discountable",
            "invoice",
            "metadata",
            "period",
            "price_data",
            "pricing",
            "quantity",
            "subscription",
            "tax_behavior",
        )
    )
    customer = ctx.get(params.text("customer", required=True), "customer", "customer")
    invoice = None
    if params.text("invoice"):
        invoice = invoices.get(ctx, params.text("invoice"), "invoice")
        if invoice["customer"] != customer["id"]:
            raise invalid("The invoice belongs to a different customer.", "invoice")
        invoices.require_draft(invoice, "invoice")
    if params.text("subscription"):
        ctx.get(params.text("subscription"), "subscription", "subscription")
    item = build(ctx, params, customer, test_clocks.now_for(ctx, customer["id"]))
    if invoice is not None and invoice["currency"] != item["currency"]:
        raise invalid(
            f"The currency of this invoice item ({item['currency']}) must match the invoice's "
            f"currency ({invoice['currency']}).",
            "currency",
        )
    ctx.add(item)
    ctx.emit("invoiceitem.created", item)
    if invoice is not None:
        invoices.add_item(ctx, invoice, item)
    return respond(ctx, item, params)


@api.get("/v1/invoiceitems/{invoiceitem}")
def retrieve(ctx: Ctx, params: Params, invoiceitem: str) -> Obj:
    return respond(ctx, get(ctx, invoiceitem), params)


@api.post("/v1/invoiceitems/{invoiceitem}")
def update(ctx: Ctx, params: Params, invoiceitem: str) -> Obj:
    from stripe_emulator.resources import invoices

    params.reject_unknown(("amount", "description", "discountable", "metadata", "quantity"))
    item = get(ctx, invoiceitem)
    invoice = ctx.store.find(item["invoice"]) if item["invoice"] else None
    if invoice is not None and invoice["status"] != "draft":
        raise invalid(
            "You cannot modify an invoice item that is attached to a finalized invoice.",
            None,
            "invoice_not_editable",
        )
    changes: dict[str, Any] = {}
    if params.has("description"):
        changes["description"] = params.text("description")
    if params.has("discountable"):
        changes["discountable"] = params.flag("discountable")
    quantity = params.integer("quantity", minimum=0)
    if params.has("amount") or quantity is not None:
        if item["pricing"]["price_details"] is not None and params.has("amount"):
            raise invalid("You cannot set `amount` on an item with a price.", "amount")
        quantity = quantity or item["quantity"]
        unit = Decimal(str(item["pricing"]["unit_amount_decimal"] or 0))
        amount = (
            params.integer("amount", minimum=-99_999_999, maximum=99_999_999)
            if params.has("amount")
            else int((unit * quantity).to_integral_value())
        ) or 0
        changes.update(
            amount=amount,
            net_amount=amount,
            quantity=quantity,
            quantity_decimal=str(quantity),
        )
    previous = ctx.metadata(item, params)
    previous.update(ctx.change(item, **changes))
    if invoice is not None and previous:
        invoices.refresh_item(ctx, invoice, item)
    return respond(ctx, item, params)


@api.delete("/v1/invoiceitems/{invoiceitem}")
def delete(ctx: Ctx, params: Params, invoiceitem: str) -> Obj:
    from stripe_emulator.resources import invoices

    item = get(ctx, invoiceitem)
    invoice = ctx.store.find(item["invoice"]) if item["invoice"] else None
    if invoice is not None and invoice["status"] != "draft":
        raise invalid(
            "You cannot delete an invoice item that is attached to a finalized invoice.",
            None,
            "invoice_not_editable",
        )
    if invoice is not None:
        invoices.remove_item(ctx, invoice, item)
    ctx.emit("invoiceitem.deleted", item)
    return ctx.store.tombstone(item["id"])


@api.get("/v1/invoiceitems")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    invoice = params.text("invoice")
    pending = params.flag("pending")
    created = created_filter(params)
    found = ctx.store.objects(
        KIND,
        ctx.account,
        lambda i: (
            (customer is None or i["customer"] == customer)
            and (invoice is None or i["invoice"] == invoice)
            and (pending is None or (i["invoice"] is None) == pending)
            and created(i)
        ),
    )
    return page(ctx, found, params, "/v1/invoiceitems")


def pending_for(ctx: Ctx, customer_id: str, currency: str) -> list[Obj]:
    """The customer's items not yet on an invoice, oldest first."""
    found = ctx.store.objects(
        KIND,
        ctx.account,
        lambda i: (
            i["customer"] == customer_id and i["invoice"] is None and i["currency"] == currency
        ),
    )
    return list(reversed(found))
