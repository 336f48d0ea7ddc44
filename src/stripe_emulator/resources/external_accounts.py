"""External accounts (payout bank accounts) of connected accounts:
``/v1/accounts/{account}/external_accounts[/{id}]`` create, retrieve, update, delete and list,
with ``account.external_account.created|updated|deleted`` events carrying ``account``.

Bank accounts come from Stripe's test tokens (``btok_us_verified``, ``…_noAccount``, …) or
``external_account[object]=bank_account`` with Stripe's test numbers (routing 110000000;
000123456789 pays out, 000111111116 ``no_account``, 000111111113 ``account_closed``,
000222222227 ``insufficient_funds``, 000333333335 ``debit_not_authorized``, 000444444440
``invalid_currency``). How a payout to the account will fail is kept in the bank account's
private state (``payout_failure``), never on the object."""

from __future__ import annotations

import hashlib
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, merge_metadata, new_metadata
from stripe_emulator.errors import StripeError, invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import page, respond
from stripe_emulator.resources import accounts
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

FAILURES = {
    "000123456789": None,
    "000111111116": "no_account",
    "000111111113": "account_closed",
    "000222222227": "insufficient_funds",
    "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency",
}
TOKENS = {
    "btok_us_verified": "000123456789",
    "btok_us_verified_noAccount": "000111111116",
    "btok_us_verified_accountClosed": "000111111113",
    "btok_us_verified_insufficientFunds": "000222222227",
    "btok_us_verified_debitNotAuthorized": "000333333335",
    "btok_us_verified_invalidCurrency": "000444444440",
}
TEST_ROUTING = "110000000"
TEST_IBANS = {
    "GB": "GB82WEST12345698765432",
    "AE": "AE070331234567890123456",
    "DE": "DE89370400440532013000",
    "FR": "FR1420041010050500013M02606",
}
BANK_FIELDS = (
    "object",
    "account_holder_name",
    "account_holder_type",
    "account_number",
    "country",
    "currency",
    "routing_number",
)


def payout_failure(ctx: Ctx, bank: Obj) -> str | None:
    """The failure code a payout to this bank account ends with (``None``: it is paid)."""
    failure: str | None = ctx.private(bank).get("payout_failure")
    return failure


def test_bank(country: str, currency: str) -> dict[str, Any]:
    """The bank account hosted onboarding adds: one that pays out."""
    if country == "US":
        number, routing = "000123456789", TEST_ROUTING
    else:
        number, routing = TEST_IBANS.get(country, f"{country}89370400440532013000"), None
    return {
        "account_number": number,
        "routing_number": routing,
        "country": country,
        "currency": currency,
        "account_holder_name": "Jenny Rosen",
        "account_holder_type": "individual",
        "failure": FAILURES.get(number),
        "metadata": {},
    }


def parse(ctx: Ctx, params: Params, key: str, country: str, currency: str) -> dict[str, Any]:
    """Validate ``external_account`` (a ``btok_`` token or a bank account hash) into the
    details of a new bank account; raises Stripe's 400/404 naming the parameter."""
    raw = params.raw(key)
    name = params.name(key)
    if isinstance(raw, str):
        if raw not in TOKENS:
            raise missing("token", raw, name)
        number = TOKENS[raw]
        return {
            "account_number": number,
            "routing_number": TEST_ROUTING,
            "country": "US",
            "currency": "usd",
            "account_holder_name": None,
            "account_holder_type": None,
            "failure": FAILURES[number],
            "metadata": {},
        }
    bank = params.child(key)
    kind = bank.text("object", required=True)
    if kind == "card":
        raise invalid(
            "Debit cards as external accounts are not supported by this emulator; add a bank "
            "account instead.",
            bank.name("object"),
        )
    if kind != "bank_account":
        raise invalid(
            f"Invalid {bank.name('object')}: must be one of bank_account, card", bank.name("object")
        )
    bank.reject_unknown((*BANK_FIELDS, "metadata", "default_for_currency"))
    bank_country = (bank.text("country") or country).upper()
    if bank_country not in accounts.COUNTRY_CURRENCY:
        raise invalid(f"Country '{bank_country}' is unknown.", bank.name("country"))
    bank_currency = (
        bank.text("currency") or accounts.COUNTRY_CURRENCY.get(bank_country, currency)
    ).lower()
    number = (bank.text("account_number", required=True) or "").replace(" ", "")
    routing = bank.text("routing_number")
    if bank_country == "US":
        if routing is None:
            raise invalid(
                f"Missing required param: {bank.name('routing_number')}.",
                bank.name("routing_number"),
            )
        if len(routing) != 9 or not routing.isdigit():
            raise invalid("Routing number must have 9 digits", bank.name("routing_number"))
        if not number.isdigit() or not 4 <= len(number) <= 17:
            raise invalid(
                "Invalid account number: must contain only digits, and be between 4 and 17 "
                "digits long",
                bank.name("account_number"),
            )
    elif len(number) < 4:
        raise invalid("Invalid account number", bank.name("account_number"))
    holder_type = bank.text("account_holder_type", choices=("company", "individual"))
    return {
        "account_number": number,
        "routing_number": routing,
        "country": bank_country,
        "currency": bank_currency,
        "account_holder_name": bank.text("account_holder_name"),
        "account_holder_type": holder_type,
        "failure": FAILURES.get(number),
        "metadata": new_metadata(bank),
    }


def fingerprint(spec: dict[str, Any]) -> str:
    digest = hashlib.sha256(f"{spec['routing_number']}:{spec['account_number']}".encode())
    return digest.hexdigest()[:16]


def _banks(ctx: Ctx, account: Obj) -> list[Obj]:
    return ctx.store.objects("bank_account", account["id"])


def _check_new(ctx: Ctx, account: Obj, spec: dict[str, Any], param: str) -> None:
    print_ = fingerprint(spec)
    if any(bank["fingerprint"] == print_ for bank in _banks(ctx, account)):
        raise StripeError(
            400,
            "invalid_request_error",
            "A bank account with that routing number and account number already exists for "
            "this currency.",
            code="bank_account_exists",
            param=param,
        )


def add_bank(
    ctx: Ctx,
    account: Obj,
    spec: dict[str, Any],
    *,
    default: bool,
    emit: bool,
    replace: bool = False,
) -> Obj:
    """Store a bank account for ``account``; the first for a currency (or ``default``) becomes
    ``default_for_currency``; ``replace`` deletes the previous default (what the account's own
    ``external_account`` parameter does)."""
    same_currency = [b for b in _banks(ctx, account) if b["currency"] == spec["currency"]]
    make_default = default or not same_currency
    bank: Obj = {
        "id": ids.new("ba"),
        "object": "bank_account",
        "account": account["id"],
        "account_holder_name": spec["account_holder_name"],
        "account_holder_type": spec["account_holder_type"],
        "account_type": None,
        "available_payout_methods": ["standard", "instant"]
        if spec["country"] == "US"
        else ["standard"],
        "bank_name": "STRIPE TEST BANK" if spec["routing_number"] == TEST_ROUTING else "TEST BANK",
        "country": spec["country"],
        "currency": spec["currency"],
        "customer": None,
        "default_for_currency": make_default,
        "fingerprint": fingerprint(spec),
        "future_requirements": _requirements(),
        "last4": spec["account_number"][-4:],
        "metadata": spec["metadata"],
        "requirements": _requirements(),
        "routing_number": spec["routing_number"],
        "status": "new",
    }
    for old in same_currency:
        if make_default and old["default_for_currency"]:
            if replace:
                _remove(ctx, account, old, emit=emit)
                continue
            previous = ctx.change(old, default_for_currency=False)
            if emit:
                ctx.emit("account.external_account.updated", old, previous, account=account["id"])
    private = {"payout_failure": spec["failure"], "account_number": spec["account_number"]}
    ctx.add(bank, account=account["id"], private=private)
    if emit:
        ctx.emit("account.external_account.created", bank, account=account["id"])
    sync_list(ctx, account)
    return bank


def _requirements() -> Obj:
    return {"currently_due": [], "errors": [], "past_due": [], "pending_verification": []}


def _remove(ctx: Ctx, account: Obj, bank: Obj, *, emit: bool) -> Obj:
    if emit:
        ctx.emit("account.external_account.deleted", bank, account=account["id"])
    gone = ctx.store.tombstone(bank["id"])
    sync_list(ctx, account)
    return gone


def sync_list(ctx: Ctx, account: Obj) -> None:
    """Keep the account's embedded ``external_accounts`` list (first 10) current."""
    banks = _banks(ctx, account)
    listing = {
        "object": "list",
        "data": [dict(bank) for bank in banks[:10]],
        "has_more": len(banks) > 10,
        "url": f"/v1/accounts/{account['id']}/external_accounts",
    }
    if account.get("external_accounts") != listing:
        account["external_accounts"] = listing
        ctx.store.bump()


def get(ctx: Ctx, account: Obj, bank_id: str) -> Obj:
    found = ctx.store.find(bank_id, account["id"])
    if found is None or found.get("object") != "bank_account" or found.get("deleted"):
        raise missing("external_account", bank_id, "id")
    return found


def _owner(ctx: Ctx, account: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    if ctx.private(owner).get("platform"):
        raise invalid("Use the Dashboard to manage the platform's own bank accounts.", "account")
    return owner


@api.post("/v1/accounts/{account}/external_accounts")
def create(ctx: Ctx, params: Params, account: str) -> Obj:
    params.reject_unknown(("external_account", "default_for_currency", "metadata"))
    owner = _owner(ctx, account)
    params.require("external_account")
    spec = parse(ctx, params, "external_account", owner["country"], owner["default_currency"])
    if params.has("metadata"):
        spec["metadata"] = new_metadata(params)
    nested_default = (
        params.child("external_account").flag("default_for_currency")
        if isinstance(params.raw("external_account"), dict)
        else None
    )
    default = bool(params.flag("default_for_currency") or nested_default)
    _check_new(ctx, owner, spec, "external_account")
    bank = add_bank(ctx, owner, spec, default=default, emit=True)
    accounts.refresh(ctx, owner)
    return respond(ctx, bank, params)


@api.get("/v1/accounts/{account}/external_accounts/{id}")
def retrieve(ctx: Ctx, params: Params, account: str, id: str) -> Obj:  # noqa: A002
    return respond(ctx, get(ctx, _owner(ctx, account), id), params)


@api.post("/v1/accounts/{account}/external_accounts/{id}")
def update(ctx: Ctx, params: Params, account: str, id: str) -> Obj:  # noqa: A002
    params.reject_unknown(
        (
            "account_holder_name",
            "account_holder_type",
            "account_type",
            "default_for_currency",
            "documents",
            "metadata",
        )
    )
    owner = _owner(ctx, account)
    bank = get(ctx, owner, id)
    changes: dict[str, Any] = {}
    if params.has("account_holder_name"):
        changes["account_holder_name"] = params.text("account_holder_name")
    if params.has("account_holder_type"):
        changes["account_holder_type"] = params.text(
            "account_holder_type", choices=("company", "individual")
        )
    if params.has("account_type"):
        changes["account_type"] = params.text(
            "account_type", choices=("checking", "futsu", "savings", "toza")
        )
    make_default = params.flag("default_for_currency")
    if make_default is False and bank["default_for_currency"]:
        raise invalid(
            "You cannot unset the default bank account for a currency; make another bank "
            "account the default instead.",
            "default_for_currency",
        )
    metadata = (
        merge_metadata(dict(bank["metadata"]), params.raw("metadata"))
        if params.has("metadata")
        else None
    )
    if make_default and not bank["default_for_currency"]:
        for other in _banks(ctx, owner):
            if other["currency"] == bank["currency"] and other["default_for_currency"]:
                previous_other = ctx.change(other, default_for_currency=False)
                ctx.emit(
                    "account.external_account.updated", other, previous_other, account=owner["id"]
                )
        changes["default_for_currency"] = True
    if metadata is not None:
        changes["metadata"] = metadata
    previous = ctx.change(bank, **changes)
    if previous:
        ctx.emit("account.external_account.updated", bank, previous, account=owner["id"])
        sync_list(ctx, owner)
    return respond(ctx, bank, params)


@api.delete("/v1/accounts/{account}/external_accounts/{id}")
def delete(ctx: Ctx, params: Params, account: str, id: str) -> Obj:  # noqa: A002
    owner = _owner(ctx, account)
    bank = get(ctx, owner, id)
    if bank["default_for_currency"] and bank["currency"] == owner["default_currency"]:
        raise invalid(
            "You cannot delete the default bank account for your default currency. Please make "
            "another bank account the default using the `default_for_currency` param, and then "
            "delete this one.",
            "id",
        )
    gone = _remove(ctx, owner, bank, emit=True)
    accounts.refresh(ctx, owner)
    return gone


@api.get("/v1/accounts/{account}/external_accounts")
def listing(ctx: Ctx, params: Params, account: str) -> Obj:
    owner = _owner(ctx, account)
    kind = params.text("object", choices=("bank_account", "card"))
    found = [] if kind == "card" else _banks(ctx, owner)
    return page(ctx, found, params, f"/v1/accounts/{owner['id']}/external_accounts")
