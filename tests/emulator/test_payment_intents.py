"""PaymentIntents: 3-D Secure (control endpoint and hosted page), manual capture and its
expiry, the state machine's errors, currency rules and asynchronous capture."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
import stripe

from stripe_emulator import Emulator

DAY = 86400
CARD_ONLY = {"payment_method_types": ["card"]}


def _types(client: stripe.StripeClient) -> list[str]:
    return [event.type for event in client.v1.events.list({"limit": 100}).data]


def _authenticate(emulator: Emulator, intent_id: str, outcome: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/payment_intents/{intent_id}/authenticate",
        data=urllib.parse.urlencode({"outcome": outcome}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        body: dict[str, object] = json.loads(response.read())
    return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _press(url: str, outcome: str) -> tuple[int, str]:
    """Open the hosted challenge page and press one of its buttons."""
    with urllib.request.urlopen(url) as page:
        html = page.read().decode()
    assert "Complete authentication" in html
    assert "Fail authentication" in html
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode({"outcome": outcome}).encode()
    try:
        response = opener.open(urllib.request.Request(url, data=data, method="POST"))
    except urllib.error.HTTPError as redirect:
        return redirect.code, str(redirect.headers["Location"])
    return response.status, ""


def _manual(client: stripe.StripeClient, **extra: object) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {
            "amount": 10000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "capture_method": "manual",
            "confirm": True,
            **CARD_ONLY,
            **extra,
        }  # type: ignore[arg-type]
    )


def test_three_d_secure_through_the_control_endpoint(
    emulator: Emulator, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "gbp",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    assert intent.status == "requires_action"
    assert _authenticate(emulator, intent.id, "succeed")["status"] == "succeeded"
    charge = client.v1.charges.retrieve(
        str(client.v1.payment_intents.retrieve(intent.id).latest_charge)
    )
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.card is not None
    secure = charge.payment_method_details.card.three_d_secure
    assert secure is not None
    assert secure.result == "authenticated"
    failing = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "gbp",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    assert _authenticate(emulator, failing.id, "fail")["status"] == "requires_payment_method"
    failed = client.v1.payment_intents.retrieve(failing.id)
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert _types(client).count("payment_intent.payment_failed") == 1
    assert _types(client).count("payment_intent.requires_action") == 2


@pytest.mark.parametrize(("outcome", "status"), [("succeed", "succeeded"), ("fail", "failed")])
def test_three_d_secure_through_the_hosted_page(
    client: stripe.StripeClient, outcome: str, status: str
) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://shop.example/return?order=7",
        }
    )
    assert intent.next_action is not None
    assert intent.next_action.type == "redirect_to_url"
    redirect = intent.next_action.redirect_to_url
    assert redirect is not None
    assert redirect.return_url == "https://shop.example/return?order=7"
    code, location = _press(str(redirect.url), outcome)
    assert code == 303
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query["order"] == ["7"]
    assert query["payment_intent"] == [intent.id]
    assert query["payment_intent_client_secret"] == [intent.client_secret]
    assert query["redirect_status"] == [status]
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == ("succeeded" if outcome == "succeed" else "requires_payment_method")


def test_decline_after_authentication(emulator: Emulator, client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "usd",
            "payment_method": "pm_card_threeDSecureRequiredChargeDeclined",
            "confirm": True,
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    _authenticate(emulator, intent.id, "succeed")
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error is not None
    assert after.last_payment_error.code == "card_declined"


def test_error_on_requires_action_fails_instead(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.create(
            {
                "amount": 5000,
                "currency": "usd",
                "payment_method": "pm_card_authenticationRequired",
                "confirm": True,
                "error_on_requires_action": True,
                **CARD_ONLY,
            }  # type: ignore[arg-type]
        )
    assert raised.value.code == "authentication_required"


def test_manual_capture_full_and_partial(client: stripe.StripeClient) -> None:
    full = _manual(client)
    charge = client.v1.charges.retrieve(str(full.latest_charge))
    assert charge.captured is False
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.card is not None
    assert charge.payment_method_details.card.capture_before == charge.created + 7 * DAY
    captured = client.v1.payment_intents.capture(full.id)
    assert captured.status == "succeeded"
    assert captured.amount_received == 10000
    partial = _manual(client)
    done = client.v1.payment_intents.capture(partial.id, {"amount_to_capture": 6500})
    assert done.amount_received == 6500
    assert done.amount_capturable == 0
    partial_charge = client.v1.charges.retrieve(str(done.latest_charge))
    assert partial_charge.captured is True
    assert partial_charge.amount_captured == 6500
    assert _types(client).count("charge.captured") == 2
    with pytest.raises(stripe.InvalidRequestError) as twice:
        client.v1.payment_intents.capture(partial.id)
    assert twice.value.code == "payment_intent_unexpected_state"
    too_much = _manual(client)
    with pytest.raises(stripe.InvalidRequestError) as over:
        client.v1.payment_intents.capture(too_much.id, {"amount_to_capture": 10001})
    assert over.value.param == "amount_to_capture"
    assert client.v1.payment_intents.retrieve(too_much.id).status == "requires_capture"


def test_authorization_expiry(emulator: Emulator, client: stripe.StripeClient) -> None:
    kept = _manual(client)
    lapsed = _manual(client)
    emulator.advance(6 * DAY + 23 * 3600)
    assert client.v1.payment_intents.retrieve(kept.id).status == "requires_capture"
    assert client.v1.payment_intents.capture(kept.id).status == "succeeded"
    emulator.advance(3600 + 60)
    gone = client.v1.payment_intents.retrieve(lapsed.id)
    assert gone.status == "canceled"
    assert gone.cancellation_reason == "automatic"
    types = _types(client)
    assert "charge.expired" in types
    assert "payment_intent.canceled" in types


def test_visa_merchant_initiated_window(emulator: Emulator, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({}).id
    intent = _manual(client, customer=customer, off_session=True)
    emulator.advance(4 * DAY + 17 * 3600)
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_capture"
    emulator.advance(3600 + 1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "canceled"


def test_state_machine_errors(client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd", **CARD_ONLY})  # type: ignore[arg-type]
    assert intent.status == "requires_payment_method"
    assert intent.capture_method == "automatic_async"
    with pytest.raises(stripe.InvalidRequestError) as no_method:
        client.v1.payment_intents.confirm(intent.id)
    assert no_method.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as not_capturable:
        client.v1.payment_intents.capture(intent.id)
    assert not_capturable.value.code == "payment_intent_unexpected_state"
    paid = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as confirmed:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert "already succeeded" in str(confirmed.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as cancel_paid:
        client.v1.payment_intents.cancel(intent.id)
    assert cancel_paid.value.code == "payment_intent_unexpected_state"
    other = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", **CARD_ONLY}  # type: ignore[arg-type]
    )
    assert other.status == "requires_confirmation"
    canceled = client.v1.payment_intents.cancel(other.id, {"cancellation_reason": "duplicate"})
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "duplicate"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(other.id)
    with pytest.raises(stripe.InvalidRequestError) as redirect:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
    assert redirect.value.param == "return_url"
    with pytest.raises(stripe.InvalidRequestError) as fee:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "application_fee_amount": 100}
        )
    assert fee.value.param == "application_fee_amount"
    assert [pi.id for pi in client.v1.payment_intents.list().data] == [other.id, intent.id]


@pytest.mark.parametrize(
    ("currency", "amount", "code"),
    [
        ("aed", 199, "amount_too_small"),
        ("aed", 200, None),
        ("aed", 99_999_999, None),
        ("aed", 100_000_000, "amount_too_large"),
        ("usd", 49, "amount_too_small"),
        ("jpy", 49, "amount_too_small"),
        ("jpy", 50, None),
    ],
)
def test_currency_limits(
    client: stripe.StripeClient, currency: str, amount: int, code: str | None
) -> None:
    params = {"amount": amount, "currency": currency, **CARD_ONLY}
    if code is None:
        made = client.v1.payment_intents.create(params)  # type: ignore[arg-type]
        assert made.amount == amount
        assert made.currency == currency
        return
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params)  # type: ignore[arg-type]
    assert raised.value.code == code
    assert raised.value.param == "amount"
    assert client.v1.payment_intents.list().data == []


def test_zero_decimal_jpy_charges_whole_yen(client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 1500,
            "currency": "jpy",
            "payment_method": "pm_card_jcb",
            "confirm": True,
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    assert charge.amount == 1500
    assert charge.currency == "jpy"


def test_async_capture_fills_the_charge_later(client: stripe.StripeClient) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 3000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "expand": ["latest_charge"],
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    assert intent.latest_charge is not None
    assert not isinstance(intent.latest_charge, str)
    assert intent.latest_charge.balance_transaction is None
    succeeded = client.v1.events.list({"type": "charge.succeeded"}).data[0]
    assert succeeded.data.object["balance_transaction"] is None
    updated = client.v1.events.list({"type": "charge.updated"}).data[0]
    assert str(updated.data.object["balance_transaction"]).startswith("txn_")
    assert updated.data.previous_attributes["balance_transaction"] is None


def test_setup_future_usage_attaches_and_sets_up(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({}).id
    first = client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "customer": customer,
            "payment_method": "pm_card_visa",
            "setup_future_usage": "off_session",
            "confirm": True,
            **CARD_ONLY,
        }  # type: ignore[arg-type]
    )
    method = client.v1.payment_methods.retrieve(str(first.payment_method))
    assert method.customer == customer
    again = client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "customer": customer,
            "payment_method": method.id,
            "off_session": True,
            "confirm": True,
        }
    )
    assert again.status == "succeeded"


def test_update_search_and_increment(client: stripe.StripeClient) -> None:
    intent = _manual(
        client,
        metadata={"booking": "b-1"},
        payment_method_options={"card": {"request_incremental_authorization": "if_available"}},
    )
    bigger = client.v1.payment_intents.increment_authorization(intent.id, {"amount": 12000})
    assert bigger.amount == 12000
    assert bigger.amount_capturable == 12000
    updated = client.v1.payment_intents.update(intent.id, {"metadata": {"note": "late"}})
    assert updated.metadata.to_dict() == {"booking": "b-1", "note": "late"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.update(intent.id, {"amount": 5})
    found = client.v1.payment_intents.search({"query": "metadata['booking']:'b-1'"})
    assert [pi.id for pi in found.data] == [intent.id]
    charges = client.v1.charges.list({"payment_intent": intent.id})
    assert charges.data[0].amount == 12000
