"""Responses: copies of stored objects with ``expand[]`` applied, and Stripe list pages.

Stored objects hold references as ids; ``expand[]=latest_charge.balance_transaction`` swaps
an id for the object (to depth 4, through ``data.`` on lists). Lists are newest first and
paged with ``limit``, ``starting_after`` and ``ending_before``; ``url`` is origin-relative
because the SDK's auto-pagination requests it again.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from stripe_emulator.context import EXPANDERS, Ctx
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.store import Obj

MAX_DEPTH = 4


def expand(ctx: Ctx, value: Any, paths: Sequence[str]) -> Any:
    result = copy.deepcopy(value)
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                "expand",
            )
        result = _expand_path(ctx, result, parts, path)
    return result


def _expand_path(ctx: Ctx, node: Any, parts: list[str], path: str) -> Any:
    if not parts:
        return node
    if isinstance(node, list):
        return [_expand_path(ctx, item, parts, path) for item in node]
    if not isinstance(node, dict):
        return node
    head, rest = parts[0], parts[1:]
    if node.get("object") == "list" and head == "data":
        node["data"] = [_expand_path(ctx, item, rest, path) for item in node.get("data", [])]
        return node
    computed = EXPANDERS.get((str(node.get("object")), head))
    if computed is not None:
        node[head] = computed(ctx, node)
    elif head not in node:
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    value = node[head]
    if isinstance(value, str):
        target = ctx.store.find(value)
        if target is None:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        value = copy.deepcopy(target)
    node[head] = _expand_path(ctx, value, rest, path) if value is not None else None
    return node


def respond(ctx: Ctx, obj: Obj, params: Params) -> Obj:
    return expand(ctx, obj, params.expand())  # type: ignore[no-any-return]


def page(ctx: Ctx, items: list[Obj], params: Params, url: str) -> Obj:
    """One page of ``items`` (already newest first)."""
    limit = params.integer("limit", minimum=1, maximum=100) or 10
    after = params.text("starting_after")
    before = params.text("ending_before")
    if after and before:
        raise invalid(
            "You may only specify one of these parameters: starting_after, ending_before.",
            "ending_before",
        )
    position = {item["id"]: index for index, item in enumerate(items)}
    if after:
        if after not in position:
            raise invalid(f"No such object: '{after}'", "starting_after")
        window = items[position[after] + 1 :]
        chosen, more = window[:limit], len(window) > limit
    elif before:
        if before not in position:
            raise invalid(f"No such object: '{before}'", "ending_before")
        window = items[: position[before]]
        chosen, more = window[-limit:], len(window) > limit
    else:
        chosen, more = items[:limit], len(items) > limit
    listing = {"object": "list", "data": chosen, "has_more": more, "url": url}
    return expand(ctx, listing, params.expand())  # type: ignore[no-any-return]


def search_result(ctx: Ctx, items: list[Obj], params: Params, url: str) -> Obj:
    """A search page: ``page`` is the id to continue after."""
    limit = params.integer("limit", minimum=1, maximum=100) or 10
    token = params.text("page")
    start = 0
    if token:
        position = {item["id"]: index for index, item in enumerate(items)}
        if token not in position:
            raise invalid("Invalid page token.", "page")
        start = position[token] + 1
    chosen = items[start : start + limit]
    more = len(items) > start + limit
    result = {
        "object": "search_result",
        "data": chosen,
        "has_more": more,
        "next_page": chosen[-1]["id"] if more and chosen else None,
        "url": url,
    }
    return expand(ctx, result, params.expand())  # type: ignore[no-any-return]


def deleted(obj: Obj) -> Obj:
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def created_filter(params: Params) -> Any:
    """``created`` as a number or ``created[gt|gte|lt|lte]`` → a predicate on objects."""
    raw = params.raw("created")
    if raw in (None, ""):
        return lambda obj: True
    if not isinstance(raw, dict):
        exact = params.integer("created")
        return lambda obj: obj.get("created") == exact
    bounds = params.child("created")
    gt, gte = bounds.integer("gt"), bounds.integer("gte")
    lt, lte = bounds.integer("lt"), bounds.integer("lte")

    def accept(obj: Obj) -> bool:
        created = int(obj.get("created") or 0)
        return (
            (gt is None or created > gt)
            and (gte is None or created >= gte)
            and (lt is None or created < lt)
            and (lte is None or created <= lte)
        )

    return accept
