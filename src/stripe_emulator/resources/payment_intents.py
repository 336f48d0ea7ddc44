"""PaymentIntents: create, retrieve, update, list, search, confirm, capture, cancel and
increment_authorization, with the state machine, test-card outcomes, 3-D Secure,
off-session rules, manual-capture expiry and Connect parameters.

One function, ``_attempt``, decides what a confirmation does with a card: ask for 3-D Secure
(or fail off-session with ``authentication_required``), decline with a failed charge, or
authorise with a succeeded charge. Every path records the charge, moves the intent and emits
the events Stripe would before any error is raised, so a 402 leaves the same trace.

A ``sepa_debit`` PaymentMethod is a delayed-notification payment instead: confirmation needs
the customer's mandate acceptance, moves the intent to ``processing`` with a ``pending``
charge, and the ``payment_intent.settle`` task decides it ``async_settle_seconds`` later.
"""

from __future__ import annotations

import copy
import importlib
from types import ModuleType
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, merge_metadata, new_metadata
from stripe_emulator.errors import DOCS, StripeError, card_error, invalid, unexpected_state
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj, task

from . import cards, charges, payment_methods, three_d_secure

DAY = 86400
AUTH_WINDOW = 7 * DAY
VISA_MERCHANT_INITIATED_WINDOW = 4 * DAY + 18 * 3600

ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
    "vuv", "xaf", "xof", "xpf", "isk",
}  # fmt: skip
SENT_TIMES_100 = {"isk", "ugx"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
MINIMUMS = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "aud": "$", "cad": "$"}
MAXIMUM_DIGITS = {"idr": 12, "inr": 9, "lbp": 11, "cop": 10, "huf": 10, "jpy": 10}
KNOWN_CURRENCIES = (
    set(MINIMUMS) | ZERO_DECIMAL | THREE_DECIMAL | set(MAXIMUM_DIGITS)
    | {"ars", "bdt", "cny", "egp", "ils", "kes", "kzt", "mad", "ngn", "pen", "php", "pkr",
       "qar", "rub", "sar", "try", "twd", "uah", "zar", "ghs", "lkr", "uyu", "vnd"}
)  # fmt: skip

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
# A ``processing`` debit is already with the bank: it can no longer be canceled.
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
)
METHOD_TYPES = ("card", "sepa_debit")
TYPE_CURRENCIES = {"sepa_debit": ("eur",)}
USER_CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
REQUEST_OPTIONS = (
    "request_extended_authorization",
    "request_incremental_authorization",
    "request_multicapture",
    "request_overcapture",
)
CONFIRM_FIELDS = (
    "capture_method",
    "error_on_requires_action",
    "mandate",
    "mandate_data",
    "off_session",
    "payment_method",
    "payment_method_data",
    "payment_method_options",
    "radar_options",
    "receipt_email",
    "return_url",
    "setup_future_usage",
    "shipping",
    "use_stripe_sdk",
)
CREATE_FIELDS = (
    *CONFIRM_FIELDS,
    "amount",
    "application_fee_amount",
    "automatic_payment_methods",
    "confirm",
    "confirmation_method",
    "currency",
    "customer",
    "description",
    "metadata",
    "on_behalf_of",
    "payment_method_types",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
)
UPDATE_FIELDS = (
    "amount",
    "application_fee_amount",
    "capture_method",
    "currency",
    "customer",
    "description",
    "metadata",
    "payment_method",
    "payment_method_data",
    "payment_method_options",
    "payment_method_types",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
)
ANY_STATUS_UPDATES = ("description", "metadata", "receipt_email", "shipping")
RETURN_URL_REQUIRED = (
    "This {noun} is configured to accept payment methods enabled in your Dashboard. Because "
    "some of these payment methods might redirect your customer off of your page, you must "
    "provide a `return_url`. If you don't want to accept redirect-based payment methods, set "
    "`automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)
AUTH_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)


def peer(name: str) -> ModuleType | None:
    """Another helper's resource module, or None while it does not exist yet."""
    qualified = f"stripe_emulator.resources.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as error:
        if error.name == qualified:
            return None
        raise


# --- amounts ------------------------------------------------------------------------------


def _format(amount: int, currency: str) -> str:
    symbol = SYMBOLS.get(currency, "")
    if currency in ZERO_DECIMAL and currency not in SENT_TIMES_100:
        return f"{symbol}{amount:,}"
    digits = 3 if currency in THREE_DECIMAL else 2
    return f"{symbol}{amount / 10**digits:,.{digits}f}"


def check_amount(amount: int, currency: str, *, param: str = "amount") -> None:
    """Stripe's currency rules: minimum charge, maximum digits, zero- and three-decimal."""
    minimum = MINIMUMS.get(currency, 100 if currency in SENT_TIMES_100 else 1)
    if amount < minimum:
        raise invalid(
            f"Amount must be at least {_format(minimum, currency)} {currency}",
            param,
            code="amount_too_small",
        )
    maximum = 10 ** MAXIMUM_DIGITS.get(currency, 8) - 1
    if amount > maximum:
        raise invalid(
            f"Amount must be no more than {_format(maximum, currency)} {currency}",
            param,
            code="amount_too_large",
        )
    if currency in SENT_TIMES_100 and amount % 100:
        raise invalid(
            f"Invalid amount: {currency.upper()} is a zero-decimal currency that must be sent "
            f"in hundredths; the amount must be divisible by 100.",
            param,
        )
    if currency in THREE_DECIMAL and amount % 10:
        raise invalid(
            f"Invalid amount: the last digit of a {currency.upper()} amount must be 0.", param
        )


def _currency(params: Params, *, required: bool) -> str | None:
    currency = params.text("currency", required=required)
    if currency is None:
        return None
    if currency != currency.lower() or currency not in KNOWN_CURRENCIES:
        raise invalid(
            f"Invalid currency: {currency}. Stripe currently supports these currencies: "
            f"{', '.join(sorted(KNOWN_CURRENCIES))}",
            "currency",
        )
    return currency


# --- shape --------------------------------------------------------------------------------


def _method_options(params: Params, before: Obj | None = None) -> Obj:
    card: Obj = dict((before or {}).get("card") or {}) or {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
    options = params.child("payment_method_options")
    options.reject_unknown(("card",))
    given = options.child("card")
    given.reject_unknown(
        (
            *REQUEST_OPTIONS,
            "request_three_d_secure",
            "capture_method",
            "setup_future_usage",
            "network",
            "installments",
            "mandate_options",
            "require_cvc_recollection",
            "statement_descriptor_suffix_kana",
            "statement_descriptor_suffix_kanji",
            "moto",
            "cvc_token",
        )
    )
    for name in REQUEST_OPTIONS:
        if given.has(name):
            card[name] = given.text(name, choices=("if_available", "never"))
    if given.has("request_three_d_secure"):
        card["request_three_d_secure"] = given.text(
            "request_three_d_secure", choices=("any", "automatic", "challenge")
        )
    if given.has("capture_method"):
        card["capture_method"] = given.text("capture_method", choices=("manual",))
    if given.has("setup_future_usage"):
        card["setup_future_usage"] = given.text(
            "setup_future_usage", choices=("none", "off_session", "on_session")
        )
    if given.has("network"):
        card["network"] = given.text("network")
    if given.has("require_cvc_recollection"):
        card["require_cvc_recollection"] = given.flag("require_cvc_recollection")
    return {"card": card}


def _automatic_methods(params: Params) -> Obj | None:
    if params.has("payment_method_types") and params.has("automatic_payment_methods"):
        raise invalid(
            "You may only specify one of these parameters: automatic_payment_methods, "
            "payment_method_types.",
            "automatic_payment_methods",
        )
    if params.has("payment_method_types"):
        types = params.strings("payment_method_types")
        for position, kind in enumerate(types):
            if kind not in METHOD_TYPES:
                raise invalid(
                    f"The payment method type {kind!r} is invalid. Please ensure the provided "
                    "type is activated in your dashboard (https://dashboard.stripe.com/account/"
                    "payments/settings) and your account is enabled for any preview features "
                    "that you are trying to use.",
                    f"payment_method_types[{position}]",
                )
        return None
    given = params.child("automatic_payment_methods")
    given.reject_unknown(("enabled", "allow_redirects"))
    if params.has("automatic_payment_methods"):
        given.require("enabled")
    enabled = given.flag("enabled", default=True)
    if not enabled:
        raise invalid(
            "You must specify either `payment_method_types` or set "
            "`automatic_payment_methods[enabled]` to `true`.",
            "automatic_payment_methods[enabled]",
        )
    redirects = given.text("allow_redirects", choices=("always", "never")) or "always"
    return {"allow_redirects": redirects, "enabled": True}


def build(ctx: Ctx, params: Params, *, amount: int, currency: str) -> Obj:
    intent_id = ids.new("pi")
    automatic = _automatic_methods(params)
    transfer = params.child("transfer_data")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": params.integer("application_fee_amount"),
        "automatic_payment_methods": automatic,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.text(
            "capture_method", choices=("automatic", "automatic_async", "manual")
        )
        or "automatic_async",
        "client_secret": ids.secret_for(intent_id),
        "confirmation_method": params.text("confirmation_method", choices=("automatic", "manual"))
        or "automatic",
        "created": ctx.now(),
        "currency": currency,
        "customer": params.text("customer"),
        "customer_account": None,
        "description": params.text("description"),
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": new_metadata(params),
        "next_action": None,
        "on_behalf_of": params.text("on_behalf_of"),
        "payment_details": None,
        "payment_method": None,
        "payment_method_configuration_details": (
            {"id": "pmc_1EmulatorDefaultConfig", "parent": None} if automatic else None
        ),
        "payment_method_options": _method_options(params),
        "payment_method_types": params.strings("payment_method_types") or ["card"],
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": params.text("receipt_email"),
        "review": None,
        "setup_future_usage": params.text(
            "setup_future_usage", choices=("on_session", "off_session")
        ),
        "shipping": params.raw("shipping") or None,
        "source": None,
        "statement_descriptor": params.text("statement_descriptor", max_length=22),
        "statement_descriptor_suffix": params.text("statement_descriptor_suffix", max_length=22),
        "status": "requires_payment_method",
        "transfer_data": (
            {
                "amount": transfer.integer("amount", minimum=1),
                "destination": transfer.text("destination", required=True),
            }
            if params.has("transfer_data")
            else None
        ),
        "transfer_group": params.text("transfer_group"),
    }


# --- validation shared by create, update and confirm ---------------------------------------


def _check_connect(ctx: Ctx, params: Params, amount: int) -> None:
    """``transfer_data``, ``on_behalf_of`` and the ``application_fee_amount`` rule (§1.8)."""
    accounts = peer("accounts")
    if params.has("transfer_data"):
        transfer = params.child("transfer_data")
        transfer.reject_unknown(("amount", "destination"))
        destination = transfer.text("destination", required=True) or ""
        transfer_amount = transfer.integer("amount", minimum=1)
        if transfer_amount is not None and transfer_amount > amount:
            raise invalid(
                "The transfer amount must be less than or equal to the amount of the "
                "PaymentIntent.",
                "transfer_data[amount]",
            )
        if accounts is None:
            raise invalid(f"No such destination: '{destination}'", "transfer_data[destination]")
        accounts.payee(ctx, destination, param="transfer_data[destination]", capability="transfers")
    behalf = params.text("on_behalf_of")
    if behalf:
        if accounts is None:
            raise invalid(f"No such account: '{behalf}'", "on_behalf_of")
        accounts.payee(ctx, behalf, param="on_behalf_of", capability="card_payments")


def _check_fee(ctx: Ctx, fee: int | None, amount: int, destination: Any, param: str) -> None:
    if fee is None:
        return
    if not destination and ctx.on_platform:
        raise invalid(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a "
            "direct payment (using an OAuth key or Stripe-Account header) or destination "
            "payment (using `transfer_data[destination]`).",
            param,
        )
    if fee > amount:
        raise invalid("The application fee amount must be less than or equal to the amount.", param)


def _check_types(types: list[str], currency: str, capture: str | None) -> None:
    """Each payment method type's currencies, and no manual capture for a debit-only intent."""
    for kind in types:
        allowed = TYPE_CURRENCIES.get(kind)
        if allowed is not None and currency not in allowed:
            raise invalid(
                f"The currency provided ({currency}) is invalid. Payments with {kind} support "
                f"the following currencies: {', '.join(allowed)}.",
                "currency",
            )
    if capture == "manual" and types == ["sepa_debit"]:
        raise invalid(MANUAL_SEPA, "capture_method")


MANUAL_SEPA = (
    "The capture_method `manual` is not supported by the payment method type `sepa_debit`. "
    "Use `automatic` or `automatic_async` instead."
)
MANDATE_REQUIRED = (
    "A mandate is required to confirm this PaymentIntent with a `sepa_debit` PaymentMethod. "
    "Provide `mandate_data[customer_acceptance]` with the customer's acceptance of the "
    "mandate, or use a PaymentMethod that was set up for future payments."
)


def _check_method_fits(
    ctx: Ctx, intent: Obj, method: Obj, *, confirming: bool, mandate: bool, capture: str
) -> None:
    """The PaymentMethod's type must be one the intent allows; a SEPA debit also needs euros,
    automatic capture and a mandate when it is confirmed."""
    kind = method["type"]
    types = intent["payment_method_types"]
    if kind not in types:
        raise invalid(
            f"The PaymentMethod provided ({method['id']}) has type `{kind}`, which is not "
            f"allowed for this PaymentIntent (payment_method_types: {', '.join(types)}). "
            f"Update the PaymentIntent's `payment_method_types` to include `{kind}` or provide "
            "a PaymentMethod of an allowed type.",
            "payment_method",
            code="payment_intent_incompatible_payment_method",
        )
    if kind != "sepa_debit" or not confirming:
        return
    _check_types([kind], intent["currency"], None)
    if capture == "manual":
        raise invalid(MANUAL_SEPA, "capture_method")
    private = ctx.private(method)
    if not mandate and not private.get("mandated") and not private.get("set_up"):
        raise invalid(MANDATE_REQUIRED, "mandate_data")


def _mandate_data(params: Params) -> bool:
    """Validate ``mandate_data`` (the customer's acceptance of a debit mandate)."""
    if not params.has("mandate_data"):
        return False
    data = params.child("mandate_data")
    data.reject_unknown(("customer_acceptance",))
    data.require("customer_acceptance")
    acceptance = data.child("customer_acceptance")
    acceptance.reject_unknown(("type", "accepted_at", "online", "offline"))
    kind = acceptance.text("type", required=True, choices=("online", "offline"))
    acceptance.integer("accepted_at")
    if kind == "online":
        acceptance.require("online")
        online = acceptance.child("online")
        online.reject_unknown(("ip_address", "user_agent"))
        online.text("ip_address", required=True)
        online.text("user_agent", required=True)
    return True


def _check_method_for(ctx: Ctx, method: Obj, customer: str | None, *, param: str) -> None:
    owner = method.get("customer")
    if owner is not None and owner != customer:
        raise invalid(
            f"The `payment_method` parameter supplied {method['id']} belongs to the Customer "
            f"{owner}. Please include the Customer in the `customer` parameter on the "
            "PaymentIntent.",
            param,
        )
    payment_methods.check_reusable(ctx, method, param=param)


def _method_param(ctx: Ctx, params: Params) -> Obj | None:
    """The PaymentMethod a create/update/confirm names (``payment_method`` or
    ``payment_method_data``), materialising magic ids; call after all other validation."""
    ref = params.text("payment_method")
    if params.has("payment_method_data"):
        if ref:
            raise invalid(
                "You may only specify one of these parameters: payment_method, "
                "payment_method_data.",
                "payment_method_data",
            )
        data = params.child("payment_method_data")
        created: Obj = payment_methods._from_params(ctx, data)
        return created
    if ref:
        return payment_methods.resolve(ctx, ref, param="payment_method")
    return None


def _confirm_options(params: Params) -> dict[str, Any]:
    """Validate the confirmation-only parameters (no side effects)."""
    off_session_raw = params.raw("off_session")
    off_session = False
    if off_session_raw not in (None, ""):
        if str(off_session_raw) in ("one_off", "recurring"):
            off_session = True
        else:
            off_session = bool(params.flag("off_session"))
    return {
        "off_session": off_session,
        "mandate_data": _mandate_data(params),
        "return_url": params.text("return_url"),
        "error_on_requires_action": bool(params.flag("error_on_requires_action")),
        "use_stripe_sdk": bool(params.flag("use_stripe_sdk")),
    }


# --- events and errors --------------------------------------------------------------------


def _error_fields(
    *, type_: str, code: str, message: str, decline_code: str | None, method: Obj | None,
    charge: Obj | None,
) -> Obj:  # fmt: skip
    error: Obj = {}
    if charge is not None:
        error["charge"] = charge["id"]
    error["code"] = code
    if decline_code:
        error["decline_code"] = decline_code
        error["advice_code"] = charges.advice_code(code, decline_code)
    error["doc_url"] = f"{DOCS}/{code.replace('_', '-')}"
    error["message"] = message
    if method is not None:
        error["payment_method"] = copy.deepcopy(method)
    error["type"] = type_
    return error


def _raise_decline(
    ctx: Ctx, intent: Obj, method: Obj, charge: Obj, code: str, decline_code: str | None
) -> StripeError:
    extra: dict[str, Any] = {
        "charge": charge["id"],
        "payment_intent": respond(ctx, intent, Params({})),
        "payment_method": copy.deepcopy(method),
    }
    if decline_code:
        extra["advice_code"] = charges.advice_code(code, decline_code)
    return card_error(cards.decline_message(code, decline_code), code, decline_code, **extra)


# --- the attempt --------------------------------------------------------------------------


def _wants_three_d_secure(intent: Obj) -> bool:
    card_options = (intent.get("payment_method_options") or {}).get("card") or {}
    return card_options.get("request_three_d_secure") in ("any", "challenge")


def _attempt(ctx: Ctx, intent: Obj, method: Obj, *, authenticated: bool) -> StripeError | None:
    """Run the card: 3-D Secure, decline or authorisation. Returns the 402 to raise, if any;
    the intent, charge and events are already recorded."""
    if method["type"] == "sepa_debit":
        _process_sepa(ctx, intent, method)
        return None
    card = cards.card_of(ctx, method)
    state = ctx.private(intent)
    off_session = bool(state.get("off_session"))
    set_up = bool(ctx.private(method).get("set_up"))
    requested = _wants_three_d_secure(intent)
    needs = cards.needs_authentication(card, off_session=off_session, set_up=set_up)
    if requested and card.three_d_secure == "optional" and card.number == "4000000000003055":
        needs = True
    if needs and not authenticated:
        if off_session or state.get("error_on_requires_action"):
            return _fail(ctx, intent, method, card, "authentication_required", None, auth=True)
        _require_action(ctx, intent, method)
        return None
    decline = card.charge_decline()
    if decline is None and requested and card.three_d_secure_error:
        decline = ("processing_error", None)
    secure: Obj | None = None
    if authenticated:
        secure = charges.three_d_secure_details("authenticated")
    elif requested and card.three_d_secure == "optional":
        secure = charges.three_d_secure_details("attempt_acknowledged")
    if decline is not None:
        return _fail(ctx, intent, method, card, decline[0], decline[1], secure=secure)
    _authorise(ctx, intent, method, card, secure)
    return None


def _require_action(ctx: Ctx, intent: Obj, method: Obj) -> None:
    state = ctx.private(intent)
    action = three_d_secure.next_action(ctx, intent, state.get("return_url"))
    previous = ctx.change(
        intent,
        status="requires_action",
        payment_method=method["id"],
        next_action=action,
        last_payment_error=None,
    )
    ctx.emit("payment_intent.requires_action", intent, previous)


def _fail(
    ctx: Ctx,
    intent: Obj,
    method: Obj,
    card: cards.Card,
    code: str,
    decline_code: str | None,
    *,
    auth: bool = False,
    secure: Obj | None = None,
) -> StripeError:
    if auth:
        code, decline_code = "authentication_required", "authentication_required"
    charge = charges.build(ctx, intent, method, card, three_d_secure=secure)
    charges.fail(charge, card, code, decline_code)
    ctx.add(charge)
    error = _error_fields(
        type_="card_error",
        code=code,
        message=cards.decline_message(code, decline_code),
        decline_code=decline_code,
        method=method,
        charge=charge,
    )
    previous = ctx.change(
        intent,
        status="requires_payment_method",
        payment_method=None,
        latest_charge=charge["id"],
        last_payment_error=error,
        next_action=None,
    )
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent, previous)
    return _raise_decline(ctx, intent, method, charge, code, decline_code)


def _process_sepa(ctx: Ctx, intent: Obj, method: Obj) -> None:
    """Submit the debit: a pending charge, the intent ``processing``; the bank's answer
    arrives with the ``payment_intent.settle`` task."""
    charge = charges.build_sepa(ctx, intent, method)
    ctx.add(charge)
    ctx.private(method)["mandated"] = True
    _after_success(ctx, intent, method)
    previous = ctx.change(
        intent,
        status="processing",
        payment_method=method["id"],
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=None,
    )
    ctx.emit("charge.pending", charge)
    ctx.emit("payment_intent.processing", intent, previous)
    outcome = payment_methods.sepa_outcome(ctx, method)
    delay = outcome.delay
    if delay is None:
        delay = int(ctx.store.settings.get("async_settle_seconds", 3))
    ctx.store.schedule(
        ctx.now() + delay,
        "payment_intent.settle",
        id=intent["id"],
        charge=charge["id"],
        account=ctx.account,
    )


@task("payment_intent.settle")
def _settle(ctx: Ctx, args: dict[str, Any]) -> None:
    """The bank answers a SEPA debit: the money arrives (succeeded) or the debit is returned
    (the intent asks for a new payment method)."""
    intent = ctx.store.find(args["id"])
    charge = ctx.store.find(args["charge"])
    if intent is None or charge is None or intent["status"] != "processing":
        return
    if charge["status"] != "pending":
        return
    method = ctx.store.find(charge.get("payment_method") or "")
    outcome = (
        payment_methods.sepa_outcome(ctx, method)
        if method is not None
        else payment_methods.SepaOutcome(True)
    )
    if outcome.succeeds:
        charges.sepa_settled(charge, None, None)
        ctx.store.bump()
        _money_captured(ctx, charge, intent)
        previous = ctx.change(
            intent, status="succeeded", amount_received=intent["amount"], amount_capturable=0
        )
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", intent, previous)
        return
    code = outcome.failure_code or "insufficient_funds"
    message = payment_methods.SEPA_FAILURE_MESSAGES.get(code, "The payment failed.")
    charges.sepa_settled(charge, code, message)
    ctx.store.bump()
    error = _error_fields(
        type_="invalid_request_error",
        code=code,
        message=message,
        decline_code=None,
        method=method,
        charge=charge,
    )
    previous = ctx.change(
        intent,
        status="requires_payment_method",
        payment_method=None,
        last_payment_error=error,
    )
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent, previous)


def _capture_window(card: cards.Card, off_session: bool) -> int:
    if card.brand == "visa" and off_session:
        return VISA_MERCHANT_INITIATED_WINDOW
    return AUTH_WINDOW


def _authorise(ctx: Ctx, intent: Obj, method: Obj, card: cards.Card, secure: Obj | None) -> None:
    state = ctx.private(intent)
    manual = _capture_method(intent) == "manual"
    capture_before = (
        ctx.now() + _capture_window(card, bool(state.get("off_session"))) if manual else None
    )
    charge = charges.build(ctx, intent, method, card, three_d_secure=secure)
    charges.succeed(charge, card, capture_before=capture_before)
    ctx.add(charge)
    _after_success(ctx, intent, method)
    common = {
        "payment_method": method["id"],
        "latest_charge": charge["id"],
        "next_action": None,
        "last_payment_error": None,
    }
    if manual:
        previous = ctx.change(
            intent, status="requires_capture", amount_capturable=intent["amount"], **common
        )
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.amount_capturable_updated", intent, previous)
        ctx.store.schedule(
            capture_before or ctx.now(),
            "payment_intent.authorization_expiry",
            id=intent["id"],
            account=ctx.account,
        )
        return
    charge["captured"] = True
    charge["amount_captured"] = charge["amount"]
    previous = ctx.change(
        intent, status="succeeded", amount_received=intent["amount"], amount_capturable=0, **common
    )
    if intent["capture_method"] == "automatic_async":
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", intent, previous)
        ctx.store.schedule(
            ctx.now(), "charge.async_capture", id=charge["id"], intent=intent["id"],
            account=ctx.account,
        )  # fmt: skip
    else:
        _money_captured(ctx, charge, intent)
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", intent, previous)
    _charge_succeeded(ctx, charge, card)


def _capture_method(intent: Obj) -> str:
    options = (intent.get("payment_method_options") or {}).get("card") or {}
    if options.get("capture_method") == "manual":
        return "manual"
    return str(intent["capture_method"])


def _after_success(ctx: Ctx, intent: Obj, method: Obj) -> None:
    """``setup_future_usage``: attach to the customer and remember the card is set up."""
    usage = intent.get("setup_future_usage")
    card_usage = ((intent.get("payment_method_options") or {}).get("card") or {}).get(
        "setup_future_usage"
    )
    if card_usage in ("on_session", "off_session"):
        usage = card_usage
    customer_id = intent.get("customer")
    if usage and customer_id and method.get("customer") is None:
        customer = ctx.store.find(customer_id, ctx.account)
        if customer is not None and not customer.get("deleted"):
            previous = ctx.change(method, customer=customer_id)
            ctx.emit("payment_method.attached", method, previous)
    if usage == "off_session":
        payment_methods.mark_set_up(ctx, method)
    payment_methods.mark_used(ctx, method)


def _money_captured(ctx: Ctx, charge: Obj, intent: Obj) -> None:
    money = peer("money")
    if money is not None:
        money.charge_captured(ctx, charge, intent)


def _charge_succeeded(ctx: Ctx, charge: Obj, card: cards.Card) -> None:
    disputes = peer("disputes")
    if disputes is not None:
        disputes.after_charge_succeeded(ctx, charge, card)


MONEY_FIELDS = ("balance_transaction", "transfer", "application_fee", "application_fee_amount")


@task("charge.async_capture")
def _async_capture(ctx: Ctx, args: dict[str, Any]) -> None:
    """Asynchronous capture: the balance transaction (and Connect transfer and fee) arrive
    after the charge succeeded, announced by ``charge.updated``."""
    charge = ctx.store.find(args["id"])
    intent = ctx.store.find(args["intent"])
    if charge is None or intent is None:
        return
    before = {name: copy.deepcopy(charge.get(name)) for name in MONEY_FIELDS}
    _money_captured(ctx, charge, intent)
    previous = {name: value for name, value in before.items() if charge.get(name) != value}
    if previous:
        ctx.emit("charge.updated", charge, previous)


@task("payment_intent.authorization_expiry")
def _expire(ctx: Ctx, args: dict[str, Any]) -> None:
    """An uncaptured authorisation lapses: the intent is canceled and the hold released."""
    intent = ctx.store.find(args["id"])
    if intent is None or intent["status"] != "requires_capture":
        return
    charge = ctx.store.find(intent.get("latest_charge") or "")
    previous = ctx.change(
        intent,
        status="canceled",
        cancellation_reason="automatic",
        canceled_at=ctx.now(),
        amount_capturable=0,
    )
    if charge is not None:
        charge_previous = ctx.change(charge, amount_refunded=charge["amount"], refunded=True)
        ctx.emit("charge.expired", charge, charge_previous)
    ctx.emit("payment_intent.canceled", intent, previous)


# --- the contract -------------------------------------------------------------------------


def create_intent(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(CREATE_FIELDS)
    amount = params.integer("amount", required=True) or 0
    currency = _currency(params, required=True) or ""
    check_amount(amount, currency)
    _check_types(
        params.strings("payment_method_types") or ["card"],
        currency,
        params.text("capture_method"),
    )
    confirm = bool(params.flag("confirm"))
    if confirm and not (params.text("payment_method") or params.has("payment_method_data")):
        raise invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method.",
            "payment_method",
            code="payment_intent_unexpected_state",
        )
    for name in ("off_session", "return_url", "error_on_requires_action"):
        if params.has(name) and not confirm:
            raise invalid(
                f"The parameter {name} can only be passed when confirm is set to true.", name
            )
    options = _confirm_options(params)
    customer_id = params.text("customer")
    if customer_id:
        ctx.get(customer_id, "customer", "customer")
    _check_connect(ctx, params, amount)
    transfer = params.child("transfer_data").text("destination")
    _check_fee(
        ctx, params.integer("application_fee_amount", minimum=0), amount, transfer,
        "application_fee_amount",
    )  # fmt: skip
    intent = build(ctx, params, amount=amount, currency=currency)
    if confirm:
        _check_return_url(intent, options, "PaymentIntent")
    method = _method_param(ctx, params)
    if method is not None:
        _check_method_for(ctx, method, customer_id, param="payment_method")
        _check_method_fits(
            ctx,
            intent,
            method,
            confirming=confirm,
            mandate=options["mandate_data"],
            capture=_capture_method(intent),
        )
        intent["payment_method"] = method["id"]
        intent["status"] = "requires_confirmation"
    ctx.add(intent, private={"off_session": False, "return_url": None})
    ctx.emit("payment_intent.created", intent)
    if confirm:
        _confirm(ctx, intent, method, options)
    return intent


def _check_return_url(intent: Obj, options: dict[str, Any], noun: str) -> None:
    automatic = intent.get("automatic_payment_methods") or {}
    if (
        automatic.get("enabled")
        and automatic.get("allow_redirects") != "never"
        and not options.get("return_url")
        and not options.get("off_session")
    ):
        raise invalid(RETURN_URL_REQUIRED.format(noun=noun), "return_url")


def _status_error(intent: Obj, verb: str, allowed: tuple[str, ...]) -> StripeError:
    status = intent["status"]
    if verb == "confirm" and status == "succeeded":
        message = (
            "You cannot confirm this PaymentIntent because it has already succeeded after "
            "being previously confirmed."
        )
    else:
        message = (
            f"You cannot {verb} this PaymentIntent because it has a status of {status}. Only "
            f"a PaymentIntent with one of the following statuses may be {verb}"
            f"{'ed' if verb != 'capture' else 'd'}: {', '.join(allowed)}."
        )
    return unexpected_state(message, payment_intent=copy.deepcopy(intent))


def confirm_intent(ctx: Ctx, intent: Obj, params: Params) -> Obj:
    params.reject_unknown(CONFIRM_FIELDS)
    if intent["status"] not in CONFIRMABLE:
        raise _status_error(intent, "confirm", CONFIRMABLE)
    options = _confirm_options(params)
    capture = params.text("capture_method", choices=("automatic", "automatic_async", "manual"))
    usage = params.text("setup_future_usage", choices=("on_session", "off_session"))
    method_options = (
        _method_options(params, intent.get("payment_method_options"))
        if params.has("payment_method_options")
        else None
    )
    _check_return_url(intent, options, "PaymentIntent")
    if not params.has("payment_method") and not params.has("payment_method_data"):
        if intent.get("payment_method") is None:
            raise unexpected_state(
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "You can either update the PaymentIntent with a payment method and then "
                "confirm it again, or confirm it again directly with a payment method.",
                payment_intent=copy.deepcopy(intent),
            )
        method = ctx.get(intent["payment_method"], "payment_method", "payment_method")
    else:
        found = _method_param(ctx, params)
        assert found is not None  # a named payment method resolves or raises
        method = found
    _check_method_for(ctx, method, intent.get("customer"), param="payment_method")
    _check_method_fits(
        ctx,
        intent,
        method,
        confirming=True,
        mandate=options["mandate_data"],
        capture=capture or _capture_method(intent),
    )
    changes: dict[str, Any] = {}
    if capture:
        changes["capture_method"] = capture
    if usage:
        changes["setup_future_usage"] = usage
    if method_options is not None:
        changes["payment_method_options"] = method_options
    for name in ("receipt_email",):
        if params.has(name):
            changes[name] = params.text(name)
    if params.has("shipping"):
        changes["shipping"] = params.raw("shipping") or None
    ctx.change(intent, **changes)
    _confirm(ctx, intent, method, options)
    return intent


def _confirm(ctx: Ctx, intent: Obj, method: Obj | None, options: dict[str, Any]) -> None:
    if method is None:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method.",
            payment_intent=copy.deepcopy(intent),
        )
    state = ctx.private(intent)
    authenticated = state.get("authenticated_method") == method["id"]
    state.update(
        {
            "off_session": options["off_session"],
            "return_url": options["return_url"],
            "error_on_requires_action": options["error_on_requires_action"],
            "authenticated_method": None,
        }
    )
    ctx.change(intent, payment_method=method["id"])
    error = _attempt(ctx, intent, method, authenticated=authenticated)
    if error is not None:
        raise error


def authenticate(ctx: Ctx, intent: Obj, *, succeeded: bool) -> Obj:
    """The cardholder answered the 3-D Secure challenge (hosted page or control endpoint)."""
    method = ctx.store.find(intent.get("payment_method") or "")
    if method is None:
        raise unexpected_state("This PaymentIntent has no payment method to authenticate.")
    if not succeeded:
        error = _error_fields(
            type_="invalid_request_error",
            code="payment_intent_authentication_failure",
            message=AUTH_FAILED,
            decline_code=None,
            method=method,
            charge=None,
        )
        previous = ctx.change(
            intent,
            status="requires_payment_method",
            payment_method=None,
            next_action=None,
            last_payment_error=error,
        )
        ctx.emit("payment_intent.payment_failed", intent, previous)
        return intent
    if intent["confirmation_method"] == "manual":
        ctx.private(intent)["authenticated_method"] = method["id"]
        ctx.change(intent, status="requires_confirmation", next_action=None)
        return intent
    _attempt(ctx, intent, method, authenticated=True)
    return intent


def capture_intent(ctx: Ctx, intent: Obj, params: Params) -> Obj:
    params.reject_unknown(
        (
            "amount_to_capture",
            "application_fee_amount",
            "final_capture",
            "metadata",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
            "amount_details",
            "hooks",
            "payment_details",
        )
    )
    if intent["status"] != "requires_capture":
        message = (
            "This PaymentIntent could not be captured because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
            "may be captured: requires_capture."
        )
        raise unexpected_state(message, payment_intent=copy.deepcopy(intent))
    capturable = intent["amount_capturable"]
    amount = params.integer("amount_to_capture", minimum=1)
    if amount is None:
        amount = capturable
    if amount > capturable:
        raise invalid(
            f"The amount to capture ({amount}) must be less than or equal to the amount "
            f"capturable ({capturable}) on this PaymentIntent.",
            "amount_to_capture",
            code="amount_too_large",
        )
    fee = params.integer("application_fee_amount", minimum=0)
    destination = (intent.get("transfer_data") or {}).get("destination")
    _check_fee(ctx, fee, amount, destination, "application_fee_amount")
    if params.flag("final_capture") is False:
        raise invalid(
            "final_capture can only be false for PaymentIntents with multicapture enabled.",
            "final_capture",
        )
    if params.has("transfer_data"):
        transfer = params.child("transfer_data")
        transfer.reject_unknown(("amount",))
        transfer_amount = transfer.integer("amount", minimum=1)
        if transfer_amount is not None and (destination is None or transfer_amount > amount):
            raise invalid(
                "The transfer amount must be less than or equal to the captured amount of a "
                "destination PaymentIntent.",
                "transfer_data[amount]",
            )
    if params.has("metadata"):
        merge_metadata(dict(intent.get("metadata") or {}), params.raw("metadata"))
    descriptor = params.text("statement_descriptor", max_length=22)
    suffix = params.text("statement_descriptor_suffix", max_length=22)
    charge = ctx.get(intent["latest_charge"], "charge", "payment_intent")
    # validated: now change
    ctx.metadata(intent, params)
    if params.has("transfer_data") and intent.get("transfer_data"):
        amount_to_transfer = params.child("transfer_data").integer("amount")
        intent["transfer_data"] = {**intent["transfer_data"], "amount": amount_to_transfer}
        charge["transfer_data"] = {
            **(charge.get("transfer_data") or {}),
            "amount": amount_to_transfer,
        }
    intent_changes: dict[str, Any] = {}
    if fee is not None:
        intent_changes["application_fee_amount"] = fee
    if descriptor:
        intent_changes["statement_descriptor"] = descriptor
    if suffix:
        intent_changes["statement_descriptor_suffix"] = suffix
    ctx.change(intent, **intent_changes)
    charge_previous = ctx.change(
        charge,
        captured=True,
        amount_captured=amount,
        application_fee_amount=intent.get("application_fee_amount"),
        statement_descriptor=intent.get("statement_descriptor"),
        statement_descriptor_suffix=intent.get("statement_descriptor_suffix"),
    )
    _money_captured(ctx, charge, intent)
    ctx.store.cancel_tasks("payment_intent.authorization_expiry", id=intent["id"])
    previous = ctx.change(intent, status="succeeded", amount_received=amount, amount_capturable=0)
    ctx.emit("charge.captured", charge, charge_previous)
    ctx.emit("payment_intent.succeeded", intent, previous)
    method = ctx.store.find(charge["payment_method"])
    if method is not None:
        _charge_succeeded(ctx, charge, cards.card_of(ctx, method))
    return intent


def cancel_intent(ctx: Ctx, intent: Obj, params: Params) -> Obj:
    params.reject_unknown(("cancellation_reason",))
    reason = params.text("cancellation_reason", choices=USER_CANCEL_REASONS)
    if intent["status"] not in CANCELABLE:
        raise _status_error(intent, "cancel", CANCELABLE)
    was_capturable = intent["status"] == "requires_capture"
    ctx.store.cancel_tasks("payment_intent.authorization_expiry", id=intent["id"])
    previous = ctx.change(
        intent,
        status="canceled",
        cancellation_reason=reason,
        canceled_at=ctx.now(),
        amount_capturable=0,
        next_action=None,
    )
    if was_capturable:
        charge = ctx.store.find(intent.get("latest_charge") or "")
        if charge is not None:
            charge_previous = ctx.change(charge, amount_refunded=charge["amount"], refunded=True)
            ctx.emit("charge.refunded", charge, charge_previous)
    ctx.emit("payment_intent.canceled", intent, previous)
    return intent


# --- routes -------------------------------------------------------------------------------


def get(ctx: Ctx, intent_id: str) -> Obj:
    return ctx.get(intent_id, "payment_intent", "intent")


@api.post("/v1/payment_intents")
def create(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, create_intent(ctx, params), params)


@api.get("/v1/payment_intents")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    created = created_filter(params)
    found = ctx.store.objects(
        "payment_intent",
        ctx.account,
        lambda pi: (customer is None or pi.get("customer") == customer) and created(pi),
    )
    return page(ctx, found, params, "/v1/payment_intents")


@api.get("/v1/payment_intents/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [pi for pi in ctx.store.objects("payment_intent", ctx.account) if matches(query, pi)]
    return search_result(ctx, found, params, "/v1/payment_intents/search")


@api.get("/v1/payment_intents/{intent}")
def retrieve(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, get(ctx, intent), params)


@api.post("/v1/payment_intents/{intent}")
def update(ctx: Ctx, params: Params, intent: str) -> Obj:
    params.reject_unknown(UPDATE_FIELDS)
    obj = get(ctx, intent)
    restricted = [name for name in params.data if name not in (*ANY_STATUS_UPDATES, "expand")]
    if restricted and obj["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot update this PaymentIntent because it has a status of {obj['status']}. "
            "Only a PaymentIntent with one of the following statuses may be updated: "
            f"{', '.join(CONFIRMABLE)}.",
            param=restricted[0],
        )
    currency = _currency(params, required=False) or obj["currency"]
    amount = params.integer("amount")
    amount = obj["amount"] if amount is None else amount
    if params.has("amount") or params.has("currency"):
        check_amount(amount, currency)
    customer_id = params.text("customer") if params.has("customer") else obj.get("customer")
    if params.has("customer") and customer_id:
        ctx.get(customer_id, "customer", "customer")
    _check_connect(ctx, params, amount)
    destination = (
        params.child("transfer_data").text("destination")
        if params.has("transfer_data")
        else (obj.get("transfer_data") or {}).get("destination")
    )
    fee = (
        params.integer("application_fee_amount", minimum=0)
        if params.has("application_fee_amount")
        else obj.get("application_fee_amount")
    )
    _check_fee(ctx, fee, amount, destination, "application_fee_amount")
    if params.has("payment_method_types"):
        _automatic_methods(params)
    types = params.strings("payment_method_types") or obj["payment_method_types"]
    if params.has("payment_method_types") or params.has("currency"):
        _check_types(types, currency, None)
    usage = params.text("setup_future_usage", choices=("on_session", "off_session"))
    capture = params.text("capture_method", choices=("automatic", "automatic_async", "manual"))
    options = (
        _method_options(params, obj.get("payment_method_options"))
        if params.has("payment_method_options")
        else None
    )
    if params.has("metadata"):
        merge_metadata(dict(obj.get("metadata") or {}), params.raw("metadata"))
    method = _method_param(ctx, params)
    if method is not None:
        _check_method_for(ctx, method, customer_id, param="payment_method")
        _check_method_fits(
            ctx,
            {**obj, "payment_method_types": types},
            method,
            confirming=False,
            mandate=False,
            capture=str(obj["capture_method"]),
        )
    changes: dict[str, Any] = {"amount": amount, "currency": currency}
    for name in ("description", "receipt_email", "transfer_group"):
        if params.has(name):
            changes[name] = params.text(name)
    for name in ("statement_descriptor", "statement_descriptor_suffix"):
        if params.has(name):
            changes[name] = params.text(name, max_length=22)
    if params.has("shipping"):
        changes["shipping"] = params.raw("shipping") or None
    if params.has("customer"):
        changes["customer"] = customer_id
    if params.has("application_fee_amount"):
        changes["application_fee_amount"] = fee
    if params.has("transfer_data"):
        transfer = params.child("transfer_data")
        changes["transfer_data"] = {
            "amount": transfer.integer("amount"),
            "destination": destination,
        }
    if params.has("payment_method_types"):
        changes["automatic_payment_methods"] = None
        changes["payment_method_configuration_details"] = None
        changes["payment_method_types"] = types
    if usage is not None or params.has("setup_future_usage"):
        changes["setup_future_usage"] = usage
    if capture:
        changes["capture_method"] = capture
    if options is not None:
        changes["payment_method_options"] = options
    if method is not None:
        changes["payment_method"] = method["id"]
        if obj["status"] == "requires_payment_method":
            changes["status"] = "requires_confirmation"
    elif params.has("payment_method"):
        changes["payment_method"] = None
        changes["status"] = "requires_payment_method"
    if obj["status"] == "requires_action" and set(changes) - {"amount", "currency"}:
        changes.setdefault("status", "requires_confirmation" if obj.get("payment_method") else
                           "requires_payment_method")  # fmt: skip
        changes["next_action"] = None
    ctx.metadata(obj, params)
    ctx.change(obj, **changes)
    return respond(ctx, obj, params)


@api.post("/v1/payment_intents/{intent}/confirm")
def confirm(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, confirm_intent(ctx, get(ctx, intent), params), params)


@api.post("/v1/payment_intents/{intent}/capture")
def capture(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, capture_intent(ctx, get(ctx, intent), params), params)


@api.post("/v1/payment_intents/{intent}/cancel")
def cancel(ctx: Ctx, params: Params, intent: str) -> Obj:
    return respond(ctx, cancel_intent(ctx, get(ctx, intent), params), params)


@api.post("/v1/payment_intents/{intent}/increment_authorization")
def increment_authorization(ctx: Ctx, params: Params, intent: str) -> Obj:
    params.reject_unknown(
        ("amount", "application_fee_amount", "description", "metadata", "statement_descriptor",
         "transfer_data")
    )  # fmt: skip
    obj = get(ctx, intent)
    amount = params.integer("amount", required=True) or 0
    if obj["status"] != "requires_capture":
        raise unexpected_state(
            "You cannot increment the authorization of this PaymentIntent because it has a "
            f"status of {obj['status']}. Only a PaymentIntent with one of the following "
            "statuses may be incremented: requires_capture.",
            payment_intent=copy.deepcopy(obj),
        )
    charge = ctx.get(obj["latest_charge"], "charge", "intent")
    card_details = charge["payment_method_details"]["card"]
    if card_details["incremental_authorization"]["status"] != "available":
        raise invalid(
            "This PaymentIntent is not eligible for incremental authorization. Request it by "
            "setting `payment_method_options[card][request_incremental_authorization]` to "
            "`if_available` when confirming.",
            "amount",
            code="payment_intent_incompatible_payment_method",
        )
    if amount <= obj["amount"]:
        raise invalid(
            "The amount must be greater than the PaymentIntent's current amount.", "amount"
        )
    check_amount(amount, obj["currency"])
    fee = params.integer("application_fee_amount", minimum=0)
    destination = (obj.get("transfer_data") or {}).get("destination")
    _check_fee(ctx, fee, amount, destination, "application_fee_amount")
    if params.has("metadata"):
        merge_metadata(dict(obj.get("metadata") or {}), params.raw("metadata"))
    ctx.metadata(obj, params)
    changes: dict[str, Any] = {"amount": amount, "amount_capturable": amount}
    if fee is not None:
        changes["application_fee_amount"] = fee
    if params.has("description"):
        changes["description"] = params.text("description")
    previous = ctx.change(obj, **changes)
    details_before = copy.deepcopy(charge["payment_method_details"])
    card_details["amount_authorized"] = amount
    card_details["overcapture"]["maximum_amount_capturable"] = amount
    charge_previous = ctx.change(charge, amount=amount)
    charge_previous["payment_method_details"] = details_before
    ctx.emit("charge.updated", charge, charge_previous)
    ctx.emit("payment_intent.amount_capturable_updated", obj, previous)
    return respond(ctx, obj, params)
