"""Charges: the record of each card authorisation a PaymentIntent makes (``ch_``), and the
``/v1/charges`` routes (list, retrieve, update, search, and the legacy capture path).

Charges are created only by PaymentIntents (``payment_intents.py`` decides the outcome);
this module owns their shape: outcome, card details with checks and ``capture_before``,
and the money fields ``money.charge_captured`` fills in.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond, search_result
from stripe_emulator.routing import api
from stripe_emulator.search import matches
from stripe_emulator.store import Obj

from . import cards

ADVICE = {
    "lost_card": "do_not_try_again",
    "stolen_card": "do_not_try_again",
    "fraudulent": "do_not_try_again",
    "expired_card": "confirm_card_data",
    "incorrect_cvc": "confirm_card_data",
}


def advice_code(code: str, decline_code: str | None) -> str:
    return ADVICE.get(decline_code or code, "try_again_later")


def three_d_secure_details(result: str) -> Obj:
    """``payment_method_details.card.three_d_secure`` after an authentication."""
    challenged = result == "authenticated"
    return {
        "authentication_flow": "challenge" if challenged else "frictionless",
        "electronic_commerce_indicator": "05" if challenged else "06",
        "exemption_indicator": None,
        "exemption_indicator_applied": False,
        "result": result,
        "result_reason": None,
        "transaction_id": str(uuid.uuid4()),
        "version": "2.2.0",
    }


def _card_details(
    intent: Obj, method: Obj, card: cards.Card | None, three_d_secure: Obj | None
) -> Obj | None:
    """``payment_method_details`` of a card charge (None for other types: set by caller)."""
    if card is None:
        return None
    options = ((intent.get("payment_method_options") or {}).get("card")) or {}
    incremental = options.get("request_incremental_authorization") == "if_available"
    method_card = method["card"]
    return {
        "card": {
            "amount_authorized": None,
            "authorization_code": None,
            "brand": card.brand,
            "capture_before": None,
            "checks": dict(method_card["checks"]),
            "country": card.country,
            "exp_month": method_card["exp_month"],
            "exp_year": method_card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "incremental_authorization": {"status": "available" if incremental else "unavailable"},
            "installments": None,
            "last4": card.last4,
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card.network,
            "network_token": {"used": False},
            "network_transaction_id": None,
            "overcapture": {
                "maximum_amount_capturable": intent["amount"],
                "status": "unavailable",
            },
            "regulated_status": "unregulated",
            "three_d_secure": three_d_secure,
            "wallet": None,
        },
        "type": "card",
    }


def build(
    ctx: Ctx,
    intent: Obj,
    method: Obj,
    card: cards.Card | None,
    *,
    three_d_secure: Obj | None,
) -> Obj:
    """A charge for the intent's amount, not yet decided (``succeed`` or ``fail`` next)."""
    charge_id = ids.new("ch")
    transfer = intent.get("transfer_data")
    return {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": intent.get("application_fee_amount"),
        "authorization_code": None,
        "balance_transaction": None,
        "billing_details": dict(method["billing_details"]),
        "calculated_statement_descriptor": (
            intent.get("statement_descriptor") or "EMULATOR"
        ).upper()[:22],
        "captured": False,
        "created": ctx.now(),
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "description": intent.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "level3": None,
        "livemode": False,
        "metadata": dict(intent.get("metadata") or {}),
        "on_behalf_of": intent.get("on_behalf_of"),
        "outcome": None,
        "paid": False,
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": _card_details(intent, method, card, three_d_secure),
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": intent.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{ids.token(60)}",
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        "review": None,
        "shipping": intent.get("shipping"),
        "source": None,
        "source_transfer": None,
        "statement_descriptor": intent.get("statement_descriptor"),
        "statement_descriptor_suffix": intent.get("statement_descriptor_suffix"),
        "status": "pending",
        "transfer": None,
        "transfer_data": (
            {"amount": transfer.get("amount"), "destination": transfer["destination"]}
            if transfer
            else None
        ),
        "transfer_group": intent.get("transfer_group"),
    }


def succeed(charge: Obj, card: cards.Card, *, capture_before: int | None) -> None:
    """An approved authorisation (captured later by the caller for automatic capture)."""
    details = charge["payment_method_details"]["card"]
    details["amount_authorized"] = charge["amount"]
    details["authorization_code"] = f"{int(uuid.uuid4()) % 1000000:06d}"
    details["network_transaction_id"] = f"{int(uuid.uuid4()) % 10**15:015d}"
    details["capture_before"] = capture_before
    charge["authorization_code"] = details["authorization_code"]
    charge["paid"] = True
    charge["status"] = "succeeded"
    charge["outcome"] = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network",
        "reason": "elevated_risk_level" if card.risk_level == "elevated" else None,
        "risk_level": card.risk_level,
        "risk_score": card.risk_score,
        "seller_message": "Payment complete.",
        "type": "authorized",
    }


def fail(charge: Obj, card: cards.Card, code: str, decline_code: str | None) -> None:
    blocked = decline_code == "fraudulent" and card.blocked
    charge["status"] = "failed"
    charge["paid"] = False
    charge["failure_code"] = code
    charge["failure_message"] = cards.decline_message(code, decline_code)
    charge["outcome"] = {
        "advice_code": advice_code(code, decline_code),
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "not_sent_to_network" if blocked else "declined_by_network",
        "reason": "highest_risk_level" if blocked else (decline_code or code),
        "risk_level": card.risk_level,
        "risk_score": card.risk_score,
        "seller_message": cards.seller_message(code, decline_code),
        "type": "blocked" if blocked else "issuer_declined",
    }


def build_sepa(ctx: Ctx, intent: Obj, method: Obj) -> Obj:
    """A SEPA Direct Debit charge: ``pending`` until the debit settles (``sepa_settled``).
    It reuses the card charge's shape with ``sepa_debit`` payment method details."""
    charge = build(ctx, intent, method, None, three_d_secure=None)
    sepa = method["sepa_debit"]
    debit_day = datetime.datetime.fromtimestamp(ctx.now(), tz=datetime.UTC).date()
    charge["payment_method_details"] = {
        "sepa_debit": {
            "bank_code": sepa["bank_code"],
            "branch_code": sepa["branch_code"],
            "country": sepa["country"],
            "expected_debit_date": (debit_day + datetime.timedelta(days=1)).isoformat(),
            "fingerprint": sepa["fingerprint"],
            "last4": sepa["last4"],
            "mandate": None,
        },
        "type": "sepa_debit",
    }
    return charge


def sepa_settled(charge: Obj, failure_code: str | None, failure_message: str | None) -> None:
    """The bank answered: the debit went through (captured in full) or was returned."""
    if failure_code is None:
        charge["status"] = "succeeded"
        charge["paid"] = True
        charge["captured"] = True
        charge["amount_captured"] = charge["amount"]
        charge["outcome"] = {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "not_assessed",
            "risk_score": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
        return
    charge["status"] = "failed"
    charge["paid"] = False
    charge["failure_code"] = failure_code
    charge["failure_message"] = failure_message
    charge["outcome"] = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": None,
        "risk_level": "not_assessed",
        "risk_score": None,
        "seller_message": "The bank returned this payment.",
        "type": "issuer_declined",
    }


def get(ctx: Ctx, charge_id: str, param: str = "id") -> Obj:
    return ctx.get(charge_id, "charge", param)


@api.get("/v1/charges")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer = params.text("customer")
    intent = params.text("payment_intent")
    group = params.text("transfer_group")
    created = created_filter(params)
    found = ctx.store.objects(
        "charge",
        ctx.account,
        lambda c: (
            (customer is None or c.get("customer") == customer)
            and (intent is None or c.get("payment_intent") == intent)
            and (group is None or c.get("transfer_group") == group)
            and created(c)
        ),
    )
    return page(ctx, found, params, "/v1/charges")


@api.get("/v1/charges/search")
def search(ctx: Ctx, params: Params) -> Obj:
    query = params.text("query", required=True) or ""
    found = [c for c in ctx.store.objects("charge", ctx.account) if matches(query, c)]
    return search_result(ctx, found, params, "/v1/charges/search")


@api.get("/v1/charges/{charge}")
def retrieve(ctx: Ctx, params: Params, charge: str) -> Obj:
    return respond(ctx, get(ctx, charge), params)


@api.post("/v1/charges/{charge}")
def update(ctx: Ctx, params: Params, charge: str) -> Obj:
    params.reject_unknown(
        (
            "customer",
            "description",
            "fraud_details",
            "metadata",
            "receipt_email",
            "shipping",
            "transfer_group",
        )
    )
    obj = get(ctx, charge)
    changes: dict[str, Any] = {}
    for name in ("description", "receipt_email"):
        if params.has(name):
            changes[name] = params.text(name)
    if params.has("shipping"):
        changes["shipping"] = params.raw("shipping") or None
    if params.has("customer"):
        customer = params.text("customer")
        if obj.get("customer") and customer != obj["customer"]:
            raise invalid(
                "You cannot change the customer of a charge that already has one.", "customer"
            )
        ctx.get(customer, "customer", "customer")
        changes["customer"] = customer
    if params.has("transfer_group"):
        group = params.text("transfer_group")
        if obj.get("transfer_group") and group != obj["transfer_group"]:
            raise invalid(
                "The transfer_group of a charge cannot be changed once set.", "transfer_group"
            )
        changes["transfer_group"] = group
    if params.has("fraud_details"):
        fraud = params.child("fraud_details")
        fraud.reject_unknown(("user_report",))
        report = fraud.text("user_report", choices=("fraudulent", "safe"))
        changes["fraud_details"] = {**(obj.get("fraud_details") or {}), "user_report": report}
    if params.has("metadata"):
        from stripe_emulator.context import merge_metadata

        merge_metadata(dict(obj.get("metadata") or {}), params.raw("metadata"))
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if previous:
        ctx.emit("charge.updated", obj, previous)
    return respond(ctx, obj, params)


@api.post("/v1/charges/{charge}/capture")
def capture(ctx: Ctx, params: Params, charge: str) -> Obj:
    """The legacy path: captures the charge's PaymentIntent (same rules and events)."""
    from stripe_emulator.resources import payment_intents

    params.reject_unknown(
        (
            "amount",
            "application_fee",
            "application_fee_amount",
            "receipt_email",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
            "transfer_group",
        )
    )
    obj = get(ctx, charge)
    if obj["captured"]:
        raise StripeError(
            400,
            "invalid_request_error",
            f"Charge {obj['id']} has already been captured.",
            code="charge_already_captured",
        )
    if obj["status"] != "succeeded" or obj.get("refunded"):
        raise StripeError(
            400,
            "invalid_request_error",
            f"Charge {obj['id']} has expired for capture, and the authorization has been released.",
            code="charge_expired_for_capture",
        )
    intent = ctx.get(obj["payment_intent"], "payment_intent", "charge")
    forwarded: dict[str, Any] = {}
    if params.has("amount"):
        forwarded["amount_to_capture"] = params.raw("amount")
    fee = params.raw("application_fee_amount", params.raw("application_fee"))
    if fee not in (None, ""):
        forwarded["application_fee_amount"] = fee
    for name in ("statement_descriptor", "statement_descriptor_suffix"):
        if params.has(name):
            forwarded[name] = params.raw(name)
    try:
        payment_intents.capture_intent(ctx, intent, Params(forwarded))
    except StripeError as error:
        if error.param == "amount_to_capture":
            error.param = "amount"
        raise
    if params.has("receipt_email") or params.has("transfer_group"):
        changes = {
            name: params.text(name)
            for name in ("receipt_email", "transfer_group")
            if params.has(name)
        }
        previous = ctx.change(obj, **changes)
        if previous:
            ctx.emit("charge.updated", obj, previous)
    return respond(ctx, obj, params)
