"""SetupIntents: usage default, 3-D Secure during setup, and what setup means for later
off-session payments (4000002500003155 versus 4000002760003184)."""

from __future__ import annotations

import json
import urllib.request

import pytest
import stripe

from stripe_emulator import Emulator


def _authenticate(emulator: Emulator, intent_id: str, outcome: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/setup_intents/{intent_id}/authenticate",
        data=json.dumps({"outcome": outcome}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        body: dict[str, object] = json.loads(response.read())
    return body


def _setup(client: stripe.StripeClient, customer: str, card: str) -> stripe.SetupIntent:
    return client.v1.setup_intents.create(
        {
            "customer": customer,
            "payment_method": card,
            "payment_method_types": ["card"],
            "confirm": True,
        }
    )


def _off_session(client: stripe.StripeClient, customer: str, method: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "eur",
            "customer": customer,
            "payment_method": method,
            "off_session": True,
            "confirm": True,
        }
    )


def test_usage_defaults_to_off_session(client: stripe.StripeClient) -> None:
    intent = client.v1.setup_intents.create({})
    assert intent.usage == "off_session"
    assert intent.status == "requires_payment_method"
    assert intent.client_secret is not None
    assert intent.client_secret.startswith(f"{intent.id}_secret_")


def test_set_up_card_pays_off_session(emulator: Emulator, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({}).id
    intent = _setup(client, customer, "pm_card_authenticationRequiredOnSetup")
    assert intent.status == "requires_action"
    assert intent.next_action is not None
    assert intent.next_action.type == "use_stripe_sdk"
    assert _authenticate(emulator, intent.id, "succeed")["status"] == "succeeded"
    done = client.v1.setup_intents.retrieve(intent.id, {"expand": ["latest_attempt"]})
    assert done.payment_method is not None
    assert done.latest_attempt is not None
    assert not isinstance(done.latest_attempt, str)
    assert done.latest_attempt.status == "succeeded"
    method = client.v1.payment_methods.retrieve(str(done.payment_method))
    assert method.customer == customer
    assert _off_session(client, customer, method.id).status == "succeeded"
    types = [event.type for event in client.v1.events.list({"limit": 100}).data]
    for expected in (
        "setup_intent.created",
        "setup_intent.requires_action",
        "setup_intent.succeeded",
        "payment_method.attached",
    ):
        assert expected in types


def test_always_authenticate_card_fails_off_session_even_after_setup(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create({}).id
    intent = _setup(client, customer, "pm_card_authenticationRequired")
    _authenticate(emulator, intent.id, "succeed")
    method = str(client.v1.setup_intents.retrieve(intent.id).payment_method)
    with pytest.raises(stripe.CardError) as raised:
        _off_session(client, customer, method)
    assert raised.value.code == "authentication_required"
    assert raised.value.error is not None
    assert raised.value.error.payment_method is not None
    assert raised.value.error.payment_method.id == method
    assert raised.value.error.payment_intent is not None
    assert raised.value.error.payment_intent.status == "requires_payment_method"


def test_unset_card_needs_authentication_off_session(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({}).id
    method = client.v1.payment_methods.attach(
        "pm_card_authenticationRequiredOnSetup", {"customer": customer}
    )
    with pytest.raises(stripe.CardError) as raised:
        _off_session(client, customer, method.id)
    assert raised.value.code == "authentication_required"


def test_failed_authentication_and_decline(emulator: Emulator, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({}).id
    intent = _setup(client, customer, "pm_card_threeDSecure2Required")
    failed = _authenticate(emulator, intent.id, "fail")
    assert failed["status"] == "requires_payment_method"
    error = client.v1.setup_intents.retrieve(intent.id).last_setup_error
    assert error is not None
    assert error.code == "setup_intent_authentication_failure"
    with pytest.raises(stripe.CardError) as declined:
        _setup(client, customer, "pm_card_visa_chargeDeclined")
    assert declined.value.code == "card_declined"
    assert declined.value.error is not None
    assert declined.value.error.setup_intent is not None
    assert declined.value.error.setup_intent.status == "requires_payment_method"
    types = [event.type for event in client.v1.events.list({"limit": 100}).data]
    assert types.count("setup_intent.setup_failed") == 2


def test_cancel_and_state_errors(client: stripe.StripeClient) -> None:
    intent = client.v1.setup_intents.create({"payment_method_types": ["card"]})
    canceled = client.v1.setup_intents.cancel(intent.id, {"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "abandoned"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.setup_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert again.value.code == "setup_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as redirect:
        client.v1.setup_intents.create({"payment_method": "pm_card_visa", "confirm": True})
    assert redirect.value.param == "return_url"
    listed = client.v1.setup_intents.list()
    assert [i.id for i in listed.data] == [intent.id]
