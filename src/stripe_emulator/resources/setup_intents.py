"""SetupIntents (and their SetupAttempts): save a card for later, with 3-D Secure.

A successful setup attaches the PaymentMethod to the customer and, for ``usage=off_session``
(the default), marks it "set up" in private state: that is what lets 4000002500003155 pay
off-session afterwards while 4000002760003184 still fails with ``authentication_required``.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, merge_metadata, new_metadata
from stripe_emulator.errors import StripeError, card_error, invalid, unexpected_state
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

from . import cards, charges, payment_methods, three_d_secure

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
USAGES = ("on_session", "off_session")
CANCEL_REASONS = ("abandoned", "duplicate", "requested_by_customer")
AUTH_FAILED = (
    "The latest attempt to set up the payment method has failed because authentication failed."
)
CONFIRM_FIELDS = (
    "mandate_data",
    "payment_method",
    "payment_method_data",
    "payment_method_options",
    "return_url",
    "use_stripe_sdk",
)
CREATE_FIELDS = (
    *CONFIRM_FIELDS,
    "attach_to_self",
    "automatic_payment_methods",
    "confirm",
    "customer",
    "description",
    "flow_directions",
    "metadata",
    "on_behalf_of",
    "payment_method_types",
    "usage",
)
UPDATE_FIELDS = (
    "attach_to_self",
    "customer",
    "description",
    "flow_directions",
    "metadata",
    "payment_method",
    "payment_method_data",
    "payment_method_options",
    "payment_method_types",
)


def _state_error(intent: Obj, verb: str, allowed: tuple[str, ...]) -> StripeError:
    return unexpected_state(
        f"You cannot {verb} this SetupIntent because it has a status of {intent['status']}. "
        f"Only a SetupIntent with one of the following statuses may be "
        f"{'confirmed' if verb == 'confirm' else 'canceled'}: {', '.join(allowed)}.",
        code="setup_intent_unexpected_state",
        setup_intent=copy.deepcopy(intent),
    )


def _options(params: Params, before: Obj | None = None) -> Obj:
    card: Obj = dict((before or {}).get("card") or {}) or {
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
    given = params.child("payment_method_options")
    given.reject_unknown(("card",))
    card_params = given.child("card")
    card_params.reject_unknown(("request_three_d_secure", "network", "mandate_options", "moto"))
    if card_params.has("request_three_d_secure"):
        card["request_three_d_secure"] = card_params.text(
            "request_three_d_secure", choices=("any", "automatic", "challenge")
        )
    if card_params.has("network"):
        card["network"] = card_params.text("network")
    return {"card": card}


def _automatic(params: Params) -> Obj | None:
    from stripe_emulator.resources import payment_intents

    return payment_intents._automatic_methods(params)


def build(ctx: Ctx, params: Params) -> Obj:
    intent_id = ids.new("seti")
    automatic = _automatic(params)
    flows = params.strings("flow_directions")
    for position, flow in enumerate(flows):
        if flow not in ("inbound", "outbound"):
            raise invalid(
                "Invalid flow_directions: must be one of inbound, outbound",
                f"flow_directions[{position}]",
            )
    return {
        "id": intent_id,
        "object": "setup_intent",
        "allowed_payment_method_types": None,
        "application": None,
        "attach_to_self": bool(params.flag("attach_to_self")),
        "automatic_payment_methods": automatic,
        "cancellation_reason": None,
        "client_secret": ids.secret_for(intent_id),
        "created": ctx.now(),
        "customer": params.text("customer"),
        "customer_account": None,
        "description": params.text("description"),
        "excluded_payment_method_types": None,
        "flow_directions": flows or None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "managed_payments": None,
        "mandate": None,
        "metadata": new_metadata(params),
        "next_action": None,
        "on_behalf_of": params.text("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": (
            {"id": "pmc_1EmulatorDefaultConfig", "parent": None} if automatic else None
        ),
        "payment_method_options": _options(params),
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": params.text("usage", choices=USAGES) or "off_session",
    }


def _attempt_object(ctx: Ctx, intent: Obj, method: Obj, card: cards.Card) -> Obj:
    method_card = method["card"]
    return {
        "id": ids.new("setatt"),
        "object": "setup_attempt",
        "application": None,
        "attach_to_self": intent.get("attach_to_self"),
        "created": ctx.now(),
        "customer": intent.get("customer"),
        "customer_account": None,
        "flow_directions": intent.get("flow_directions"),
        "livemode": False,
        "on_behalf_of": intent.get("on_behalf_of"),
        "payment_method": method["id"],
        "payment_method_details": {
            "card": {
                "brand": card.brand,
                "checks": dict(method_card["checks"]),
                "country": card.country,
                "exp_month": method_card["exp_month"],
                "exp_year": method_card["exp_year"],
                "fingerprint": card.fingerprint,
                "funding": card.funding,
                "last4": card.last4,
                "network": card.network,
                "three_d_secure": None,
                "wallet": None,
            },
            "type": "card",
        },
        "setup_error": None,
        "setup_intent": intent["id"],
        "status": "requires_confirmation",
        "usage": intent["usage"],
    }


def _error(code: str, decline_code: str | None, message: str, method: Obj, type_: str) -> Obj:
    error: Obj = {"code": code}
    if decline_code:
        error["decline_code"] = decline_code
        error["advice_code"] = charges.advice_code(code, decline_code)
    error["doc_url"] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
    error["message"] = message
    error["payment_method"] = copy.deepcopy(method)
    error["type"] = type_
    return error


def _run(ctx: Ctx, intent: Obj, method: Obj, *, authenticated: bool) -> StripeError | None:
    """Check the card the way a $0 authorisation does; returns the 402 to raise, if any."""
    card = cards.card_of(ctx, method)
    attempt = ctx.store.find(intent.get("latest_attempt") or "")
    if (
        attempt is None
        or attempt["payment_method"] != method["id"]
        or (attempt["status"] != "requires_action")
    ):
        attempt = ctx.add(_attempt_object(ctx, intent, method, card))
    requested = ((intent["payment_method_options"] or {}).get("card") or {}).get(
        "request_three_d_secure"
    ) in ("any", "challenge")
    needs = cards.setup_needs_authentication(card) or (
        requested and card.number == "4000000000003055"
    )
    if needs and not authenticated:
        attempt["status"] = "requires_action"
        action = three_d_secure.next_action(ctx, intent, ctx.private(intent).get("return_url"))
        previous = ctx.change(
            intent,
            status="requires_action",
            payment_method=method["id"],
            latest_attempt=attempt["id"],
            next_action=action,
            last_setup_error=None,
        )
        ctx.emit("setup_intent.requires_action", intent, previous)
        return None
    if authenticated:
        attempt["payment_method_details"]["card"]["three_d_secure"] = {
            "authentication_flow": "challenge",
            "electronic_commerce_indicator": "05",
            "result": "authenticated",
            "result_reason": None,
            "transaction_id": charges.three_d_secure_details("authenticated")["transaction_id"],
            "version": "2.2.0",
        }
    if card.refuses_attach and card.decline is not None:
        code, decline_code = card.decline
        message = cards.decline_message(code, decline_code)
        error = _error(code, decline_code, message, method, "card_error")
        attempt["status"] = "failed"
        attempt["setup_error"] = copy.deepcopy(error)
        previous = ctx.change(
            intent,
            status="requires_payment_method",
            payment_method=None,
            latest_attempt=attempt["id"],
            next_action=None,
            last_setup_error=error,
        )
        ctx.emit("setup_intent.setup_failed", intent, previous)
        return card_error(
            message,
            code,
            decline_code,
            setup_intent=respond(ctx, intent, Params({})),
            payment_method=copy.deepcopy(method),
        )
    attempt["status"] = "succeeded"
    customer_id = intent.get("customer")
    if customer_id and method.get("customer") is None:
        customer = ctx.store.find(customer_id, ctx.account)
        if customer is not None and not customer.get("deleted"):
            attached = ctx.change(method, customer=customer_id)
            ctx.emit("payment_method.attached", method, attached)
    if intent["usage"] == "off_session":
        payment_methods.mark_set_up(ctx, method)
    previous = ctx.change(
        intent,
        status="succeeded",
        payment_method=method["id"],
        latest_attempt=attempt["id"],
        next_action=None,
        last_setup_error=None,
    )
    ctx.emit("setup_intent.succeeded", intent, previous)
    return None


def _method(ctx: Ctx, params: Params) -> Obj | None:
    from stripe_emulator.resources import payment_intents

    return payment_intents._method_param(ctx, params)


def _check_method(ctx: Ctx, method: Obj, customer: str | None) -> None:
    owner = method.get("customer")
    if owner is not None and owner != customer:
        raise invalid(
            f"The `payment_method` parameter supplied {method['id']} belongs to the Customer "
            f"{owner}. Please include the Customer in the `customer` parameter on the "
            "SetupIntent.",
            "payment_method",
        )
    payment_methods.check_reusable(ctx, method, param="payment_method")


def _check_return_url(intent: Obj, return_url: str | None) -> None:
    from stripe_emulator.resources import payment_intents

    payment_intents._check_return_url(
        intent, {"return_url": return_url, "off_session": False}, "SetupIntent"
    )


# --- the contract -------------------------------------------------------------------------


def create_setup(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(CREATE_FIELDS)
    confirm = bool(params.flag("confirm"))
    return_url = params.text("return_url")
    if return_url and not confirm:
        raise invalid(
            "The parameter return_url can only be passed when confirm is set to true.",
            "return_url",
        )
    customer_id = params.text("customer")
    if customer_id:
        ctx.get(customer_id, "customer", "customer")
    behalf = params.text("on_behalf_of")
    if behalf:
        from stripe_emulator.resources import payment_intents

        accounts = payment_intents.peer("accounts")
        if accounts is None:
            raise invalid(f"No such account: '{behalf}'", "on_behalf_of")
        accounts.payee(ctx, behalf, param="on_behalf_of", capability="card_payments")
    intent = build(ctx, params)
    if confirm:
        if not (params.text("payment_method") or params.has("payment_method_data")):
            raise invalid(
                "You cannot confirm this SetupIntent because it's missing a payment method.",
                "payment_method",
                code="setup_intent_unexpected_state",
            )
        _check_return_url(intent, return_url)
    method = _method(ctx, params)
    if method is not None:
        _check_method(ctx, method, customer_id)
        intent["payment_method"] = method["id"]
        intent["status"] = "requires_confirmation"
    ctx.add(intent, private={"return_url": return_url})
    ctx.emit("setup_intent.created", intent)
    if confirm and method is not None:
        error = _run(ctx, intent, method, authenticated=False)
        if error is not None:
            raise error
    return intent


def confirm_setup(ctx: Ctx, intent: Obj, params: Params) -> Obj:
    params.reject_unknown(CONFIRM_FIELDS)
    if intent["status"] not in CONFIRMABLE:
        raise _state_error(intent, "confirm", CONFIRMABLE)
    return_url = params.text("return_url")
    _check_return_url(intent, return_url)
    options = (
        _options(params, intent.get("payment_method_options"))
        if params.has("payment_method_options")
        else None
    )
    if params.has("payment_method") or params.has("payment_method_data"):
        method = _method(ctx, params)
    elif intent.get("payment_method"):
        method = ctx.get(intent["payment_method"], "payment_method", "payment_method")
    else:
        method = None
    if method is None:
        raise unexpected_state(
            "You cannot confirm this SetupIntent because it's missing a payment method. You "
            "can either update the SetupIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method.",
            code="setup_intent_unexpected_state",
        )
    _check_method(ctx, method, intent.get("customer"))
    ctx.private(intent)["return_url"] = return_url
    if options is not None:
        ctx.change(intent, payment_method_options=options)
    error = _run(ctx, intent, method, authenticated=False)
    if error is not None:
        raise error
    return intent


def authenticate(ctx: Ctx, intent: Obj, *, succeeded: bool) -> Obj:
    """The cardholder answered the 3-D Secure challenge."""
    method = ctx.store.find(intent.get("payment_method") or "")
    if method is None:
        raise unexpected_state(
            "This SetupIntent has no payment method to authenticate.",
            code="setup_intent_unexpected_state",
        )
    if succeeded:
        _run(ctx, intent, method, authenticated=True)
        return intent
    attempt = ctx.store.find(intent.get("latest_attempt") or "")
    error = _error(
        "setup_intent_authentication_failure", None, AUTH_FAILED, method, "invalid_request_error"
    )
    if attempt is not None:
        attempt["status"] = "failed"
        attempt["setup_error"] = copy.deepcopy(error)
        attempt["payment_method_details"]["card"]["three_d_secure"] = {
            "authentication_flow": "challenge",
            "electronic_commerce_indicator": None,
            "result": "failed",
            "result_reason": "rejected",
            "transaction_id": None,
            "version": "2.2.0",
        }
    previous = ctx.change(
        intent,
        status="requires_payment_method",
        payment_method=None,
        next_action=None,
        last_setup_error=error,
    )
    ctx.emit("setup_intent.setup_failed", intent, previous)
    return intent


# --- routes -------------------------------------------------------------------------------


def get(ctx: Ctx, intent_id: str) -> Obj:
    return ctx.get(intent_id, "setup_intent", "intent")


@api.post("/v1/setup_intents")
def create(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, create_setup(ctx, params), params)


@api.get("/v1/setup_intents")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    method = params.text("payment_method")
    attach_to_self = params.flag("attach_to_self")
    created = created_filter(params)
    found = ctx.store.objects(
        "setup_intent",
        ctx.account,
        lambda si: (
            (customer is None or si.get("customer") == customer)
            and (method is None or si.get("payment_method") == method)
            and (attach_to_self is None or si.get("attach_to_self") == attach_to_self)
            and created(si)
        ),
    )
    return page(ctx, found, params, "/v1/setup_intents")


@api.get("/v1/setup_intents/{intent}")
def retrieve(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, get(ctx, intent), params)


@api.post("/v1/setup_intents/{intent}")
def update(ctx: Ctx, params: Params, intent: str) -> Obj:
    params.reject_unknown(UPDATE_FIELDS)
    obj = get(ctx, intent)
    restricted = [name for name in params.data if name not in ("metadata", "expand")]
    if restricted and obj["status"] not in CONFIRMABLE:
        raise _state_error(obj, "update", CONFIRMABLE)
    customer_id = params.text("customer") if params.has("customer") else obj.get("customer")
    if params.has("customer") and customer_id:
        ctx.get(customer_id, "customer", "customer")
    options = (
        _options(params, obj.get("payment_method_options"))
        if params.has("payment_method_options")
        else None
    )
    if params.has("payment_method_types"):
        _automatic(params)
    if params.has("metadata"):
        merge_metadata(dict(obj.get("metadata") or {}), params.raw("metadata"))
    method = _method(ctx, params)
    if method is not None:
        _check_method(ctx, method, customer_id)
    changes: dict[str, Any] = {}
    if params.has("description"):
        changes["description"] = params.text("description")
    if params.has("customer"):
        changes["customer"] = customer_id
    if params.has("attach_to_self"):
        changes["attach_to_self"] = bool(params.flag("attach_to_self"))
    if params.has("flow_directions"):
        changes["flow_directions"] = params.strings("flow_directions") or None
    if params.has("payment_method_types"):
        changes["automatic_payment_methods"] = None
        changes["payment_method_configuration_details"] = None
    if options is not None:
        changes["payment_method_options"] = options
    if method is not None:
        changes["payment_method"] = method["id"]
        changes["status"] = "requires_confirmation"
        changes["next_action"] = None
    ctx.metadata(obj, params)
    ctx.change(obj, **changes)
    return respond(ctx, obj, params)


@api.post("/v1/setup_intents/{intent}/confirm")
def confirm(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, confirm_setup(ctx, get(ctx, intent), params), params)


@api.post("/v1/setup_intents/{intent}/cancel")
def cancel(ctx: Ctx, params: Params, intent: str) -> Obj:
    params.reject_unknown(("cancellation_reason",))
    obj = get(ctx, intent)
    reason = params.text("cancellation_reason", choices=CANCEL_REASONS)
    allowed = (*CONFIRMABLE, "processing")
    if obj["status"] not in allowed:
        raise _state_error(obj, "cancel", allowed)
    previous = ctx.change(obj, status="canceled", cancellation_reason=reason, next_action=None)
    attempt = ctx.store.find(obj.get("latest_attempt") or "")
    if attempt is not None and attempt["status"] == "requires_action":
        attempt["status"] = "abandoned"
    ctx.emit("setup_intent.canceled", obj, previous)
    return respond(ctx, obj, params)


@api.get("/v1/setup_attempts")
def attempts(ctx: Ctx, params: Params) -> Obj:
    intent_id = params.text("setup_intent", required=True)
    get(ctx, intent_id or "")
    created = created_filter(params)
    found = ctx.store.objects(
        "setup_attempt",
        ctx.account,
        lambda a: a.get("setup_intent") == intent_id and created(a),
    )
    return page(ctx, found, params, "/v1/setup_attempts")
