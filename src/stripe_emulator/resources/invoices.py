"""Invoices in the endive shape: ``parent.subscription_details`` instead of a top-level
subscription, ``payments`` (InvoicePayment objects) instead of a payment intent, and
``confirmation_secret`` for paying the first invoice on the client.

Lifecycle: draft → open (finalize: number, due date, payment intent) → paid / void /
uncollectible. Payment goes through the payments helper's PaymentIntents (off-session for
renewals), so declines and 3-D Secure behave exactly as they do for a direct payment. An
invoice is marked paid whenever its payment intent succeeds, whoever confirmed it: an event
listener watches ``payment_intent.succeeded`` (the client confirming a
``default_incomplete`` subscription's first invoice lands here too)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import EVENT_LISTENERS, Ctx, new_metadata
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj, task

KIND = "invoice"
RETRY_SECONDS = 3 * 86400  # Smart Retries stand-in: the next attempt three days later
AUTO_FINALIZE_SECONDS = 3600


def get(ctx: Ctx, invoice_id: str | None, param: str = "invoice") -> Obj:
    return ctx.get(invoice_id, KIND, param)


def require_draft(invoice: Obj, param: str | None = None) -> None:
    if invoice["status"] != "draft":
        raise invalid(
            f"This invoice is no longer editable: it is {invoice['status']}.",
            param,
            "invoice_not_editable",
        )


def _address(customer: Obj) -> Obj | None:
    address = customer.get("address")
    if not address:
        return None
    keys = ("city", "country", "line1", "line2", "postal_code", "state")
    return {k: address.get(k) for k in keys}


def build(
    ctx: Ctx,
    customer: Obj,
    *,
    now: int,
    currency: str,
    billing_reason: str,
    collection_method: str = "charge_automatically",
    days_until_due: int | None = None,
    subscription: Obj | None = None,
    period: tuple[int, int] | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    auto_advance: bool = True,
    default_payment_method: str | None = None,
) -> Obj:
    invoice_id = ids.new("in")
    start, end = period or (now, now)
    parent = None
    if subscription is not None:
        parent = {
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(subscription["metadata"]),
                "subscription": subscription["id"],
                "subscription_proration_date": None,
            },
            "type": "subscription_details",
        }
    return {
        "id": invoice_id,
        "object": KIND,
        "account_country": "US",
        "account_name": "Emulated Stripe account",
        "account_tax_ids": None,
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": auto_advance,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": collection_method,
        "confirmation_secret": None,
        "created": now,
        "currency": currency,
        "custom_fields": None,
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": _address(customer),
        "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "customer_phone": customer.get("phone"),
        "customer_shipping": customer.get("shipping"),
        "customer_tax_exempt": customer.get("tax_exempt", "none"),
        "customer_tax_ids": [],
        "default_payment_method": default_payment_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": (customer.get("invoice_settings") or {}).get("footer"),
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"account": None, "type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": metadata or {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": subscription.get("on_behalf_of") if subscription else None,
        "parent": parent,
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "payments": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/invoice_payments?invoice={invoice_id}",
        },
        "period_end": end,
        "period_start": start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "test_clock": customer.get("test_clock"),
        "threshold_reason": None,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
    }


def subscription_of(invoice: Obj) -> str | None:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    sub: str | None = details.get("subscription")
    return sub


# --- lines ------------------------------------------------------------------------------


def _line(
    invoice: Obj,
    *,
    amount: int,
    quantity: int,
    unit_decimal: str,
    price: Obj | None,
    period: tuple[int, int],
    description: str | None,
    parent: Obj,
    subscription: str | None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": ids.new("il"),
        "object": "line_item",
        "amount": amount,
        "currency": invoice["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice["id"],
        "livemode": False,
        "metadata": metadata or {},
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": (
                {"price": price["id"], "product": price["product"]} if price else None
            ),
            "type": "price_details",
            "unit_amount_decimal": unit_decimal,
        },
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "subscription": subscription,
        "subtotal": amount,
        "taxes": [],
    }


def _item_parent(item: Obj) -> Obj:
    return {
        "invoice_item_details": {
            "invoice_item": item["id"],
            "proration": item["proration"],
            "proration_details": {"credited_items": None},
            "subscription": None,
        },
        "subscription_item_details": None,
        "type": "invoice_item_details",
    }


def add_item(ctx: Ctx, invoice: Obj, item: Obj) -> None:
    """Put an invoice item on a draft invoice as a line."""
    price = (
        ctx.store.find(item["pricing"]["price_details"]["price"])
        if (item["pricing"]["price_details"])
        else None
    )
    line = _line(
        invoice,
        amount=item["amount"],
        quantity=item["quantity"],
        unit_decimal=str(item["pricing"]["unit_amount_decimal"]),
        price=price,
        period=(item["period"]["start"], item["period"]["end"]),
        description=item["description"] or _describe(ctx, price, item["quantity"]),
        parent=_item_parent(item),
        subscription=None,
        metadata=dict(item["metadata"] or {}),
    )
    ctx.change(item, invoice=invoice["id"])
    invoice["lines"]["data"].append(line)
    _totals(ctx, invoice)


def refresh_item(ctx: Ctx, invoice: Obj, item: Obj) -> None:
    for line in invoice["lines"]["data"]:
        details = (line["parent"] or {}).get("invoice_item_details") or {}
        if details.get("invoice_item") == item["id"]:
            line.update(
                amount=item["amount"],
                subtotal=item["amount"],
                quantity=item["quantity"],
                quantity_decimal=str(item["quantity"]),
                description=item["description"] or line["description"],
                metadata=dict(item["metadata"] or {}),
            )
    _totals(ctx, invoice)


def remove_item(ctx: Ctx, invoice: Obj, item: Obj) -> None:
    invoice["lines"]["data"] = [
        line
        for line in invoice["lines"]["data"]
        if ((line["parent"] or {}).get("invoice_item_details") or {}).get("invoice_item")
        != item["id"]
    ]
    _totals(ctx, invoice)


def _money(amount: Decimal | int, currency: str) -> str:
    zero_decimal = currency in {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg"}
    if zero_decimal:
        return f"{amount} {currency.upper()}"
    return f"{Decimal(amount) / 100:.2f} {currency.upper()}"


def _describe(ctx: Ctx, price: Obj | None, quantity: int) -> str | None:
    if price is None:
        return None
    product = ctx.store.find(price["product"]) or {}
    name = product.get("name", "Item")
    recurring = price.get("recurring")
    if recurring:
        every = (
            recurring["interval"]
            if recurring["interval_count"] == 1
            else (f"{recurring['interval_count']} {recurring['interval']}s")
        )
        unit = _money(Decimal(str(price["unit_amount_decimal"])), price["currency"])
        return f"{quantity} × {name} (at {unit} / {every})"
    return f"{quantity} × {name}" if quantity != 1 else name


def add_subscription_line(
    ctx: Ctx,
    invoice: Obj,
    subscription: Obj,
    item: Obj,
    *,
    period: tuple[int, int],
    quantity: int,
) -> None:
    """A line for one subscription item over ``period`` (usage for metered prices)."""
    from stripe_emulator.resources import prices

    price = item["price"]
    unit = prices.unit_amount(price)
    amount = int((unit * quantity).to_integral_value())
    parent = {
        "invoice_item_details": None,
        "subscription_item_details": {
            "invoice_item": None,
            "proration": False,
            "proration_details": {"credited_items": None},
            "subscription": subscription["id"],
            "subscription_item": item["id"],
        },
        "type": "subscription_item_details",
    }
    invoice["lines"]["data"].append(
        _line(
            invoice,
            amount=amount,
            quantity=quantity,
            unit_decimal=str(price["unit_amount_decimal"]),
            price=price,
            period=period,
            description=_describe(ctx, price, quantity),
            parent=parent,
            subscription=subscription["id"],
        )
    )
    _totals(ctx, invoice)


def _totals(ctx: Ctx, invoice: Obj) -> None:
    subtotal = sum(line["amount"] for line in invoice["lines"]["data"])
    due = max(subtotal, 0)
    ctx.change(
        invoice,
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total=subtotal,
        total_excluding_tax=subtotal,
        amount_due=due,
        amount_remaining=max(due - invoice["amount_paid"], 0),
    )


def pull_pending_items(ctx: Ctx, invoice: Obj) -> None:
    from stripe_emulator.resources import invoice_items

    for item in invoice_items.pending_for(ctx, invoice["customer"], invoice["currency"]):
        add_item(ctx, invoice, item)


# --- finalization and payment ---------------------------------------------------------------


def _payment_method_for(ctx: Ctx, invoice: Obj) -> str | None:
    sub_id = subscription_of(invoice)
    sub = ctx.store.find(sub_id) if sub_id else None
    customer = ctx.store.find(invoice["customer"]) or {}
    choices = (
        invoice["default_payment_method"],
        (sub or {}).get("default_payment_method"),
        (customer.get("invoice_settings") or {}).get("default_payment_method"),
    )
    return next((str(choice) for choice in choices if choice), None)


def _intent_params(ctx: Ctx, invoice: Obj) -> Params:
    sub_id = subscription_of(invoice)
    sub = ctx.store.find(sub_id) if sub_id else None
    description = {
        "subscription_create": "Subscription creation",
        "subscription_cycle": "Subscription update",
        "subscription_update": "Subscription update",
    }.get(invoice["billing_reason"], f"Payment for Invoice {invoice['number'] or ''}".strip())
    data: dict[str, Any] = {
        "amount": str(invoice["amount_remaining"]),
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "description": description,
        "payment_method_types": ["card"],
    }
    if sub is not None:
        transfer = sub.get("transfer_data")
        if transfer:
            data["transfer_data"] = {"destination": transfer["destination"]}
        percent = sub.get("application_fee_percent")
        if percent:
            fee = Decimal(invoice["amount_remaining"]) * Decimal(str(percent)) / 100
            data["application_fee_amount"] = str(int(fee.to_integral_value()))
        if sub.get("on_behalf_of"):
            data["on_behalf_of"] = sub["on_behalf_of"]
    return Params(data)


def _ensure_intent(ctx: Ctx, invoice: Obj) -> Obj:
    """The invoice's payment intent (made at finalization), recorded as an InvoicePayment."""
    from stripe_emulator.resources import payment_intents

    private = ctx.private(invoice)
    intent = ctx.store.find(private.get("payment_intent") or "")
    if intent is not None and intent["status"] not in ("canceled", "succeeded"):
        return intent
    intent = payment_intents.create_intent(ctx, _intent_params(ctx, invoice))
    private["payment_intent"] = intent["id"]
    payment = {
        "id": ids.new("inpay"),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice["amount_remaining"],
        "created": ctx.now(),
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {
            "charge": None,
            "payment_intent": intent["id"],
            "payment_record": None,
            "type": "payment_intent",
        },
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }
    for earlier in invoice["payments"]["data"]:
        if earlier["status"] == "open":
            earlier.update(status="canceled", is_default=False)
            earlier["status_transitions"]["canceled_at"] = ctx.now()
            stored = ctx.store.find(earlier["id"])
            if stored is not None:
                stored.update(earlier)
    ctx.add(payment)
    invoice["payments"]["data"].insert(0, dict(payment))
    ctx.change(
        invoice,
        confirmation_secret={"client_secret": intent["client_secret"], "type": "payment_intent"},
    )
    return intent


def finalize(ctx: Ctx, invoice: Obj, now: int) -> None:
    """draft → open: number, dates, payment intent; a zero invoice is paid at once."""
    customer = ctx.store.find(invoice["customer"]) or {}
    sequence = int(customer.get("next_invoice_sequence") or 1)
    if customer:
        customer["next_invoice_sequence"] = sequence + 1
    due_date = None
    if invoice["collection_method"] == "send_invoice":
        days = ctx.private(invoice).get("days_until_due")
        due_date = ctx.private(invoice).get("due_date") or now + int(days or 30) * 86400
    previous = ctx.change(
        invoice,
        status="open",
        number=f"{customer.get('invoice_prefix', 'EMUL0000')}-{sequence:04d}",
        effective_at=now,
        due_date=due_date,
        automatically_finalizes_at=None,
        status_transitions={**invoice["status_transitions"], "finalized_at": now},
    )
    if invoice["amount_remaining"] > 0 and invoice["collection_method"] == "charge_automatically":
        _ensure_intent(ctx, invoice)
    ctx.emit("invoice.finalized", invoice, previous)
    if invoice["amount_remaining"] <= 0:
        mark_paid(ctx, invoice, now)


def mark_paid(ctx: Ctx, invoice: Obj, now: int, *, out_of_band: bool = False) -> None:
    if invoice["status"] == "paid":
        return
    amount = invoice["amount_remaining"]
    previous = ctx.change(
        invoice,
        status="paid",
        amount_paid=invoice["amount_paid"] + amount,
        amount_paid_off_stripe=(invoice["amount_paid_off_stripe"] or 0)
        + (amount if out_of_band else 0),
        amount_remaining=0,
        attempted=True,
        next_payment_attempt=None,
        status_transitions={**invoice["status_transitions"], "paid_at": now},
    )
    payment = invoice["payments"]["data"][0] if invoice["payments"]["data"] else None
    if payment is not None and payment["status"] == "open" and not out_of_band:
        payment.update(status="paid", amount_paid=amount)
        payment["status_transitions"]["paid_at"] = now
        stored = ctx.store.find(payment["id"])
        if stored is not None:
            stored.update(payment)
            ctx.emit("invoice_payment.paid", stored)
    ctx.emit("invoice.paid", invoice, previous)
    if not out_of_band:
        ctx.emit("invoice.payment_succeeded", invoice)
    sub_id = subscription_of(invoice)
    if sub_id:
        from stripe_emulator.resources import subscriptions

        subscriptions.invoice_paid(ctx, sub_id, invoice)


def attempt(
    ctx: Ctx,
    invoice: Obj,
    *,
    off_session: bool,
    payment_method: str | None = None,
    raise_errors: bool = False,
    return_url: str | None = None,
) -> bool:
    """One payment attempt on an open invoice; True when it was paid. Failures are
    recorded (``invoice.payment_failed`` / ``invoice.payment_action_required``)."""
    from stripe_emulator.resources import payment_intents, test_clocks

    now = test_clocks.now_for(ctx, invoice["customer"])
    if invoice["amount_remaining"] <= 0:
        mark_paid(ctx, invoice, now)
        return True
    method = payment_method or _payment_method_for(ctx, invoice)
    intent = _ensure_intent(ctx, invoice)
    ctx.change(invoice, attempted=True, attempt_count=invoice["attempt_count"] + 1)
    if not method:
        _failed(ctx, invoice, now, action_required=False)
        if raise_errors:
            raise invalid(
                "This customer has no attached payment source or default payment method. "
                "Please consider adding a default payment method.",
                None,
            )
        return False
    confirm: dict[str, Any] = {"payment_method": method}
    if off_session:
        confirm["off_session"] = "true"
    if return_url:
        confirm["return_url"] = return_url
    error: StripeError | None = None
    try:
        intent = payment_intents.confirm_intent(ctx, intent, Params(confirm))
    except StripeError as raised:
        error = raised
        intent = ctx.store.find(intent["id"]) or intent
    if intent["status"] == "succeeded":
        mark_paid(ctx, invoice, now)  # usually already done by the event listener
        return True
    needs_action = intent["status"] == "requires_action" or (
        error is not None and error.code == "authentication_required"
    )
    _failed(ctx, invoice, now, action_required=needs_action, failed=error is not None)
    if raise_errors and error is not None:
        raise error
    return False


def _failed(
    ctx: Ctx, invoice: Obj, now: int, *, action_required: bool, failed: bool = True
) -> None:
    sub_id = subscription_of(invoice)
    cycle = sub_id is not None and invoice["billing_reason"] != "subscription_create"
    ctx.change(invoice, next_payment_attempt=now + RETRY_SECONDS if cycle else None)
    if failed:
        ctx.emit("invoice.payment_failed", invoice)
    if action_required:
        ctx.emit("invoice.payment_action_required", invoice)
    if sub_id:
        from stripe_emulator.resources import subscriptions

        subscriptions.invoice_failed(ctx, sub_id, invoice)


def _on_event(ctx: Ctx, event: Obj) -> None:
    """A payment intent that belongs to an open invoice succeeded: the invoice is paid."""
    if event["type"] != "payment_intent.succeeded":
        return
    intent_id = event["data"]["object"]["id"]
    for payment in ctx.store.objects("invoice_payment"):
        if payment["payment"]["payment_intent"] == intent_id and payment["status"] == "open":
            invoice = ctx.store.find(payment["invoice"])
            if invoice is not None and invoice["status"] == "open":
                from stripe_emulator.resources import test_clocks

                mark_paid(ctx, invoice, test_clocks.now_for(ctx, invoice["customer"]))
            return


EVENT_LISTENERS.append(_on_event)


@task("invoice.finalize")
def auto_finalize(ctx: Ctx, args: dict[str, Any]) -> None:
    """auto_advance: a draft finalizes itself an hour after creation and is then collected."""
    from stripe_emulator.resources import test_clocks

    invoice = ctx.store.find(args["id"])
    if invoice is None or invoice.get("status") != "draft" or not invoice["auto_advance"]:
        return
    auto = ctx.automatic()
    finalize(auto, invoice, test_clocks.now_for(ctx, invoice["customer"]))
    if invoice["status"] == "open" and invoice["collection_method"] == "charge_automatically":
        attempt(auto, invoice, off_session=True)


@task("invoice.retry")
def retry(ctx: Ctx, args: dict[str, Any]) -> None:
    invoice = ctx.store.find(args["id"])
    if invoice is None or invoice.get("status") != "open" or not invoice["auto_advance"]:
        return
    attempt(ctx.automatic(), invoice, off_session=True)


# --- HTTP ---------------------------------------------------------------------------------

CREATE_FIELDS = (
    "customer",
    "auto_advance",
    "collection_method",
    "currency",
    "days_until_due",
    "default_payment_method",
    "description",
    "due_date",
    "footer",
    "metadata",
    "pending_invoice_items_behavior",
    "subscription",
)


def _collection(params: Params) -> tuple[str, int | None, int | None]:
    method = (
        params.text("collection_method", choices=("charge_automatically", "send_invoice"))
        or "charge_automatically"
    )
    days = params.integer("days_until_due", minimum=0, maximum=1825)
    due = params.integer("due_date")
    if method == "send_invoice" and days is None and due is None:
        raise invalid(
            "Missing required param: days_until_due (or due_date) when collection_method is "
            "send_invoice.",
            "days_until_due",
        )
    if method == "charge_automatically" and (days is not None or due is not None):
        name = "days_until_due" if days is not None else "due_date"
        raise invalid(
            f"You can only set `{name}` when `collection_method` is `send_invoice`.", name
        )
    return method, days, due


@api.post("/v1/invoices")
def create(ctx: Ctx, params: Params) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(CREATE_FIELDS)
    customer = ctx.get(params.text("customer", required=True), "customer", "customer")
    method, days, due = _collection(params)
    behaviour = params.text("pending_invoice_items_behavior", choices=("exclude", "include"))
    payment_method = params.text("default_payment_method")
    if payment_method:
        found = ctx.store.find(payment_method, ctx.account)
        if found is None or found.get("object") != "payment_method":
            raise invalid(
                f"No such PaymentMethod: '{payment_method}'",
                "default_payment_method",
                "resource_missing",
            )
    subscription = None
    if params.text("subscription"):
        subscription = ctx.get(params.text("subscription"), "subscription", "subscription")
    currency = (params.text("currency") or customer.get("currency") or "usd").lower()
    now = test_clocks.now_for(ctx, customer["id"])
    invoice = build(
        ctx,
        customer,
        now=now,
        currency=currency,
        billing_reason="manual",
        collection_method=method,
        days_until_due=days,
        subscription=subscription,
        description=params.text("description"),
        metadata=new_metadata(params),
        auto_advance=bool(params.flag("auto_advance", default=False)),
        default_payment_method=payment_method,
    )
    if params.has("footer"):
        invoice["footer"] = params.text("footer")
    ctx.add(invoice, private={"days_until_due": days, "due_date": due})
    if behaviour == "include":
        pull_pending_items(ctx, invoice)
    if invoice["auto_advance"]:
        invoice["automatically_finalizes_at"] = now + AUTO_FINALIZE_SECONDS
        test_clocks.schedule(
            ctx,
            now + AUTO_FINALIZE_SECONDS,
            "invoice.finalize",
            customer.get("test_clock"),
            id=invoice["id"],
        )
    ctx.emit("invoice.created", invoice)
    return respond(ctx, invoice, params)


@api.post("/v1/invoices/create_preview")
def create_preview(ctx: Ctx, params: Params) -> Obj:
    """What the next invoice would be: the subscription's next renewal, or the customer's
    pending items. Nothing is stored."""
    from stripe_emulator.resources import subscriptions

    params.reject_unknown(("customer", "subscription", "currency"))
    sub_id = params.text("subscription")
    if sub_id:
        sub = ctx.get(sub_id, "subscription", "subscription")
        preview = subscriptions.preview_invoice(ctx, sub)
    else:
        customer = ctx.get(params.text("customer", required=True), "customer", "customer")
        preview = _pending_preview(ctx, customer, params.text("currency"))
    return respond(ctx, preview, params)


def _pending_preview(ctx: Ctx, customer: Obj, currency: str | None) -> Obj:
    from stripe_emulator.resources import invoice_items, test_clocks

    currency = (currency or customer.get("currency") or "usd").lower()
    pending = invoice_items.pending_for(ctx, customer["id"], currency)
    if not pending:
        raise invalid(
            "Nothing to invoice for customer",
            "customer",
            "invoice_upcoming_none",
        )
    preview = build(
        ctx,
        customer,
        now=test_clocks.now_for(ctx, customer["id"]),
        currency=currency,
        billing_reason="upcoming",
    )
    preview_line_items(ctx, preview, pending)
    return preview


def preview_line_items(ctx: Ctx, preview: Obj, items: list[Obj]) -> None:
    """Lines for items without changing them (previews must not claim pending items)."""
    preview["id"] = ids.new("upcoming_in")
    preview["lines"]["url"] = f"/v1/invoices/{preview['id']}/lines"
    for item in items:
        price = (
            ctx.store.find(item["pricing"]["price_details"]["price"])
            if (item["pricing"]["price_details"])
            else None
        )
        preview["lines"]["data"].append(
            _line(
                preview,
                amount=item["amount"],
                quantity=item["quantity"],
                unit_decimal=str(item["pricing"]["unit_amount_decimal"]),
                price=price,
                period=(item["period"]["start"], item["period"]["end"]),
                description=item["description"] or _describe(ctx, price, item["quantity"]),
                parent=_item_parent(item),
                subscription=None,
            )
        )
    subtotal = sum(line["amount"] for line in preview["lines"]["data"])
    preview.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total=subtotal,
        total_excluding_tax=subtotal,
        amount_due=max(subtotal, 0),
        amount_remaining=max(subtotal, 0),
    )


@api.get("/v1/invoices/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [
        i
        for i in ctx.store.objects(KIND, ctx.account)
        if matches(query, {**i, "subscription": subscription_of(i)})
    ]
    return search_result(ctx, found, params, "/v1/invoices/search")


@api.get("/v1/invoices/{invoice}")
def retrieve(ctx: Ctx, params: Params, invoice: str) -> Obj:
    return respond(ctx, get(ctx, invoice), params)


@api.post("/v1/invoices/{invoice}")
def update(ctx: Ctx, params: Params, invoice: str) -> Obj:
    params.reject_unknown(
        (
            "auto_advance",
            "collection_method",
            "days_until_due",
            "default_payment_method",
            "description",
            "due_date",
            "footer",
            "metadata",
        )
    )
    obj = get(ctx, invoice)
    if obj["status"] in ("paid", "void") and any(k != "metadata" for k in params.data):
        raise invalid(
            f"You can only update metadata on a {obj['status']} invoice.",
            None,
            "invoice_not_editable",
        )
    changes: dict[str, Any] = {}
    draft_only = ("collection_method", "days_until_due", "due_date", "default_payment_method")
    if obj["status"] != "draft":
        for name in draft_only:
            if params.has(name):
                raise invalid(
                    f"You can only change `{name}` on a draft invoice.",
                    name,
                    "invoice_not_editable",
                )
    if params.has("collection_method") or params.has("days_until_due"):
        method, days, due = _collection(
            Params({"collection_method": obj["collection_method"], **params.data})
        )
        changes["collection_method"] = method
        ctx.private(obj).update(days_until_due=days, due_date=due)
    if params.has("auto_advance"):
        changes["auto_advance"] = params.flag("auto_advance")
    for name in ("description", "footer"):
        if params.has(name):
            changes[name] = params.text(name)
    if params.has("default_payment_method"):
        changes["default_payment_method"] = params.text("default_payment_method")
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("invoice.updated", obj, previous)
    return respond(ctx, obj, params)


@api.delete("/v1/invoices/{invoice}")
def delete(ctx: Ctx, params: Params, invoice: str) -> Obj:
    obj = get(ctx, invoice)
    if obj["status"] != "draft":
        raise invalid(
            "You can only delete draft invoices. Consider voiding the invoice instead.",
            None,
            "invoice_not_editable",
        )
    for item in ctx.store.objects("invoiceitem", ctx.account, lambda i: i["invoice"] == obj["id"]):
        ctx.change(item, invoice=None)
    ctx.emit("invoice.deleted", obj)
    return ctx.store.tombstone(obj["id"])


@api.post("/v1/invoices/{invoice}/finalize")
def finalize_route(ctx: Ctx, params: Params, invoice: str) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(("auto_advance",))
    obj = get(ctx, invoice)
    if obj["status"] != "draft":
        raise invalid(
            "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
            None,
            "invoice_not_editable",
        )
    if params.has("auto_advance"):
        ctx.change(obj, auto_advance=params.flag("auto_advance"))
    now = test_clocks.now_for(ctx, obj["customer"])
    finalize(ctx, obj, now)
    if (
        obj["status"] == "open"
        and obj["auto_advance"]
        and obj["collection_method"] == "charge_automatically"
    ):
        test_clocks.schedule(
            ctx,
            now + AUTO_FINALIZE_SECONDS,
            "invoice.retry",
            test_clocks.clock_of(ctx, obj["customer"]),
            id=obj["id"],
        )
    return respond(ctx, obj, params)


@api.post("/v1/invoices/{invoice}/pay")
def pay(ctx: Ctx, params: Params, invoice: str) -> Obj:
    from stripe_emulator.resources import payment_methods, test_clocks

    params.reject_unknown(("payment_method", "off_session", "paid_out_of_band", "forgive"))
    obj = get(ctx, invoice)
    off_session = params.flag("off_session", default=True)
    out_of_band = params.flag("paid_out_of_band", default=False)
    method_ref = params.text("payment_method")
    if obj["status"] == "paid":
        raise invalid("Invoice is already paid", None, "invoice_not_editable")
    if obj["status"] in ("void",):
        raise invalid("You cannot pay a void invoice.", None, "invoice_not_editable")
    method = None
    if method_ref:
        method = payment_methods.resolve(ctx, method_ref, param="payment_method")["id"]
    now = test_clocks.now_for(ctx, obj["customer"])
    if obj["status"] == "draft":
        finalize(ctx, obj, now)
    if obj["status"] == "paid":
        return respond(ctx, obj, params)
    if out_of_band:
        mark_paid(ctx, obj, now, out_of_band=True)
        return respond(ctx, obj, params)
    attempt(ctx, obj, off_session=bool(off_session), payment_method=method, raise_errors=True)
    return respond(ctx, obj, params)


@api.post("/v1/invoices/{invoice}/void")
def void(ctx: Ctx, params: Params, invoice: str) -> Obj:
    from stripe_emulator.resources import payment_intents, test_clocks

    params.reject_unknown(())
    obj = get(ctx, invoice)
    if obj["status"] not in ("open", "uncollectible"):
        raise invalid(
            f"You can only void open or uncollectible invoices; this one is {obj['status']}.",
            None,
            "invoice_not_editable",
        )
    intent = ctx.store.find(ctx.private(obj).get("payment_intent") or "")
    if intent is not None and intent["status"] in (
        "requires_payment_method",
        "requires_confirmation",
        "requires_action",
    ):
        payment_intents.cancel_intent(ctx, intent, Params({}))
    now = test_clocks.now_for(ctx, obj["customer"])
    for payment in obj["payments"]["data"]:
        if payment["status"] == "open":
            payment["status"] = "canceled"
            payment["status_transitions"]["canceled_at"] = now
            stored = ctx.store.find(payment["id"])
            if stored is not None:
                stored.update(payment)
    previous = ctx.change(
        obj,
        status="void",
        next_payment_attempt=None,
        status_transitions={**obj["status_transitions"], "voided_at": now},
    )
    ctx.emit("invoice.voided", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/invoices/{invoice}/mark_uncollectible")
def mark_uncollectible(ctx: Ctx, params: Params, invoice: str) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(())
    obj = get(ctx, invoice)
    if obj["status"] != "open":
        raise invalid(
            f"You can only mark open invoices as uncollectible; this one is {obj['status']}.",
            None,
            "invoice_not_editable",
        )
    now = test_clocks.now_for(ctx, obj["customer"])
    previous = ctx.change(
        obj,
        status="uncollectible",
        next_payment_attempt=None,
        status_transitions={**obj["status_transitions"], "marked_uncollectible_at": now},
    )
    ctx.emit("invoice.marked_uncollectible", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/invoices/{invoice}/send")
def send(ctx: Ctx, params: Params, invoice: str) -> Obj:
    params.reject_unknown(())
    obj = get(ctx, invoice)
    if obj["status"] != "open":
        raise invalid(
            "You can only send an invoice that is open (finalized and unpaid).",
            None,
            "invoice_not_editable",
        )
    if obj["collection_method"] != "send_invoice":
        raise invalid(
            "You can only manually send an invoice if its collection method is 'send_invoice'.",
            None,
        )
    ctx.emit("invoice.sent", obj)
    return respond(ctx, obj, params)


@api.get("/v1/invoices/{invoice}/lines")
def lines(ctx: Ctx, params: Params, invoice: str) -> Obj:
    obj = get(ctx, invoice)
    return page(ctx, list(obj["lines"]["data"]), params, f"/v1/invoices/{obj['id']}/lines")


@api.get("/v1/invoices")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    subscription = params.text("subscription")
    status = params.text("status", choices=("draft", "open", "paid", "uncollectible", "void"))
    method = params.text("collection_method", choices=("charge_automatically", "send_invoice"))
    created = created_filter(params)
    found = ctx.store.objects(
        KIND,
        ctx.account,
        lambda i: (
            (customer is None or i["customer"] == customer)
            and (subscription is None or subscription_of(i) == subscription)
            and (status is None or i["status"] == status)
            and (method is None or i["collection_method"] == method)
            and created(i)
        ),
    )
    return page(ctx, found, params, "/v1/invoices")
