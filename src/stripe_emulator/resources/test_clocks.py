"""Test clocks: create, retrieve, list, delete and advance.

A customer created with ``test_clock`` lives on that clock: its subscriptions' renewals,
trial ends and invoices happen at the clock's ``frozen_time``, not the emulator's clock.
Work due on a test clock is therefore queued on the clock itself (in its private state) and
runs when the clock is advanced, each item at its own moment, oldest first; work for other
customers goes to the store's global schedule. ``schedule``/``unschedule``/``now_for`` hide
the difference from the subscription and invoice modules."""

from __future__ import annotations

from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import TASKS, Obj, task

KIND = "test_helpers.test_clock"
TWO_YEARS = 2 * 366 * 86400
INTERVAL_SECONDS = {"day": 86400, "week": 7 * 86400, "month": 31 * 86400, "year": 366 * 86400}


def clock_of(ctx: Ctx, customer_id: str | None) -> str | None:
    customer = ctx.store.find(customer_id or "")
    if customer is None or customer.get("object") != "customer":
        return None
    clock: str | None = customer.get("test_clock")
    return clock


def now_for(ctx: Ctx, customer_id: str | None) -> int:
    """Billing time for a customer: its test clock's frozen time, else the emulator clock."""
    clock_id = clock_of(ctx, customer_id)
    clock = ctx.store.find(clock_id) if clock_id else None
    if clock is not None and not clock.get("deleted"):
        frozen: int = clock["frozen_time"]
        return frozen
    return ctx.now()


def schedule(ctx: Ctx, at: int, kind: str, clock_id: str | None, **args: Any) -> None:
    """Queue ``kind`` at ``at`` (clock time when ``clock_id``, else the emulator clock)."""
    if clock_id is None:
        ctx.store.schedule(at, kind, account=ctx.account, **args)
        return
    queue = ctx.store.private(clock_id).setdefault("tasks", [])
    queue.append({"at": at, "kind": kind, "args": {**args, "account": ctx.account}})
    ctx.store.bump()


def unschedule(ctx: Ctx, kind: str, clock_id: str | None, **match: Any) -> None:
    if clock_id is None:
        ctx.store.cancel_tasks(kind, **match)
        return
    record = ctx.store.record(clock_id)
    if record is None:
        return
    record.private["tasks"] = [
        t
        for t in record.private.get("tasks", [])
        if not (t["kind"] == kind and all(t["args"].get(k) == v for k, v in match.items()))
    ]
    ctx.store.bump()


def get(ctx: Ctx, clock_id: str | None, param: str = "test_clock") -> Obj:
    return ctx.get(clock_id, KIND, param)


@api.post("/v1/test_helpers/test_clocks")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(("frozen_time", "name"))
    frozen = params.integer("frozen_time", required=True, minimum=0) or 0
    now = ctx.now()
    clock: Obj = {
        "id": ids.new("clock"),
        "object": KIND,
        "created": now,
        "deletes_after": now + 30 * 86400,
        "frozen_time": frozen,
        "livemode": False,
        "name": params.text("name", max_length=300),
        "status": "ready",
        "status_details": {"advancing": None},
    }
    ctx.add(clock, private={"tasks": []})
    ctx.emit("test_helpers.test_clock.created", clock)
    return respond(ctx, clock, params)


@api.get("/v1/test_helpers/test_clocks/{test_clock}")
def retrieve(ctx: Ctx, params: Params, test_clock: str) -> Obj:
    return respond(ctx, get(ctx, test_clock, "test_clock"), params)


@api.get("/v1/test_helpers/test_clocks")
def listing(ctx: Ctx, params: Params) -> Obj:
    found = ctx.store.objects(KIND, ctx.account)
    return page(ctx, found, params, "/v1/test_helpers/test_clocks")


def _customers(ctx: Ctx, clock_id: str) -> list[Obj]:
    return ctx.store.objects("customer", ctx.account, lambda c: c.get("test_clock") == clock_id)


def _advance_limit(ctx: Ctx, clock: Obj) -> int:
    """Two intervals of the shortest live subscription on the clock, or two years."""
    customers = {c["id"] for c in _customers(ctx, clock["id"])}
    shortest: int | None = None
    for sub in ctx.store.objects("subscription", ctx.account):
        if sub["customer"] not in customers or sub["status"] in ("canceled", "incomplete_expired"):
            continue
        for item in sub["items"]["data"]:
            recurring = item["price"]["recurring"] or {}
            span = INTERVAL_SECONDS[recurring.get("interval", "month")] * int(
                recurring.get("interval_count", 1)
            )
            shortest = span if shortest is None else min(shortest, span)
    return int(clock["frozen_time"]) + (2 * shortest if shortest else TWO_YEARS)


@api.post("/v1/test_helpers/test_clocks/{test_clock}/advance")
def advance(ctx: Ctx, params: Params, test_clock: str) -> Obj:
    params.reject_unknown(("frozen_time",))
    clock = get(ctx, test_clock, "test_clock")
    target = params.integer("frozen_time", required=True) or 0
    if clock["status"] == "advancing":
        raise invalid(
            "The test clock is currently advancing; wait until its status is `ready`.",
            None,
        )
    if target <= clock["frozen_time"]:
        raise invalid(
            "The frozen_time must be after the test clock's current frozen_time "
            f"({clock['frozen_time']}).",
            "frozen_time",
        )
    limit = _advance_limit(ctx, clock)
    if target > limit:
        raise invalid(
            "Cannot advance the test clock more than two intervals beyond the shortest "
            f"subscription interval on it (at most {limit}).",
            "frozen_time",
        )
    previous = ctx.change(
        clock, status="advancing", status_details={"advancing": {"target_frozen_time": target}}
    )
    ctx.emit("test_helpers.test_clock.advancing", clock, previous)
    ctx.store.schedule(ctx.now(), "test_clock.advance", id=clock["id"], account=ctx.account)
    return respond(ctx, clock, params)


@task("test_clock.advance")
def run_advance(ctx: Ctx, args: dict[str, Any]) -> None:
    """Move the clock step by step through its queued work, then mark it ready."""
    clock = ctx.store.find(args["id"])
    if clock is None or clock.get("deleted") or clock["status"] != "advancing":
        return
    target = int(clock["status_details"]["advancing"]["target_frozen_time"])
    private = ctx.store.private(clock["id"])
    while True:
        queue: list[dict[str, Any]] = private.get("tasks", [])
        due = [t for t in queue if t["at"] <= target]
        if not due:
            break
        first = min(due, key=lambda t: t["at"])
        queue.remove(first)
        clock["frozen_time"] = max(int(clock["frozen_time"]), int(first["at"]))
        account = first["args"].get("account") or ctx.store.platform
        TASKS[first["kind"]](Ctx(ctx.store, account, ctx.base_url), first["args"])
    previous = ctx.change(
        clock, frozen_time=target, status="ready", status_details={"advancing": None}
    )
    ctx.automatic().emit("test_helpers.test_clock.ready", clock, previous)


@api.delete("/v1/test_helpers/test_clocks/{test_clock}")
def delete(ctx: Ctx, params: Params, test_clock: str) -> Obj:
    """Deleting a clock deletes everything on it (customers and their subscriptions)."""
    clock = get(ctx, test_clock, "test_clock")
    customers = {c["id"] for c in _customers(ctx, clock["id"])}
    for sub in ctx.store.objects("subscription", ctx.account):
        if sub["customer"] in customers:
            ctx.store.tombstone(sub["id"])
    for customer_id in customers:
        ctx.store.tombstone(customer_id)
    ctx.store.private(clock["id"])["tasks"] = []
    ctx.emit("test_helpers.test_clock.deleted", clock)
    return ctx.store.tombstone(clock["id"])
