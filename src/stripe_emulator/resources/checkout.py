"""Checkout Sessions: create, retrieve, list, line items, expire, and completion.

Since 2022-08-01 a session makes its PaymentIntent / SetupIntent / Subscription only when the
customer pays, so ``payment_intent`` stays null until then. Completion (the hosted page at
``session.url``, or ``POST /_emulator/checkout/sessions/{id}/complete``) goes through the
payments helper's intents exactly like a direct integration: a decline leaves the session
open, 3-D Secure sends the customer through the challenge page, and the session completes
when its intent succeeds (an event listener watches for that, whoever finished the
challenge). Unpaid sessions expire at ``expires_at`` on the emulator clock.

A ``sepa_debit`` payment is delayed: the session completes with ``payment_status`` unpaid
while its intent is ``processing``, and the same listener announces the bank's answer with
``checkout.session.async_payment_succeeded`` or ``…async_payment_failed``."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import EVENT_LISTENERS, Ctx, expander, new_metadata
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api, control
from stripe_emulator.store import Obj, task

KIND = "checkout.session"
MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 3600
MODES = ("payment", "setup", "subscription")
METHOD_TYPES = ("card", "sepa_debit")
MANDATE_ACCEPTANCE = {
    "customer_acceptance": {
        "type": "online",
        "online": {"ip_address": "127.0.0.1", "user_agent": "stripe-emulator-checkout"},
    }
}


def get(ctx: Ctx, session_id: str | None, param: str = "session") -> Obj:
    return ctx.get(session_id, KIND, param)


def owner_ctx(ctx: Ctx, session_id: str) -> tuple[Ctx, Obj]:
    """The session and a context acting for its account (pages and control are global)."""
    found = ctx.store.find(session_id)
    if found is None or found.get("object") != KIND:
        raise invalid(f"No such checkout.session: '{session_id}'", "session", "resource_missing")
    owner = ctx.store.owner(session_id) or ctx.store.platform
    return Ctx(ctx.store, owner, ctx.base_url, ctx.request_id, None, ctx.api_version), found


def line_items(ctx: Ctx, session: Obj) -> list[Obj]:
    items: list[Obj] = ctx.store.private(session["id"]).get("line_items", [])
    return items


@expander(KIND, "line_items")
def _expand_line_items(ctx: Ctx, session: Obj) -> Obj:
    items = copy.deepcopy(line_items(ctx, session))
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "url": f"/v1/checkout/sessions/{session['id']}/line_items",
    }


def success_redirect(session: Obj) -> str | None:
    url: str | None = session.get("success_url")
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None


# --- create -------------------------------------------------------------------------------


def _line_specs(ctx: Ctx, params: Params, mode: str) -> list[dict[str, Any]]:
    from stripe_emulator.resources import prices

    entries = params.items("line_items")
    if mode == "setup":
        if entries:
            raise invalid("You cannot pass `line_items` in `setup` mode.", "line_items")
        return []
    if not entries:
        raise invalid(
            f"Missing required param: line_items. `line_items` is required in `{mode}` mode.",
            "line_items",
        )
    specs = []
    for position, entry in enumerate(entries):
        spec = Params(entry if isinstance(entry, dict) else {}, f"line_items[{position}]")
        spec.reject_unknown(("price", "price_data", "quantity", "adjustable_quantity"))
        quantity = spec.integer("quantity", required=True, minimum=1, maximum=999_999) or 1
        price = None
        if spec.text("price"):
            price = prices.usable(ctx, spec.text("price"), spec.name("price"))
            if mode == "payment" and price["type"] == "recurring":
                raise invalid(
                    "You specified `payment` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    spec.name("price"),
                )
        elif spec.raw("price_data"):
            data = spec.child("price_data")
            prices.currency_of(data)
            if not data.has("product"):
                data.require("product_data")
            if mode == "payment" and data.raw("recurring"):
                raise invalid(
                    "You specified `payment` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    data.name("recurring"),
                )
        else:
            raise invalid(f"Missing required param: {spec.name('price')}.", spec.name("price"))
        specs.append(
            {
                "price": price,
                "price_data": spec.child("price_data") if price is None else None,
                "quantity": quantity,
            }
        )
    return specs


def _shapes(specs: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    shapes = []
    for spec in specs:
        if spec["price"] is not None:
            shapes.append((spec["price"]["currency"], spec["price"]["type"] == "recurring"))
        else:
            data: Params = spec["price_data"]
            shapes.append(((data.text("currency") or "").lower(), bool(data.raw("recurring"))))
    return shapes


def _intent_data(ctx: Ctx, params: Params, mode: str) -> dict[str, Any]:
    data = params.child("payment_intent_data")
    if not data.data:
        return {}
    if mode != "payment":
        raise invalid(
            "You can only pass `payment_intent_data` in `payment` mode.", "payment_intent_data"
        )
    data.reject_unknown(
        (
            "capture_method",
            "setup_future_usage",
            "application_fee_amount",
            "transfer_data",
            "on_behalf_of",
            "transfer_group",
            "metadata",
            "description",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "receipt_email",
        )
    )
    data.text("capture_method", choices=("automatic", "automatic_async", "manual"))
    data.text("setup_future_usage", choices=("on_session", "off_session"))
    data.integer("application_fee_amount", minimum=0)
    transfer = data.child("transfer_data")
    if transfer.data:
        from stripe_emulator.resources import accounts

        transfer.reject_unknown(("destination", "amount"))
        destination = transfer.text("destination", required=True) or ""
        accounts.payee(ctx, destination, param=transfer.name("destination"), capability="transfers")
        transfer.integer("amount", minimum=1)
    if data.text("on_behalf_of"):
        from stripe_emulator.resources import accounts

        accounts.payee(
            ctx,
            data.text("on_behalf_of") or "",
            param=data.name("on_behalf_of"),
            capability="card_payments",
        )
    new_metadata(data)
    return dict(data.data)


def _mode_data(params: Params, key: str, mode: str, wanted: str, allowed: tuple[str, ...]) -> Obj:
    data = params.child(key)
    if not data.data:
        return {}
    if mode != wanted:
        raise invalid(f"You can only pass `{key}` in `{wanted}` mode.", key)
    data.reject_unknown(allowed)
    new_metadata(data)
    return dict(data.data)


CREATE_FIELDS = (
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "return_url",
    "ui_mode",
    "customer",
    "customer_email",
    "customer_creation",
    "client_reference_id",
    "expires_at",
    "metadata",
    "payment_intent_data",
    "setup_intent_data",
    "subscription_data",
    "payment_method_types",
    "payment_method_collection",
    "billing_address_collection",
    "currency",
    "locale",
    "submit_type",
    "allow_promotion_codes",
)


@api.post("/v1/checkout/sessions")
def create(ctx: Ctx, params: Params) -> Obj:
    from stripe_emulator.resources import prices, subscriptions

    params.reject_unknown(CREATE_FIELDS)
    mode = params.text("mode", required=True, choices=MODES) or "payment"
    ui_mode = params.text("ui_mode", choices=("hosted_page", "embedded_page")) or "hosted_page"
    success_url = params.text("success_url")
    cancel_url = params.text("cancel_url")
    return_url = params.text("return_url")
    if ui_mode == "embedded_page":
        for name, value in (("success_url", success_url), ("cancel_url", cancel_url)):
            if value:
                raise invalid(f"`{name}` is not allowed if ui_mode is `embedded_page`.", name)
        if not return_url:
            raise invalid(
                "Missing required param: return_url (required if ui_mode is `embedded_page`).",
                "return_url",
            )
    elif return_url:
        raise invalid("`return_url` is only allowed if ui_mode is `embedded_page`.", "return_url")
    for name, value in (("success_url", success_url), ("cancel_url", cancel_url)):
        if value and not value.startswith(("http://", "https://")):
            raise invalid(f"Not a valid URL: {name}", name, "url_invalid")
    specs = _line_specs(ctx, params, mode)
    shapes = _shapes(specs)
    currencies = {c for c, _ in shapes}
    if len(currencies) > 1:
        raise invalid("All line items must have the same currency.", "line_items")
    if mode == "subscription" and not any(recurring for _, recurring in shapes):
        raise invalid(
            "You must provide at least one recurring price in `subscription` mode when using "
            "prices.",
            "line_items",
        )
    customer = None
    if params.text("customer"):
        customer = ctx.get(params.text("customer"), "customer", "customer")
    email = params.text("customer_email", max_length=800)
    if customer is not None and email:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.",
            "customer_email",
        )
    creation = params.text("customer_creation", choices=("always", "if_required"))
    if creation and mode != "payment":
        raise invalid(
            "`customer_creation` can only be used in `payment` mode.", "customer_creation"
        )
    if creation and customer is not None:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_creation.",
            "customer_creation",
        )
    now = ctx.now()
    expires_at = params.integer("expires_at")
    if expires_at is not None and not now + MIN_EXPIRY <= expires_at <= now + MAX_EXPIRY:
        raise invalid(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout "
            "Session creation.",
            "expires_at",
        )
    method_types = params.strings("payment_method_types") or ["card"]
    for position, kind in enumerate(method_types):
        if kind not in METHOD_TYPES:
            raise invalid(
                f"The payment method type provided: {kind} is invalid. This emulator supports: "
                f"{', '.join(METHOD_TYPES)}.",
                f"payment_method_types[{position}]",
            )
    intent_data = _intent_data(ctx, params, mode)
    if "sepa_debit" in method_types:
        _check_sepa(params, mode, currencies or {(params.text("currency") or "").lower()})
    setup_data = _mode_data(
        params, "setup_intent_data", mode, "setup", ("metadata", "description", "on_behalf_of")
    )
    sub_data = _mode_data(
        params,
        "subscription_data",
        mode,
        "subscription",
        (
            "trial_period_days",
            "trial_end",
            "metadata",
            "application_fee_percent",
            "transfer_data",
            "description",
            "on_behalf_of",
            "billing_mode",
        ),
    )
    if sub_data:
        subscriptions.validate_checkout_data(ctx, Params(sub_data, "subscription_data"), now)
    currency = params.text("currency")
    if currencies:
        currency = next(iter(currencies))
    # --- valid: store ---
    session_id = ids.new("cs_test", 58)
    items = []
    for spec in specs:
        price = spec["price"] or prices.from_data(
            ctx,
            spec["price_data"],
            recurring="allowed" if mode == "subscription" else "forbidden",
        )
        items.append(_line_item(ctx, price, spec["quantity"]))
    subtotal = sum(item["amount_subtotal"] for item in items)
    session: Obj = {
        "id": session_id,
        "object": KIND,
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": params.flag("allow_promotion_codes"),
        "allowed_payment_method_types": None,
        "amount_subtotal": subtotal if mode != "setup" else None,
        "amount_total": subtotal if mode != "setup" else None,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": params.text(
            "billing_address_collection", choices=("auto", "required")
        ),
        "branding_settings": None,
        "cancel_url": cancel_url,
        "client_reference_id": params.text("client_reference_id", max_length=200),
        "client_secret": ids.secret_for(session_id) if ui_mode == "embedded_page" else None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency.lower() if currency else None,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer["id"] if customer else None,
        "customer_account": None,
        "customer_creation": creation
        or ("if_required" if mode == "payment" and not customer else None),
        "customer_details": None,
        "customer_email": email,
        "discounts": [],
        "excluded_payment_method_types": None,
        "expires_at": expires_at or now + MAX_EXPIRY,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": params.text("locale"),
        "managed_payments": None,
        "metadata": new_metadata(params),
        "mode": mode,
        "name_collection": None,
        "optional_items": None,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": (
            None
            if mode == "payment"
            else params.text("payment_method_collection", choices=("always", "if_required"))
            or "always"
        ),
        "payment_method_configuration_details": None,
        "payment_method_options": None,
        "payment_method_types": method_types,
        "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "presentment_details": None,
        "recovered_from": None,
        "redirect_on_completion": "always" if ui_mode == "embedded_page" else None,
        "return_url": return_url,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.text(
            "submit_type", choices=("auto", "book", "donate", "pay", "subscribe")
        ),
        "subscription": None,
        "success_url": success_url,
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": (
            {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0, "breakdown": None}
            if mode != "setup"
            else None
        ),
        "ui_mode": ui_mode,
        "url": ctx.url(f"/checkout/{session_id}") if ui_mode == "hosted_page" else None,
        "wallet_options": None,
    }
    ctx.add(
        session,
        private={
            "line_items": items,
            "payment_intent_data": intent_data,
            "setup_intent_data": setup_data,
            "subscription_data": sub_data,
        },
    )
    ctx.store.schedule(session["expires_at"], "checkout.expire", id=session_id, account=ctx.account)
    return respond(ctx, session, params)


def _check_sepa(params: Params, mode: str, currencies: set[str]) -> None:
    """SEPA Direct Debit sessions: payment mode (the emulator's delayed-payment path), euros,
    and no manual capture."""
    position = params.strings("payment_method_types").index("sepa_debit")
    if mode != "payment":
        raise invalid(
            "The payment method type `sepa_debit` is supported only in `payment` mode by this "
            "emulator.",
            f"payment_method_types[{position}]",
        )
    for currency in currencies:
        if currency != "eur":
            raise invalid(
                f"The currency provided ({currency}) is invalid. Payments with sepa_debit "
                "support the following currencies: eur.",
                f"payment_method_types[{position}]",
            )
    data = params.child("payment_intent_data")
    if data.text("capture_method") == "manual":
        raise invalid(
            "The capture_method `manual` is not supported by the payment method type `sepa_debit`.",
            data.name("capture_method"),
        )


def _line_item(ctx: Ctx, price: Obj, quantity: int) -> Obj:
    from stripe_emulator.resources import prices

    amount = int((prices.unit_amount(price) * quantity).to_integral_value())
    product = ctx.store.find(price["product"]) or {}
    return {
        "id": ids.new("li"),
        "object": "item",
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": price["currency"],
        "description": product.get("name"),
        "discounts": [],
        "metadata": {},
        "price": copy.deepcopy(price),
        "quantity": quantity,
        "taxes": [],
    }


# --- read, list, expire ------------------------------------------------------------------


@api.get("/v1/checkout/sessions/{session}")
def retrieve(ctx: Ctx, params: Params, session: str) -> Obj:
    return respond(ctx, get(ctx, session), params)


@api.get("/v1/checkout/sessions/{session}/line_items")
def list_line_items(ctx: Ctx, params: Params, session: str) -> Obj:
    obj = get(ctx, session)
    items = copy.deepcopy(line_items(ctx, obj))
    return page(ctx, items, params, f"/v1/checkout/sessions/{obj['id']}/line_items")


@api.get("/v1/checkout/sessions")
def listing(ctx: Ctx, params: Params) -> Obj:
    intent = params.text("payment_intent")
    customer = params.text("customer")
    status = params.text("status", choices=("open", "complete", "expired"))
    subscription = params.text("subscription")
    created = created_filter(params)
    found = ctx.store.objects(
        KIND,
        ctx.account,
        lambda s: (
            (intent is None or s["payment_intent"] == intent)
            and (customer is None or s["customer"] == customer)
            and (status is None or s["status"] == status)
            and (subscription is None or s["subscription"] == subscription)
            and created(s)
        ),
    )
    return page(ctx, found, params, "/v1/checkout/sessions")


def expire(ctx: Ctx, session: Obj) -> None:
    from stripe_emulator.resources import payment_intents

    if session["status"] != "open":
        raise invalid(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{session["status"]}".',
            None,
        )
    intent = ctx.store.find(ctx.store.private(session["id"]).get("payment_intent") or "")
    if intent is not None and intent["status"] in (
        "requires_payment_method",
        "requires_confirmation",
        "requires_action",
    ):
        payment_intents.cancel_intent(ctx, intent, Params({}))
    ctx.store.cancel_tasks("checkout.expire", id=session["id"])
    previous = ctx.change(session, status="expired")
    ctx.emit("checkout.session.expired", session, previous)


@api.post("/v1/checkout/sessions/{session}/expire")
def expire_route(ctx: Ctx, params: Params, session: str) -> Obj:
    params.reject_unknown(())
    obj = get(ctx, session)
    expire(ctx, obj)
    return respond(ctx, obj, params)


@task("checkout.expire")
def expire_task(ctx: Ctx, args: dict[str, Any]) -> None:
    session = ctx.store.find(args["id"])
    if session is not None and session["status"] == "open":
        expire(ctx.automatic(), session)


# --- completion ----------------------------------------------------------------------------


def pay(
    ctx: Ctx,
    session: Obj,
    method_ref: str,
    *,
    email: str | None = None,
    iban: str | None = None,
    name: str | None = None,
) -> str | None:
    """Pay an open session with a payment method (id, magic id or card number) or, when the
    session allows ``sepa_debit``, an IBAN. Returns the 3-D Secure challenge URL when the
    customer must authenticate; raises the decline."""
    from stripe_emulator.resources import cards, payment_methods

    if session["status"] != "open":
        raise invalid(
            f"This Checkout Session is no longer open (status {session['status']}).", None
        )
    digits = method_ref.replace(" ", "")
    if iban is not None:
        method = _sepa_method(ctx, session, iban, email=email, name=name)
    elif digits.isdigit():
        method = payment_methods.materialise(ctx, cards.from_number(digits, param="card_number"))
    else:
        method = payment_methods.resolve(ctx, method_ref, param="payment_method")
    customer = _customer_for(ctx, session, email)
    return_url = ctx.url(f"/checkout/{session['id']}/return")
    if session["mode"] == "payment":
        return _pay_payment(ctx, session, method, customer, return_url)
    if session["mode"] == "setup":
        return _pay_setup(ctx, session, method, customer, return_url)
    return _pay_subscription(ctx, session, method, customer, return_url)


def _sepa_method(ctx: Ctx, session: Obj, iban: str, *, email: str | None, name: str | None) -> Obj:
    """The sepa_debit PaymentMethod the customer entered (validated before anything is
    stored)."""
    from stripe_emulator.resources import payment_methods

    if "sepa_debit" not in session["payment_method_types"]:
        raise invalid(
            "This Checkout Session does not accept the payment method type `sepa_debit`.",
            "payment_method_type",
        )
    valid = payment_methods.check_iban(iban, param="iban")
    customer = ctx.store.find(session["customer"] or "") or {}
    details = payment_methods.billing_details(
        Params(
            {
                "name": name or customer.get("name") or payment_methods.SEPA_TEST_NAME,
                "email": email
                or session["customer_email"]
                or customer.get("email")
                or payment_methods.SEPA_TEST_EMAIL,
            }
        )
    )
    return payment_methods.materialise_sepa(ctx, valid, details=details)


def _customer_for(ctx: Ctx, session: Obj, email: str | None) -> Obj | None:
    from stripe_emulator.resources import customers

    if session["customer"]:
        return ctx.store.find(session["customer"])
    address = email or session["customer_email"]
    ctx.private(session)["email"] = address
    if session["mode"] == "payment" and session["customer_creation"] != "always":
        return None
    pending = ctx.store.find(ctx.private(session).get("customer") or "")
    if pending is not None:
        return pending
    customer = ctx.add(customers.build(ctx, Params({"email": address} if address else {})))
    ctx.emit("customer.created", customer)
    ctx.private(session)["customer"] = customer["id"]
    return customer


def _next(ctx: Ctx, intent: Obj) -> str | None:
    action = intent.get("next_action") or {}
    redirect = action.get("redirect_to_url") or {}
    url: str | None = redirect.get("url")
    return url


def _pay_payment(
    ctx: Ctx, session: Obj, method: Obj, customer: Obj | None, return_url: str
) -> str | None:
    from stripe_emulator.resources import payment_intents

    private = ctx.private(session)
    intent = ctx.store.find(private.get("payment_intent") or "")
    if intent is None or intent["status"] not in ("requires_payment_method",):
        data = dict(private["payment_intent_data"])
        fields = {
            "amount": str(session["amount_total"]),
            "currency": session["currency"],
            "payment_method_types": session["payment_method_types"],
            **data,
        }
        if customer is not None:
            fields["customer"] = customer["id"]
        intent = payment_intents.create_intent(ctx, Params(fields))
        private["payment_intent"] = intent["id"]
    confirm: dict[str, Any] = {"payment_method": method["id"], "return_url": return_url}
    if method["type"] == "sepa_debit":
        confirm["mandate_data"] = MANDATE_ACCEPTANCE
    payment_intents.confirm_intent(ctx, intent, Params(confirm))
    if intent["status"] == "requires_action":
        private["pending"] = intent["id"]
        return _next(ctx, intent)
    if intent["status"] == "processing":
        private["async_payment"] = intent["id"]
    complete(ctx, session)
    return None


def _pay_setup(
    ctx: Ctx, session: Obj, method: Obj, customer: Obj | None, return_url: str
) -> str | None:
    from stripe_emulator.resources import setup_intents

    private = ctx.private(session)
    data = private["setup_intent_data"]
    fields: dict[str, Any] = {
        "payment_method_types": session["payment_method_types"],
        "usage": "off_session",
        **data,
    }
    if customer is not None:
        fields["customer"] = customer["id"]
    intent = setup_intents.create_setup(ctx, Params(fields))
    private["setup_intent"] = intent["id"]
    setup_intents.confirm_setup(
        ctx, intent, Params({"payment_method": method["id"], "return_url": return_url})
    )
    if intent["status"] == "requires_action":
        private["pending"] = intent["id"]
        return _next(ctx, intent)
    if intent["status"] != "succeeded":
        error = intent.get("last_setup_error") or {}
        raise StripeError(
            402,
            "card_error",
            error.get("message") or "Your card was declined.",
            code=error.get("code") or "card_declined",
            decline_code=error.get("decline_code"),
        )
    complete(ctx, session)
    return None


def _pay_subscription(
    ctx: Ctx, session: Obj, method: Obj, customer: Obj | None, return_url: str
) -> str | None:
    from stripe_emulator.resources import invoices, payment_methods, subscriptions

    assert customer is not None  # subscription mode always has a customer
    private = ctx.private(session)
    if method.get("customer") != customer["id"]:
        method = payment_methods.attach(ctx, method["id"], customer, param="payment_method")
    sub = ctx.store.find(private.get("subscription") or "")
    if sub is None:
        sub = subscriptions.from_checkout(
            ctx,
            customer,
            [(item["price"]["id"], item["quantity"]) for item in line_items(ctx, session)],
            Params(private["subscription_data"], "subscription_data"),
            method["id"],
        )
        private["subscription"] = sub["id"]
    else:
        ctx.change(sub, default_payment_method=method["id"])
    invoice = ctx.store.find(sub["latest_invoice"] or "")
    if invoice is not None and invoice["status"] == "open":
        invoices.attempt(
            ctx,
            invoice,
            off_session=False,
            payment_method=method["id"],
            raise_errors=True,
            return_url=return_url,
        )
        intent = ctx.store.find(ctx.private(invoice).get("payment_intent") or "")
        if intent is not None and intent["status"] == "requires_action":
            private["pending"] = intent["id"]
            return _next(ctx, intent)
    complete(ctx, session)
    return None


def complete(ctx: Ctx, session: Obj) -> None:
    """Mark the session complete with whatever its payment produced."""
    if session["status"] != "open":
        return
    private = ctx.private(session)
    intent = ctx.store.find(private.get("payment_intent") or "")
    setup = ctx.store.find(private.get("setup_intent") or "")
    sub = ctx.store.find(private.get("subscription") or "")
    customer_id = session["customer"] or private.get("customer")
    customer = ctx.store.find(customer_id or "") or {}
    if session["mode"] == "payment":
        status = "paid" if intent is not None and intent["status"] == "succeeded" else "unpaid"
    elif session["mode"] == "setup":
        status = "no_payment_required"
    else:
        invoice = ctx.store.find((sub or {}).get("latest_invoice") or "") or {}
        status = "paid" if invoice.get("amount_paid") else "no_payment_required"
    ctx.store.cancel_tasks("checkout.expire", id=session["id"])
    private.pop("pending", None)
    previous = ctx.change(
        session,
        status="complete",
        payment_status=status,
        customer=customer_id,
        customer_details={
            "address": None,
            "business_name": None,
            "email": customer.get("email") or private.get("email"),
            "individual_name": None,
            "name": customer.get("name"),
            "phone": customer.get("phone"),
            "tax_exempt": customer.get("tax_exempt", "none"),
            "tax_ids": [],
        },
        payment_intent=intent["id"] if intent else None,
        setup_intent=setup["id"] if setup else None,
        subscription=sub["id"] if sub else None,
        invoice=(sub or {}).get("latest_invoice"),
    )
    ctx.emit("checkout.session.completed", session, previous)


def _on_event(ctx: Ctx, event: Obj) -> None:
    """An intent a session waits on (after 3-D Secure) succeeded: the session completes.
    A delayed payment settled: the completed session announces it."""
    if event["type"] in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        _async_settled(ctx, event)
    if event["type"] not in (
        "payment_intent.succeeded",
        "payment_intent.amount_capturable_updated",
        "setup_intent.succeeded",
    ):
        return
    intent_id = event["data"]["object"]["id"]
    for record in ctx.store.all_records():
        if record.obj.get("object") == KIND and record.private.get("pending") == intent_id:
            owner = Ctx(ctx.store, record.account, ctx.base_url)
            complete(owner, record.obj)
            return


def _async_settled(ctx: Ctx, event: Obj) -> None:
    intent = event["data"]["object"]
    for record in ctx.store.all_records():
        if (
            record.obj.get("object") != KIND
            or record.private.get("async_payment") != intent["id"]
            or record.obj["status"] != "complete"
        ):
            continue
        owner = Ctx(ctx.store, record.account, ctx.base_url).automatic()
        record.private.pop("async_payment", None)
        session = record.obj
        if event["type"] == "payment_intent.succeeded":
            previous = owner.change(session, payment_status="paid")
            owner.emit("checkout.session.async_payment_succeeded", session, previous)
        else:
            owner.emit("checkout.session.async_payment_failed", session)
        return


EVENT_LISTENERS.append(_on_event)


@control.post("/_emulator/checkout/sessions/{session}/complete")
def control_complete(ctx: Ctx, params: Params, session: str) -> Obj:
    params.reject_unknown(("payment_method", "email", "payment_method_type", "iban", "name"))
    owner, obj = owner_ctx(ctx, session)
    kind = params.text("payment_method_type", choices=METHOD_TYPES) or "card"
    iban = None
    if kind == "sepa_debit":
        if params.has("payment_method"):
            raise invalid(
                "Pass `iban` (not `payment_method`) with `payment_method_type=sepa_debit`.",
                "payment_method",
            )
        iban = params.text("iban", required=True)
    elif params.has("iban"):
        raise invalid("`iban` needs `payment_method_type=sepa_debit`.", "iban")
    pay(
        owner,
        obj,
        params.text("payment_method") or "pm_card_visa",
        email=params.text("email"),
        iban=iban,
        name=params.text("name"),
    )
    return respond(owner, obj, Params({}))


@control.post("/_emulator/checkout/sessions/{session}/expire")
def control_expire(ctx: Ctx, params: Params, session: str) -> Obj:
    owner, obj = owner_ctx(ctx, session)
    expire(owner, obj)
    return respond(owner, obj, Params({}))
