"""Connect accounts: create (``type`` or ``controller``), retrieve, update, delete, list,
reject/unreject, the platform's own account (``GET /v1/account``), and the requirement engine
that derives ``requirements``, capabilities and the ``charges_enabled``/``payouts_enabled``
flags from what the account has provided.

Requirements are computed, never stored by hand: every change (an update, a person, a bank
account, onboarding, a deadline passing) calls ``refresh``, which recomputes them and emits
``capability.updated``/``account.updated`` with ``previous_attributes`` for what moved. The
account object is owned by the platform in the store; its events carry ``account``.

Hidden state (``ctx.private(account)``): ``capabilities`` (requested flags), ``submitted``
(details submitted through onboarding), ``extra_due``/``deadline`` (requirements added by the
control plane), ``rejected`` (a ``rejected.*`` reason), ``links`` (account links)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import StripeError, invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj, task

EURO = (
    "EU",
    "RO",
    "AT",
    "BE",
    "CY",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
)
COUNTRY_CURRENCY: dict[str, str] = {
    **dict.fromkeys(EURO, "eur"),
    "US": "usd",
    "GB": "gbp",
    "AE": "aed",
    "CA": "cad",
    "AU": "aud",
    "NZ": "nzd",
    "CH": "chf",
    "JP": "jpy",
    "SG": "sgd",
    "HK": "hkd",
    "MX": "mxn",
    "BR": "brl",
    "IN": "inr",
    "SE": "sek",
    "NO": "nok",
    "DK": "dkk",
    "PL": "pln",
    "CZ": "czk",
    "HU": "huf",
    "RO": "ron",
    "BG": "bgn",
    "TH": "thb",
    "MY": "myr",
    "GI": "gbp",
    "LI": "chf",
}

CAPABILITIES = (
    "acss_debit_payments",
    "affirm_payments",
    "afterpay_clearpay_payments",
    "alma_payments",
    "amazon_pay_payments",
    "app_distribution",
    "au_becs_debit_payments",
    "bacs_debit_payments",
    "bancontact_payments",
    "bank_transfer_payments",
    "billie_payments",
    "bizum_payments",
    "blik_payments",
    "blik_recurring_payments",
    "boleto_payments",
    "card_issuing",
    "card_payments",
    "cartes_bancaires_payments",
    "cashapp_payments",
    "crypto_payments",
    "eps_payments",
    "fpx_payments",
    "gb_bank_transfer_payments",
    "giropay_payments",
    "grabpay_payments",
    "ideal_payments",
    "india_international_payments",
    "jcb_payments",
    "jp_bank_transfer_payments",
    "kakao_pay_payments",
    "klarna_payments",
    "konbini_payments",
    "kr_card_payments",
    "legacy_payments",
    "link_payments",
    "mb_way_payments",
    "mobilepay_payments",
    "multibanco_payments",
    "mx_bank_transfer_payments",
    "naver_pay_payments",
    "nz_bank_account_becs_debit_payments",
    "oxxo_payments",
    "p24_payments",
    "pay_by_bank_payments",
    "payco_payments",
    "paynow_payments",
    "paypay_payments",
    "payto_payments",
    "pix_payments",
    "promptpay_payments",
    "revolut_pay_payments",
    "samsung_pay_payments",
    "satispay_payments",
    "scalapay_payments",
    "sepa_bank_transfer_payments",
    "sepa_debit_payments",
    "sequra_payments",
    "sofort_payments",
    "sunbit_payments",
    "swish_payments",
    "tax_reporting_us_1099_k",
    "tax_reporting_us_1099_misc",
    "transfers",
    "treasury",
    "twint_payments",
    "upi_payments",
    "us_bank_account_ach_payments",
    "us_bank_transfer_payments",
    "wero_payments",
    "zip_payments",
)

BUSINESS_TYPES = ("company", "government_entity", "individual", "non_profit")
COMPANY_TYPES = ("company", "government_entity", "non_profit")
REJECT_REASONS = {
    "fraud": "rejected.fraud",
    "fraud_no_intent_to_fulfill": "rejected.fraud",
    "fraud_other": "rejected.fraud",
    "fraud_payment_method_casher": "rejected.fraud",
    "fraud_payment_method_tester": "rejected.fraud",
    "terms_of_service": "rejected.terms_of_service",
    "credit": "rejected.other",
    "other": "rejected.other",
}
UPDATABLE = (
    "account_token",
    "business_profile",
    "business_type",
    "capabilities",
    "company",
    "default_currency",
    "documents",
    "email",
    "external_account",
    "groups",
    "individual",
    "metadata",
    "settings",
    "tos_acceptance",
)
DEADLINE_TASK = "account_requirements_deadline"
RESTRICTED_GRACE = 7 * 24 * 3600

# Leaves of nested objects whose values are not strings.
INT_KEYS = {"amount", "estimated_worker_count", "day", "month", "year", "date", "monthly_anchor"}
BOOL_KEYS = {
    "authorizer",
    "avs_failure",
    "cvc_failure",
    "debit_negative_balances",
    "director",
    "directors_provided",
    "executive",
    "executives_provided",
    "legal_guardian",
    "owner",
    "owners_provided",
    "representative",
}
LIST_KEYS = {
    "minority_owned_business_designation",
    "full_name_aliases",
    "monthly_payout_days",
    "weekly_payout_days",
    "default_account_tax_ids",
    "ethnicity",
    "race",
}
FLOAT_KEYS = {"percent_ownership"}
TEMPLATES: dict[str, Obj] = {
    "monthly_estimated_revenue": {"amount": None, "currency": None},
    "annual_revenue": {"amount": None, "currency": None, "fiscal_year_end": None},
    "address_kana": {
        **dict.fromkeys(("city", "country", "line1", "line2")),
        "postal_code": None,
        "state": None,
        "town": None,
    },
    "address_kanji": {
        **dict.fromkeys(("city", "country", "line1", "line2")),
        "postal_code": None,
        "state": None,
        "town": None,
    },
    "registration_date": {"day": None, "month": None, "year": None},
    "us_cfpb_data": {
        "ethnicity_details": {"ethnicity": None, "ethnicity_other": None},
        "race_details": {"race": None, "race_other": None},
        "self_identified_gender": None,
    },
}


# --- shapes --------------------------------------------------------------------------------


def address() -> Obj:
    return {
        "city": None,
        "country": None,
        "line1": None,
        "line2": None,
        "postal_code": None,
        "state": None,
    }


def japanese_address() -> Obj:
    return {**address(), "town": None}


def declaration() -> Obj:
    return {"date": None, "ip": None, "user_agent": None}


def document() -> Obj:
    return {"back": None, "details": None, "details_code": None, "front": None}


def requirements(
    currently_due: list[str] | None = None,
    eventually_due: list[str] | None = None,
    past_due: list[str] | None = None,
    disabled_reason: str | None = None,
    current_deadline: int | None = None,
) -> Obj:
    return {
        "alternatives": [],
        "current_deadline": current_deadline,
        "currently_due": currently_due or [],
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": eventually_due or [],
        "past_due": past_due or [],
        "pending_verification": [],
    }


def business_profile() -> Obj:
    return {
        "annual_revenue": None,
        "estimated_worker_count": None,
        "mcc": None,
        "minority_owned_business_designation": None,
        "monthly_estimated_revenue": None,
        "name": None,
        "product_description": None,
        "specified_commercial_transactions_act_url": None,
        "support_address": address(),
        "support_email": None,
        "support_phone": None,
        "support_url": None,
        "url": None,
    }


def company() -> Obj:
    return {
        "address": address(),
        "address_kana": None,
        "address_kanji": None,
        "administrative_address": None,
        "directors_provided": False,
        "directorship_declaration": None,
        "executives_provided": False,
        "export_license_id": None,
        "export_purpose_code": None,
        "name": None,
        "name_kana": None,
        "name_kanji": None,
        "owners_provided": False,
        "ownership_declaration": None,
        "ownership_exemption_reason": None,
        "phone": None,
        "physical_address": None,
        "principal_place_of_business": None,
        "registration_date": None,
        "representative_declaration": None,
        "structure": None,
        "tax_id_provided": False,
        "tax_id_registrar": None,
        "vat_id_provided": False,
        "verification": {"document": document()},
    }


def settings(country: str, display_name: str | None) -> Obj:
    weekly = country in ("JP",)
    return {
        "bacs_debit_payments": {"display_name": None, "service_user_number": None},
        "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
        "card_issuing": {"tos_acceptance": declaration()},
        "card_payments": {
            "decline_on": {"avs_failure": False, "cvc_failure": False},
            "statement_descriptor_prefix": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "dashboard": {"display_name": display_name, "timezone": "Etc/UTC"},
        "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
        "payments": {
            "statement_descriptor": None,
            "statement_descriptor_kana": None,
            "statement_descriptor_kanji": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "payouts": {
            "debit_negative_balances": True,
            "schedule": {
                "delay_days": 4 if weekly else 2,
                "interval": "weekly" if weekly else "daily",
                "monthly_anchor": None,
                "monthly_payout_days": None,
                "weekly_anchor": "friday" if weekly else None,
                "weekly_payout_days": None,
            },
            "statement_descriptor": None,
        },
        "paypay_payments": None,
        "sepa_debit_payments": {"creditor_id": None},
        "treasury": {"tos_acceptance": declaration()},
    }


def controller_for_type(type_: str) -> Obj:
    """What Stripe reports as ``controller`` for accounts created with a legacy ``type``."""
    if type_ == "standard":
        return {
            "fees": {"payer": "account"},
            "is_controller": True,
            "losses": {"payments": "stripe"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "full"},
            "type": "application",
        }
    if type_ == "express":
        return {
            "fees": {"payer": "application_express"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "type": "application",
        }
    return {
        "fees": {"payer": "application_custom"},
        "is_controller": True,
        "losses": {"payments": "application"},
        "requirement_collection": "application",
        "stripe_dashboard": {"type": "none"},
        "type": "application",
    }


def controller_from_params(params: Params) -> Obj:
    """Validate ``controller[…]`` with Stripe's compatibility rules and fill its defaults."""
    params.reject_unknown(("fees", "losses", "requirement_collection", "stripe_dashboard"))
    fees = params.child("fees")
    fees.reject_unknown(("payer",))
    losses = params.child("losses")
    losses.reject_unknown(("payments",))
    dashboard = params.child("stripe_dashboard")
    dashboard.reject_unknown(("type",))
    payer = fees.text("payer", choices=("account", "application")) or "account"
    liable = losses.text("payments", choices=("application", "stripe")) or "stripe"
    collection = params.text("requirement_collection", choices=("application", "stripe"))
    collection = collection or "stripe"
    board = dashboard.text("type", choices=("express", "full", "none")) or "full"
    if liable == "application" and payer != "application":
        raise invalid(
            "Setting `controller[losses][payments]=application` requires "
            "`controller[fees][payer]=application`.",
            "controller[fees][payer]",
        )
    if collection == "application" and board != "none":
        raise invalid(
            "`controller[requirement_collection]=application` is only supported with "
            "`controller[stripe_dashboard][type]=none`.",
            "controller[stripe_dashboard][type]",
        )
    if collection == "application" and liable != "application":
        raise invalid(
            "`controller[requirement_collection]=application` requires "
            "`controller[losses][payments]=application`.",
            "controller[losses][payments]",
        )
    if board == "express" and liable != "application":
        raise invalid(
            "The Express Dashboard requires `controller[losses][payments]=application`.",
            "controller[losses][payments]",
        )
    return {
        "fees": {"payer": payer},
        "is_controller": True,
        "losses": {"payments": liable},
        "requirement_collection": collection,
        "stripe_dashboard": {"type": board},
        "type": "application",
    }


def type_of(controller: Obj) -> str:
    """The legacy ``type`` Stripe derives from controller properties (``none`` otherwise)."""
    board = controller["stripe_dashboard"]["type"]
    collection = controller["requirement_collection"]
    liable = controller["losses"]["payments"]
    payer = controller["fees"]["payer"]
    if board == "full" and collection == "stripe" and liable == "stripe" and payer == "account":
        return "standard"
    if board == "express" and collection == "stripe" and liable == "application":
        return "express"
    if board == "none" and collection == "application" and liable == "application":
        return "custom"
    return "none"


def country_of(params: Params, key: str = "country") -> str:
    country = (params.text(key) or "US").upper()
    if country not in COUNTRY_CURRENCY:
        raise invalid(
            f"Country '{country}' is unknown. Try using a 2-character alphanumeric country code "
            "instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at "
            "https://stripe.com/docs/api#country_codes",
            params.name(key),
        )
    return country


def currency_of(params: Params, country: str) -> str:
    currency = params.text("default_currency")
    if currency is None:
        return COUNTRY_CURRENCY[country]
    currency = currency.lower()
    allowed = {COUNTRY_CURRENCY[country], "usd", "eur", "gbp"}
    if currency not in allowed:
        raise invalid(
            f"{currency} is not a supported default currency for accounts in {country}. "
            f"Supported currencies are: {', '.join(sorted(allowed))}.",
            "default_currency",
        )
    return currency


# --- generic nested updates ----------------------------------------------------------------

Special = Callable[[Obj, Params, str], None]


def merge(node: Obj, params: Params, special: dict[str, Special] | None = None) -> Obj:
    """Apply a nested parameter hash onto a copy of ``node``: unknown keys are Stripe's 400
    naming the parameter; ``""`` unsets. Returns the new value (``node`` is untouched), so a
    bad parameter changes nothing."""
    result = copy.deepcopy(node)
    for key in list(params.data):
        if special and key in special:
            special[key](result, params, key)
            continue
        if key not in result:
            raise invalid(f"Received unknown parameter: {params.name(key)}", params.name(key))
        raw = params.raw(key)
        current = result[key]
        if isinstance(raw, dict) or (isinstance(current, dict) and raw != ""):
            base = current if isinstance(current, dict) else TEMPLATES.get(key)
            if base is None:
                base = address() if "address" in key else declaration()
            result[key] = merge(base, params.child(key), special)
        elif isinstance(current, dict):
            result[key] = dict.fromkeys(current)
        else:
            result[key] = leaf(params, key)
    return result


def leaf(params: Params, key: str) -> Any:
    if key in INT_KEYS:
        return params.integer(key)
    if key in BOOL_KEYS:
        return params.flag(key)
    if key in LIST_KEYS:
        return params.strings(key) or None
    if key in FLOAT_KEYS:
        text = params.text(key)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            raise invalid(f"Invalid decimal: {text}", params.name(key)) from None
    return params.text(key)


def _provided_flag(target: str) -> Special:
    def apply(node: Obj, params: Params, key: str) -> None:
        node[target] = params.text(key) is not None or bool(node.get(target))

    return apply


def _ignored(node: Obj, params: Params, key: str) -> None:
    params.raw(key)


COMPANY_SPECIAL: dict[str, Special] = {
    "tax_id": _provided_flag("tax_id_provided"),
    "vat_id": _provided_flag("vat_id_provided"),
    "registration_number": _ignored,
}


# --- lookups --------------------------------------------------------------------------------


def no_access(account_id: str) -> StripeError:
    return StripeError(
        403,
        "invalid_request_error",
        f"The provided key does not have access to account '{account_id}' (or that account "
        "does not exist). Application access may have been revoked.",
        code="account_invalid",
    )


def lookup(ctx: Ctx, account_id: str) -> Obj:
    """The account a path names: a connected account of the platform, or the requesting
    connected account itself (``Stripe-Account``); anything else is Stripe's 403."""
    if not ctx.on_platform and account_id != ctx.account:
        raise no_access(account_id)
    if account_id == ctx.store.platform:
        return platform_account(ctx)
    found = ctx.store.find(account_id, ctx.store.platform)
    if found is None or found.get("object") != "account" or found.get("deleted"):
        raise no_access(account_id)
    return found


def platform_account(ctx: Ctx) -> Obj:
    """The platform's own account, created the first time anyone asks for it."""
    platform = ctx.store.platform
    found = ctx.store.find(platform)
    if found is not None:
        return found
    obj = build(ctx, Params({}), platform, controller={"type": "account"}, type_="standard")
    obj.update(
        {
            "business_profile": {
                **business_profile(),
                "mcc": "7011",
                "name": "Emulator Platform",
                "url": "https://platform.example.com",
            },
            "business_type": "company",
            "capabilities": {"card_payments": "active", "transfers": "active"},
            "charges_enabled": True,
            "details_submitted": True,
            "email": "platform@example.com",
            "payouts_enabled": True,
        }
    )
    obj["settings"]["dashboard"]["display_name"] = "Emulator Platform"
    obj["controller"] = {
        "fees": None,
        "is_controller": None,
        "losses": None,
        "requirement_collection": None,
        "stripe_dashboard": None,
        "type": "account",
    }
    private = {"platform": True, "capabilities": {}, "links": {}}
    return ctx.store.add(obj, platform, private)


def payee(ctx: Ctx, account_id: str, *, param: str, capability: str) -> Obj:
    """The connected account money is sent to or settled for (``transfer_data[destination]``,
    ``on_behalf_of``, a transfer's ``destination``); Stripe's 400 naming ``param`` if it does
    not exist or ``capability`` is not active (unless ``lenient_capabilities``)."""
    found = ctx.store.find(account_id or "", ctx.store.platform)
    if (
        not account_id
        or account_id == ctx.store.platform
        or found is None
        or found.get("object") != "account"
        or found.get("deleted")
    ):
        noun = (
            "destination" if param.endswith("destination]") or param == "destination" else "account"
        )
        raise invalid(f"No such {noun}: '{account_id}'", param, code="resource_missing")
    if ctx.store.settings.get("lenient_capabilities"):
        return found
    status = (found.get("capabilities") or {}).get(capability)
    if status != "active":
        if capability == "transfers":
            raise invalid(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param,
                code="insufficient_capabilities_for_transfer",
            )
        raise invalid(
            f"The account {account_id} needs to have at least one of the following "
            f"capabilities enabled: {capability}, legacy_payments",
            param,
            code="capability_not_active",
        )
    return found


# --- building and creating ------------------------------------------------------------------


def build(
    ctx: Ctx,
    params: Params,
    account_id: str,
    *,
    controller: Obj,
    type_: str,
) -> Obj:
    country = country_of(params)
    profile = merge(business_profile(), params.child("business_profile"))
    business_type = params.text("business_type", choices=BUSINESS_TYPES)
    company_obj = None
    if business_type in COMPANY_TYPES or params.has("company"):
        company_obj = merge(company(), params.child("company"), COMPANY_SPECIAL)
    tos = merge(
        {"date": None, "ip": None, "service_agreement": None, "user_agent": None},
        params.child("tos_acceptance"),
    )
    if tos["service_agreement"] is not None and tos["service_agreement"] not in (
        "full",
        "recipient",
    ):
        raise invalid(
            "Invalid tos_acceptance[service_agreement]: must be one of full, recipient",
            "tos_acceptance[service_agreement]",
        )
    if any(tos[name] is not None for name in ("date", "ip", "user_agent")):
        _check_tos_allowed(controller)
    tos["service_agreement"] = tos["service_agreement"] or (
        "full" if type_ != "none" or controller.get("type") == "application" else None
    )
    settings_obj = merge(settings(country, profile["name"]), params.child("settings"))
    groups = params.child("groups")
    groups.reject_unknown(("payments_pricing",))
    return {
        "id": account_id,
        "object": "account",
        "business_profile": profile,
        "business_type": business_type,
        "capabilities": {},
        "charges_enabled": False,
        "company": company_obj,
        "controller": controller,
        "country": country,
        "created": ctx.now(),
        "default_currency": currency_of(params, country),
        "details_submitted": False,
        "email": params.text("email"),
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": requirements(),
        "groups": {"payments_pricing": groups.text("payments_pricing")},
        "individual": None,
        "metadata": new_metadata(params),
        "payouts_enabled": False,
        "requirements": requirements(),
        "settings": settings_obj,
        "tos_acceptance": tos,
        "type": type_,
    }


def _check_tos_allowed(controller: Obj) -> None:
    if controller.get("requirement_collection") == "stripe":
        raise invalid(
            "You cannot accept the Terms of Service on behalf of accounts where "
            "`controller[requirement_collection]=stripe`, which includes Standard and Express "
            "accounts.",
            "tos_acceptance",
        )


def check_token(params: Params) -> None:
    """Account tokens (``ct_``) are made client-side with a publishable key, which the
    emulator refuses, so no token can exist: any ``account_token`` is Stripe's 404."""
    token = params.text("account_token")
    if token is None:
        return
    raise missing("token", token, "account_token")


def requested_capabilities(params: Params) -> dict[str, bool]:
    """``capabilities[card_payments][requested]=true`` → ``{"card_payments": True}``."""
    caps = params.child("capabilities")
    wanted: dict[str, bool] = {}
    for name in list(caps.data):
        if name not in CAPABILITIES:
            raise invalid(f"Received unknown parameter: {caps.name(name)}", caps.name(name))
        entry = caps.child(name)
        entry.reject_unknown(("requested",))
        flag = entry.flag("requested")
        if flag is not None:
            wanted[name] = flag
    return wanted


def create_account(ctx: Ctx, params: Params) -> Obj:
    """What ``POST /v1/accounts`` does; returns the stored account."""
    if not ctx.on_platform:
        raise StripeError(
            400,
            "invalid_request_error",
            "Connected accounts cannot create other accounts: make this request as the "
            "platform (without the Stripe-Account header).",
            code="platform_account_required",
        )
    params.reject_unknown((*UPDATABLE, "controller", "country", "type"))
    if params.has("type") and params.has("controller"):
        raise invalid(
            "You may only specify one of these parameters: controller, type.", "controller"
        )
    type_param = params.text("type", choices=("custom", "express", "standard"))
    if params.has("controller"):
        controller = controller_from_params(params.child("controller"))
        type_ = type_of(controller)
    else:
        type_ = type_param or "standard"
        controller = controller_for_type(type_)
    check_token(params)
    wanted = requested_capabilities(params)
    if type_ == "standard":
        wanted = {"card_payments": True, "transfers": True, **wanted}
    account_id = f"acct_1{ids.token(15)}"
    obj = build(ctx, params, account_id, controller=controller, type_=type_)
    from stripe_emulator.resources import external_accounts, persons

    bank_spec = (
        external_accounts.parse(
            ctx, params, "external_account", obj["country"], obj["default_currency"]
        )
        if params.raw("external_account") not in (None, "")
        else None
    )
    individual_params = params.child("individual")
    if params.has("individual") and obj["business_type"] not in (None, "individual"):
        raise invalid(
            "You cannot provide `individual` for an account whose business_type is "
            f"{obj['business_type']}.",
            "individual",
        )
    individual = None
    if obj["business_type"] == "individual" or params.has("individual"):
        individual = persons.build(ctx, account_id, individual_params, representative=True)
    now = ctx.now()
    private: dict[str, Any] = {
        "capabilities": {
            name: {"requested": flag, "requested_at": now if flag else None}
            for name, flag in wanted.items()
        },
        "submitted": False,
        "extra_due": [],
        "deadline": None,
        "rejected": None,
        "links": {},
        "cap_seen": {},
    }
    ctx.store.add(obj, ctx.store.platform, private)
    if individual is not None:
        ctx.store.add(individual, account_id, {})
        private["individual"] = individual["id"]
        obj["individual"] = copy.deepcopy(individual)
    if bank_spec is not None:
        external_accounts.add_bank(ctx, obj, bank_spec, default=True, emit=False)
    refresh(ctx, obj, emit=False)
    return obj


# --- the requirement engine -----------------------------------------------------------------


def _dig(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


PERSON_ALIASES = {
    "ssn_last_4": "ssn_last_4_provided",
    "id_number": "id_number_provided",
    "verification.document": "verification.document.front",
}
COMPANY_ALIASES = {
    "tax_id": "tax_id_provided",
    "verification.document": "verification.document.front",
}


def person_has(person: Obj | None, path: str) -> bool:
    return bool(_dig(person, PERSON_ALIASES.get(path, path)))


def fields_for(account: Obj) -> tuple[list[str], list[str]]:
    """(fields needed before the account can be enabled, fields needed later)."""
    us = account["country"] == "US"
    common = [
        "business_profile.mcc",
        "business_profile.url",
        "external_account",
        "tos_acceptance.date",
        "tos_acceptance.ip",
    ]
    address_fields = ["address.city", "address.line1", "address.postal_code"]
    if us:
        address_fields.append("address.state")
    person_fields = [
        *address_fields,
        "dob.day",
        "dob.month",
        "dob.year",
        "email",
        "first_name",
        "last_name",
        "phone",
        *(["ssn_last_4"] if us else []),
    ]
    business_type = account["business_type"]
    if business_type is None:
        now = ["business_type", *common, "representative.first_name", "representative.last_name"]
        return now, []
    if business_type == "individual":
        now = [*common, *(f"individual.{name}" for name in person_fields)]
        return now, (["individual.id_number"] if us else [])
    now = [
        *common,
        *(f"company.{name}" for name in address_fields),
        "company.name",
        "company.owners_provided",
        "company.phone",
        "company.tax_id",
        *(f"representative.{name}" for name in person_fields),
        "representative.relationship.title",
    ]
    return now, []


def provided(ctx: Ctx, account: Obj, field: str) -> bool:
    head, _, rest = field.partition(".")
    if field == "external_account":
        return bool(ctx.store.objects("bank_account", account["id"]))
    if head == "individual":
        return person_has(account.get("individual"), rest)
    if head == "representative":
        return any(
            person_has(person, rest)
            for person in ctx.store.objects("person", account["id"])
            if (person.get("relationship") or {}).get("representative")
        )
    if head == "company":
        return bool(_dig(account.get("company"), COMPANY_ALIASES.get(rest, rest)))
    return bool(_dig(account, field))


def compute(ctx: Ctx, account: Obj) -> Obj:
    """The account's derived state: requirements, capability statuses and flags."""
    private = ctx.private(account)
    caps = {n: c for n, c in private.get("capabilities", {}).items() if c["requested"]}
    rejected = private.get("rejected")
    now_fields, later_fields = fields_for(account)
    missing_now = sorted(f for f in now_fields if not provided(ctx, account, f))
    missing_later = sorted(f for f in later_fields if not provided(ctx, account, f))
    extra = sorted(f for f in private.get("extra_due", []) if not provided(ctx, account, f))
    deadline = private.get("deadline") if extra else None
    extra_past = bool(extra) and (deadline is None or deadline <= ctx.now())
    collection = account["controller"].get("requirement_collection")
    submitted = bool(private.get("submitted")) or (collection == "application" and not missing_now)
    if rejected:
        reqs = requirements(disabled_reason=rejected)
        status = "inactive"
    else:
        currently = sorted({*missing_now, *extra}) if caps else []
        past = sorted({*missing_now, *(extra if extra_past else [])}) if caps else []
        eventually = sorted({*currently, *missing_later}) if caps else []
        reason = None
        if not caps:
            reason = "action_required.requested_capabilities"
        elif past:
            reason = "requirements.past_due"
        reqs = requirements(
            currently, eventually, past, reason, None if extra_past or not extra else deadline
        )
        status = "active" if caps and submitted and not past else "inactive"
    statuses = dict.fromkeys(caps, status)
    charges = any(
        s == "active" and (n.endswith("_payments") or n == "card_payments")
        for n, s in statuses.items()
    )
    has_bank = provided(ctx, account, "external_account")
    payouts = (charges or statuses.get("transfers") == "active") and has_bank and not extra
    return {
        "capabilities": statuses,
        "charges_enabled": charges,
        "details_submitted": submitted,
        "payouts_enabled": payouts,
        "requirements": reqs,
    }


def refresh(
    ctx: Ctx, account: Obj, previous: dict[str, Any] | None = None, *, emit: bool = True
) -> dict[str, Any]:
    """Recompute the derived state; emit ``capability.updated`` for each capability whose
    status moved and ``account.updated`` (with ``previous`` plus what moved here)."""
    from stripe_emulator.resources import capabilities, external_accounts

    private = ctx.private(account)
    if private.get("platform"):
        return previous or {}
    external_accounts.sync_list(ctx, account)
    changes = ctx.change(account, **compute(ctx, account))
    merged = {**(previous or {}), **changes}
    seen: dict[str, Any] = private.setdefault("cap_seen", {})
    for name in private.get("capabilities", {}):
        cap = capabilities.build(ctx, account, name)
        state = [cap["status"], cap["requested"], cap["requirements"]]
        old = seen.get(name)
        if old != state:
            seen[name] = copy.deepcopy(state)
            if emit:
                before = {}
                if old is not None:
                    for position, key in enumerate(("status", "requested", "requirements")):
                        if old[position] != state[position]:
                            before[key] = old[position]
                ctx.emit("capability.updated", cap, before or None, account=account["id"])
    if emit and merged:
        ctx.emit("account.updated", account, merged, account=account["id"])
    return merged


def schedule_deadline(ctx: Ctx, account: Obj) -> None:
    deadline = ctx.private(account).get("deadline")
    ctx.store.cancel_tasks(DEADLINE_TASK, id=account["id"])
    if deadline is not None and deadline > ctx.now():
        ctx.store.schedule(deadline, DEADLINE_TASK, id=account["id"], account=ctx.store.platform)


@task(DEADLINE_TASK)
def deadline_passed(ctx: Ctx, args: dict[str, Any]) -> None:
    """Requirements not provided by their deadline become past due: the account is disabled."""
    account = ctx.store.find(args["id"])
    if account is not None and account.get("object") == "account" and not account.get("deleted"):
        refresh(ctx.automatic(), account)


# --- onboarding outcomes --------------------------------------------------------------------


def fill_details(ctx: Ctx, account: Obj) -> dict[str, Any]:
    """What a person finishing Stripe's hosted onboarding provides (Stripe's test values:
    DOB 1901-01-01, address ``address_full_match``, SSN 0000), plus a payout bank account."""
    from stripe_emulator.resources import external_accounts, persons

    previous: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if account["business_type"] is None:
        changes["business_type"] = "individual"
    profile = dict(account["business_profile"])
    profile["mcc"] = profile["mcc"] or "7011"
    profile["url"] = profile["url"] or f"https://{account['id'].lower()}.example.com"
    profile["product_description"] = profile["product_description"] or "Holiday rentals"
    changes["business_profile"] = profile
    if account["tos_acceptance"]["date"] is None:
        changes["tos_acceptance"] = {
            **account["tos_acceptance"],
            "date": ctx.now(),
            "ip": "127.0.0.1",
            "user_agent": "Mozilla/5.0 (Stripe emulator onboarding)",
        }
    previous.update(ctx.change(account, **changes))
    person_values = persons.TEST_VALUES
    address_values = persons.test_address(account["country"])
    if account["business_type"] == "individual":
        before = copy.deepcopy(account.get("individual"))
        persons.ensure(ctx, account, person_values, address_values, individual=True)
        if account.get("individual") != before:
            previous["individual"] = before
    else:
        filled = account["company"] or company()
        filled = {
            **filled,
            "address": {k: filled["address"].get(k) or address_values.get(k) for k in address()},
            "name": filled["name"] or "Emulator Test Company",
            "owners_provided": True,
            "phone": filled["phone"] or "+10000000000",
            "tax_id_provided": True,
        }
        previous.update(ctx.change(account, company=filled))
        persons.ensure(ctx, account, person_values, address_values, individual=False)
    if not ctx.store.objects("bank_account", account["id"]):
        spec = external_accounts.test_bank(account["country"], account["default_currency"])
        external_accounts.add_bank(ctx, account, spec, default=True, emit=True)
    private = ctx.private(account)
    private["submitted"] = True
    private["extra_due"] = []
    private["deadline"] = None
    private["rejected"] = None
    return previous


def verification_field(account: Obj) -> str:
    if account["business_type"] == "individual":
        return "individual.verification.document"
    return "representative.verification.document"


def finish_onboarding(ctx: Ctx, account: Obj, state: str) -> Obj:
    """Force an onboarding outcome: ``complete`` (everything provided, enabled),
    ``restricted`` (a new document requirement due in 7 days; payouts paused),
    ``past_due`` (that requirement past due: charges and payouts disabled) or ``rejected``
    (``rejected.other``)."""
    if state not in ("complete", "restricted", "past_due", "rejected"):
        raise invalid(
            "Invalid state: must be one of complete, restricted, past_due, rejected", "state"
        )
    private = ctx.private(account)
    if private.get("platform"):
        raise invalid("The platform's own account has no onboarding.", "account")
    if state == "rejected":
        private["rejected"] = "rejected.other"
        previous: dict[str, Any] = {}
    else:
        previous = fill_details(ctx, account)
        if state in ("restricted", "past_due"):
            from stripe_emulator.resources import persons

            private["extra_due"] = [verification_field(account)]
            previous.update(persons.require_document(ctx, account))
            private["deadline"] = ctx.now() + RESTRICTED_GRACE if state == "restricted" else None
    schedule_deadline(ctx, account)
    refresh(ctx, account, previous)
    return account


# --- handlers -------------------------------------------------------------------------------


@api.post("/v1/accounts")
def create(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, create_account(ctx, params), params)


@api.get("/v1/account")
def retrieve_current(ctx: Ctx, params: Params) -> Obj:
    return respond(ctx, lookup(ctx, ctx.account), params)


@api.get("/v1/accounts/{account}")
def retrieve(ctx: Ctx, params: Params, account: str) -> Obj:
    return respond(ctx, lookup(ctx, account), params)


@api.post("/v1/accounts/{account}")
def update(ctx: Ctx, params: Params, account: str) -> Obj:
    params.reject_unknown(UPDATABLE)
    obj = lookup(ctx, account)
    private = ctx.private(obj)
    if private.get("platform"):
        raise invalid("You cannot update the platform account through this endpoint.", None)
    from stripe_emulator.resources import external_accounts, persons

    changes: dict[str, Any] = {}
    if params.has("email"):
        changes["email"] = params.text("email")
    if params.has("business_type"):
        business_type = params.text("business_type", choices=BUSINESS_TYPES)
        if (
            obj["details_submitted"]
            and obj["controller"].get("requirement_collection") == "stripe"
            and business_type != obj["business_type"]
        ):
            raise invalid(
                "You cannot change `business_type` via API once an account has been onboarded "
                "by Stripe; the account holder updates it in their Dashboard.",
                "business_type",
            )
        changes["business_type"] = business_type
    business_type = changes.get("business_type", obj["business_type"])
    if params.has("business_profile"):
        changes["business_profile"] = merge(
            obj["business_profile"], params.child("business_profile")
        )
    if params.has("company") or (business_type in COMPANY_TYPES and obj["company"] is None):
        changes["company"] = merge(
            obj["company"] or company(), params.child("company"), COMPANY_SPECIAL
        )
    if params.has("tos_acceptance"):
        _check_tos_allowed(obj["controller"])
        changes["tos_acceptance"] = merge(obj["tos_acceptance"], params.child("tos_acceptance"))
    if params.has("settings"):
        changes["settings"] = merge(obj["settings"], params.child("settings"))
    if params.has("default_currency"):
        changes["default_currency"] = currency_of(params, obj["country"])
    if params.has("groups"):
        groups = params.child("groups")
        groups.reject_unknown(("payments_pricing",))
        changes["groups"] = {"payments_pricing": groups.text("payments_pricing")}
    check_token(params)
    wanted = requested_capabilities(params)
    if params.has("individual") and business_type not in (None, "individual"):
        raise invalid(
            "You cannot provide `individual` for an account whose business_type is "
            f"{business_type}.",
            "individual",
        )
    individual_id = private.get("individual")
    individual_update = None
    if params.has("individual") or (business_type == "individual" and individual_id is None):
        if individual_id is not None:
            person = ctx.store.find(individual_id)
            if person is not None:
                individual_update = persons.updated(person, params.child("individual"))
        else:
            individual_update = persons.build(
                ctx, obj["id"], params.child("individual"), representative=True
            )
    bank_spec = None
    if params.raw("external_account") not in (None, ""):
        bank_spec = external_accounts.parse(
            ctx,
            params,
            "external_account",
            obj["country"],
            str(changes.get("default_currency") or obj["default_currency"]),
        )
    # Everything is valid: apply.
    previous = ctx.metadata(obj, params)
    previous.update(ctx.change(obj, **changes))
    if wanted:
        previous.update(_request(ctx, obj, wanted))
    if individual_update is not None:
        before = copy.deepcopy(obj.get("individual"))
        if individual_id is None:
            ctx.store.add(individual_update, obj["id"], {})
            private["individual"] = individual_update["id"]
            ctx.emit("person.created", individual_update, account=obj["id"])
        else:
            person = ctx.store.find(individual_id)
            if person is not None:
                person_previous = ctx.change(person, **individual_update)
                if person_previous:
                    ctx.emit("person.updated", person, person_previous, account=obj["id"])
        persons.sync_individual(ctx, obj)
        if obj.get("individual") != before:
            previous["individual"] = before
    if bank_spec is not None:
        external_accounts.add_bank(ctx, obj, bank_spec, default=True, emit=True, replace=True)
    refresh(ctx, obj, previous)
    return respond(ctx, obj, params)


def _request(ctx: Ctx, account: Obj, wanted: dict[str, bool]) -> dict[str, Any]:
    """Mark capabilities requested/unrequested (the status follows in ``refresh``)."""
    caps = ctx.private(account).setdefault("capabilities", {})
    for name, flag in wanted.items():
        entry = caps.setdefault(name, {"requested": False, "requested_at": None})
        if flag and not entry["requested"]:
            entry.update(requested=True, requested_at=ctx.now())
        elif not flag and entry["requested"]:
            entry.update(requested=False, requested_at=None)
    ctx.store.bump()
    return {}


@api.delete("/v1/accounts/{account}")
def delete(ctx: Ctx, params: Params, account: str) -> Obj:
    obj = lookup(ctx, account)
    if not ctx.on_platform or ctx.private(obj).get("platform"):
        raise invalid("You cannot delete your own account through the API.", "account")
    ctx.store.cancel_tasks(DEADLINE_TASK, id=obj["id"])
    ctx.store.remove(obj["id"])
    return {"id": obj["id"], "object": "account", "deleted": True}


@api.get("/v1/accounts")
def listing(ctx: Ctx, params: Params) -> Obj:
    if not ctx.on_platform:
        return page(ctx, [], params, "/v1/accounts")
    created = created_filter(params)
    found = ctx.store.objects(
        "account",
        ctx.store.platform,
        lambda a: a["id"] != ctx.store.platform and bool(created(a)),
    )
    return page(ctx, found, params, "/v1/accounts")


@api.post("/v1/accounts/{account}/reject")
def reject(ctx: Ctx, params: Params, account: str) -> Obj:
    params.reject_unknown(("reason", "payouts_action"))
    reason = params.text("reason", required=True, choices=tuple(REJECT_REASONS)) or "other"
    params.text("payouts_action", choices=("none", "pause"))
    obj = lookup(ctx, account)
    if not ctx.on_platform or ctx.private(obj).get("platform"):
        raise invalid("Only a platform can reject its connected accounts.", "account")
    ctx.private(obj)["rejected"] = REJECT_REASONS[reason]
    refresh(ctx, obj)
    return respond(ctx, obj, params)


@api.post("/v1/accounts/{account}/unreject")
def unreject(ctx: Ctx, params: Params, account: str) -> Obj:
    params.reject_unknown(())
    obj = lookup(ctx, account)
    private = ctx.private(obj)
    if not ctx.on_platform or private.get("platform"):
        raise invalid("Only a platform can unreject its connected accounts.", "account")
    if not private.get("rejected"):
        raise invalid("This account is not rejected.", "account")
    private["rejected"] = None
    refresh(ctx, obj)
    return respond(ctx, obj, params)
