"""Webhook endpoints and signed delivery through the official SDK: signatures verified the way
an application verifies them, secret rotation, retries with back-off, timeouts, Connect
routing, chaos modes and flushing."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator, delivery
from stripe_emulator.params import Params
from stripe_emulator.resources import customers


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def signature(self) -> str:
        return self.headers["Stripe-Signature"]

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A local HTTP endpoint recording every POST; it can fail its first ``fail_first``
    requests with ``fail_status``, stall the first ``slow_first`` ones by ``delay`` seconds
    and run ``on_request`` (e.g. call the API back) before answering."""

    fail_first: int = 0
    fail_status: int = 500
    slow_first: int = 0
    delay: float = 0.0
    on_request: Any = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    position = len(receiver.received)
                    receiver.received.append(Received(dict(self.headers), body, time.time()))
                if position < receiver.slow_first:
                    time.sleep(receiver.delay)
                if receiver.on_request is not None:
                    receiver.on_request(body)
                status = receiver.fail_status if position < receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item.event for item in self.received]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def control(emulator: Emulator, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's control plane with a JSON body; returns the decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        emulator.url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def endpoint(
    client: stripe.StripeClient, url: str, events: list[str] | None = None, **extra: Any
) -> stripe.WebhookEndpoint:
    return client.v1.webhook_endpoints.create(
        {"url": url, "enabled_events": events or ["*"], **extra}  # type: ignore[typeddict-item]
    )


def log(emulator: Emulator) -> list[dict[str, Any]]:
    with emulator.store.lock:
        return list(emulator.store.delivery_log)


# --- the endpoints API --------------------------------------------------------------------


def test_endpoint_lifecycle_shows_the_secret_only_at_creation(
    client: stripe.StripeClient,
) -> None:
    created = endpoint(client, "https://example.com/hook", ["charge.succeeded"], description="d")
    assert created.id.startswith("we_")
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    assert created.status == "enabled"
    assert created.enabled_events == ["charge.succeeded"]
    fetched = client.v1.webhook_endpoints.retrieve(created.id)
    assert "secret" not in fetched
    assert fetched.description == "d"
    updated = client.v1.webhook_endpoints.update(
        created.id,
        {"disabled": True, "enabled_events": ["*"], "metadata": {"team": "payments"}},
    )
    assert updated.status == "disabled"
    assert updated.enabled_events == ["*"]
    assert updated.metadata["team"] == "payments"
    assert [e.id for e in client.v1.webhook_endpoints.list().data] == [created.id]
    gone = client.v1.webhook_endpoints.delete(created.id)
    assert gone.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.webhook_endpoints.retrieve(created.id)
    assert missing.value.code == "resource_missing"
    assert client.v1.webhook_endpoints.list().data == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"enabled_events": ["*"]}, "url"),
        ({"url": "not a url", "enabled_events": ["*"]}, "url"),
        ({"url": "https://example.com/h"}, "enabled_events"),
        (
            {"url": "https://example.com/h", "enabled_events": ["*", "nope.nope"]},
            "enabled_events[1]",
        ),
        ({"url": "https://example.com/h", "enabled_events": ["*"], "colour": "x"}, "colour"),
    ],
)
def test_bad_endpoint_parameters_are_refused_and_change_nothing(
    client: stripe.StripeClient, params: dict[str, Any], param: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.webhook_endpoints.create(params)  # type: ignore[arg-type]
    assert error.value.param == param
    assert error.value.http_status == 400
    assert client.v1.webhook_endpoints.list().data == []


# --- signatures ---------------------------------------------------------------------------


def test_delivery_is_signed_and_verifies_like_an_application_does(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    customer = client.v1.customers.create({"email": "guest@example.com"})
    counts = delivery.flush(emulator)
    assert counts["succeeded"] == 1
    (got,) = receiver.received
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.headers["User-Agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    assert got.signature.startswith("t=")
    assert ",v1=" in got.signature
    assert ",v0=" in got.signature
    assert abs(int(got.signature.split(",")[0][2:]) - time.time()) < 5
    assert hook.secret is not None
    event = stripe.Webhook.construct_event(got.body, got.signature, hook.secret)
    assert event.type == "customer.created"
    assert event.data.object.id == customer.id
    assert client.construct_event(got.body, got.signature, hook.secret).id == event.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            got.body.replace(b"guest@", b"thief@"), got.signature, hook.secret
        )
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(got.body, got.signature, "whsec_" + "x" * 32)
    stored = client.v1.events.retrieve(event.id)
    assert stored.pending_webhooks == 0
    delivered = client.v1.events.list({"delivery_success": True}).data
    assert [e.id for e in delivered] == [event.id]


def test_rolled_secret_signs_with_old_and_new_for_24_hours(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    assert hook.secret is not None
    rolled = control(emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/roll_secret")
    new_secret = rolled["secret"]
    assert new_secret != hook.secret
    assert rolled["active_secrets"] == 2
    client.v1.customers.create({"name": "during the overlap"})
    delivery.flush(emulator)
    first = receiver.received[0]
    assert first.signature.count("v1=") == 2
    for secret in (hook.secret, new_secret):
        assert stripe.Webhook.construct_event(first.body, first.signature, secret).id
    emulator.advance(24 * 3600 + 1)
    client.v1.customers.create({"name": "after the overlap"})
    delivery.flush(emulator)
    second = receiver.received[1]
    assert second.signature.count("v1=") == 1
    assert client.construct_event(second.body, second.signature, new_secret).id
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(second.body, second.signature, hook.secret)


# --- retries ------------------------------------------------------------------------------


def test_failures_are_retried_with_back_off_and_a_fresh_signature(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    control(emulator, "POST", "/_emulator/settings", {"webhook_retry_seconds": [1.1, 0.3]})
    receiver.fail_first = 2
    hook = endpoint(client, receiver.url)
    client.v1.customers.create({"name": "retried"})
    attempts = receiver.wait_for(3)
    assert attempts[1].at - attempts[0].at >= 1.0
    assert attempts[2].at - attempts[1].at >= 0.25
    assert attempts[0].signature != attempts[1].signature  # new timestamp, new signature
    assert hook.secret is not None
    for attempt in attempts:
        assert stripe.Webhook.construct_event(attempt.body, attempt.signature, hook.secret)
    deadline = time.monotonic() + 5
    while [entry["status"] for entry in log(emulator)] != [500, 500, 200]:
        assert time.monotonic() < deadline, log(emulator)
        time.sleep(0.02)
    assert [entry["attempt"] for entry in log(emulator)] == [1, 2, 3]
    event_id = attempts[0].event["id"]
    assert client.v1.events.retrieve(event_id).pending_webhooks == 0


def test_a_timeout_is_a_failure_and_is_retried(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    control(
        emulator,
        "POST",
        "/_emulator/settings",
        {"webhook_timeout_seconds": 0.3, "webhook_retry_seconds": [0]},
    )
    receiver.slow_first, receiver.delay = 1, 1.0
    endpoint(client, receiver.url)
    client.v1.customers.create({"name": "slow"})
    counts = delivery.flush(emulator)
    assert counts["succeeded"] == 1
    entries = log(emulator)
    assert entries[0]["status"] is None
    assert "timed out" in entries[0]["error"]
    assert entries[1]["status"] == 200


def test_spent_retries_leave_the_event_pending_for_reconcilers(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    control(emulator, "POST", "/_emulator/settings", {"webhook_retry_seconds": [5, 5]})
    receiver.fail_first, receiver.fail_status = 99, 302  # a redirect is a failure too
    endpoint(client, receiver.url)
    client.v1.customers.create({"name": "unlucky"})
    counts = delivery.flush(emulator)  # ignores the 5 s waits
    assert counts["attempts"] == 3
    assert counts["failed"] == 3
    assert counts["exhausted"] == 1
    assert counts["pending"] == 0
    assert len(receiver.received) == 3
    assert {entry["status"] for entry in log(emulator)} == {302}
    (pending,) = client.v1.events.list({"delivery_success": False}).data
    assert pending.pending_webhooks == 1
    answer = control(emulator, "GET", f"/_emulator/webhooks/deliveries?event={pending.id}")
    assert [item["status"] for item in answer["queue"]] == ["exhausted"]
    assert len(answer["data"]) == 3


# --- routing ------------------------------------------------------------------------------


def test_endpoints_get_only_the_events_they_subscribe_to(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    updates = endpoint(client, receiver.url, ["customer.updated"])
    disabled = endpoint(client, receiver.url + "?disabled=1")
    client.v1.webhook_endpoints.update(disabled.id, {"disabled": True})
    customer = client.v1.customers.create({"name": "a"})
    client.v1.customers.update(customer.id, {"name": "b"})
    delivery.flush(emulator)
    assert [e["type"] for e in receiver.events()] == ["customer.updated"]
    assert {entry["endpoint"] for entry in log(emulator)} == {updates.id}
    created = client.v1.events.list({"type": "customer.created"}).data[0]
    assert created.pending_webhooks == 0


def test_connect_endpoints_receive_only_connected_accounts_events(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    platform = endpoint(client, receiver.url + "?platform=1", ["customer.created"])
    connect = endpoint(client, receiver.url + "?connect=1", ["customer.created"], connect=True)
    account = client.v1.accounts.create({"type": "express", "country": "AE"})
    mine = client.v1.customers.create({"name": "platform's"})
    theirs = client.v1.customers.create({"name": "theirs"}, {"stripe_account": account.id})
    delivery.flush(emulator)
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for entry in log(emulator):
        by_endpoint.setdefault(entry["endpoint"], []).append(entry)
    assert [e["event"] for e in by_endpoint[platform.id]] == [
        client.v1.events.list({"type": "customer.created"}).data[0].id
    ]
    connected_events = client.v1.events.list(
        {"type": "customer.created"}, {"stripe_account": account.id}
    ).data
    assert [e["event"] for e in by_endpoint[connect.id]] == [connected_events[0].id]
    bodies = {e["data"]["object"]["id"]: e for e in receiver.events()}
    assert "account" not in bodies[mine.id]
    assert bodies[theirs.id]["account"] == account.id
    assert connect.secret is not None
    assert connected_events[0].pending_webhooks == 0


def test_a_receiver_may_call_the_api_back_while_a_flush_waits(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    seen: list[str] = []

    def fetch_current_state(body: bytes) -> None:
        event = json.loads(body)
        seen.append(client.v1.customers.retrieve(event["data"]["object"]["id"]).name or "")

    receiver.on_request = fetch_current_state
    endpoint(client, receiver.url)
    client.v1.customers.create({"name": "called back"})
    counts = control(emulator, "POST", "/_emulator/webhooks/flush", {"timeout": 10})
    assert counts["succeeded"] == 1
    assert seen == ["called back"]


# --- chaos --------------------------------------------------------------------------------


def test_chaos_duplicate_sends_every_event_twice(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    control(emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/chaos", {"duplicate": True})
    client.v1.customers.create({"name": "twice"})
    delivery.flush(emulator)
    receiver.wait_for(2)
    ids = [e["id"] for e in receiver.events()]
    assert len(ids) == 2
    assert len(set(ids)) == 1
    assert client.v1.events.retrieve(ids[0]).pending_webhooks == 0


def test_chaos_shuffle_changes_the_order_within_a_flush(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    control(emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/chaos", {"shuffle": True})
    with emulator.store.lock:  # emit all twelve before the worker can pick any of them up
        made = [client_event(emulator, index) for index in range(12)]
    delivery.flush(emulator)
    order = [e["id"] for e in receiver.events()]
    assert sorted(order) == sorted(made)
    assert order != made


def client_event(emulator: Emulator, index: int) -> str:
    ctx = emulator.ctx()
    customer = ctx.add(customers.build(ctx, Params({"name": f"shuffled {index}"})))
    event_id: str = ctx.emit("customer.created", customer)["id"]
    return event_id


def test_chaos_drop_never_delivers_but_the_event_stays_listable(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    control(emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/chaos", {"drop": 1})
    client.v1.customers.create({"name": "lost"})
    counts = delivery.flush(emulator)
    assert counts["dropped"] == 1
    assert counts["attempts"] == 0
    assert receiver.received == []
    (undelivered,) = client.v1.events.list({"delivery_success": False}).data
    assert undelivered.type == "customer.created"
    assert undelivered.pending_webhooks == 1


def test_chaos_fail_first_fails_attempts_without_sending(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    hook = endpoint(client, receiver.url)
    answer = control(
        emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/chaos", {"fail_first": 2}
    )
    assert answer["fail_first"] == 2
    client.v1.customers.create({"name": "third time lucky"})
    counts = delivery.flush(emulator)
    assert counts["attempts"] == 3
    assert counts["succeeded"] == 1
    assert len(receiver.received) == 1
    statuses = [entry["status"] for entry in log(emulator)]
    assert statuses == [None, None, 200]
    state = control(emulator, "GET", f"/_emulator/webhook_endpoints/{hook.id}/chaos")
    assert state["fail_first"] == 0


def test_chaos_refuses_bad_values(client: stripe.StripeClient, emulator: Emulator) -> None:
    hook = endpoint(client, "https://example.com/hook")
    for body, param in (({"drop": 2}, "drop"), ({"fail_first": -1}, "fail_first")):
        with pytest.raises(urllib.error.HTTPError) as error:
            control(emulator, "POST", f"/_emulator/webhook_endpoints/{hook.id}/chaos", body)
        assert error.value.code == 400
        assert json.loads(error.value.read())["error"]["param"] == param
    state = control(emulator, "GET", f"/_emulator/webhook_endpoints/{hook.id}/chaos")
    assert "drop" not in state
