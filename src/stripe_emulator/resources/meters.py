"""Billing meters and meter events: what metered prices bill.

Meter events carry no id and cannot be listed in Stripe, so they are kept in the private
state of every meter listening to their ``event_name``; ``usage`` aggregates them for a
customer and period (``sum``, ``count`` or ``last``) when a renewal invoice is built, and
``event_summaries`` shows the same numbers. ``identifier`` is unique for 24 hours and
``timestamp`` must lie within the past 35 days or 5 minutes ahead (on the customer's test
clock when it has one)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

KIND = "billing.meter"
DEDUP_SECONDS = 24 * 3600
PAST_LIMIT = 35 * 86400
FUTURE_LIMIT = 5 * 60
WINDOWS = {"hour": 3600, "day": 86400}


def get(ctx: Ctx, meter_id: str | None, param: str = "id") -> Obj:
    return ctx.get(meter_id, KIND, param)


def _key(params: Params, key: str, default: str) -> str:
    value = params.text(key, max_length=100)
    return value or default


@api.post("/v1/billing/meters")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        (
            "display_name",
            "event_name",
            "default_aggregation",
            "customer_mapping",
            "value_settings",
            "event_time_window",
        )
    )
    display_name = params.text("display_name", required=True, max_length=250) or ""
    event_name = params.text("event_name", required=True, max_length=100) or ""
    params.require("default_aggregation")
    aggregation = params.child("default_aggregation")
    formula = aggregation.text("formula", required=True, choices=("count", "last", "sum"))
    mapping = params.child("customer_mapping")
    if mapping.data:
        mapping.require("event_payload_key")
        mapping.text("type", required=True, choices=("by_id",))
    value_settings = params.child("value_settings")
    if value_settings.data:
        value_settings.require("event_payload_key")
    window = params.text("event_time_window", choices=("day", "hour"))
    for meter in ctx.store.objects(KIND, ctx.account):
        if meter["event_name"] == event_name and meter["status"] == "active":
            raise invalid(
                f"An active meter with event name `{event_name}` already exists (`{meter['id']}`).",
                "event_name",
            )
    now = ctx.now()
    meter = {
        "id": ids.new("mtr_test", 24),
        "object": KIND,
        "created": now,
        "customer_mapping": {
            "event_payload_key": _key(mapping, "event_payload_key", "stripe_customer_id"),
            "type": "by_id",
        },
        "default_aggregation": {"formula": formula},
        "display_name": display_name,
        "event_name": event_name,
        "event_time_window": window,
        "livemode": False,
        "status": "active",
        "status_transitions": {"deactivated_at": None},
        "updated": now,
        "value_settings": {"event_payload_key": _key(value_settings, "event_payload_key", "value")},
    }
    ctx.add(meter, private={"events": []})
    ctx.emit("billing.meter.created", meter)
    return respond(ctx, meter, params)


@api.get("/v1/billing/meters/{id}")
def retrieve(ctx: Ctx, params: Params, id: str) -> Obj:  # noqa: A002 - Stripe's path name
    return respond(ctx, get(ctx, id), params)


@api.post("/v1/billing/meters/{id}")
def update(ctx: Ctx, params: Params, id: str) -> Obj:  # noqa: A002
    params.reject_unknown(("display_name",))
    meter = get(ctx, id)
    previous: dict[str, Any] = {}
    if params.has("display_name"):
        name = params.text("display_name", required=True, max_length=250)
        previous = ctx.change(meter, display_name=name)
    if previous:
        ctx.change(meter, updated=ctx.now())
        ctx.emit("billing.meter.updated", meter, previous)
    return respond(ctx, meter, params)


@api.get("/v1/billing/meters")
def listing(ctx: Ctx, params: Params) -> Obj:
    status = params.text("status", choices=("active", "inactive"))
    found = ctx.store.objects(KIND, ctx.account, lambda m: status in (None, m["status"]))
    return page(ctx, found, params, "/v1/billing/meters")


@api.post("/v1/billing/meters/{id}/deactivate")
def deactivate(ctx: Ctx, params: Params, id: str) -> Obj:  # noqa: A002
    params.reject_unknown(())
    meter = get(ctx, id)
    if meter["status"] != "active":
        raise invalid(f"The meter `{meter['id']}` is already inactive.", None)
    now = ctx.now()
    previous = ctx.change(
        meter, status="inactive", status_transitions={"deactivated_at": now}, updated=now
    )
    ctx.emit("billing.meter.deactivated", meter, previous)
    return respond(ctx, meter, params)


@api.post("/v1/billing/meters/{id}/reactivate")
def reactivate(ctx: Ctx, params: Params, id: str) -> Obj:  # noqa: A002
    params.reject_unknown(())
    meter = get(ctx, id)
    if meter["status"] != "inactive":
        raise invalid(f"The meter `{meter['id']}` is already active.", None)
    previous = ctx.change(
        meter, status="active", status_transitions={"deactivated_at": None}, updated=ctx.now()
    )
    ctx.emit("billing.meter.reactivated", meter, previous)
    return respond(ctx, meter, params)


def _events(ctx: Ctx, meter: Obj) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ctx.store.private(meter["id"]).setdefault("events", [])
    return events


def aggregate(meter: Obj, values: list[dict[str, Any]]) -> Decimal:
    formula = meter["default_aggregation"]["formula"]
    if formula == "count":
        return Decimal(len(values))
    if formula == "last":
        if not values:
            return Decimal(0)
        latest = max(values, key=lambda e: (e["timestamp"], e["seq"]))
        return Decimal(latest["value"])
    return sum((Decimal(e["value"]) for e in values), Decimal(0))


def usage(ctx: Ctx, meter_id: str, customer_id: str, start: int, end: int) -> Decimal:
    """The meter's aggregated value for a customer over ``[start, end)``."""
    meter = ctx.store.find(meter_id)
    if meter is None:
        return Decimal(0)
    chosen = [
        e
        for e in _events(ctx, meter)
        if e["customer"] == customer_id and start <= e["timestamp"] < end
    ]
    return aggregate(meter, chosen)


@api.get("/v1/billing/meters/{id}/event_summaries")
def event_summaries(ctx: Ctx, params: Params, id: str) -> Obj:  # noqa: A002
    meter = get(ctx, id)
    customer = params.text("customer", required=True) or ""
    ctx.get(customer, "customer", "customer")
    start = params.integer("start_time", required=True) or 0
    end = params.integer("end_time", required=True) or 0
    if end <= start:
        raise invalid("The end_time must be after the start_time.", "end_time")
    window = params.text("value_grouping_window", choices=("day", "hour"))
    if window is not None:
        size = WINDOWS[window]
        for key, value in (("start_time", start), ("end_time", end)):
            if value % size:
                raise invalid(
                    f"The {key} must be aligned to the {window} boundary when "
                    f"value_grouping_window is {window}.",
                    key,
                )
        bounds = [(t, t + size) for t in range(start, end, size)]
    else:
        bounds = [(start, end)]
    summaries = [
        {
            "id": f"mtrsum_{meter['id'].split('_')[-1][:10]}{ws:x}",
            "object": "billing.meter_event_summary",
            "aggregated_value": float(usage(ctx, meter["id"], customer, ws, we)),
            "end_time": we,
            "livemode": False,
            "meter": meter["id"],
            "start_time": ws,
        }
        for ws, we in bounds
    ]
    summaries.reverse()
    return page(ctx, summaries, params, f"/v1/billing/meters/{meter['id']}/event_summaries")


def _number(value: Any, param: str) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid(f"The value `{value}` is not a valid number.", param) from None
    if not number.is_finite():
        raise invalid(f"The value `{value}` is not a valid number.", param)
    return format(number.normalize(), "f")


@api.post("/v1/billing/meter_events")
def create_event(ctx: Ctx, params: Params) -> Obj:
    from stripe_emulator.resources import test_clocks

    params.reject_unknown(("event_name", "payload", "identifier", "timestamp"))
    event_name = params.text("event_name", required=True, max_length=100) or ""
    params.require("payload")
    payload = params.child("payload")
    for key, value in payload.data.items():
        if not isinstance(value, str):
            raise invalid("Payload values must be strings.", payload.name(key))
    identifier = params.text("identifier", max_length=100) or ids.new("mtrevt", 24)
    meters = [
        m
        for m in ctx.store.objects(KIND, ctx.account)
        if m["event_name"] == event_name and m["status"] == "active"
    ]
    customer_id: str | None = None
    values: list[str] = []
    for meter in meters:
        customer_key = meter["customer_mapping"]["event_payload_key"]
        customer_id = payload.text(customer_key)
        if not customer_id:
            raise invalid(
                f"Missing required param: payload[{customer_key}].", payload.name(customer_key)
            )
        ctx.get(customer_id, "customer", payload.name(customer_key))
        value_key = meter["value_settings"]["event_payload_key"]
        if meter["default_aggregation"]["formula"] == "count" and not payload.has(value_key):
            values.append("1")
            continue
        if not payload.text(value_key):
            raise invalid(f"Missing required param: payload[{value_key}].", payload.name(value_key))
        values.append(_number(payload.raw(value_key), payload.name(value_key)))
    now = test_clocks.now_for(ctx, customer_id)
    timestamp = params.integer("timestamp")
    if timestamp is None:
        timestamp = now
    if timestamp < now - PAST_LIMIT:
        raise invalid("The timestamp must be within the past 35 calendar days.", "timestamp")
    if timestamp > now + FUTURE_LIMIT:
        raise invalid("The timestamp must not be more than 5 minutes in the future.", "timestamp")
    for meter in meters:
        for seen in _events(ctx, meter):
            if seen["identifier"] == identifier and seen["created"] > ctx.now() - DEDUP_SECONDS:
                raise invalid(
                    f"An event with identifier `{identifier}` already exists; identifiers "
                    "must be unique within 24 hours.",
                    "identifier",
                )
    for meter, value in zip(meters, values, strict=True):
        _events(ctx, meter).append(
            {
                "identifier": identifier,
                "customer": customer_id,
                "value": value,
                "timestamp": timestamp,
                "created": ctx.now(),
                "seq": ctx.store.next_seq(),
            }
        )
    ctx.store.bump()
    return {
        "object": "billing.meter_event",
        "created": ctx.now(),
        "event_name": event_name,
        "identifier": identifier,
        "livemode": False,
        "payload": dict(payload.data),
        "timestamp": timestamp,
    }
