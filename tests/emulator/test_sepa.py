"""SEPA Direct Debit: delayed-notification payments through the official SDK — PaymentMethods
from IBANs, PaymentIntents that sit in ``processing`` until the emulator clock settles them,
and Checkout Sessions that complete unpaid and announce the debit's outcome later."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator import Emulator

SUCCEEDS = "AT611904300234573201"
FAILS = "AT861904300235473202"
MANDATE = {
    "customer_acceptance": {
        "type": "online",
        "online": {"ip_address": "203.0.113.7", "user_agent": "pytest"},
    }
}
HOLDER = {"name": "Jenny Rosen", "email": "jenny.rosen@example.com"}


def _types(client: stripe.StripeClient) -> list[str]:
    """Event types, oldest first."""
    return [e.type for e in reversed(client.v1.events.list({"limit": 100}).data)]


def _method(client: stripe.StripeClient, iban: str = SUCCEEDS) -> stripe.PaymentMethod:
    return client.v1.payment_methods.create(
        {"type": "sepa_debit", "sepa_debit": {"iban": iban}, "billing_details": HOLDER}
    )


def _intent(client: stripe.StripeClient, **extra: object) -> stripe.PaymentIntent:
    params: dict[str, object] = {
        "amount": 4200,
        "currency": "eur",
        "payment_method_types": ["sepa_debit"],
        **extra,
    }
    return client.v1.payment_intents.create(params)  # type: ignore[arg-type]


def _error(call: object) -> stripe.StripeError:
    assert callable(call)
    with pytest.raises(stripe.StripeError) as caught:
        call()
    return caught.value


# --- PaymentMethods -----------------------------------------------------------------------


def test_sepa_payment_method_shape(client: stripe.StripeClient) -> None:
    method = _method(client, "AT61 1904 3002 3457 3201")
    assert method.type == "sepa_debit"
    assert method.sepa_debit is not None
    assert method.sepa_debit.country == "AT"
    assert method.sepa_debit.bank_code == "19043"
    assert method.sepa_debit.last4 == "3201"
    assert method.sepa_debit.fingerprint
    assert method.billing_details.email == HOLDER["email"]
    assert SUCCEEDS not in str(method)
    again = client.v1.payment_methods.retrieve(method.id)
    assert again.sepa_debit is not None
    assert again.sepa_debit.fingerprint == method.sepa_debit.fingerprint
    customer = client.v1.customers.create({"email": HOLDER["email"]})
    attached = client.v1.payment_methods.attach(method.id, {"customer": customer.id})
    assert attached.customer == customer.id


@pytest.mark.parametrize(
    ("iban", "why"),
    [
        ("AT611904300234573202", "checksum"),
        ("AT6119043002345732", "length"),
        ("XX00", "format"),
        ("AT61-1904-3002-3457-3201", "characters"),
    ],
)
def test_iban_validation(client: stripe.StripeClient, iban: str, why: str) -> None:
    error = _error(lambda: _method(client, iban))
    assert isinstance(error, stripe.InvalidRequestError), why
    assert error.param == "sepa_debit[iban]"
    assert error.code == "invalid_iban"
    assert client.v1.payment_methods.list({"type": "sepa_debit"}).data == []


@pytest.mark.parametrize("missing", ["name", "email"])
def test_sepa_needs_holder_name_and_email(client: stripe.StripeClient, missing: str) -> None:
    details = {k: v for k, v in HOLDER.items() if k != missing}
    error = _error(
        lambda: client.v1.payment_methods.create(
            {"type": "sepa_debit", "sepa_debit": {"iban": SUCCEEDS}, "billing_details": details}
        )
    )
    assert isinstance(error, stripe.InvalidRequestError)
    assert error.param == f"billing_details[{missing}]"
    missing_iban = _error(
        lambda: client.v1.payment_methods.create({"type": "sepa_debit", "billing_details": HOLDER})
    )
    assert missing_iban.param == "sepa_debit"


# --- PaymentIntents -----------------------------------------------------------------------


def test_sepa_intent_processing_then_succeeds(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    method = _method(client)
    intent = _intent(client)
    confirmed = client.v1.payment_intents.confirm(
        intent.id, {"payment_method": method.id, "mandate_data": MANDATE}
    )
    assert confirmed.status == "processing"
    assert confirmed.amount_received == 0
    assert confirmed.latest_charge is not None
    charge = client.v1.charges.retrieve(str(confirmed.latest_charge))
    assert charge.status == "pending"
    assert charge.paid is False
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.type == "sepa_debit"
    assert _types(client)[-2:] == ["charge.pending", "payment_intent.processing"]

    emulator.advance(2)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    emulator.advance(1)
    settled = client.v1.payment_intents.retrieve(intent.id)
    assert settled.status == "succeeded"
    assert settled.amount_received == 4200
    charge = client.v1.charges.retrieve(charge.id)
    assert charge.status == "succeeded"
    assert charge.paid is True
    assert charge.captured is True
    assert charge.amount_captured == 4200
    assert charge.balance_transaction is not None
    assert _types(client)[-2:] == ["charge.succeeded", "payment_intent.succeeded"]


def test_sepa_intent_fails_after_processing(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 1500,
            "currency": "eur",
            "payment_method_types": ["card", "sepa_debit"],
            "payment_method_data": {
                "type": "sepa_debit",
                "sepa_debit": {"iban": FAILS},
                "billing_details": HOLDER,
            },
            "mandate_data": MANDATE,
            "confirm": True,
        }
    )
    assert intent.status == "processing"
    charge_id = str(intent.latest_charge)
    emulator.advance(3)
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.payment_method is None
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "insufficient_funds"
    assert failed.last_payment_error.charge == charge_id
    charge = client.v1.charges.retrieve(charge_id)
    assert charge.status == "failed"
    assert charge.failure_code == "insufficient_funds"
    assert charge.balance_transaction is None
    assert _types(client)[-2:] == ["charge.failed", "payment_intent.payment_failed"]


def test_settle_delay_setting_and_test_payment_method_ids(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/settings", json={"async_settle_seconds": 60}, timeout=10
    )
    assert response.status_code == 200
    intent = _intent(client, payment_method="pm_success_at", mandate_data=MANDATE, confirm=True)
    assert intent.status == "processing"
    emulator.advance(59)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    emulator.advance(1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_processing_state_errors(emulator: Emulator, client: stripe.StripeClient) -> None:
    intent = _intent(client, payment_method=_method(client).id, mandate_data=MANDATE, confirm=True)
    assert intent.status == "processing"
    for call in (
        lambda: client.v1.payment_intents.confirm(intent.id),
        lambda: client.v1.payment_intents.capture(intent.id),
        lambda: client.v1.payment_intents.cancel(intent.id),
    ):
        error = _error(call)
        assert isinstance(error, stripe.InvalidRequestError)
        assert error.code == "payment_intent_unexpected_state"
        assert "processing" in str(error.user_message)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    emulator.advance(3)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_sepa_confirmation_rules(client: stripe.StripeClient) -> None:
    method = _method(client)
    intent = _intent(client)
    no_mandate = _error(
        lambda: client.v1.payment_intents.confirm(intent.id, {"payment_method": method.id})
    )
    assert no_mandate.param == "mandate_data"
    bad_mandate = _error(
        lambda: client.v1.payment_intents.confirm(
            intent.id,
            {
                "payment_method": method.id,
                "mandate_data": {"customer_acceptance": {"type": "online"}},
            },
        )
    )
    assert bad_mandate.param == "mandate_data[customer_acceptance][online]"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"

    manual = _error(lambda: _intent(client, capture_method="manual"))
    assert manual.param == "capture_method"
    mixed = client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "eur",
            "payment_method_types": ["card", "sepa_debit"],
            "capture_method": "manual",
        }
    )
    manual_confirm = _error(
        lambda: client.v1.payment_intents.confirm(
            mixed.id, {"payment_method": method.id, "mandate_data": MANDATE}
        )
    )
    assert manual_confirm.param == "capture_method"

    dollars = _error(lambda: _intent(client, currency="usd"))
    assert dollars.param == "currency"
    card_only = client.v1.payment_intents.create(
        {"amount": 4200, "currency": "eur", "payment_method_types": ["card"]}
    )
    wrong_type = _error(
        lambda: client.v1.payment_intents.confirm(
            card_only.id, {"payment_method": method.id, "mandate_data": MANDATE}
        )
    )
    assert wrong_type.param == "payment_method"
    assert wrong_type.code == "payment_intent_incompatible_payment_method"


def test_saved_sepa_method_needs_no_new_mandate(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create({"email": HOLDER["email"]})
    first = _intent(
        client,
        customer=customer.id,
        setup_future_usage="off_session",
        payment_method=_method(client).id,
        mandate_data=MANDATE,
        confirm=True,
    )
    emulator.advance(3)
    method_id = str(client.v1.payment_intents.retrieve(first.id).payment_method)
    assert client.v1.payment_methods.retrieve(method_id).customer == customer.id
    second = _intent(
        client, customer=customer.id, payment_method=method_id, off_session=True, confirm=True
    )
    assert second.status == "processing"


# --- Checkout -----------------------------------------------------------------------------


def _session(client: stripe.StripeClient, types: list[str]) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "success_url": "https://inn.example/ok?cs={CHECKOUT_SESSION_ID}",
            "payment_method_types": types,  # type: ignore[typeddict-item]
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 9000,
                        "product_data": {"name": "Room"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )


def _complete(emulator: Emulator, session_id: str, **body: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/_emulator/checkout/sessions/{session_id}/complete", json=body, timeout=10
    )


def test_checkout_async_payment_succeeds(emulator: Emulator, client: stripe.StripeClient) -> None:
    session = _session(client, ["sepa_debit"])
    response = _complete(emulator, session.id, payment_method_type="sepa_debit", iban=SUCCEEDS)
    assert response.status_code == 200, response.text
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete"
    assert done.payment_status == "unpaid"
    intent = client.v1.payment_intents.retrieve(str(done.payment_intent))
    assert intent.status == "processing"
    types = _types(client)
    assert "payment_intent.processing" in types
    assert types[-1] == "checkout.session.completed"

    emulator.advance(3)
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert _types(client)[-1] == "checkout.session.async_payment_succeeded"
    paid = client.v1.events.list({"type": "checkout.session.async_payment_succeeded"}).data
    assert len(paid) == 1
    assert paid[0].data.object["payment_status"] == "paid"


def test_checkout_async_payment_fails(emulator: Emulator, client: stripe.StripeClient) -> None:
    session = _session(client, ["card", "sepa_debit"])
    response = _complete(emulator, session.id, payment_method_type="sepa_debit", iban=FAILS)
    assert response.status_code == 200, response.text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"
    emulator.advance(3)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete"
    assert done.payment_status == "unpaid"
    types = _types(client)
    assert types[-1] == "checkout.session.async_payment_failed"
    assert "payment_intent.payment_failed" in types
    assert "checkout.session.async_payment_succeeded" not in types


def test_checkout_sepa_validation(emulator: Emulator, client: stripe.StripeClient) -> None:
    card_only = _session(client, ["card"])
    refused = _complete(emulator, card_only.id, payment_method_type="sepa_debit", iban=SUCCEEDS)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "payment_method_type"
    sepa = _session(client, ["sepa_debit"])
    bad = _complete(emulator, sepa.id, payment_method_type="sepa_debit", iban="AT00123")
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "iban"
    assert client.v1.checkout.sessions.retrieve(sepa.id).status == "open"
    dollars = _error(
        lambda: client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "success_url": "https://inn.example/ok",
                "payment_method_types": ["sepa_debit"],
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 9000,
                            "product_data": {"name": "Room"},
                        },
                        "quantity": 1,
                    }
                ],
            }
        )
    )
    assert dollars.param == "payment_method_types[0]"


def test_hosted_page_pays_by_iban(emulator: Emulator, client: stripe.StripeClient) -> None:
    session = _session(client, ["card", "sepa_debit"])
    assert session.url is not None
    page = requests.get(session.url, timeout=10)
    assert 'name="iban"' in page.text
    assert 'name="card_number"' in page.text
    paid = requests.post(
        session.url,
        data={
            "action": "pay",
            "payment_method_type": "sepa_debit",
            "iban": "AT61 1904 3002 3457 3201",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://inn.example/ok?cs={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.payment_status == "unpaid"
    intent = client.v1.payment_intents.retrieve(
        str(done.payment_intent), {"expand": ["payment_method"]}
    )
    method = intent.payment_method
    assert isinstance(method, stripe.PaymentMethod)
    assert method.billing_details.name == "Ada Lovelace"
    emulator.advance(3)
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
