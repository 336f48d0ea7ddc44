"""The control plane under /_emulator: reset, seed, clock, settings, flush and the delivery
log, fault injection as the SDK experiences it, and the dashboard."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator.conftest import client_for
from tests.emulator.test_webhooks import Receiver, control


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def refused(emulator: Emulator, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """The error envelope of a control call expected to fail with a 400."""
    with pytest.raises(urllib.error.HTTPError) as error:
        control(emulator, method, path, body)
    assert error.value.code == 400
    envelope: dict[str, Any] = json.loads(error.value.read())["error"]
    return envelope


def page(emulator: Emulator, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(emulator.url + path, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


# --- state, seed, clock, settings ---------------------------------------------------------


def test_reset_forgets_objects_and_settings(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    client.v1.customers.create({"name": "forgotten"})
    control(emulator, "POST", "/_emulator/settings", {"stripe_fee_percent": 1.5})
    control(emulator, "POST", "/_emulator/clock/advance", {"seconds": 3600})
    answer = control(emulator, "DELETE", "/_emulator/state")
    assert answer["reset"] is True
    assert client.v1.customers.list().data == []
    assert client.v1.events.list().data == []
    assert control(emulator, "GET", "/_emulator/settings") == {"object": "emulator.settings"}
    assert control(emulator, "GET", "/_emulator/clock")["offset"] == 0


def test_state_dump_holds_every_object(client: stripe.StripeClient, emulator: Emulator) -> None:
    customer = client.v1.customers.create({"name": "dumped"})
    dump = control(emulator, "GET", "/_emulator/state")
    ids = [record["obj"]["id"] for record in dump["records"]]
    assert customer.id in ids
    assert dump["platform"] == emulator.store.platform
    assert dump["clock_offset"] == 0


def test_seed_creates_accounts_customers_and_endpoints(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    seeded = control(
        emulator,
        "POST",
        "/_emulator/seed",
        {
            "accounts": [{"type": "express", "country": "AE", "email": "host@example.com"}],
            "customers": [
                {"email": "guest@example.com", "name": "Guest"},
                {"email": "theirs@example.com", "account": 0},
            ],
            "webhook_endpoints": [
                {"url": receiver.url, "secret": "whsec_seeded", "enabled_events": ["*"]}
            ],
        },
    )
    (account,) = seeded["accounts"]
    assert account["state"] == "complete"
    fetched = client.v1.accounts.retrieve(account["id"])
    assert fetched.charges_enabled is True
    assert fetched.capabilities is not None
    assert fetched.capabilities["transfers"] == "active"
    guest, theirs = seeded["customers"]
    assert client.v1.customers.retrieve(guest["id"]).name == "Guest"
    assert theirs["account"] == account["id"]
    on_account = client.v1.customers.retrieve(theirs["id"], {}, {"stripe_account": account["id"]})
    assert on_account.email == "theirs@example.com"
    (hook,) = seeded["webhook_endpoints"]
    assert hook["secret"] == "whsec_seeded"
    assert client.v1.webhook_endpoints.retrieve(hook["id"]).url == receiver.url
    client.v1.customers.update(guest["id"], {"name": "Renamed"})
    control(emulator, "POST", "/_emulator/webhooks/flush")
    types = [r.event["type"] for r in receiver.received]
    assert "customer.updated" in types
    for got in receiver.received:
        assert stripe.Webhook.construct_event(got.body, got.signature, "whsec_seeded")


def test_a_bad_seed_changes_nothing(client: stripe.StripeClient, emulator: Emulator) -> None:
    envelope = refused(
        emulator,
        "POST",
        "/_emulator/seed",
        {
            "customers": [{"name": "would be created"}],
            "webhook_endpoints": [{"url": "nope", "enabled_events": ["*"]}],
        },
    )
    assert envelope["param"] == "webhook_endpoints[0][url]"
    late = refused(
        emulator,
        "POST",
        "/_emulator/seed",
        {"customers": [{"name": "first"}, {"name": "second", "colour": "red"}]},
    )
    assert late["param"] == "customers[1][colour]"
    assert client.v1.customers.list().data == []
    assert client.v1.events.list().data == []


def test_clock_advances_by_seconds_or_to_an_instant(emulator: Emulator) -> None:
    before = control(emulator, "GET", "/_emulator/clock")
    moved = control(emulator, "POST", "/_emulator/clock/advance", {"seconds": 86400})
    assert moved["offset"] == 86400
    assert moved["now"] - before["now"] in (86400, 86401)
    target = moved["now"] + 7200
    landed = control(emulator, "POST", "/_emulator/clock/advance", {"to": target})
    assert landed["now"] in (target, target + 1)
    assert landed["iso"].startswith(time.strftime("%Y", time.gmtime(target)))
    assert refused(emulator, "POST", "/_emulator/clock/advance", {"to": 1})["param"] == "to"
    assert refused(emulator, "POST", "/_emulator/clock/advance", {"seconds": -5})["param"] == (
        "seconds"
    )
    assert refused(emulator, "POST", "/_emulator/clock/advance", {})["param"] == "seconds"
    assert control(emulator, "GET", "/_emulator/clock")["offset"] == 86400 + 7200


def test_settings_take_json_or_form_bodies_and_refuse_bad_values(emulator: Emulator) -> None:
    control(emulator, "POST", "/_emulator/settings", {"lenient_capabilities": True})
    form = urllib.parse.urlencode(
        {"stripe_fee_fixed": "25", "webhook_retry_seconds[0]": "2", "webhook_retry_seconds[1]": "4"}
    ).encode()
    request = urllib.request.Request(emulator.url + "/_emulator/settings", data=form)
    with urllib.request.urlopen(request, timeout=10) as response:
        current = json.loads(response.read())
    assert current["lenient_capabilities"] is True
    assert current["stripe_fee_fixed"] == 25
    assert current["webhook_retry_seconds"] == [2.0, 4.0]
    assert emulator.store.settings["stripe_fee_fixed"] == 25
    bad = refused(emulator, "POST", "/_emulator/settings", {"stripe_fee_fixed": "lots"})
    assert bad["param"] == "stripe_fee_fixed"
    bad = refused(emulator, "POST", "/_emulator/settings", {"webhook_retry_seconds": "often"})
    assert bad["param"] == "webhook_retry_seconds"
    assert emulator.store.settings["stripe_fee_fixed"] == 25
    control(emulator, "POST", "/_emulator/settings", {"webhook_retry_seconds": "sandbox"})
    assert emulator.store.settings["webhook_retry_seconds"] == "sandbox"


def test_sandbox_retries_follow_the_emulator_clock(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    control(emulator, "POST", "/_emulator/settings", {"webhook_retry_seconds": "sandbox"})
    receiver.fail_first = 1
    client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    client.v1.customers.create({"name": "later"})
    receiver.wait_for(1)
    time.sleep(0.3)
    assert len(receiver.received) == 1  # the next try is ten minutes away
    control(emulator, "POST", "/_emulator/clock/advance", {"seconds": 601})
    receiver.wait_for(2)
    log = control(emulator, "GET", "/_emulator/webhooks/deliveries")
    assert [entry["status"] for entry in log["data"]] == [500, 200]
    assert log["queue"] == []


# --- faults as the SDK sees them ----------------------------------------------------------


def fault(emulator: Emulator, **spec: Any) -> dict[str, Any]:
    answer: dict[str, Any] = control(emulator, "POST", "/_emulator/faults", spec)
    return answer


def test_a_500_before_apply_changes_nothing(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    fault(emulator, method="POST", path="/v1/customers", kind="error", status=500)
    with pytest.raises(stripe.APIError) as error:
        client.v1.customers.create({"name": "never"})
    assert error.value.http_status == 500
    assert client.v1.customers.list().data == []
    assert control(emulator, "GET", "/_emulator/faults")["data"] == []


def test_a_500_after_apply_is_retried_into_one_object(emulator: Emulator) -> None:
    fault(emulator, method="POST", path="/v1/customers", status=503, after_apply=True)
    retrying = client_for(emulator, max_network_retries=2)
    made = retrying.v1.customers.create({"name": "exactly once"})
    assert made.last_response is not None
    assert made.last_response.headers["Idempotent-Replayed"] == "true"
    assert [c.id for c in retrying.v1.customers.list().data] == [made.id]


def test_a_429_is_a_rate_limit_error(client: stripe.StripeClient, emulator: Emulator) -> None:
    fault(emulator, method="GET", path="/v1/customers*", status=429, remaining=2)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as error:
            client.v1.customers.list()
        assert error.value.error is not None
        assert error.value.error.code == "rate_limit"
    assert client.v1.customers.list().data == []


def test_latency_delays_the_answer(client: stripe.StripeClient, emulator: Emulator) -> None:
    fault(emulator, method="GET", path="/v1/customers", kind="latency", latency_ms=400)
    started = time.monotonic()
    client.v1.customers.list()
    assert time.monotonic() - started >= 0.4


def test_a_reset_connection_is_a_connection_error(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    fault(emulator, method="POST", path="/v1/customers", kind="reset", after_apply=True)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.create({"name": "applied, answer lost"})
    assert len(client.v1.customers.list().data) == 1


def test_a_hang_times_the_client_out(emulator: Emulator) -> None:
    fault(emulator, method="GET", path="/v1/customers", kind="hang", hang_ms=2500)
    impatient = stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": emulator.url},
        http_client=stripe.RequestsClient(timeout=1),
    )
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.customers.list()
    assert time.monotonic() - started < 2.4


def test_the_same_key_while_the_first_is_in_flight_is_a_409(emulator: Emulator) -> None:
    fault(emulator, method="POST", path="/v1/customers", kind="latency", latency_ms=1500)
    client = client_for(emulator)
    results: dict[str, Any] = {}

    def first() -> None:
        results["first"] = client.v1.customers.create(
            {"name": "slow"}, {"idempotency_key": "same-key"}
        )

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.4)
    with pytest.raises(stripe.APIError) as error:
        client.v1.customers.create({"name": "slow"}, {"idempotency_key": "same-key"})
    thread.join()
    assert error.value.http_status == 409
    assert error.value.error is not None
    assert error.value.error.code == "idempotency_key_in_use"
    assert [c.id for c in client.v1.customers.list().data] == [results["first"].id]


def test_faults_are_listed_validated_and_cleared(emulator: Emulator) -> None:
    made = fault(emulator, path="/v1/charges/*", kind="latency", remaining=3)
    assert made["method"] == "*"
    assert made["remaining"] == 3
    assert refused(emulator, "POST", "/_emulator/faults", {"kind": "explode"})["param"] == "kind"
    assert refused(emulator, "POST", "/_emulator/faults", {"status": 200})["param"] == "status"
    assert [f["path"] for f in control(emulator, "GET", "/_emulator/faults")["data"]] == [
        "/v1/charges/*"
    ]
    assert control(emulator, "DELETE", "/_emulator/faults")["cleared"] == 1
    assert control(emulator, "GET", "/_emulator/faults")["data"] == []


# --- dashboard ----------------------------------------------------------------------------


def test_dashboard_lists_objects_events_and_deliveries(
    client: stripe.StripeClient, emulator: Emulator, receiver: Receiver
) -> None:
    client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    customer = client.v1.customers.create({"name": "<script>alert(1)</script>"})
    control(emulator, "POST", "/_emulator/webhooks/flush")
    status, kind, html = page(emulator, "/_emulator")
    assert status == 200
    assert kind.startswith("text/html")
    assert '<html lang="en">' in html
    assert f"/_emulator/objects/{customer.id}" in html
    assert "customer.created" in html
    assert "webhook_endpoint" in html
    assert '<th scope="col">HTTP status</th>' in html
    assert "<script>" not in html
    status, _, detail = page(emulator, f"/_emulator/objects/{customer.id}")
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "<script>" not in detail
    assert page(emulator, "/_emulator/objects/cus_nope")[0] == 404
