"""PaymentMethods (cards and SEPA Direct Debit): create from a number, a test token or an
IBAN, retrieve, update, list, attach, detach, and the customer-scoped listing.

The card number never appears in the object: it is kept in the record's private state
(with "consumed", "detached" and "set up for off-session" flags), and ``cards.card_of``
turns it into test behaviour. Magic ids (``pm_card_visa``) and test tokens (``tok_visa``)
materialise a new ``pm_`` object every time they are used, as Stripe does.

A ``sepa_debit`` PaymentMethod keeps its IBAN the same way; ``sepa_outcome`` maps Stripe's
test IBANs (and their ``pm_success_at``-style ids) to what the debit does when it settles.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import StripeError, card_error, invalid
from stripe_emulator.params import Params
from stripe_emulator.render import page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

from . import cards

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
REDISPLAY = ("always", "limited", "unspecified")

CONSUMED = (
    "This PaymentMethod was previously used without being attached to a Customer or was "
    "detached from a Customer, and may not be used again."
)
ALREADY_ATTACHED = "The payment method you provided has already been attached to a customer."
NOT_ATTACHED = (
    "The payment method you provided is not attached to a customer so detachment is impossible."
)


def no_such_method(ref: str, param: str | None) -> StripeError:
    return StripeError(
        404,
        "invalid_request_error",
        f"No such PaymentMethod: '{ref}'",
        code="resource_missing",
        param=param,
    )


# --- shapes ---------------------------------------------------------------------------------


def billing_details(params: Params, before: Obj | None = None) -> Obj:
    """``billing_details`` from parameters, merged over ``before`` (an update)."""
    base: Obj = before or {
        "address": dict.fromkeys(ADDRESS_FIELDS),
        "email": None,
        "name": None,
        "phone": None,
        "tax_id": None,
    }
    result: Obj = {**base, "address": dict(base.get("address") or {})}
    for name in ("email", "name", "phone", "tax_id"):
        if params.has(name):
            result[name] = params.text(name)
    if params.has("address"):
        address = params.child("address")
        address.reject_unknown(ADDRESS_FIELDS)
        for name in ADDRESS_FIELDS:
            if address.has(name):
                result["address"][name] = address.text(name)
    return result


def _checks(card: cards.Card, details: Obj, cvc_supplied: bool) -> Obj:
    address = details.get("address") or {}
    return {
        "address_line1_check": card.address_line1_check if address.get("line1") else None,
        "address_postal_code_check": (
            card.address_postal_code_check if address.get("postal_code") else None
        ),
        "cvc_check": card.cvc_check if cvc_supplied else None,
    }


def build(
    ctx: Ctx,
    card: cards.Card,
    *,
    exp_month: int,
    exp_year: int,
    details: Obj,
    cvc_supplied: bool,
    metadata: dict[str, str] | None = None,
    allow_redisplay: str = "unspecified",
) -> Obj:
    return {
        "id": ids.new("pm"),
        "object": "payment_method",
        "allow_redisplay": allow_redisplay,
        "billing_details": details,
        "card": {
            "brand": card.brand,
            "checks": _checks(card, details, cvc_supplied),
            "country": card.country,
            "display_brand": card.display_brand or card.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.network], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": card.three_d_secure != "not_supported"},
            "wallet": None,
        },
        "created": ctx.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata or {},
        "type": "card",
    }


def _default_expiry(ctx: Ctx) -> tuple[int, int]:
    today = datetime.datetime.fromtimestamp(ctx.now(), tz=datetime.UTC)
    return today.month, today.year + 3


def materialise(
    ctx: Ctx,
    card: cards.Card,
    *,
    exp_month: int | None = None,
    exp_year: int | None = None,
    details: Obj | None = None,
    cvc_supplied: bool = True,
    metadata: dict[str, str] | None = None,
    allow_redisplay: str = "unspecified",
) -> Obj:
    """Store a new card PaymentMethod for this test card."""
    month, year = _default_expiry(ctx)
    method = build(
        ctx,
        card,
        exp_month=exp_month or month,
        exp_year=exp_year or year,
        details=details or billing_details(Params({})),
        cvc_supplied=cvc_supplied,
        metadata=metadata,
        allow_redisplay=allow_redisplay,
    )
    return ctx.add(
        method,
        private={
            "number": card.number,
            "consumed": False,
            "detached": False,
            "set_up": card.preset_off_session,
        },
    )


# --- SEPA Direct Debit -------------------------------------------------------------------

# Length of a valid IBAN per country, and where the bank and branch codes sit in the BBAN
# (offset, length) — the SEPA countries Stripe's test IBANs cover plus the common ones.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CY": 28, "DE": 22, "EE": 20, "ES": 24, "FI": 18,
    "FR": 27, "GB": 22, "GR": 27, "HR": 21, "IE": 22, "IT": 27, "LT": 20, "LU": 20,
    "LV": 21, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24, "SI": 19,
    "SK": 24, "DK": 18, "BG": 22, "CZ": 24, "HU": 28, "RO": 24, "IS": 26, "LI": 21,
    "MC": 27, "SM": 27,
}  # fmt: skip
BANK_CODES: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {
    "AT": ((0, 5), None), "BE": ((0, 3), None), "DE": ((0, 8), None),
    "EE": ((0, 2), None), "FI": ((0, 3), None), "FR": ((0, 5), (5, 5)),
    "ES": ((0, 4), (4, 4)), "IT": ((1, 5), (6, 5)), "NL": ((0, 4), None),
    "HR": ((0, 7), None), "IE": ((0, 4), (4, 6)), "LU": ((0, 3), None),
    "PT": ((0, 4), (4, 4)), "GB": ((0, 4), (4, 6)),
}  # fmt: skip


@dataclass(frozen=True)
class SepaOutcome:
    """What a debit from a test IBAN does: settle after ``delay`` seconds (None: the
    emulator's ``async_settle_seconds``), succeeding or failing with ``failure_code``."""

    succeeds: bool
    delay: int | None = None
    failure_code: str | None = None


SEPA_FAILURE_MESSAGES = {
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "charge_exceeds_source_limit": (
        "This payment would exceed the weekly payment volume limit for this account."
    ),
    "charge_exceeds_weekly_limit": (
        "This payment exceeds the weekly transaction limit for this account."
    ),
}
DELAYED = 180
# Stripe's test IBANs (docs.stripe.com/payments/sepa-debit/accept-a-payment, "Test IBANs")
# with their test PaymentMethod ids. Any other valid IBAN succeeds.
SEPA_TESTS: dict[str, tuple[str, SepaOutcome]] = {
    "AT611904300234573201": ("pm_success_at", SepaOutcome(True)),
    "AT321904300235473204": ("pm_successDelayed_at", SepaOutcome(True, DELAYED)),
    "AT861904300235473202": ("pm_failed_at", SepaOutcome(False, None, "insufficient_funds")),
    "AT051904300235473205": (
        "pm_failedDelayed_at", SepaOutcome(False, DELAYED, "insufficient_funds")
    ),
    "AT981904300000343434": (
        "pm_exceedsWeeklyVolumeLimit_at",
        SepaOutcome(False, None, "charge_exceeds_source_limit"),
    ),
    "AT601904300000121212": (
        "pm_exceedsWeeklyTransactionLimit_at",
        SepaOutcome(False, None, "charge_exceeds_weekly_limit"),
    ),
    "AT981904300002222227": (
        "pm_insufficientFunds_at", SepaOutcome(False, None, "insufficient_funds")
    ),
    "DE89370400440532013000": ("pm_success_de", SepaOutcome(True)),
    "DE08370400440532013003": ("pm_successDelayed_de", SepaOutcome(True, DELAYED)),
    "DE62370400440532013001": ("pm_failed_de", SepaOutcome(False, None, "insufficient_funds")),
    "DE78370400440532013004": (
        "pm_failedDelayed_de", SepaOutcome(False, DELAYED, "insufficient_funds")
    ),
    "DE65370400440002222227": (
        "pm_insufficientFunds_de", SepaOutcome(False, None, "insufficient_funds")
    ),
}  # fmt: skip
SEPA_MAGIC = {magic: iban for iban, (magic, _) in SEPA_TESTS.items()}
SEPA_TEST_NAME = "Jenny Rosen"
SEPA_TEST_EMAIL = "jenny.rosen@example.com"


def normalise_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def iban_valid(iban: str) -> bool:
    """Format (country, check digits, alphanumeric BBAN, the country's length) and the ISO
    13616 mod-97 checksum."""
    if len(iban) < 15 or not iban.isalnum() or not iban.isascii():
        return False
    country, check = iban[:2], iban[2:4]
    if not country.isalpha() or not check.isdigit():
        return False
    if IBAN_LENGTHS.get(country, len(iban)) != len(iban) or len(iban) > 34:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def check_iban(raw: str, *, param: str) -> str:
    """The normalised IBAN, or Stripe's 400 naming ``param``."""
    iban = normalise_iban(raw)
    if not iban_valid(iban):
        raise invalid(f"Invalid IBAN: '{raw}'. Please provide a valid IBAN.", param, "invalid_iban")
    return iban


def sepa_outcome(ctx: Ctx, method: Obj) -> SepaOutcome:
    iban = str(ctx.store.private(method["id"]).get("iban") or "")
    return SEPA_TESTS.get(iban, ("", SepaOutcome(True)))[1]


def _bank_codes(iban: str) -> tuple[str | None, str | None]:
    layout = BANK_CODES.get(iban[:2])
    if layout is None:
        return None, None
    bban = iban[4:]
    (bank_at, bank_len), branch = layout
    bank = bban[bank_at : bank_at + bank_len]
    return bank, (bban[branch[0] : branch[0] + branch[1]] if branch else None)


def build_sepa(
    ctx: Ctx,
    iban: str,
    *,
    details: Obj,
    metadata: dict[str, str] | None = None,
    allow_redisplay: str = "unspecified",
) -> Obj:
    bank, branch = _bank_codes(iban)
    digest = hashlib.sha256(f"iban:{iban}".encode()).hexdigest()
    return {
        "id": ids.new("pm"),
        "object": "payment_method",
        "allow_redisplay": allow_redisplay,
        "billing_details": details,
        "created": ctx.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata or {},
        "sepa_debit": {
            "bank_code": bank,
            "branch_code": branch,
            "country": iban[:2],
            "fingerprint": "".join(c for c in digest if c.isalnum())[:16],
            "generated_from": {"charge": None, "setup_attempt": None},
            "last4": iban[-4:],
        },
        "type": "sepa_debit",
    }


def check_sepa_details(details: Obj, *, prefix: str = "billing_details") -> None:
    """Stripe requires the account holder's name and email for a SEPA Direct Debit."""
    for name in ("name", "email"):
        if not details.get(name):
            raise invalid(
                f"Missing required param: {prefix}[{name}]. SEPA Direct Debit payment methods "
                f"require `{prefix}[{name}]`.",
                f"{prefix}[{name}]",
            )


def materialise_sepa(
    ctx: Ctx,
    iban: str,
    *,
    details: Obj,
    metadata: dict[str, str] | None = None,
    allow_redisplay: str = "unspecified",
) -> Obj:
    """Store a new sepa_debit PaymentMethod (``iban`` already validated)."""
    method = build_sepa(
        ctx, iban, details=details, metadata=metadata, allow_redisplay=allow_redisplay
    )
    return ctx.add(
        method,
        private={"iban": iban, "consumed": False, "detached": False, "set_up": False},
    )


def _sepa_magic(ctx: Ctx, ref: str) -> Obj | None:
    iban = SEPA_MAGIC.get(ref)
    if iban is None:
        return None
    details = billing_details(Params({"name": SEPA_TEST_NAME, "email": SEPA_TEST_EMAIL}))
    return materialise_sepa(ctx, iban, details=details)


# --- the contract -----------------------------------------------------------------------


def resolve(ctx: Ctx, ref: str, *, param: str) -> Obj:
    """A PaymentMethod visible to this account, or a new one for a magic id / test token;
    Stripe's 404 naming ``param`` otherwise."""
    card = cards.from_magic(ref)
    if card is not None:
        return materialise(ctx, card)
    sepa = _sepa_magic(ctx, ref)
    if sepa is not None:
        return sepa
    if ref.startswith("tok_"):
        raise StripeError(
            404,
            "invalid_request_error",
            f"No such token: '{ref}'",
            code="resource_missing",
            param=param,
        )
    found = ctx.store.find(ref, ctx.account)
    if found is None or found.get("object") != "payment_method":
        raise no_such_method(ref, param)
    return found


def check_reusable(ctx: Ctx, method: Obj, *, param: str) -> None:
    """A PaymentMethod used once without a customer, or detached, is spent."""
    private = ctx.private(method)
    if method.get("customer") is None and (private.get("consumed") or private.get("detached")):
        raise invalid(
            "The provided PaymentMethod was previously used with a PaymentIntent without "
            "Customer attachment, shared with a connected account without Customer "
            "attachment, or was detached from a Customer. It may not be used again. To use a "
            "PaymentMethod multiple times, you must attach it to a Customer first.",
            param,
        )


def attach(ctx: Ctx, ref: str, customer: Obj, *, param: str) -> Obj:
    """Attach (resolving magic ids first); declines fail Stripe's save-time check with 402."""
    method = resolve(ctx, ref, param=param)
    if method.get("customer") == customer["id"]:
        return method
    if method.get("customer") is not None:
        raise invalid(ALREADY_ATTACHED, param)
    private = ctx.private(method)
    if private.get("consumed") or private.get("detached"):
        raise invalid(CONSUMED, param)
    card = cards.card_of(ctx, method) if method["type"] == "card" else None
    if card is not None and card.refuses_attach and card.decline is not None:
        code, decline_code = card.decline
        raise card_error(cards.decline_message(code, decline_code), code, decline_code)
    previous = ctx.change(method, customer=customer["id"])
    ctx.emit("payment_method.attached", method, previous)
    return method


def mark_set_up(ctx: Ctx, method: Obj) -> None:
    """Remember that the customer authenticated this card for later off-session payments."""
    ctx.private(method)["set_up"] = True
    ctx.store.bump()


def mark_used(ctx: Ctx, method: Obj) -> None:
    """A PaymentMethod used without a customer can never be used again."""
    if method.get("customer") is None:
        ctx.private(method)["consumed"] = True
        ctx.store.bump()


# --- routes -----------------------------------------------------------------------------


def _from_params(ctx: Ctx, params: Params) -> Obj:
    """Validate a card PaymentMethod creation completely, then store it."""
    params.reject_unknown(
        (
            "type",
            "card",
            "billing_details",
            "metadata",
            "allow_redisplay",
            "customer",
            "payment_method",
            "radar_options",
            "sepa_debit",
        )
    )
    if params.text("payment_method"):
        return _clone(ctx, params)
    kind = params.text("type", required=True, choices=("card", "sepa_debit"))
    if kind == "sepa_debit":
        return _sepa_from_params(ctx, params)
    if params.has("sepa_debit"):
        raise invalid(
            "You passed `sepa_debit` but `type` is `card`; pass the details of the type.",
            "sepa_debit",
        )
    params.require("card")
    card_params = params.child("card")
    details = billing_details(params.child("billing_details"))
    metadata = new_metadata(params)
    redisplay = params.text("allow_redisplay", choices=REDISPLAY) or "unspecified"
    token = card_params.text("token")
    if token:
        card_params.reject_unknown(("token",))
        card = cards.from_magic(token)
        if card is None or not token.startswith("tok_"):
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such token: '{token}'",
                code="resource_missing",
                param="card[token]",
            )
        return materialise(ctx, card, details=details, metadata=metadata, allow_redisplay=redisplay)
    card_params.reject_unknown(("number", "exp_month", "exp_year", "cvc", "networks"))
    number = card_params.text("number", required=True) or ""
    month = card_params.integer("exp_month", required=True) or 0
    year = card_params.integer("exp_year", required=True) or 0
    cvc = card_params.text("cvc")
    card = cards.from_number(number)
    cards.check_expiry(month, year, ctx.now())
    if cvc is not None:
        cards.check_cvc(cvc, card.brand)
    return materialise(
        ctx,
        card,
        exp_month=month,
        exp_year=year + 2000 if year < 100 else year,
        details=details,
        cvc_supplied=cvc is not None,
        metadata=metadata,
        allow_redisplay=redisplay,
    )


def _sepa_from_params(ctx: Ctx, params: Params) -> Obj:
    """Validate a sepa_debit PaymentMethod creation completely, then store it."""
    if params.has("card"):
        raise invalid(
            "You passed `card` but `type` is `sepa_debit`; pass `sepa_debit[iban]` instead.",
            "card",
        )
    params.require("sepa_debit")
    sepa = params.child("sepa_debit")
    sepa.reject_unknown(("iban",))
    iban = check_iban(sepa.text("iban", required=True) or "", param=sepa.name("iban"))
    details = billing_details(params.child("billing_details"))
    check_sepa_details(details, prefix=params.name("billing_details"))
    metadata = new_metadata(params)
    redisplay = params.text("allow_redisplay", choices=REDISPLAY) or "unspecified"
    return materialise_sepa(
        ctx, iban, details=details, metadata=metadata, allow_redisplay=redisplay
    )


def _clone(ctx: Ctx, params: Params) -> Obj:
    """Connect: share a platform customer's PaymentMethod with a connected account."""
    source_id = params.text("payment_method") or ""
    source = ctx.store.find(source_id, ctx.store.platform)
    if source is None or source.get("object") != "payment_method":
        raise no_such_method(source_id, "payment_method")
    customer_id = params.text("customer")
    if source.get("customer") is not None and customer_id != source["customer"]:
        raise invalid(
            "The `customer` parameter is required when cloning a PaymentMethod that is "
            "attached to a Customer.",
            "customer",
        )
    if source["type"] == "sepa_debit":
        return materialise_sepa(
            ctx,
            str(ctx.store.private(source["id"]).get("iban")),
            details=dict(source["billing_details"]),
            metadata=new_metadata(params),
        )
    card = cards.card_of(ctx, source)
    card_info = source["card"]
    return materialise(
        ctx,
        card,
        exp_month=card_info["exp_month"],
        exp_year=card_info["exp_year"],
        details=dict(source["billing_details"]),
        cvc_supplied=card_info["checks"]["cvc_check"] is not None,
        metadata=new_metadata(params),
    )


@api.post("/v1/payment_methods")
def create(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, _from_params(ctx, params), params)


@api.get("/v1/payment_methods/{payment_method}")
def retrieve(ctx: Ctx, params: Params, payment_method: str) -> Obj:
    return respond(ctx, resolve(ctx, payment_method, param="payment_method"), params)


@api.post("/v1/payment_methods/{payment_method}")
def update(ctx: Ctx, params: Params, payment_method: str) -> Obj:
    params.reject_unknown(("billing_details", "metadata", "allow_redisplay", "card"))
    method = resolve(ctx, payment_method, param="payment_method")
    changes: dict[str, Any] = {}
    if params.has("billing_details"):
        changes["billing_details"] = billing_details(
            params.child("billing_details"), method["billing_details"]
        )
    if params.has("allow_redisplay"):
        changes["allow_redisplay"] = params.text("allow_redisplay", choices=REDISPLAY)
    if params.has("card"):
        if method["type"] != "card":
            raise invalid(
                f"You cannot update `card` on a PaymentMethod of type {method['type']}.", "card"
            )
        card_params = params.child("card")
        card_params.reject_unknown(("exp_month", "exp_year", "networks"))
        month = card_params.integer("exp_month") or method["card"]["exp_month"]
        year = card_params.integer("exp_year") or method["card"]["exp_year"]
        cards.check_expiry(month, year, ctx.now())
        changes["card"] = {
            **method["card"],
            "exp_month": month,
            "exp_year": year + 2000 if year < 100 else year,
        }
    metadata_preview = params.has("metadata")
    if metadata_preview:
        from stripe_emulator.context import merge_metadata

        merge_metadata(dict(method.get("metadata") or {}), params.raw("metadata"))
    if method.get("customer") is None and (changes or metadata_preview):
        raise invalid(
            "You must save this PaymentMethod to a customer before you can update it.",
            "payment_method",
        )
    previous = ctx.metadata(method, params)
    previous.update(ctx.change(method, **changes))
    if previous:
        ctx.emit("payment_method.updated", method, previous)
    return respond(ctx, method, params)


@api.get("/v1/payment_methods")
def listing(ctx: Ctx, params: Params) -> Obj:
    customer_id = params.text("customer")
    if customer_id:
        ctx.get(customer_id, "customer", "customer")
    return page(ctx, _methods(ctx, params, customer_id), params, "/v1/payment_methods")


def _methods(ctx: Ctx, params: Params, customer_id: str | None) -> list[Obj]:
    kind = params.text("type")
    redisplay = params.text("allow_redisplay", choices=REDISPLAY)
    return ctx.store.objects(
        "payment_method",
        ctx.account,
        lambda m: (
            (customer_id is None or m.get("customer") == customer_id)
            and (kind is None or m.get("type") == kind)
            and (redisplay is None or m.get("allow_redisplay") == redisplay)
        ),
    )


@api.post("/v1/payment_methods/{payment_method}/attach")
def attach_route(ctx: Ctx, params: Params, payment_method: str) -> Obj:
    params.reject_unknown(("customer", "customer_account"))
    customer_id = params.text("customer", required=True)
    customer = ctx.get(customer_id, "customer", "customer")
    return respond(ctx, attach(ctx, payment_method, customer, param="payment_method"), params)


@api.post("/v1/payment_methods/{payment_method}/detach")
def detach(ctx: Ctx, params: Params, payment_method: str) -> Obj:
    params.reject_unknown(())
    method = resolve(ctx, payment_method, param="payment_method")
    if method.get("customer") is None:
        raise invalid(NOT_ATTACHED, "payment_method")
    customer = ctx.store.find(method["customer"], ctx.account)
    previous = ctx.change(method, customer=None)
    ctx.private(method)["detached"] = True
    ctx.emit("payment_method.detached", method, previous)
    if customer is not None and not customer.get("deleted"):
        settings = customer.get("invoice_settings") or {}
        if settings.get("default_payment_method") == method["id"]:
            before = {"invoice_settings": dict(settings)}
            customer["invoice_settings"] = {**settings, "default_payment_method": None}
            ctx.store.bump()
            ctx.emit("customer.updated", customer, before)
    return respond(ctx, method, params)


@api.get("/v1/customers/{customer}/payment_methods")
def customer_listing(ctx: Ctx, params: Params, customer: str) -> Obj:
    ctx.get(customer, "customer", "customer")
    return page(
        ctx,
        _methods(ctx, params, customer),
        params,
        f"/v1/customers/{customer}/payment_methods",
    )


@api.get("/v1/customers/{customer}/payment_methods/{payment_method}")
def customer_retrieve(ctx: Ctx, params: Params, customer: str, payment_method: str) -> Obj:
    ctx.get(customer, "customer", "customer")
    found = ctx.store.find(payment_method, ctx.account)
    if (
        found is None
        or found.get("object") != "payment_method"
        or found.get("customer") != customer
    ):
        raise no_such_method(payment_method, "payment_method")
    return respond(ctx, found, params)
