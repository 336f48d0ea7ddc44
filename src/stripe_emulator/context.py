"""What a handler works with: the store, the account the request acts for, the request's ids,
and helpers to fetch, create, change, list and announce objects the way Stripe does."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stripe_emulator import ids
from stripe_emulator.errors import invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.store import Obj, Store

API_VERSION = "2026-10-28.endive"

# (object, field) → function computing a value only shown when expanded (e.g. line_items).
EXPANDERS: dict[tuple[str, str], Callable[[Ctx, Obj], Any]] = {}
# event hooks: called for every event emitted (the delivery engine listens here).
EVENT_LISTENERS: list[Callable[[Ctx, Obj], None]] = []


def expander(object_name: str, field_name: str) -> Callable[[Callable[[Ctx, Obj], Any]], Any]:
    def register(fn: Callable[[Ctx, Obj], Any]) -> Any:
        EXPANDERS[(object_name, field_name)] = fn
        return fn

    return register


@dataclass
class Ctx:
    store: Store
    account: str
    base_url: str
    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str = API_VERSION
    events: list[Obj] = field(default_factory=list)

    # --- time and ids -------------------------------------------------------------------

    def now(self) -> int:
        return self.store.clock.now()

    @property
    def on_platform(self) -> bool:
        return self.account == self.store.platform

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # --- objects ------------------------------------------------------------------------

    def add(
        self, obj: Obj, *, account: str | None = None, private: dict[str, Any] | None = None
    ) -> Obj:
        return self.store.add(obj, account or self.account, private)

    def get(self, object_id: str | None, kind: str, param: str | None = "id") -> Obj:
        """The ``kind`` object with this id visible to this request's account, or Stripe's
        404 naming ``param``."""
        if not object_id:
            raise missing(kind, object_id or "", param)
        found = self.store.find(object_id, self.account)
        if found is None or found.get("object") != kind or found.get("deleted"):
            raise missing(kind, object_id, param)
        return found

    def get_any(self, object_id: str, kind: str, param: str | None = "id") -> Obj:
        """An object regardless of account (a platform request naming a connected account's
        object, e.g. a transfer's destination payment)."""
        found = self.store.find(object_id)
        if found is None or found.get("object") != kind:
            raise missing(kind, object_id, param)
        return found

    def private(self, obj: Obj) -> dict[str, Any]:
        return self.store.private(obj["id"])

    def change(self, obj: Obj, **fields: Any) -> dict[str, Any]:
        """Set fields and return their previous values (``previous_attributes``)."""
        previous = {
            key: copy.deepcopy(obj.get(key))
            for key, value in fields.items()
            if obj.get(key) != value
        }
        obj.update(fields)
        self.store.bump()
        return previous

    def metadata(self, obj: Obj, params: Params) -> dict[str, Any]:
        """Apply ``metadata`` (merge; empty value unsets a key, ``metadata=`` clears all)."""
        if not params.has("metadata"):
            return {}
        before = dict(obj.get("metadata") or {})
        merged = merge_metadata(before, params.raw("metadata"))
        if merged == before:
            return {}
        obj["metadata"] = merged
        self.store.bump()
        return {"metadata": before}

    # --- events -------------------------------------------------------------------------

    def emit(
        self,
        type_: str,
        obj: Obj,
        previous: dict[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> Obj:
        """Record an event carrying a snapshot of ``obj``; it goes to every webhook endpoint
        subscribed to it (Connect endpoints for connected accounts' events)."""
        owner = account or self.store.owner(obj.get("id", "")) or self.account
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = copy.deepcopy(previous)
        event: Obj = {
            "id": ids.new("evt"),
            "object": "event",
            "account": None if owner == self.store.platform else owner,
            "api_version": self.api_version,
            "context": None,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": type_,
        }
        if event["account"] is None:
            del event["account"]
        self.store.add(event, owner)
        self.events.append(event)
        for listener in EVENT_LISTENERS:
            listener(self, event)
        return event

    def automatic(self) -> Ctx:
        """The same store acting on its own (a clock-driven change): no request ids."""
        return Ctx(self.store, self.account, self.base_url, None, None, self.api_version)


def merge_metadata(before: dict[str, Any], update: Any) -> dict[str, Any]:
    if update == "" or update is None:
        return {}
    if not isinstance(update, dict):
        raise invalid("Invalid object: metadata must be a hash of keys and values.", "metadata")
    merged = dict(before)
    for key, value in update.items():
        check_metadata_entry(key, value)
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    if len(merged) > 50:
        raise invalid("Metadata can have up to 50 keys.", "metadata")
    return merged


def check_metadata_entry(key: str, value: Any) -> None:
    param = f"metadata[{key}]"
    if "[" in key or "]" in key:
        raise invalid("Metadata keys may not contain '[' or ']'.", param)
    if len(key) > 40:
        raise invalid(f"Invalid metadata key: {key} (keys must be at most 40 characters).", param)
    if not isinstance(value, str):
        raise invalid("Metadata values must be strings.", param)
    if len(value) > 500:
        raise invalid("Metadata values can have up to 500 characters.", param)


def new_metadata(params: Params) -> dict[str, str]:
    return merge_metadata({}, params.raw("metadata", {}))
