"""State survives a restart on the same state file: objects, webhook endpoints with their
secrets, the queued deliveries, settings and the clock offset."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe

from stripe_emulator import Emulator, delivery
from tests.emulator.conftest import client_for
from tests.emulator.test_webhooks import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def test_a_restart_keeps_objects_secrets_queue_and_clock(
    tmp_path: Path, receiver: Receiver
) -> None:
    state = tmp_path / "emulator.json"
    receiver.fail_first = 1  # the first attempt fails, the retry is left in the queue
    with Emulator(port=0, state_file=state) as first:
        first.store.settings["webhook_retry_seconds"] = [3600]
        client = client_for(first)
        hook = client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
        customer = client.v1.customers.create({"email": "kept@example.com"})
        receiver.wait_for(1)
        deadline = time.monotonic() + 5
        while not first.store.delivery_log:  # the failure is recorded, the retry queued
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first.advance(600)
        with first.store.lock:
            queued = [dict(item) for item in first.store.deliveries]
    assert [item["status"] for item in queued] == ["pending"]
    assert queued[0]["attempt"] == 1
    assert state.exists()

    with Emulator(port=0, state_file=state) as second:
        client = client_for(second)
        assert second.store.clock.offset == 600
        assert client.v1.customers.retrieve(customer.id).email == "kept@example.com"
        kept = client.v1.webhook_endpoints.retrieve(hook.id)
        assert kept.url == receiver.url
        assert second.store.settings["webhook_retry_seconds"] == [3600]
        (event,) = client.v1.events.list({"delivery_success": False}).data
        assert event.data.object.id == customer.id
        counts = delivery.flush(second)
        assert counts["succeeded"] == 1
        retried = receiver.received[1]
        assert retried.event["id"] == event.id
        assert hook.secret is not None
        assert stripe.Webhook.construct_event(retried.body, retried.signature, hook.secret)
        assert client.v1.events.retrieve(event.id).pending_webhooks == 0
        with second.store.lock:
            assert second.store.deliveries == []

    with Emulator(port=0, state_file=state) as third:
        assert client_for(third).v1.events.retrieve(event.id).pending_webhooks == 0
