"""Every §9 test card through a PaymentIntent on-session, off-session and with manual
capture: status, error code and decline code, exception class and the events emitted."""

from __future__ import annotations

from collections import Counter

import pytest
import stripe

SUCCEED = (
    "pm_card_visa",
    "pm_card_visa_debit",
    "pm_card_mastercard",
    "pm_card_mastercard_debit",
    "pm_card_mastercard_prepaid",
    "pm_card_amex",
    "pm_card_discover",
    "pm_card_diners",
    "pm_card_jcb",
    "pm_card_unionpay",
    "pm_card_ae",
    "pm_card_ae_mastercard",
    "pm_card_bypassPending",
    "pm_card_bypassPendingInternational",
    "pm_card_riskLevelElevated",
    "pm_card_avsZipFail",
    "pm_card_avsLine1Fail",
    "pm_card_avsFail",
    "pm_card_avsUnchecked",
    "pm_card_threeDSecureOptional",
    "pm_card_createDispute",
    "pm_card_createDisputeProductNotReceived",
    "pm_card_createDisputeInquiry",
    "pm_card_createIssuerFraudRecord",
    "pm_card_createMultipleDisputes",
    "pm_card_pendingRefund",
    "pm_card_refundFail",
)
DECLINE = {
    "pm_card_visa_chargeDeclined": ("card_declined", "generic_decline"),
    "pm_card_chargeDeclined": ("card_declined", "generic_decline"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds"),
    "pm_card_visa_chargeDeclinedLostCard": ("card_declined", "lost_card"),
    "pm_card_visa_chargeDeclinedStolenCard": ("card_declined", "stolen_card"),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", None),
    "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", None),
    "pm_card_chargeDeclinedProcessingError": ("processing_error", None),
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": ("card_declined", "card_velocity_exceeded"),
    "pm_card_chargeCustomerFail": ("card_declined", "generic_decline"),
    "pm_card_radarBlock": ("card_declined", "fraudulent"),
    "pm_card_riskLevelHighest": ("card_declined", "fraudulent"),
    "pm_card_cvcCheckFail": ("incorrect_cvc", None),
}
# 3-D Secure cards: off-session outcome ("succeeded" or the authentication_required 402)
AUTHENTICATE = {
    "pm_card_authenticationRequiredOnSetup": "authentication_required",
    "pm_card_authenticationRequired": "authentication_required",
    "pm_card_authenticationRequiredSetupForOffSession": "succeeded",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": "authentication_required",
    "pm_card_threeDSecure2Required": "authentication_required",
    "pm_card_threeDSecureRequiredChargeDeclined": "authentication_required",
    "pm_card_threeDSecureRequiredProcessingError": "authentication_required",
}
MODES = ("on_session", "off_session", "manual")

SUCCEEDED_EVENTS = [
    "payment_intent.created",
    "charge.succeeded",
    "payment_intent.succeeded",
    "charge.updated",
]
CAPTURABLE_EVENTS = [
    "payment_intent.created",
    "charge.succeeded",
    "payment_intent.amount_capturable_updated",
]
FAILED_EVENTS = ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
ACTION_EVENTS = ["payment_intent.created", "payment_intent.requires_action"]


def _params(client: stripe.StripeClient, card: str, mode: str) -> dict[str, object]:
    params: dict[str, object] = {
        "amount": 2500,
        "currency": "usd",
        "payment_method": card,
        "payment_method_types": ["card"],
        "confirm": True,
    }
    if mode == "off_session":
        params["customer"] = client.v1.customers.create({"name": "Guest"}).id
        params["off_session"] = True
    if mode == "manual":
        params["capture_method"] = "manual"
    return params


def _events(client: stripe.StripeClient) -> Counter[str]:
    types = [event.type for event in client.v1.events.list({"limit": 100}).data]
    return Counter(t for t in types if t.startswith(("payment_intent.", "charge.")))


def _expected(card: str, mode: str) -> tuple[str, str | None, str | None, list[str]]:
    """(status, error code, decline code, events) Stripe documents for this card."""
    if card in DECLINE:
        code, decline = DECLINE[card]
        return "requires_payment_method", code, decline, FAILED_EVENTS
    if card in AUTHENTICATE:
        if mode != "off_session":
            return "requires_action", None, None, ACTION_EVENTS
        if AUTHENTICATE[card] == "succeeded":
            return "succeeded", None, None, SUCCEEDED_EVENTS
        return (
            "requires_payment_method",
            "authentication_required",
            "authentication_required",
            FAILED_EVENTS,
        )
    if mode == "manual":
        return "requires_capture", None, None, CAPTURABLE_EVENTS
    return "succeeded", None, None, SUCCEEDED_EVENTS


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("card", [*SUCCEED, *DECLINE, *AUTHENTICATE])
def test_card_matrix(client: stripe.StripeClient, card: str, mode: str) -> None:
    status, code, decline, events = _expected(card, mode)
    params = _params(client, card, mode)
    if code is None:
        intent = client.v1.payment_intents.create(params)  # type: ignore[arg-type]
        assert intent.status == status
        assert intent.last_payment_error is None
        if status == "requires_action":
            assert intent.next_action is not None
            assert intent.next_action.type == "use_stripe_sdk"
        if status == "requires_capture":
            assert intent.amount_capturable == 2500
    else:
        with pytest.raises(stripe.CardError) as raised:
            client.v1.payment_intents.create(params)  # type: ignore[arg-type]
        assert raised.value.code == code
        assert raised.value.error is not None
        assert getattr(raised.value.error, "decline_code", None) == decline
        failed = raised.value.error.payment_intent
        assert failed is not None
        assert failed.status == status
        assert failed.last_payment_error is not None
        assert failed.last_payment_error.code == code
        assert getattr(failed.last_payment_error, "decline_code", None) == decline
        charge = client.v1.charges.retrieve(str(raised.value.error.charge))
        assert charge.status == "failed"
        assert charge.failure_code == code
    assert _events(client) == Counter(events)


@pytest.mark.parametrize(
    ("number", "code", "param"),
    [
        ("4242424242424241", "incorrect_number", "card[number]"),
        ("4242424242424242x", "invalid_number", "card[number]"),
        ("4111111111111111", "card_declined", "card[number]"),
    ],
)
def test_bad_numbers_are_refused(
    client: stripe.StripeClient, number: str, code: str, param: str
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.create(
            {
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
            }
        )
    assert raised.value.code == code
    assert raised.value.param == param
    assert client.v1.payment_methods.list().data == []


@pytest.mark.parametrize(
    ("month", "year", "cvc", "code"),
    [
        (13, 2040, "123", "invalid_expiry_month"),
        (1, 2001, "123", "invalid_expiry_year"),
        (12, 2040, "12", "invalid_cvc"),
    ],
)
def test_expiry_and_cvc_validation(
    client: stripe.StripeClient, month: int, year: int, cvc: str, code: str
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.create(
            {
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": month,
                    "exp_year": year,
                    "cvc": cvc,
                },
            }
        )
    assert raised.value.code == code


def test_raw_number_and_token_shapes(client: stripe.StripeClient) -> None:
    amex = client.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": "378282246310005", "exp_month": 4, "exp_year": 2041, "cvc": "1234"},
            "billing_details": {"address": {"postal_code": "94103"}},
        }
    )
    assert amex.card is not None
    assert amex.card.brand == "amex"
    assert amex.card.last4 == "0005"
    assert amex.card.exp_year == 2041
    assert amex.card.checks is not None
    assert amex.card.checks.cvc_check == "pass"
    assert amex.card.checks.address_postal_code_check == "pass"
    assert amex.card.three_d_secure_usage is not None
    assert amex.card.three_d_secure_usage.supported is False
    debit = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa_debit"}})
    assert debit.card is not None
    assert debit.card.funding == "debit"
    again = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa_debit"}})
    assert again.id != debit.id
    assert again.card is not None
    assert again.card.fingerprint == debit.card.fingerprint
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_nope"}})
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "card[token]"
