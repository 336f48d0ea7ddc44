"""The emulator as a separate process (``python -m stripe_emulator``) through
``EmulatorProcess``: it starts, answers the SDK, delivers to ``--webhook`` with the given
secret, honours ``--frozen-time`` and ``--lenient-capabilities``, and saves its state file
when stopped."""

from __future__ import annotations

import datetime
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from stripe_emulator.process import EmulatorProcess
from tests.emulator.test_webhooks import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def sdk(url: str) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_cli", base_addresses={"api": url, "connect": url})


def call(url: str, method: str, path: str) -> Any:
    body = b"" if method == "POST" else None
    request = urllib.request.Request(url + path, method=method, data=body)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_process_starts_answers_delivers_and_saves(tmp_path: Path, receiver: Receiver) -> None:
    state = tmp_path / "state.json"
    frozen = int(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC).timestamp())
    with EmulatorProcess(
        "--state-file",
        str(state),
        "--webhook",
        f"{receiver.url},whsec_from_the_command_line",
        "--frozen-time",
        "2030-01-01T00:00:00",
        "--lenient-capabilities",
    ) as running:
        assert running.url.startswith("http://127.0.0.1:")
        client = sdk(running.url)
        customer = client.v1.customers.create({"name": "over the wire"})
        assert customer.created == frozen
        assert call(running.url, "GET", "/_emulator/clock")["now"] == frozen
        assert call(running.url, "GET", "/_emulator/settings")["lenient_capabilities"] is True
        counts = call(running.url, "POST", "/_emulator/webhooks/flush")
        assert counts["succeeded"] == 1
        (got,) = receiver.received
        event = stripe.Webhook.construct_event(
            got.body, got.signature, "whsec_from_the_command_line"
        )
        assert event.data.object.id == customer.id
    assert running.process is not None
    assert running.process.returncode == 0
    assert not running.running
    saved = json.loads(state.read_text())
    assert customer.id in [record["obj"]["id"] for record in saved["records"]]

    # the same command line again: the same endpoint, not a second one
    with EmulatorProcess(
        "--state-file", str(state), "--webhook", f"{receiver.url},whsec_from_the_command_line"
    ) as again:
        client = sdk(again.url)
        assert client.v1.customers.retrieve(customer.id).name == "over the wire"
        assert len(client.v1.webhook_endpoints.list().data) == 1


def test_a_bad_command_line_fails_to_start() -> None:
    with pytest.raises(RuntimeError) as error:
        EmulatorProcess("--webhook", "not-a-url", startup_timeout=15).start()
    assert "not-a-url" in str(error.value)
