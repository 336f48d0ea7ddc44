"""The generic control plane under ``/_emulator/``: reset, seed, the clock, webhook delivery
(flush, log, secret rolling, chaos), fault injection, settings and a state dump.

None of this exists on Stripe, and the SDK cannot reach it: tests and scripts call it with
plain HTTP, in JSON or form bodies. Every handler validates its whole body before changing
anything, like the API does.
"""

from __future__ import annotations

import copy
import datetime
from typing import TYPE_CHECKING, Any

from stripe_emulator import delivery
from stripe_emulator.context import Ctx
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params
from stripe_emulator.resources import webhook_endpoints
from stripe_emulator.routing import control
from stripe_emulator.store import Obj

if TYPE_CHECKING:
    from stripe_emulator.server import Emulator

FAULT_KINDS = ("error", "latency", "reset", "hang")
FAULT_METHODS = ("GET", "POST", "DELETE", "*")
SEED_STATES = ("complete", "restricted", "past_due", "rejected")
DEFAULT_CAPABILITIES = {"card_payments": {"requested": True}, "transfers": {"requested": True}}
# Settings the emulator reads, with how to check a new value; others are kept as given.
NUMBER_SETTINGS = ("stripe_fee_percent", "webhook_timeout_seconds")
INTEGER_SETTINGS = ("stripe_fee_fixed", "available_after_days", "dispute_delay_seconds")
FLAG_SETTINGS = ("lenient_capabilities",)


def _emulator(ctx: Ctx) -> Emulator:
    running = delivery.emulator_for(ctx.store)
    if running is None:
        raise StripeError(500, "api_error", "The emulator has not been started.")
    return running


def _number(params: Params, key: str, *, minimum: float = 0.0) -> float | None:
    value = params.raw(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid number: {value}", params.name(key)) from None
    if number < minimum:
        raise invalid(f"This value must be greater than or equal to {minimum:g}.", params.name(key))
    return number


# --- state -------------------------------------------------------------------------------


@control.delete("/_emulator/state")
def reset(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(())
    _emulator(ctx).reset()
    return {"object": "emulator.state", "reset": True, "now": ctx.now()}


@control.get("/_emulator/state")
def state(ctx: Ctx, params: Params) -> Obj:
    dump = copy.deepcopy(ctx.store.dump())
    return {
        "object": "emulator.state",
        "platform": ctx.store.platform,
        "now": ctx.now(),
        **dump,
        "faults": copy.deepcopy(ctx.store.faults),
        "delivery_log": copy.deepcopy(ctx.store.delivery_log),
    }


@control.post("/_emulator/seed")
def seed(ctx: Ctx, params: Params) -> Obj:
    """Accounts (onboarded to ``state``), customers (optionally on a seeded account, by
    index or id) and webhook endpoints in one call; all or nothing."""
    params.reject_unknown(("accounts", "customers", "webhook_endpoints"))
    accounts = [_entry(params, "accounts", i, v) for i, v in enumerate(params.items("accounts"))]
    customers = [_entry(params, "customers", i, v) for i, v in enumerate(params.items("customers"))]
    endpoints = [
        _entry(params, "webhook_endpoints", i, v)
        for i, v in enumerate(params.items("webhook_endpoints"))
    ]
    for spec in accounts:
        spec.text("state", choices=SEED_STATES)
    for spec in endpoints:
        _seed_endpoint_check(spec)
    for spec in customers:
        reference = spec.raw("account")
        if (
            reference is not None
            and not _is_index(reference, len(accounts))
            and not (isinstance(reference, str) and reference.startswith("acct_"))
        ):
            raise invalid(
                f"Invalid account: {reference} (an acct_ id or an index into accounts)",
                spec.name("account"),
            )
    saved = copy.deepcopy(ctx.store.dump())
    try:
        return _seed(ctx, accounts, customers, endpoints)
    except StripeError:
        ctx.store.load(saved)  # all or nothing: a failure half-way leaves the state as it was
        raise


def _entry(params: Params, key: str, position: int, value: Any) -> Params:
    name = f"{key}[{position}]"
    if not isinstance(value, dict):
        raise invalid(f"Invalid object: {name} must be an object.", name)
    return Params(value, name)


def _is_index(value: Any, count: int) -> bool:
    return isinstance(value, int | str) and str(value).isdigit() and int(value) < count


def _seed_endpoint_check(spec: Params) -> None:
    spec.reject_unknown(
        ("url", "secret", "connect", "enabled_events", "description", "metadata", "api_version")
    )
    webhook_endpoints.endpoint_params(spec)
    secret = spec.text("secret")
    if secret is not None and not secret.startswith("whsec_"):
        raise invalid("Invalid secret: it must start with whsec_.", spec.name("secret"))


def _seed(
    ctx: Ctx, accounts: list[Params], customers: list[Params], endpoints: list[Params]
) -> Obj:
    made_accounts: list[Obj] = []
    if accounts:
        from stripe_emulator.resources import accounts as account_module

        for spec in accounts:
            fields = {key: value for key, value in spec.data.items() if key != "state"}
            # a seeded host is meant to take payments: ask for both capabilities by default
            fields.setdefault("capabilities", copy.deepcopy(DEFAULT_CAPABILITIES))
            account = account_module.create_account(ctx, Params(fields, spec.prefix))
            onboarding = spec.text("state") or "complete"
            account = account_module.finish_onboarding(ctx, account, onboarding)
            made_accounts.append({"id": account["id"], "state": onboarding})
    made_customers: list[Obj] = []
    if customers:
        from stripe_emulator.resources import customers as customer_module

        for spec in customers:
            fields = {key: value for key, value in spec.data.items() if key != "account"}
            reference = spec.raw("account")
            owner = ctx.account
            if reference is not None:
                index = _is_index(reference, len(made_accounts))
                owner = made_accounts[int(reference)]["id"] if index else str(reference)
                _require_account(ctx, owner, spec.name("account"))
            on = Ctx(ctx.store, owner, ctx.base_url)
            customer = customer_module.create(on, Params(fields, spec.prefix))
            made_customers.append({"id": customer["id"], "account": owner})
    made_endpoints: list[Obj] = []
    for spec in endpoints:
        url, enabled, version, connect, description, metadata = webhook_endpoints.endpoint_params(
            spec
        )
        endpoint, secret = webhook_endpoints.create_endpoint(
            ctx,
            url,
            enabled or ["*"],
            connect=connect,
            secret=spec.text("secret"),
            api_version=version,
            description=description,
            metadata=metadata,
        )
        made_endpoints.append(
            {"id": endpoint["id"], "url": url, "connect": connect, "secret": secret}
        )
    return {
        "object": "emulator.seed",
        "accounts": made_accounts,
        "customers": made_customers,
        "webhook_endpoints": made_endpoints,
    }


def _require_account(ctx: Ctx, account: str, param: str) -> None:
    found = ctx.store.find(account)
    if found is None or found.get("object") != "account":
        raise invalid(f"No such account: '{account}'", param, code="resource_missing")


# --- clock -------------------------------------------------------------------------------


def _clock(ctx: Ctx) -> Obj:
    now = ctx.now()
    return {
        "object": "emulator.clock",
        "now": now,
        "iso": datetime.datetime.fromtimestamp(now, datetime.UTC).isoformat(),
        "offset": ctx.store.clock.offset,
        "frozen": ctx.store.clock.frozen is not None,
    }


@control.get("/_emulator/clock")
def clock(ctx: Ctx, params: Params) -> Obj:
    return _clock(ctx)


@control.post("/_emulator/clock/advance")
def advance(ctx: Ctx, params: Params) -> Obj:
    """Move the emulator clock forward by ``seconds`` or to the instant ``to`` and run
    every task that came due (expiries, pending funds, renewals, retries)."""
    params.reject_unknown(("seconds", "to"))
    if params.has("seconds") == params.has("to"):
        raise invalid("Provide exactly one of seconds or to.", "seconds")
    seconds = params.integer("seconds", minimum=0)
    target = params.integer("to")
    if target is not None:
        if target < ctx.now():
            raise invalid(
                f"The clock cannot move backwards: to ({target}) is before now ({ctx.now()}).",
                "to",
            )
        seconds = target - ctx.now()
    _emulator(ctx).advance(seconds or 0)
    engine = delivery.engine_for(ctx.store)
    if engine is not None:
        engine.wake.set()
    return _clock(ctx)


# --- webhooks ----------------------------------------------------------------------------


@control.post("/_emulator/webhooks/flush")
def flush(ctx: Ctx, params: Params) -> Obj:
    """Deliver everything queued now and answer once nothing is left to send (the store
    lock is released while waiting, so receivers can call the API back)."""
    params.reject_unknown(("timeout",))
    timeout = _number(params, "timeout") or 10.0
    counts = delivery.flush(_emulator(ctx), timeout)
    return {"object": "emulator.webhook_flush", **counts}


@control.get("/_emulator/webhooks/deliveries")
def deliveries(ctx: Ctx, params: Params) -> Obj:
    """The delivery log (oldest first) and the queue, optionally for one event, endpoint or
    event type."""
    params.reject_unknown(("event", "endpoint", "type", "limit"))
    limit = params.integer("limit", minimum=1) or 1000
    filters = {key: params.text(key) for key in ("event", "endpoint", "type")}

    def wanted(entry: dict[str, Any]) -> bool:
        return all(value is None or entry.get(key) == value for key, value in filters.items())

    log = [entry for entry in ctx.store.delivery_log if wanted(entry)][-limit:]
    queue = [item for item in ctx.store.deliveries if wanted(item)]
    return {
        "object": "list",
        "data": copy.deepcopy(log),
        "queue": copy.deepcopy(queue),
        "url": "/_emulator/webhooks/deliveries",
    }


@control.post("/_emulator/webhook_endpoints/{endpoint}/roll_secret")
def roll_secret(ctx: Ctx, params: Params, endpoint: str) -> Obj:
    params.reject_unknown(("expires_in",))
    expires_in = params.integer("expires_in", minimum=0, maximum=webhook_endpoints.ROLL_GRACE)
    found = webhook_endpoints.get(ctx, endpoint, "endpoint")
    secret = webhook_endpoints.roll_secret(
        ctx, found, webhook_endpoints.ROLL_GRACE if expires_in is None else expires_in
    )
    return {
        "object": "emulator.webhook_secret",
        "id": found["id"],
        "secret": secret,
        "active_secrets": len(webhook_endpoints.active_secrets(ctx, found)),
    }


@control.post("/_emulator/webhook_endpoints/{endpoint}/chaos")
def chaos(ctx: Ctx, params: Params, endpoint: str) -> Obj:
    """Switch chaos on an endpoint: ``duplicate`` (every delivery sent twice), ``shuffle``
    (random order within a batch), ``drop`` (probability of never delivering) and
    ``fail_first`` (that many next attempts fail without being sent)."""
    params.reject_unknown(("duplicate", "shuffle", "drop", "fail_first"))
    found = webhook_endpoints.get(ctx, endpoint, "endpoint")
    changes: dict[str, Any] = {}
    for name in ("duplicate", "shuffle"):
        flag = params.flag(name)
        if flag is not None:
            changes[name] = flag
    drop = _number(params, "drop")
    if drop is not None:
        if drop > 1:
            raise invalid("This value must be less than or equal to 1.", "drop")
        changes["drop"] = drop
    fail_first = params.integer("fail_first", minimum=0)
    if fail_first is not None:
        changes["fail_first"] = fail_first
    current: dict[str, Any] = ctx.private(found).setdefault("chaos", {})
    current.update(changes)
    ctx.store.bump()
    return {"object": "emulator.webhook_chaos", "id": found["id"], **current}


@control.get("/_emulator/webhook_endpoints/{endpoint}/chaos")
def chaos_state(ctx: Ctx, params: Params, endpoint: str) -> Obj:
    found = webhook_endpoints.get(ctx, endpoint, "endpoint")
    current = ctx.private(found).get("chaos") or {}
    return {"object": "emulator.webhook_chaos", "id": found["id"], **current}


# --- faults ------------------------------------------------------------------------------


@control.post("/_emulator/faults")
def add_fault(ctx: Ctx, params: Params) -> Obj:
    """The next ``remaining`` API requests matching ``method`` and the ``path`` glob get
    an error status, latency, a connection reset or no answer, before or after the change
    is applied."""
    params.reject_unknown(
        ("method", "path", "kind", "status", "after_apply", "latency_ms", "hang_ms", "remaining")
    )
    method = (params.text("method") or "*").upper()
    if method not in FAULT_METHODS:
        raise invalid(f"Invalid method: must be one of {', '.join(FAULT_METHODS)}", "method")
    path = params.text("path") or "*"
    if not path.startswith(("/", "*")):
        raise invalid("Invalid path: a glob over request paths, e.g. /v1/customers*", "path")
    kind = params.text("kind", choices=FAULT_KINDS) or "error"
    status = params.integer("status", minimum=400, maximum=599)
    fault: dict[str, Any] = {
        "id": f"fault_{len(ctx.store.faults) + 1}_{ctx.now()}",
        "method": method,
        "path": path,
        "kind": kind,
        "status": status or 500,
        "after_apply": bool(params.flag("after_apply", default=False)),
        "latency_ms": params.integer("latency_ms", minimum=0, maximum=600_000) or 1000,
        "hang_ms": params.integer("hang_ms", minimum=0, maximum=600_000) or 5000,
        "remaining": params.integer("remaining", minimum=1) or 1,
    }
    ctx.store.faults.append(fault)
    return {"object": "emulator.fault", **fault}


@control.get("/_emulator/faults")
def faults(ctx: Ctx, params: Params) -> Obj:
    return {"object": "list", "data": copy.deepcopy(ctx.store.faults), "url": "/_emulator/faults"}


@control.delete("/_emulator/faults")
def clear_faults(ctx: Ctx, params: Params) -> Obj:
    cleared = len(ctx.store.faults)
    ctx.store.faults.clear()
    return {"object": "emulator.faults_cleared", "cleared": cleared}


# --- settings ----------------------------------------------------------------------------


@control.get("/_emulator/settings")
def settings(ctx: Ctx, params: Params) -> Obj:
    return {"object": "emulator.settings", **copy.deepcopy(ctx.store.settings)}


@control.post("/_emulator/settings")
def update_settings(ctx: Ctx, params: Params) -> Obj:
    """Change emulator-wide switches; known ones are checked and converted (form bodies
    send every value as a string), any other key is kept as given for other modules."""
    changes: dict[str, Any] = {}
    for key in params.data:
        if key == "webhook_timeout_seconds":
            changes[key] = _number(params, key, minimum=0.001)
        elif key in NUMBER_SETTINGS:
            changes[key] = _number(params, key)
        elif key in INTEGER_SETTINGS:
            changes[key] = params.integer(key, minimum=0)
        elif key in FLAG_SETTINGS:
            changes[key] = params.flag(key)
        elif key == "webhook_retry_seconds":
            changes[key] = _retry_setting(params)
        else:
            changes[key] = params.raw(key)
    for key, value in changes.items():
        if value is None:
            ctx.store.settings.pop(key, None)  # an empty value restores the default
        else:
            ctx.store.settings[key] = value
    ctx.store.bump()
    return {"object": "emulator.settings", **copy.deepcopy(ctx.store.settings)}


def _retry_setting(params: Params) -> Any:
    raw = params.raw("webhook_retry_seconds")
    if raw in (None, ""):
        return None
    if isinstance(raw, str) and not raw.replace(".", "", 1).isdigit():
        if raw not in delivery.SCHEDULES:
            raise invalid(
                f"Invalid webhook_retry_seconds: a list of seconds or one of "
                f"{', '.join(delivery.SCHEDULES)}",
                "webhook_retry_seconds",
            )
        return raw
    delays: list[float] = []
    for position, value in enumerate(params.items("webhook_retry_seconds")):
        try:
            delay = float(value)
        except (TypeError, ValueError):
            delay = -1.0
        if delay < 0:
            raise invalid(
                f"Invalid number: {value}", f"webhook_retry_seconds[{position}]"
            ) from None
        delays.append(delay)
    return delays
