"""Stripe's test cards: what each number, ``pm_card_*`` id and ``tok_*`` token does.

Every behaviour the payment flows need (declines, 3-D Secure, disputes, fraud warnings,
refund outcomes, Radar risk) is read from one table, so a PaymentMethod only has to remember
its card number (in private state) and ``card_of`` answers the rest. Numbers outside the
table are refused the way test mode refuses real cards.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import StripeError, card_error
from stripe_emulator.store import Obj

CVC_LENGTH = {"amex": 4}


@dataclass(frozen=True)
class Card:
    """One test card. ``three_d_secure``: "required_unless_setup" (on-session payments and
    setups authenticate, off-session payments only until the card is set up), "required"
    and "always" (every payment and setup authenticates, off-session ones fail), "optional"
    (only when 3-D Secure is requested) or "not_supported"."""

    number: str
    brand: str
    funding: str = "credit"
    country: str = "US"
    magic: tuple[str, ...] = ()
    decline: tuple[str, str | None] | None = None
    three_d_secure: str = "optional"
    dispute: str | None = None
    early_fraud_warning: bool = False
    refund: str | None = None
    bypass_pending: bool = False
    fails_after_attach: bool = False
    risk_level: str = "normal"
    blocked: bool = False
    preset_off_session: bool = False
    three_d_secure_error: bool = False
    cvc_check: str = "pass"
    address_line1_check: str = "pass"
    address_postal_code_check: str = "pass"
    display_brand: str | None = None

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def network(self) -> str:
        return self.brand

    @property
    def risk_score(self) -> int:
        return {"normal": 12, "elevated": 68, "highest": 94}.get(self.risk_level, 12)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.number)

    @property
    def refuses_attach(self) -> bool:
        """The decline cards of §9.2 fail the check Stripe runs when a card is saved; cards
        that decline only after 3-D Secure (or 0341) attach fine."""
        return self.decline is not None and self.three_d_secure in ("optional", "not_supported")

    def charge_decline(self) -> tuple[str, str | None] | None:
        """What an authorisation with this card answers (attachable cards included)."""
        if self.decline is not None:
            return self.decline
        if self.fails_after_attach:
            return ("card_declined", "generic_decline")
        if self.blocked:
            return ("card_declined", "fraudulent")
        return None


def _card(number: str, brand: str, *magic: str, **behaviour: Any) -> Card:
    return Card(number=number, brand=brand, magic=magic, **behaviour)


TABLE: tuple[Card, ...] = (
    # §9.1 success
    _card("4242424242424242", "visa", "pm_card_visa", "tok_visa"),
    _card("4000056655665556", "visa", "pm_card_visa_debit", "tok_visa_debit", funding="debit"),
    _card("5555555555554444", "mastercard", "pm_card_mastercard", "tok_mastercard"),
    _card("2223003122003222", "mastercard"),
    _card(
        "5200828282828210",
        "mastercard",
        "pm_card_mastercard_debit",
        "tok_mastercard_debit",
        funding="debit",
    ),
    _card(
        "5105105105105100",
        "mastercard",
        "pm_card_mastercard_prepaid",
        "tok_mastercard_prepaid",
        funding="prepaid",
    ),
    _card("378282246310005", "amex", "pm_card_amex", "tok_amex", three_d_secure="not_supported"),
    _card("371449635398431", "amex", three_d_secure="not_supported"),
    _card("6011111111111117", "discover", "pm_card_discover", "tok_discover"),
    _card("6011000990139424", "discover"),
    _card("6011981111111113", "discover", funding="debit"),
    _card("3056930009020004", "diners", "pm_card_diners", "tok_diners"),
    _card("36227206271667", "diners"),
    _card("3566002020360505", "jcb", "pm_card_jcb", "tok_jcb", country="JP"),
    _card("6200000000000005", "unionpay", "pm_card_unionpay", "tok_unionpay", country="CN"),
    _card("6200000000000047", "unionpay", funding="debit", country="CN"),
    _card("6205500000000000004", "unionpay", country="CN"),
    _card("4000007840000001", "visa", "pm_card_ae", "tok_ae", country="AE"),
    _card(
        "5200007840000022",
        "mastercard",
        "pm_card_ae_mastercard",
        "tok_ae_mastercard",
        country="AE",
    ),
    _card(
        "4000000000000077",
        "visa",
        "pm_card_bypassPending",
        "tok_bypassPending",
        bypass_pending=True,
    ),
    _card(
        "4000003720000278",
        "visa",
        "pm_card_bypassPendingInternational",
        "tok_bypassPendingInternational",
        bypass_pending=True,
        country="GB",
    ),
    # §9.2 declines
    _card(
        "4000000000000002",
        "visa",
        "pm_card_visa_chargeDeclined",
        "pm_card_chargeDeclined",
        "tok_visa_chargeDeclined",
        "tok_chargeDeclined",
        decline=("card_declined", "generic_decline"),
    ),
    _card(
        "4000000000009995",
        "visa",
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "pm_card_chargeDeclinedInsufficientFunds",
        "tok_visa_chargeDeclinedInsufficientFunds",
        "tok_chargeDeclinedInsufficientFunds",
        decline=("card_declined", "insufficient_funds"),
    ),
    _card(
        "4000000000009987",
        "visa",
        "pm_card_visa_chargeDeclinedLostCard",
        "pm_card_chargeDeclinedLostCard",
        "tok_visa_chargeDeclinedLostCard",
        "tok_chargeDeclinedLostCard",
        decline=("card_declined", "lost_card"),
    ),
    _card(
        "4000000000009979",
        "visa",
        "pm_card_visa_chargeDeclinedStolenCard",
        "pm_card_chargeDeclinedStolenCard",
        "tok_visa_chargeDeclinedStolenCard",
        "tok_chargeDeclinedStolenCard",
        decline=("card_declined", "stolen_card"),
    ),
    _card(
        "4000000000000069",
        "visa",
        "pm_card_chargeDeclinedExpiredCard",
        "tok_chargeDeclinedExpiredCard",
        decline=("expired_card", None),
    ),
    _card(
        "4000000000000127",
        "visa",
        "pm_card_chargeDeclinedIncorrectCvc",
        "tok_chargeDeclinedIncorrectCvc",
        decline=("incorrect_cvc", None),
    ),
    _card(
        "4000000000000119",
        "visa",
        "pm_card_chargeDeclinedProcessingError",
        "tok_chargeDeclinedProcessingError",
        decline=("processing_error", None),
    ),
    _card(
        "4000000000006975",
        "visa",
        "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
        "tok_visa_chargeDeclinedVelocityLimitExceeded",
        decline=("card_declined", "card_velocity_exceeded"),
    ),
    _card(
        "4000000000000341",
        "visa",
        "pm_card_chargeCustomerFail",
        "tok_chargeCustomerFail",
        fails_after_attach=True,
    ),
    # §9.3 fraud / Radar
    _card(
        "4100000000000019",
        "visa",
        "pm_card_radarBlock",
        "tok_radarBlock",
        blocked=True,
        risk_level="highest",
    ),
    _card(
        "4000000000004954",
        "visa",
        "pm_card_riskLevelHighest",
        "tok_riskLevelHighest",
        blocked=True,
        risk_level="highest",
    ),
    _card(
        "4000000000009235",
        "visa",
        "pm_card_riskLevelElevated",
        "tok_riskLevelElevated",
        risk_level="elevated",
    ),
    _card(
        "4000000000000101",
        "visa",
        "pm_card_cvcCheckFail",
        "tok_cvcCheckFail",
        cvc_check="fail",
        decline=("incorrect_cvc", None),
    ),
    _card(
        "4000000000000036",
        "visa",
        "pm_card_avsZipFail",
        "tok_avsZipFail",
        address_postal_code_check="fail",
    ),
    _card(
        "4000000000000028",
        "visa",
        "pm_card_avsLine1Fail",
        "tok_avsLine1Fail",
        address_line1_check="fail",
    ),
    _card(
        "4000000000000010",
        "visa",
        "pm_card_avsFail",
        "tok_avsFail",
        address_line1_check="fail",
        address_postal_code_check="fail",
    ),
    _card(
        "4000000000000044",
        "visa",
        "pm_card_avsUnchecked",
        "tok_avsUnchecked",
        address_line1_check="unavailable",
        address_postal_code_check="unavailable",
    ),
    # §9.4 3-D Secure
    _card(
        "4000002500003155",
        "visa",
        "pm_card_authenticationRequiredOnSetup",
        "tok_authenticationRequiredOnSetup",
        three_d_secure="required_unless_setup",
    ),
    _card(
        "4000002760003184",
        "visa",
        "pm_card_authenticationRequired",
        "tok_authenticationRequired",
        three_d_secure="always",
    ),
    _card(
        "4000003800000446",
        "visa",
        "pm_card_authenticationRequiredSetupForOffSession",
        "tok_authenticationRequiredSetupForOffSession",
        three_d_secure="required_unless_setup",
        preset_off_session=True,
    ),
    _card(
        "4000008260003178",
        "visa",
        "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
        "tok_authenticationRequiredChargeDeclinedInsufficientFunds",
        three_d_secure="required_unless_setup",
        decline=("card_declined", "insufficient_funds"),
    ),
    _card(
        "4000000000003220",
        "visa",
        "pm_card_threeDSecure2Required",
        "tok_threeDSecure2Required",
        three_d_secure="required",
    ),
    _card(
        "4000008400001629",
        "visa",
        "pm_card_threeDSecureRequiredChargeDeclined",
        "tok_threeDSecureRequiredChargeDeclined",
        three_d_secure="required",
        decline=("card_declined", "generic_decline"),
    ),
    _card(
        "4000008400001280",
        "visa",
        "pm_card_threeDSecureRequiredProcessingError",
        "tok_threeDSecureRequiredProcessingError",
        three_d_secure="required",
        decline=("card_declined", "processing_error"),
    ),
    _card(
        "4000000000003055",
        "visa",
        "pm_card_threeDSecureOptional",
        "tok_threeDSecureOptional",
    ),
    _card("4000000000003097", "visa", three_d_secure_error=True),
    _card("4000000000003238", "visa", three_d_secure="required"),
    _card("4000000000003246", "visa", three_d_secure="required"),
    _card("4000000000003253", "visa", three_d_secure="required"),
    # §9.5 disputes, fraud warnings, refunds
    _card(
        "4000000000000259",
        "visa",
        "pm_card_createDispute",
        "tok_createDispute",
        dispute="fraudulent",
    ),
    _card(
        "4000000000002685",
        "visa",
        "pm_card_createDisputeProductNotReceived",
        "tok_createDisputeProductNotReceived",
        dispute="product_not_received",
    ),
    _card(
        "4000000000001976",
        "visa",
        "pm_card_createDisputeInquiry",
        "tok_createDisputeInquiry",
        dispute="inquiry",
    ),
    _card(
        "4000000000005423",
        "visa",
        "pm_card_createIssuerFraudRecord",
        "tok_createIssuerFraudRecord",
        early_fraud_warning=True,
    ),
    _card(
        "4000000404000079",
        "visa",
        "pm_card_createMultipleDisputes",
        "tok_createMultipleDisputes",
        dispute="multiple",
    ),
    _card(
        "4000000404000038",
        "visa",
        "pm_card_createCe3EligibleDispute",
        "tok_createCe3EligibleDispute",
        dispute="fraudulent",
    ),
    _card(
        "4000000000007726",
        "visa",
        "pm_card_pendingRefund",
        "tok_pendingRefund",
        refund="pending",
    ),
    _card("4000000000005126", "visa", "pm_card_refundFail", "tok_refundFail", refund="fail"),
)

BY_NUMBER: dict[str, Card] = {card.number: card for card in TABLE}
BY_MAGIC: dict[str, Card] = {name: card for card in TABLE for name in card.magic}

MESSAGES: dict[str, str] = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "fraudulent": "Your card was declined.",
    "card_velocity_exceeded": (
        "Your card was declined for making repeated attempts too frequently or exceeding "
        "its amount limit."
    ),
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "incorrect_number": "Your card number is incorrect.",
    "invalid_number": "Your card number is invalid.",
    "invalid_expiry_month": "Your card's expiration month is invalid.",
    "invalid_expiry_year": "Your card's expiration year is invalid.",
    "invalid_cvc": "Your card's security code is invalid.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
    "test_mode_live_card": (
        "Your card was declined. Your request was in test mode, but used a non test (live) "
        "card. For a list of valid test cards, visit: https://stripe.com/docs/testing."
    ),
}


def decline_message(code: str, decline_code: str | None) -> str:
    if decline_code and decline_code in MESSAGES and code == "card_declined":
        return MESSAGES[decline_code]
    return MESSAGES.get(code, "Your card was declined.")


def seller_message(code: str, decline_code: str | None) -> str:
    """What the Dashboard says about a decline (``outcome.seller_message``)."""
    if decline_code in (None, "generic_decline") and code == "card_declined":
        return "The bank did not return any further details with this decline."
    if decline_code == "fraudulent":
        return "Stripe blocked this payment as too risky."
    return f"The bank returned the decline code `{decline_code or code}`."


def fingerprint(number: str) -> str:
    """Stable per card number, as Stripe's fingerprint is per account and number."""
    digest = hashlib.sha256(f"emulator:{number}".encode()).digest()
    return "".join(ids.ALPHABET[byte % len(ids.ALPHABET)] for byte in digest[:16])


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in ("51", "52", "53", "54", "55") or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number.startswith(("6011", "65", "644", "645", "646", "647", "648", "649")):
        return "discover"
    if number.startswith(("36", "300", "301", "302", "303", "304", "305", "38", "39")):
        return "diners"
    if number.startswith("35"):
        return "jcb"
    if number.startswith("62"):
        return "unionpay"
    return "unknown"


def from_number(number: str, *, param: str = "card[number]") -> Card:
    """The test card for a raw number: Stripe's 402 for a number that fails the Luhn check,
    and for a well-formed number that is not a test card (test mode refuses live cards)."""
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise card_error(MESSAGES["invalid_number"], "invalid_number", param=param)
    if not luhn_valid(digits):
        raise card_error(MESSAGES["incorrect_number"], "incorrect_number", param=param)
    card = BY_NUMBER.get(digits)
    if card is None:
        raise card_error(
            MESSAGES["test_mode_live_card"], "card_declined", "test_mode_live_card", param=param
        )
    return card


def from_magic(ref: str) -> Card | None:
    return BY_MAGIC.get(ref)


def check_expiry(month: int, year: int, now: int, *, prefix: str = "card") -> None:
    """Stripe's 402s for a month outside 1-12 and a date in the past."""
    if not 1 <= month <= 12:
        raise card_error(
            MESSAGES["invalid_expiry_month"], "invalid_expiry_month", param=f"{prefix}[exp_month]"
        )
    if year < 100:
        year += 2000
    today = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    if year < today.year or (year == today.year and month < today.month) or year > today.year + 50:
        raise card_error(
            MESSAGES["invalid_expiry_year"], "invalid_expiry_year", param=f"{prefix}[exp_year]"
        )


def check_cvc(cvc: str, brand: str, *, prefix: str = "card") -> None:
    if not cvc.isdigit() or len(cvc) != CVC_LENGTH.get(brand, 3):
        raise card_error(MESSAGES["invalid_cvc"], "invalid_cvc", param=f"{prefix}[cvc]")


def card_of(ctx: Ctx, method: Obj) -> Card:
    """The test behaviour of a PaymentMethod (its number is kept in private state)."""
    number = ctx.store.private(method["id"]).get("number")
    if not isinstance(number, str) or number not in BY_NUMBER:
        raise StripeError(
            400,
            "invalid_request_error",
            f"The PaymentMethod {method['id']} cannot be used for card payments.",
            code="payment_method_invalid_parameter",
            param="payment_method",
        )
    return BY_NUMBER[number]


def needs_authentication(card: Card, *, off_session: bool, set_up: bool) -> bool:
    """Whether a payment with this card must pass 3-D Secure first."""
    if card.three_d_secure in ("always", "required"):
        return True
    if card.three_d_secure == "required_unless_setup":
        return not (off_session and (set_up or card.preset_off_session))
    return False


def setup_needs_authentication(card: Card) -> bool:
    """Whether saving this card for later (a SetupIntent) asks for 3-D Secure."""
    return card.three_d_secure in ("always", "required", "required_unless_setup") and not (
        card.preset_off_session
    )
