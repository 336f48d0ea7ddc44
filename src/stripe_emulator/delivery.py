"""The webhook delivery engine: every event goes, signed, to each endpoint subscribed to it.

Emitting an event queues one delivery per matching endpoint in ``store.deliveries`` (plain
JSON, so the queue survives a restart). A worker thread per emulator claims the deliveries
that are due and POSTs them *outside* the store lock, because the receiving application
usually calls the API back while handling the event. One endpoint's deliveries go out in
order, one at a time; different endpoints are served in parallel. Failures (anything but a
2xx, a timeout, a refused connection) are retried on ``settings["webhook_retry_seconds"]``,
each attempt freshly timestamped and signed. Chaos switches per endpoint (duplicate, shuffle,
drop, fail_first) reproduce what Stripe only promises not to rule out.

Retry times run on the delivery clock: wall time plus the emulator clock's offset, so moving
the emulator clock forward also brings retries due (the hours-long "sandbox" schedule stays
testable), while seconds still pass in real time when the emulator clock is frozen.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import random
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from stripe_emulator import context, ids
from stripe_emulator.store import Obj, Store

if TYPE_CHECKING:
    from stripe_emulator.server import Emulator

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
DEFAULT_TIMEOUT = 10.0
LOG_LIMIT = 2000
# Named retry schedules (seconds after each failed attempt); a list of numbers is also taken.
SCHEDULES: dict[str, list[float]] = {
    "test": [1, 5, 30, 120, 600],
    # "We retry event deliveries created in a sandbox three times over the course of a few
    # hours."
    "sandbox": [600, 3600, 3 * 3600],
    # Live mode: exponential back-off for up to three days.
    "live": [60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 24 * 3600],
}
PENDING, SENDING = "pending", "sending"
SHUFFLE_WINDOW = 0.5  # seconds of random hold-back per delivery on a shuffling endpoint
TERMINAL = ("exhausted", "dropped", "abandoned")
KEEP_TERMINAL = 1000  # settled-but-failed deliveries kept in the queue for inspection
_LOG_NUMBERS = itertools.count(1)  # numbers log entries, so a flush counts its own


def delivery_now(store: Store) -> float:
    """The delivery clock: wall time plus the emulator clock's offset."""
    return time.time() + store.clock.offset


def retry_schedule(settings: dict[str, Any]) -> list[float]:
    chosen = settings.get("webhook_retry_seconds", "test")
    if isinstance(chosen, str):
        return SCHEDULES.get(chosen, SCHEDULES["test"])
    return [float(delay) for delay in chosen]


def signature_header(body: bytes, secrets: list[str], timestamp: int) -> str:
    """``t=…,v1=…[,v1=…],v0=…``: one ``v1`` per active secret over ``f"{t}.{body}"``, and the
    fake ``v0`` test-mode scheme Stripe adds (verifiers ignore it)."""
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"]
    parts += [f"v1={_hmac(secret, signed)}" for secret in secrets]
    if secrets:
        parts.append(f"v0={_hmac(secrets[0] + ':v0', signed)}")
    return ",".join(parts)


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- queueing ----------------------------------------------------------------------------


def _on_event(ctx: context.Ctx, event: Obj) -> None:
    """Queue one delivery per enabled endpoint subscribed to this event: a platform's
    Connect endpoints get connected accounts' events (those with ``account``), its other
    endpoints the platform's own; a connected account's endpoints get that account's."""
    store = ctx.store
    owner = store.owner(event["id"]) or store.platform
    queued = 0
    for endpoint in store.objects("webhook_endpoint"):
        if endpoint["status"] != "enabled" or not _subscribed(endpoint, event["type"]):
            continue
        holder = store.owner(endpoint["id"])
        private = store.private(endpoint["id"])
        connect = bool(private.get("connect"))
        if holder == store.platform:
            if connect != ("account" in event):
                continue
        elif connect or holder != owner:
            continue
        queued += 1
        chaos = private.get("chaos") or {}
        item: dict[str, Any] = {
            "id": ids.new("whdel"),
            "event": event["id"],
            "type": event["type"],
            "endpoint": endpoint["id"],
            "attempt": 0,
            "next_attempt_at": delivery_now(store),
            "status": PENDING,
            "created": time.time(),
        }
        if chaos.get("shuffle"):  # hold each back a little, so they overtake each other
            item["next_attempt_at"] += random.uniform(0, SHUFFLE_WINDOW)
        store.deliveries.append(item)
        if random.random() < float(chaos.get("drop") or 0):
            item["status"] = "dropped"
            _log(store, item, endpoint["url"], None, "dropped by chaos (never sent)", dropped=True)
    if queued:
        event["pending_webhooks"] = queued
        _trim(store)
        store.bump()
        engine = _ENGINES.get(store)
        if engine is not None:
            engine.wake.set()


def _trim(store: Store) -> None:
    """Forget the oldest given-up deliveries once there are many (the log keeps them)."""
    given_up = [item for item in store.deliveries if item["status"] in TERMINAL]
    if len(given_up) > KEEP_TERMINAL:
        forget = {id(item) for item in given_up[: len(given_up) - KEEP_TERMINAL]}
        store.deliveries[:] = [item for item in store.deliveries if id(item) not in forget]


def _subscribed(endpoint: Obj, event_type: str) -> bool:
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled


def abandon(store: Store, endpoint_id: str, reason: str) -> None:
    """A disabled or deleted endpoint stops receiving, retries included."""
    for item in store.deliveries:
        if item["endpoint"] == endpoint_id and item["status"] == PENDING:
            item["status"] = "abandoned"
            item["last_error"] = reason
    store.bump()


def _log(
    store: Store,
    item: dict[str, Any],
    url: str,
    status: int | None,
    error: str | None,
    *,
    duration_ms: int = 0,
    duplicate: bool = False,
    dropped: bool = False,
) -> None:
    store.delivery_log.append(
        {
            "n": next(_LOG_NUMBERS),
            "delivery": item["id"],
            "event": item["event"],
            "type": item["type"],
            "endpoint": item["endpoint"],
            "url": url,
            "attempt": item["attempt"],
            "status": status,
            "error": error,
            "succeeded": status is not None and 200 <= status < 300,
            "duplicate": duplicate,
            "dropped": dropped,
            "duration_ms": duration_ms,
            "at": time.time(),
        }
    )
    del store.delivery_log[:-LOG_LIMIT]


# --- sending -----------------------------------------------------------------------------


class Engine:
    """One emulator's delivery worker: claims due deliveries, sends them from a thread pool,
    records outcomes and wakes anyone flushing."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.store = emulator.store
        self.wake = threading.Event()
        self.busy: set[str] = set()  # endpoints with a batch in flight
        self.flushing = 0
        self.counted = 0  # the last log entry a flush has reported
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="stripe-webhooks")
        self.thread = threading.Thread(target=self._run, daemon=True, name="stripe-webhooks")

    def start(self) -> None:
        with self.store.lock:
            for item in self.store.deliveries:
                if item["status"] == SENDING:  # interrupted by a stop: send again
                    item["status"] = PENDING
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.emulator.stopping.is_set():
                for endpoint_id, batch in self._claim():
                    self.pool.submit(self._send_batch, endpoint_id, batch)
                self.wake.wait(0.1)
                self.wake.clear()
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _claim(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Due deliveries grouped by endpoint (queue order), for endpoints not already busy."""
        with self.store.lock:
            now = delivery_now(self.store)
            batches: dict[str, list[dict[str, Any]]] = {}
            for item in self.store.deliveries:
                if item["status"] != PENDING or item["endpoint"] in self.busy:
                    continue
                if self.flushing or item["next_attempt_at"] <= now:
                    batches.setdefault(item["endpoint"], []).append(item)
            for endpoint_id, batch in batches.items():
                self.busy.add(endpoint_id)
                for item in batch:
                    item["status"] = SENDING
            return list(batches.items())

    def _send_batch(self, endpoint_id: str, batch: list[dict[str, Any]]) -> None:
        try:
            with self.store.lock:
                chaos = self._chaos(endpoint_id)
            if chaos.get("shuffle"):
                random.shuffle(batch)
            for item in batch:
                self._attempt(item)
        finally:
            with self.store.lock:
                for item in batch:
                    if item["status"] == SENDING:
                        item["status"] = PENDING
                self.busy.discard(endpoint_id)
                self.store.changed.notify_all()
            self.wake.set()
            if not self.emulator.stopping.is_set():  # never overwrite a successor's file
                self.emulator.save()

    def _chaos(self, endpoint_id: str) -> dict[str, Any]:
        record = self.store.record(endpoint_id)
        if record is None:
            return {}
        chaos: dict[str, Any] = record.private.setdefault("chaos", {})
        return chaos

    def _live(self, item: dict[str, Any]) -> bool:
        return any(queued is item for queued in self.store.deliveries)

    def _attempt(self, item: dict[str, Any]) -> None:
        from stripe_emulator.resources import webhook_endpoints

        with self.store.lock:
            if not self._live(item):  # the state was reset meanwhile
                return
            endpoint = self.store.find(item["endpoint"])
            event = self.store.find(item["event"])
            if endpoint is None or endpoint.get("deleted") or event is None:
                item["status"] = "abandoned"
                return
            if endpoint["status"] != "enabled":
                item["status"] = "abandoned"
                item["last_error"] = "endpoint disabled"
                return
            item["attempt"] += 1
            url = endpoint["url"]
            chaos = self._chaos(endpoint["id"])
            if int(chaos.get("fail_first") or 0) > 0:
                chaos["fail_first"] = int(chaos["fail_first"]) - 1
                self._record(item, url, None, "failed by chaos fail_first (not sent)", 0)
                return
            ctx = self.emulator.ctx(self.store.owner(endpoint["id"]))
            secrets = webhook_endpoints.active_secrets(ctx, endpoint)
            body = json.dumps(event, indent=2).encode()
            timeout = float(self.store.settings.get("webhook_timeout_seconds", DEFAULT_TIMEOUT))
            duplicate = bool(chaos.get("duplicate"))
        if duplicate:  # the copy may well arrive while the original is still being handled
            self.pool.submit(self._send_copy, item, url, body, secrets, timeout)
        started = time.monotonic()
        status, error = post(url, body, secrets, timeout)
        elapsed = int((time.monotonic() - started) * 1000)
        with self.store.lock:
            if self._live(item):
                self._record(item, url, status, error, elapsed)

    def _send_copy(
        self, item: dict[str, Any], url: str, body: bytes, secrets: list[str], timeout: float
    ) -> None:
        started = time.monotonic()
        status, error = post(url, body, secrets, timeout)
        elapsed = int((time.monotonic() - started) * 1000)
        with self.store.lock:
            _log(self.store, item, url, status, error, duration_ms=elapsed, duplicate=True)
            self.store.changed.notify_all()

    def _record(
        self,
        item: dict[str, Any],
        url: str,
        status: int | None,
        error: str | None,
        elapsed: int,
    ) -> None:
        """Under the lock: log the attempt; on success count the endpoint as served, on
        failure schedule the next try or give up when the schedule is spent."""
        store = self.store
        _log(store, item, url, status, error, duration_ms=elapsed)
        item["last_status"] = status
        item["last_error"] = error
        if status is not None and 200 <= status < 300:
            store.deliveries.remove(item)
            event = store.find(item["event"])
            if event is not None:
                event["pending_webhooks"] = max(0, int(event.get("pending_webhooks") or 0) - 1)
        else:
            schedule = retry_schedule(store.settings)
            if item["attempt"] > len(schedule):
                item["status"] = "exhausted"
            else:
                item["status"] = PENDING
                wait = 0.0 if self.flushing else schedule[item["attempt"] - 1]
                item["next_attempt_at"] = delivery_now(store) + wait
        store.bump()
        store.changed.notify_all()

    # --- flushing ------------------------------------------------------------------------

    @contextmanager
    def _flushing(self) -> Iterator[None]:
        with self.store.lock:
            self.flushing += 1
        try:
            yield
        finally:
            with self.store.lock:
                self.flushing -= 1

    def flush(self, timeout: float) -> dict[str, Any]:
        """Send everything queued now, retrying failures at once instead of after their
        back-off, until each delivery succeeded, was dropped or ran out of attempts.

        The counts cover every attempt since the previous flush (the worker may have sent
        some before this one started), so a test can create things, flush and check."""
        store = self.store
        deadline = time.monotonic() + timeout
        with self._flushing():
            self.wake.set()
            with store.changed:
                while self._unsettled() and (left := deadline - time.monotonic()) > 0:
                    self.wake.set()
                    store.changed.wait(min(left, 0.05))
                attempts = [entry for entry in store.delivery_log if entry["n"] > self.counted]
                if attempts:
                    self.counted = attempts[-1]["n"]
                originals = [e for e in attempts if not (e["duplicate"] or e["dropped"])]
                return {
                    "attempts": len(originals),
                    "succeeded": sum(1 for entry in originals if entry["succeeded"]),
                    "failed": sum(1 for entry in originals if not entry["succeeded"]),
                    "duplicates": len(attempts) - len(originals),
                    "pending": self._unsettled(),
                    "exhausted": _count(store, "exhausted"),
                    "dropped": _count(store, "dropped"),
                    "timed_out": self._unsettled() > 0,
                }

    def _unsettled(self) -> int:
        return sum(1 for item in self.store.deliveries if item["status"] in (PENDING, SENDING))


def _count(store: Store, status: str) -> int:
    return sum(1 for item in store.deliveries if item["status"] == status)


def post(
    url: str, body: bytes, secrets: list[str], timeout: float
) -> tuple[int | None, str | None]:
    """POST one signed delivery; returns (HTTP status, error). Redirects are not followed:
    Stripe counts a 3xx as a failure."""
    split = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if split.scheme == "https" else http.client.HTTPConnection
    )
    path = split.path or "/"
    if split.query:
        path = f"{path}?{split.query}"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signature_header(body, secrets, int(time.time())),
        "User-Agent": USER_AGENT,
        "Accept": "*/*; q=0.5, application/xml",
        "Cache-Control": "no-cache",
    }
    connection = connection_class(split.hostname or "", split.port, timeout=timeout)
    try:
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read(65536)
    except TimeoutError:
        return None, f"timed out after {timeout:g} s"
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, None
    return response.status, f"HTTP {response.status}"


# --- lifecycle ---------------------------------------------------------------------------

_ENGINES: weakref.WeakKeyDictionary[Store, Engine] = weakref.WeakKeyDictionary()
_DEFAULT_SETTINGS: weakref.WeakKeyDictionary[Store, dict[str, Any]] = weakref.WeakKeyDictionary()


def engine_for(store: Store) -> Engine | None:
    return _ENGINES.get(store)


def emulator_for(store: Store) -> Emulator | None:
    engine = _ENGINES.get(store)
    return engine.emulator if engine is not None else None


def flush(emulator: Emulator, timeout: float = 10.0) -> dict[str, Any]:
    """Deliver everything queued and wait (at most ``timeout`` seconds) until nothing is
    left to send; returns counts (``attempts``, ``succeeded``, ``failed``, ``pending``…)."""
    engine = _ENGINES.get(emulator.store)
    if engine is None:
        raise RuntimeError("the emulator is not running: start it before flushing webhooks")
    return engine.flush(timeout)


def _start(emulator: Emulator) -> None:
    engine = Engine(emulator)
    _ENGINES[emulator.store] = engine
    _DEFAULT_SETTINGS[emulator.store] = json.loads(json.dumps(emulator.store.settings))
    engine.start()


def _reset(emulator: Emulator) -> None:
    """A reset forgets settings changed since start (the command line's stay) and the log."""
    store = emulator.store
    with store.lock:
        defaults = _DEFAULT_SETTINGS.get(store)
        if defaults is not None:
            store.settings.clear()
            store.settings.update(json.loads(json.dumps(defaults)))
        store.delivery_log.clear()
        engine = _ENGINES.get(store)
        if engine is not None:
            engine.counted = next(_LOG_NUMBERS)
        store.changed.notify_all()


def _register() -> None:
    from stripe_emulator import server

    if _on_event not in context.EVENT_LISTENERS:
        context.EVENT_LISTENERS.append(_on_event)
    if _start not in server.STARTERS:
        server.STARTERS.append(_start)
    if _reset not in server.RESETTERS:
        server.RESETTERS.append(_reset)


_register()
