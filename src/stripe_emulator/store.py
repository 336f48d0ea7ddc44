"""All emulator state: every object Stripe would hold, per account, in memory.

Objects are kept in the exact JSON shape the API returns (references as ids), so rendering a
response is a copy plus ``expand[]``. Anything Stripe knows but never shows (a card's test
behaviour, a webhook endpoint's secrets) lives in the record's ``private`` dict. One re-entrant
lock serialises changes: the emulator is a test double, and a single writer makes every flow
deterministic. The whole state is JSON, so it can be saved to a file and loaded again.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stripe_emulator import ids

Obj = dict[str, Any]

PLATFORM_ACCOUNT = "acct_1EmulatorPlatform"


class Clock:
    """The emulator's one clock: wall time plus an offset that ``/_emulator/clock/advance``
    grows (authorisation expiry, pending funds, Checkout expiry, disputes and renewals all
    read it). ``frozen`` pins it to a fixed start for deterministic tests."""

    def __init__(self, offset: int = 0, frozen: int | None = None) -> None:
        self.offset = offset
        self.frozen = frozen

    def now(self) -> int:
        if self.frozen is not None:
            return self.frozen + self.offset
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> int:
        self.offset += seconds
        return self.now()


@dataclass
class Record:
    obj: Obj
    account: str
    seq: int
    private: dict[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    """Work the clock triggers later: ``kind`` names a function registered with ``@task``."""

    at: int
    kind: str
    args: dict[str, Any]
    seq: int


TaskFn = Callable[[Any, dict[str, Any]], None]
TASKS: dict[str, TaskFn] = {}


def task(kind: str) -> Callable[[TaskFn], TaskFn]:
    """Register what happens when a scheduled task of ``kind`` comes due (called with a
    context whose request is empty: the events it emits are automatic)."""

    def register(fn: TaskFn) -> TaskFn:
        TASKS[kind] = fn
        return fn

    return register


@dataclass
class Saved:
    """A response kept for an idempotency key."""

    method: str
    path: str
    params: str
    status: int
    body: str
    request_id: str
    created: int


class Store:
    def __init__(self, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.records: dict[str, Record] = {}
        self.seq = 0
        self.version = 0
        self.tasks: list[Task] = []
        self.idempotency: dict[str, Saved] = {}
        self.in_flight: set[str] = set()
        self.deliveries: list[dict[str, Any]] = []  # webhook delivery queue (see delivery.py)
        self.delivery_log: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.settings: dict[str, Any] = {}
        self.platform = PLATFORM_ACCOUNT
        self.changed = threading.Condition(self.lock)

    # --- objects ------------------------------------------------------------------------

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, obj: Obj, account: str, private: dict[str, Any] | None = None) -> Obj:
        self.records[obj["id"]] = Record(obj, account, self.next_seq(), private or {})
        self.bump()
        return obj

    def bump(self) -> None:
        self.version += 1

    def record(self, object_id: str) -> Record | None:
        return self.records.get(object_id)

    def find(self, object_id: str, account: str | None = None) -> Obj | None:
        """The object with this id, if it exists (and belongs to ``account`` when given)."""
        record = self.records.get(object_id)
        if record is None or (account is not None and record.account != account):
            return None
        return record.obj

    def owner(self, object_id: str) -> str | None:
        record = self.records.get(object_id)
        return record.account if record else None

    def private(self, object_id: str) -> dict[str, Any]:
        return self.records[object_id].private

    def remove(self, object_id: str) -> None:
        self.records.pop(object_id, None)
        self.bump()

    def tombstone(self, object_id: str) -> Obj:
        """Keep a deleted object as Stripe shows it (``{id, object, deleted: true}``)."""
        record = self.records[object_id]
        record.obj = {"id": object_id, "object": record.obj["object"], "deleted": True}
        self.bump()
        return record.obj

    def objects(
        self,
        object_name: str,
        account: str | None = None,
        where: Callable[[Obj], bool] | None = None,
    ) -> list[Obj]:
        """Objects of one kind, newest first, as Stripe lists them."""
        found = [
            record
            for record in self.records.values()
            if record.obj.get("object") == object_name
            and not record.obj.get("deleted")
            and (account is None or record.account == account)
            and (where is None or where(record.obj))
        ]
        found.sort(key=lambda record: record.seq, reverse=True)
        return [record.obj for record in found]

    def all_records(self) -> Iterator[Record]:
        return iter(list(self.records.values()))

    # --- clock-driven work ----------------------------------------------------------------

    def schedule(self, at: int, kind: str, **args: Any) -> None:
        self.tasks.append(Task(at, kind, args, self.next_seq()))
        self.bump()

    def cancel_tasks(self, kind: str, **match: Any) -> None:
        self.tasks = [
            t
            for t in self.tasks
            if not (t.kind == kind and all(t.args.get(k) == v for k, v in match.items()))
        ]

    def due(self, now: int) -> Task | None:
        ready = [t for t in self.tasks if t.at <= now]
        if not ready:
            return None
        first = min(ready, key=lambda t: (t.at, t.seq))
        self.tasks.remove(first)
        return first

    # --- persistence ----------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.records.clear()
            self.tasks.clear()
            self.idempotency.clear()
            self.deliveries.clear()
            self.delivery_log.clear()
            self.faults.clear()
            self.clock.offset = 0
            self.bump()

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "seq": self.seq,
                "clock_offset": self.clock.offset,
                "records": [
                    {"obj": r.obj, "account": r.account, "seq": r.seq, "private": r.private}
                    for r in self.records.values()
                ],
                "tasks": [t.__dict__ for t in self.tasks],
                "idempotency": {k: v.__dict__ for k, v in self.idempotency.items()},
                "deliveries": self.deliveries,
                "settings": self.settings,
            }

    def load(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.seq = state["seq"]
            self.clock.offset = state["clock_offset"]
            self.records = {
                item["obj"]["id"]: Record(
                    item["obj"], item["account"], item["seq"], item["private"]
                )
                for item in state["records"]
            }
            self.tasks = [Task(**t) for t in state["tasks"]]
            self.idempotency = {k: Saved(**v) for k, v in state["idempotency"].items()}
            self.deliveries = state["deliveries"]
            self.settings = state.get("settings", {})
            self.bump()

    def save_to(self, path: Path) -> None:
        """Write atomically: a crash mid-write leaves the previous file."""
        temporary = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.dump()))
        temporary.replace(path)

    def load_from(self, path: Path) -> bool:
        if not path.exists():
            return False
        self.load(json.loads(path.read_text()))
        return True


def new_request_id() -> str:
    return ids.new("req", 14)
