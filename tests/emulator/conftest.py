"""One emulator per test session, reset before every test; the official SDK pointed at it.

Every JSON body the session emulator sends (objects, lists, errors, events) goes through the
fidelity oracle (``oracle.py``); a test fails at teardown with whatever it found."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator import oracle


class Fidelity:
    """Collects the oracle's findings on every response the emulator sends."""

    CRASH = "An unknown error occurred in the emulator."

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, method: str, path: str, response: object) -> None:
        found = self.inspect(method, path, response)
        if found:
            with self.lock:
                self.findings.extend(f for f in found if f not in self.findings)

    def inspect(self, method: str, path: str, response: object) -> list[str]:
        status = getattr(response, "status", 0)
        headers: dict[str, str] = getattr(response, "headers", {}) or {}
        body: bytes = getattr(response, "body", b"") or b""
        if not path.startswith("/v1/") or "json" not in headers.get("Content-Type", ""):
            return []
        where = f"{method} {path} → {status}"
        try:
            decoded = json.loads(body)
        except ValueError as error:
            return [f"{where}: body is not JSON ({error})"]
        found = [f"{where}: {finding}" for finding in oracle.check(decoded)]
        envelope = decoded.get("error") if isinstance(decoded, dict) else None
        if status == 500 and isinstance(envelope, dict) and envelope.get("message") == self.CRASH:
            found.append(f"{where}: the emulator crashed (traceback on stderr)")
        return found

    def take(self) -> list[str]:
        with self.lock:
            taken, self.findings = self.findings, []
        return taken


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(port=0) as running:
        running.observers.append(Fidelity())
        yield running


@pytest.fixture
def fidelity(emulator: Emulator) -> Fidelity:
    """The session's oracle observer (a test that expects findings can ``take()`` them)."""
    return next(o for o in emulator.observers if isinstance(o, Fidelity))


def event_findings(emulator: Emulator) -> list[str]:
    """Every event the test emitted, as a webhook delivers it (the same JSON as
    ``GET /v1/events/{id}``), whether or not the test fetched it."""
    found: list[str] = []
    with emulator.store.lock:
        events = [r.obj for r in emulator.store.all_records() if r.obj.get("object") == "event"]
        for event in events:
            where = f"event {event.get('id')} ({event.get('type')})"
            found += [
                f"{where}: {finding}" for finding in oracle.check(json.loads(json.dumps(event)))
            ]
    return found


@pytest.fixture(autouse=True)
def fidelity_check(emulator: Emulator, fidelity: Fidelity) -> Iterator[None]:
    """Fail the test at teardown with every finding on the responses it caused and on the
    events it emitted."""
    fidelity.take()
    yield
    found = fidelity.take()
    found += [f for f in event_findings(emulator) if f not in found]
    if found:
        pytest.fail(
            f"{len(found)} fidelity finding(s) in emulator responses "
            "(tests/emulator/oracle.py):\n  " + "\n  ".join(found),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def fresh(emulator: Emulator) -> None:
    emulator.reset()


def client_for(emulator: Emulator, **options: object) -> stripe.StripeClient:
    base = emulator.url
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(emulator: Emulator) -> stripe.StripeClient:
    return client_for(emulator)
