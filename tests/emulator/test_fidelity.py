"""The fidelity oracle itself: it passes Stripe's own examples and names each kind of shape
error precisely; and the conftest hook really checks what the emulator sends.

``fixtures3.json`` beside this file is Stripe's example data, copied from
github.com/stripe/openapi (``openapi/fixtures3.json``, MIT licence).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator
from stripe_emulator.server import Response, json_response
from tests.emulator import oracle
from tests.emulator.conftest import Fidelity, event_findings

# The resources the emulator implements (spec §14): Stripe's example of each must pass the
# oracle, so any drift between the fixture data and the SDK shows up here by name.
IMPLEMENTED = (
    "customer",
    "payment_intent",
    "payment_method",
    "setup_intent",
    "charge",
    "refund",
    "dispute",
    "radar.early_fraud_warning",
    "review",
    "application_fee",
    "fee_refund",
    "transfer",
    "transfer_reversal",
    "balance",
    "balance_transaction",
    "account",
    "person",
    "capability",
    "bank_account",
    "login_link",
    "account_link",
    "checkout.session",
    "product",
    "price",
    "subscription",
    "invoice",
    "invoiceitem",
    "billing.meter",
    "test_helpers.test_clock",
    "event",
    "webhook_endpoint",
    "payout",
)


def example(name: str) -> dict[str, Any]:
    """Stripe's example object, with the stubs it embeds for expanded objects
    (``{"id": "obj_123", "object": "account"}``) collapsed to ids as an unexpanded
    response has them."""
    found = oracle.fixture(name)
    assert found is not None, name
    return {key: _collapse(value) for key, value in copy.deepcopy(found).items()}


def _collapse(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"id", "object"}:
            return value["id"]
        return {key: _collapse(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_collapse(item) for item in value]
    return value


# --- the SDK as an oracle -----------------------------------------------------------------


def test_reads_fields_enums_and_nested_classes_from_the_sdk() -> None:
    from stripe._payment_intent import PaymentIntent

    fields = oracle.shape(PaymentIntent).fields
    assert {"amount", "status", "next_action", "latest_charge", "metadata"} <= set(fields)
    assert "_retrieve_params" not in fields
    assert "OBJECT_NAME" not in fields
    redirect = oracle.shape(PaymentIntent.NextAction.RedirectToUrl).fields
    assert set(redirect) == {"return_url", "url"}
    assert oracle.class_for("radar.early_fraud_warning").__name__ == "EarlyFraudWarning"  # type: ignore[union-attr]
    assert oracle.resolve("stripe._payment_intent", "Charge").__name__ == "Charge"  # type: ignore[union-attr]
    assert oracle.resolve("stripe._charge", "Customer").__name__ == "Customer"  # type: ignore[union-attr]


def test_a_good_example_passes() -> None:
    assert oracle.check(example("payment_intent")) == []
    assert oracle.check(example("customer")) == []


def test_an_undeclared_field_is_reported_with_its_path() -> None:
    body = example("payment_intent")
    body["charges"] = {"object": "list", "data": [], "has_more": False, "url": "/v1/charges"}
    assert oracle.check(body) == [
        "$.charges: payment_intent has no field 'charges' in the SDK (PaymentIntent)"
    ]


def test_a_value_outside_the_literal_set_is_reported() -> None:
    body = example("payment_intent")
    body["status"] = "requires_source"
    (finding,) = oracle.check(body)
    assert finding.startswith("$.status: 'requires_source' is not one of [canceled, processing")
    assert "succeeded]" in finding


def test_a_wrong_nested_field_is_reported() -> None:
    body = example("payment_intent")
    body["next_action"] = {
        "type": "redirect_to_url",
        "redirect_to_url": {"url": "https://x.test", "return_url": None, "method": "GET"},
    }
    assert oracle.check(body) == [
        "$.next_action.redirect_to_url.method: PaymentIntent.NextAction.RedirectToUrl has no "
        "field 'method' in the SDK"
    ]


def test_types_nulls_and_decimals() -> None:
    body = example("price")
    body["unit_amount"] = "2000"
    body["livemode"] = None
    body["unit_amount_decimal"] = "20.5"
    assert oracle.check(body) == [
        "$.livemode: null, but the SDK types it bool (not Optional)",
        "$.unit_amount: '2000' does not fit int",
    ]
    body = example("price")
    body["unit_amount_decimal"] = "twenty"
    assert oracle.check(body) == ["$.unit_amount_decimal: expected a decimal string, got 'twenty'"]


def test_a_missing_core_field_is_reported() -> None:
    body = example("charge")
    body["source"] = None  # the example's source is a partial stub
    del body["amount_captured"]
    assert oracle.check(body) == [
        "$.amount_captured: missing: Stripe's example charge has 'amount_captured' and the "
        "SDK declares it"
    ]


def test_includable_fields_may_be_absent() -> None:
    body = example("customer")
    assert oracle.required_keys("customer") >= {"email", "invoice_settings", "tax_exempt"}
    assert "sources" not in oracle.required_keys("customer")
    assert oracle.check(body) == []


def test_expandable_fields_take_an_id_or_the_right_object() -> None:
    body = example("payment_intent")
    body["customer"] = "cus_123"
    assert oracle.check(body) == []
    body["customer"] = example("customer")
    assert oracle.check(body) == []
    body["customer"] = {**example("charge"), "source": None}
    assert oracle.check(body) == ["$.customer: 'charge' where the SDK expects [customer]"]
    body["customer"] = {**example("customer"), "colour": "red"}
    assert oracle.check(body) == [
        "$.customer.colour: customer has no field 'colour' in the SDK (Customer)"
    ]


def test_lists_search_results_and_unknown_objects() -> None:
    bad_item = {**example("customer"), "tax_exempt": "sometimes"}
    listing = {"object": "list", "data": [example("customer"), bad_item], "has_more": False}
    listing["url"] = "/v1/customers"
    assert oracle.check(listing) == [
        "$.data[1].tax_exempt: 'sometimes' is not one of [exempt, none, reverse]"
    ]
    listing["total"] = 2
    assert oracle.check(listing)[0].startswith("$: list has no field 'total'")
    search = {
        "object": "search_result",
        "data": [example("customer")],
        "has_more": True,
        "next_page": "cus_1",
        "url": "/v1/customers/search",
    }
    assert oracle.check(search) == []
    assert oracle.check({"object": "payment_thing", "id": "x"}) == [
        "$: unknown object type 'payment_thing' (not in the SDK's OBJECT_CLASSES)"
    ]
    assert oracle.check({"id": "x"}) == ["$: object without an 'object' field (keys: ['id'])"]


def test_nested_lists_are_checked_by_their_item_class() -> None:
    body = example("subscription")
    body["items"]["data"][0]["price"]["type"] = "metered"
    (finding,) = oracle.check(body)
    assert finding.startswith("$.items.data[0].price.type: 'metered' is not one of")


def test_event_data_object_and_previous_attributes() -> None:
    event = example("event")
    event["data"] = {
        "object": {**example("payment_intent"), "status": "paid"},
        "previous_attributes": {"status": "processing", "colour": "red"},
    }
    event["type"] = "payment_intent.succeeded"
    assert oracle.check(event) == [
        "$.data.object.status: 'paid' is not one of [canceled, processing, requires_action, "
        "requires_capture, requires_confirmation, requires_payment_method, succeeded]",
        "$.data.previous_attributes.colour: payment_intent has no field 'colour' in the SDK",
    ]
    event["type"] = "payment_intent.done"
    event["data"]["object"]["status"] = "succeeded"
    del event["data"]["previous_attributes"]["colour"]
    (finding,) = oracle.check(event)
    assert finding.startswith("$.type: 'payment_intent.done' is not one of [")


def test_error_bodies() -> None:
    good = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "doc_url": "https://docs.stripe.com/error-codes/card-declined",
            "payment_intent": example("payment_intent"),
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_1",
        }
    }
    assert oracle.check(good) == []
    bad: dict[str, dict[str, Any]] = copy.deepcopy(good)
    bad["error"]["type"] = "decline"
    bad["error"]["reason"] = "no"
    bad["error"]["payment_intent"]["status"] = "declined"
    assert oracle.check(bad) == [
        "error.payment_intent.status: 'declined' is not one of [canceled, processing, "
        "requires_action, requires_capture, requires_confirmation, requires_payment_method, "
        "succeeded]",
        "error.reason: ErrorObject has no field 'reason' in the SDK",
        "error.type: 'decline' is not one of [api_error, card_error, idempotency_error, "
        "invalid_request_error]",
    ]


def test_deleted_objects() -> None:
    assert oracle.check({"id": "cus_1", "object": "customer", "deleted": True}) == []
    assert oracle.check(example("deleted_product")) == []


# --- Stripe's fixtures against the SDK -----------------------------------------------------


@pytest.mark.parametrize("name", IMPLEMENTED)
def test_stripe_examples_of_implemented_resources_pass(name: str) -> None:
    assert oracle.fixture(name) is not None, f"Stripe's fixtures have no {name}"
    assert oracle.check_fixture(name) == []


def test_fixture_drift_is_known_and_listed() -> None:
    """What the fixture data still sends that the SDK no longer declares: exactly the
    ``FIXTURE_ONLY`` allow-list (if Stripe's data or the SDK changes, this says where)."""
    drift = {
        name: oracle.fixture_keys(name) - set(oracle.shape(cls).fields) - {"object"}
        for name in IMPLEMENTED
        if (cls := oracle.class_for(name)) is not None
    }
    plan = example("event")["data"]["object"]  # the example event carries a plan
    plan_class = oracle.class_for("plan")
    assert plan_class is not None
    drift["plan"] = set(plan) - set(oracle.shape(plan_class).fields) - {"object"}
    assert {name: keys for name, keys in drift.items() if keys} == {
        name: set(keys) for name, keys in oracle.FIXTURE_ONLY.items()
    }


# --- the hook: every emulator response is checked -------------------------------------------


def test_the_hook_checks_every_response(
    client: stripe.StripeClient, emulator: Emulator, fidelity: Fidelity
) -> None:
    client.v1.customers.create({"email": "oracle@example.com"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_missing")
    assert fidelity.take() == []
    assert event_findings(emulator) == []
    bad = json_response(200, {**example("customer"), "colour": "red"})
    fidelity("GET", "/v1/customers/cus_1", bad)
    crash = json_response(500, {"error": {"type": "api_error", "message": Fidelity.CRASH}})
    fidelity("POST", "/v1/customers", crash)
    fidelity("GET", "/_emulator/state", json_response(200, {"anything": 1}))
    fidelity("GET", "/v1/checkout/pay", Response(200, b"<html>", {"Content-Type": "text/html"}))
    assert fidelity.take() == [
        "GET /v1/customers/cus_1 → 200: $.colour: customer has no field 'colour' in the SDK "
        "(Customer)",
        "POST /v1/customers → 500: the emulator crashed (traceback on stderr)",
    ]


def test_stored_events_are_checked_as_webhooks_deliver_them(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    customer = client.v1.customers.create({"name": "events"})
    client.v1.customers.update(customer.id, {"name": "renamed"})
    events = client.v1.events.list({"type": "customer.*"}).data
    assert [e.type for e in events] == ["customer.updated", "customer.created"]
    assert event_findings(emulator) == []
    with emulator.store.lock:
        stored = emulator.store.find(events[0].id)
        assert stored is not None
        stored["data"]["object"]["tax_exempt"] = "sometimes"
    assert event_findings(emulator) == [
        f"event {events[0].id} (customer.updated): $.data.object.tax_exempt: 'sometimes' is "
        "not one of [exempt, none, reverse]"
    ]
    with emulator.store.lock:
        stored["data"]["object"]["tax_exempt"] = "none"
