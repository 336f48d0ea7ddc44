"""Webhook endpoints: ``/v1/webhook_endpoints`` (create, retrieve, update, delete, list) and
their signing secrets.

The secret is shown once, in the creation response; afterwards it lives only in the endpoint's
private record with any rolled-over predecessors (each valid until its ``expires_at`` on the
emulator clock), because every delivery carries one ``v1`` signature per active secret.
``connect`` is not a field of the object either: Stripe keeps it to itself, so does the store.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from stripe_emulator import delivery, ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import deleted, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

ROLL_GRACE = 24 * 3600
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$")

# Every event type an endpoint may subscribe to (the SDK's ``enabled_events`` Literal set for
# 2026-10-28.endive, identical to ``Event.type``); ``*`` is accepted besides.
_EVENT_TYPE_NAMES = """
    account.application.authorized account.application.deauthorized
    account.external_account.created account.external_account.deleted
    account.external_account.updated account.updated application_fee.created
    application_fee.refund.updated application_fee.refunded apps.install.created
    apps.install.deleted apps.install.updated balance.available balance_settings.updated
    billing.alert.triggered billing.credit_balance_transaction.created
    billing.credit_grant.created billing.credit_grant.updated billing.meter.created
    billing.meter.deactivated billing.meter.reactivated billing.meter.updated
    billing_portal.configuration.created billing_portal.configuration.updated
    billing_portal.session.created capability.updated cash_balance.funds_available
    charge.captured charge.dispute.closed charge.dispute.created charge.dispute.funds_reinstated
    charge.dispute.funds_withdrawn charge.dispute.updated charge.expired charge.failed
    charge.pending charge.refund.updated charge.refunded charge.succeeded charge.updated
    checkout.session.async_payment_failed checkout.session.async_payment_succeeded
    checkout.session.completed checkout.session.expired climate.order.canceled
    climate.order.created climate.order.delayed climate.order.delivered
    climate.order.product_substituted climate.product.created climate.product.pricing_updated
    coupon.created coupon.deleted coupon.updated credit_note.created credit_note.updated
    credit_note.voided customer.created customer.deleted customer.discount.created
    customer.discount.deleted customer.discount.updated customer.source.created
    customer.source.deleted customer.source.expiring customer.source.updated
    customer.subscription.created customer.subscription.deleted customer.subscription.paused
    customer.subscription.pending_update_applied customer.subscription.pending_update_expired
    customer.subscription.resumed customer.subscription.trial_will_end
    customer.subscription.updated customer.tax_id.created customer.tax_id.deleted
    customer.tax_id.updated customer.updated customer_cash_balance_transaction.created
    entitlements.active_entitlement_summary.updated file.created
    financial_connections.account.account_numbers_updated financial_connections.account.created
    financial_connections.account.deactivated financial_connections.account.disconnected
    financial_connections.account.expected_deactivation_date_updated
    financial_connections.account.reactivated financial_connections.account.refreshed_balance
    financial_connections.account.refreshed_ownership
    financial_connections.account.refreshed_transactions
    financial_connections.account.supported_payment_method_types_updated
    financial_connections.account.upcoming_account_number_expiry
    financial_connections.account.upcoming_deactivation
    financial_connections.authorization.expected_deactivation_date_updated
    financial_connections.authorization.upcoming_deactivation
    identity.verification_session.canceled identity.verification_session.created
    identity.verification_session.processing identity.verification_session.redacted
    identity.verification_session.requires_input identity.verification_session.verified
    invoice.created invoice.deleted invoice.finalization_failed invoice.finalized
    invoice.marked_uncollectible invoice.overdue invoice.overpaid invoice.paid
    invoice.payment_action_required invoice.payment_attempt_required invoice.payment_failed
    invoice.payment_succeeded invoice.sent invoice.upcoming invoice.updated invoice.voided
    invoice.will_be_due invoice_payment.paid invoiceitem.created invoiceitem.deleted
    issuing_authorization.created issuing_authorization.request issuing_authorization.updated
    issuing_card.created issuing_card.updated issuing_cardholder.created
    issuing_cardholder.updated issuing_dispute.closed issuing_dispute.created
    issuing_dispute.funds_reinstated issuing_dispute.funds_rescinded issuing_dispute.submitted
    issuing_dispute.updated issuing_personalization_design.activated
    issuing_personalization_design.deactivated issuing_personalization_design.rejected
    issuing_personalization_design.updated issuing_token.created issuing_token.updated
    issuing_transaction.created issuing_transaction.purchase_details_receipt_updated
    issuing_transaction.updated mandate.updated payment_intent.amount_capturable_updated
    payment_intent.canceled payment_intent.created payment_intent.partially_funded
    payment_intent.payment_failed payment_intent.processing payment_intent.requires_action
    payment_intent.succeeded payment_link.created payment_link.updated payment_method.attached
    payment_method.automatically_updated payment_method.detached payment_method.updated
    payout.canceled payout.created payout.failed payout.paid payout.reconciliation_completed
    payout.updated person.created person.deleted person.updated plan.created plan.deleted
    plan.updated price.created price.deleted price.updated product.created product.deleted
    product.updated promotion_code.created promotion_code.updated quote.accepted quote.canceled
    quote.created quote.finalized radar.early_fraud_warning.created
    radar.early_fraud_warning.updated refund.created refund.failed refund.updated
    reporting.report_run.failed reporting.report_run.succeeded reporting.report_type.updated
    reserve.hold.created reserve.hold.updated reserve.plan.created reserve.plan.disabled
    reserve.plan.expired reserve.plan.updated reserve.release.created review.closed
    review.opened setup_intent.canceled setup_intent.created setup_intent.requires_action
    setup_intent.setup_failed setup_intent.succeeded sigma.scheduled_query_run.created
    source.canceled source.chargeable source.failed source.mandate_notification
    source.refund_attributes_required source.transaction.created source.transaction.updated
    subscription_schedule.aborted subscription_schedule.canceled subscription_schedule.completed
    subscription_schedule.created subscription_schedule.expiring subscription_schedule.released
    subscription_schedule.updated tax.settings.updated tax_rate.created tax_rate.updated
    terminal.reader.action_failed terminal.reader.action_succeeded
    terminal.reader.action_updated test_helpers.test_clock.advancing
    test_helpers.test_clock.created test_helpers.test_clock.deleted
    test_helpers.test_clock.internal_failure test_helpers.test_clock.ready
    three_d_secure.authentication.canceled three_d_secure.authentication.challenge_started
    three_d_secure.authentication.errored three_d_secure.authentication.failed
    three_d_secure.authentication.requires_challenge
    three_d_secure.authentication.requires_submission three_d_secure.authentication.succeeded
    topup.canceled topup.created topup.failed topup.reversed topup.succeeded transfer.created
    transfer.reversed transfer.updated treasury.credit_reversal.created
    treasury.credit_reversal.posted treasury.debit_reversal.completed
    treasury.debit_reversal.created treasury.debit_reversal.initial_credit_granted
    treasury.financial_account.closed treasury.financial_account.created
    treasury.financial_account.features_status_updated treasury.inbound_transfer.canceled
    treasury.inbound_transfer.created treasury.inbound_transfer.failed
    treasury.inbound_transfer.succeeded treasury.outbound_payment.canceled
    treasury.outbound_payment.created treasury.outbound_payment.expected_arrival_date_updated
    treasury.outbound_payment.failed treasury.outbound_payment.posted
    treasury.outbound_payment.returned treasury.outbound_payment.tracking_details_updated
    treasury.outbound_transfer.canceled treasury.outbound_transfer.created
    treasury.outbound_transfer.expected_arrival_date_updated treasury.outbound_transfer.failed
    treasury.outbound_transfer.posted treasury.outbound_transfer.returned
    treasury.outbound_transfer.tracking_details_updated treasury.received_credit.created
    treasury.received_credit.failed treasury.received_credit.succeeded
    treasury.received_debit.created
"""
EVENT_TYPES = frozenset(_EVENT_TYPE_NAMES.split())


def new_secret() -> str:
    return f"whsec_{ids.token(32)}"


def get(ctx: Ctx, endpoint_id: str | None, param: str | None = "id") -> Obj:
    """The endpoint of this account, or Stripe's 404 (``No such webhook endpoint``)."""
    found = ctx.store.find(endpoint_id or "", ctx.account)
    if found is None or found.get("object") != "webhook_endpoint" or found.get("deleted"):
        raise missing("webhook endpoint", endpoint_id or "", param)
    return found


def active_secrets(ctx: Ctx, endpoint: Obj) -> list[str]:
    """Secrets a delivery is signed with now: the current one and any rolled one still in its
    grace period, newest first."""
    now = ctx.now()
    return [
        entry["secret"]
        for entry in ctx.private(endpoint).get("secrets", [])
        if entry.get("expires_at") is None or entry["expires_at"] > now
    ]


def is_connect(ctx: Ctx, endpoint: Obj) -> bool:
    return bool(ctx.private(endpoint).get("connect"))


def _url(params: Params, *, required: bool) -> str | None:
    value = params.text("url", required=required)
    if value is None:
        return None
    split = urlsplit(value)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise invalid(f"Invalid URL: {value}", params.name("url"), code="url_invalid")
    return value


def _events(params: Params, *, required: bool) -> list[str] | None:
    if not params.has("enabled_events") or params.raw("enabled_events") in ("", None):
        if required:
            params.require("enabled_events")
        return None
    chosen = params.strings("enabled_events")
    if not chosen:
        name = params.name("enabled_events")
        raise invalid(f"Missing required param: {name}.", name)
    for position, name in enumerate(chosen):
        if name != "*" and name not in EVENT_TYPES:
            raise invalid(
                f"Invalid enabled_events[{position}]: {name} is not a valid event type. "
                "See https://docs.stripe.com/api/events/types for the supported types.",
                f"{params.name('enabled_events')}[{position}]",
            )
    return list(dict.fromkeys(chosen))


def build(
    ctx: Ctx,
    url: str,
    enabled_events: list[str],
    *,
    api_version: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": ids.new("we"),
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": ctx.now(),
        "description": description,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": metadata or {},
        "status": "enabled",
        "url": url,
    }


def create_endpoint(
    ctx: Ctx,
    url: str,
    enabled_events: list[str],
    *,
    connect: bool,
    secret: str | None = None,
    api_version: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> tuple[Obj, str]:
    """Store a new endpoint with its private state; returns it and its signing secret."""
    signing = secret or new_secret()
    endpoint = build(
        ctx,
        url,
        enabled_events,
        api_version=api_version,
        description=description,
        metadata=metadata,
    )
    private: dict[str, Any] = {
        "secrets": [{"secret": signing, "expires_at": None}],
        "connect": connect,
        "chaos": {},
    }
    ctx.add(endpoint, private=private)
    return endpoint, signing


def register(ctx: Ctx, url: str, secret: str | None, *, connect: bool) -> str:
    """An endpoint for every event at ``url`` (``--webhook``); returns its secret.

    Registering the same URL again (a restart on a state file) reuses the endpoint instead
    of doubling every delivery; a newly given secret becomes its current one."""
    _url(Params({"url": url}), required=True)
    for endpoint in ctx.store.objects("webhook_endpoint", ctx.account):
        if endpoint["url"] != url or is_connect(ctx, endpoint) != connect:
            continue
        secrets: list[dict[str, Any]] = ctx.private(endpoint)["secrets"]
        if secret is not None and secrets[0]["secret"] != secret:
            secrets.insert(0, {"secret": secret, "expires_at": None})
            for older in secrets[1:]:
                if older.get("expires_at") is None:
                    older["expires_at"] = ctx.now()
            ctx.store.bump()
        current: str = secrets[0]["secret"]
        return current
    _, signing = create_endpoint(ctx, url, ["*"], connect=connect, secret=secret)
    return signing


def roll_secret(ctx: Ctx, endpoint: Obj, expires_in: int = ROLL_GRACE) -> str:
    """A new current secret; the previous ones stay valid for ``expires_in`` seconds of
    emulator time (Stripe allows up to 24 hours)."""
    secrets: list[dict[str, Any]] = ctx.private(endpoint)["secrets"]
    deadline = ctx.now() + expires_in
    for entry in secrets:
        if entry.get("expires_at") is None or entry["expires_at"] > deadline:
            entry["expires_at"] = deadline
    fresh = new_secret()
    secrets.insert(0, {"secret": fresh, "expires_at": None})
    ctx.store.bump()
    return fresh


def endpoint_params(
    params: Params, *, events_required: bool = False
) -> tuple[str, list[str] | None, str | None, bool, str | None, dict[str, str]]:
    """The checked creation parameters: url, enabled_events, api_version, connect,
    description and metadata (also what the control plane's seed takes)."""
    url = _url(params, required=True) or ""
    enabled = _events(params, required=events_required)
    version = params.text("api_version")
    if version is not None and not VERSION_PATTERN.match(version):
        raise invalid(f"Invalid api_version: {version}", params.name("api_version"))
    connect = bool(params.flag("connect", default=False))
    description = params.text("description")
    metadata = new_metadata(params)
    return url, enabled, version, connect, description, metadata


@api.post("/v1/webhook_endpoints")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        ("api_version", "connect", "description", "enabled_events", "metadata", "url")
    )
    url, enabled, version, connect, description, metadata = endpoint_params(
        params, events_required=True
    )
    endpoint, signing = create_endpoint(
        ctx,
        url,
        enabled or [],
        connect=connect,
        api_version=version,
        description=description,
        metadata=metadata,
    )
    shown = respond(ctx, endpoint, params)
    shown["secret"] = signing
    return shown


@api.get("/v1/webhook_endpoints/{webhook_endpoint}")
def retrieve(ctx: Ctx, params: Params, webhook_endpoint: str) -> Obj:
    return respond(ctx, get(ctx, webhook_endpoint), params)


@api.post("/v1/webhook_endpoints/{webhook_endpoint}")
def update(ctx: Ctx, params: Params, webhook_endpoint: str) -> Obj:
    params.reject_unknown(("description", "disabled", "enabled_events", "metadata", "url"))
    endpoint = get(ctx, webhook_endpoint)
    changes: dict[str, Any] = {}
    url = _url(params, required=False) if params.has("url") else None
    if params.has("url") and url is None:
        raise invalid("Missing required param: url.", "url")
    if url is not None:
        changes["url"] = url
    enabled = _events(params, required=False)
    if params.has("enabled_events") and enabled is None:
        raise invalid("Missing required param: enabled_events.", "enabled_events")
    if enabled is not None:
        changes["enabled_events"] = enabled
    if params.has("description"):
        changes["description"] = params.text("description")
    disabled = params.flag("disabled")
    if disabled is not None:
        changes["status"] = "disabled" if disabled else "enabled"
    ctx.metadata(endpoint, params)
    ctx.change(endpoint, **changes)
    if disabled:
        delivery.abandon(ctx.store, endpoint["id"], "endpoint disabled")
    return respond(ctx, endpoint, params)


@api.delete("/v1/webhook_endpoints/{webhook_endpoint}")
def delete(ctx: Ctx, params: Params, webhook_endpoint: str) -> Obj:
    endpoint = get(ctx, webhook_endpoint)
    delivery.abandon(ctx.store, endpoint["id"], "endpoint deleted")
    shown = deleted(endpoint)
    ctx.store.tombstone(endpoint["id"])
    return shown


@api.get("/v1/webhook_endpoints")
def listing(ctx: Ctx, params: Params) -> Obj:
    found = ctx.store.objects("webhook_endpoint", ctx.account)
    return page(ctx, found, params, "/v1/webhook_endpoints")
