"""Security-deposit holds (placed before arrival, re-authorized for long stays, captured
against a damage claim or released after check-out) and extra charges to the saved card."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from innkeeper.core.clock import FixedClock
from innkeeper.payments import holds, ledger
from innkeeper.services import Services
from tests.payments.conftest import API, book_stay, pay
from tests.payments.test_schedules import set_pricing

DEPOSIT_MINOR = 1000_00


def _confirmed(client: TestClient, hosted: dict[str, Any], check_in: str, check_out: str) -> Any:
    set_pricing(client, hosted, security_deposit_minor=DEPOSIT_MINOR)
    booking = book_stay(client, hosted, check_in, check_out)
    paid = pay(client, hosted, booking, save_card=True)  # a deposit needs a saved card
    assert paid.json()["booking_status"] == "confirmed", paid.text
    return booking


def _holds(services: Services, booking: dict[str, Any]) -> list[Any]:
    return holds.holds_of(services, uuid.UUID(booking["id"]))


def _balanced(services: Services) -> None:
    with services.uow() as uow:
        assert ledger.unbalanced(uow.session) == []


def test_a_hold_is_placed_before_arrival_then_partly_captured_for_damage(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock, sdk: Any
) -> None:
    booking = _confirmed(client, hosted, "2026-11-25", "2026-11-27")
    assert holds.run_due(services)["placed"] == 0  # arrival is more than a day away
    clock.advance(days=2, hours=6)
    assert holds.run_due(services)["placed"] == 1
    assert holds.run_due(services)["placed"] == 0  # once
    [hold] = _holds(services, booking)
    assert (hold.status, hold.amount_minor, hold.captured_minor) == ("authorized", DEPOSIT_MINOR, 0)
    assert hold.authorized_until is not None
    assert hold.authorized_until > clock.now()
    intent = sdk.v1.payment_intents.retrieve(hold.stripe_intent_id)
    assert (intent.status, intent.capture_method) == ("requires_capture", "manual")
    assert intent.transfer_data.destination == hosted["account"]
    url = f"{API}/bookings/{booking['id']}/security-hold"
    claim = {"amount_minor": 300_00, "reason": "a broken lamp"}
    assert client.post(f"{url}/capture", json=claim, headers=hosted["guest"]).status_code == 403
    too_much = client.post(f"{url}/capture", json=claim | {"amount_minor": DEPOSIT_MINOR + 1},
                           headers=hosted["host"])  # fmt: skip
    assert too_much.status_code == 422
    taken = client.post(f"{url}/capture", json=claim, headers=hosted["host"])
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["captured"]["amount_minor"]) == (
        "succeeded",
        300_00,
    )
    intent = sdk.v1.payment_intents.retrieve(hold.stripe_intent_id)
    assert (intent.status, intent.amount_received) == ("succeeded", 300_00)
    assert _holds(services, booking)[0].reason == "a broken lamp"
    again = client.post(f"{url}/release", headers=hosted["host"])
    assert again.status_code == 409  # the rest was released with the capture
    _balanced(services)


def test_the_hold_is_released_after_check_out(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock, sdk: Any
) -> None:
    booking = _confirmed(client, hosted, "2026-11-23", "2026-11-25")
    clock.advance(hours=6)  # a day before arrival
    assert holds.run_due(services)["placed"] == 1
    clock.advance(days=4)  # check-out plus one day: not yet
    assert holds.run_due(services)["released"] == 0
    clock.advance(days=1, hours=6)
    assert holds.run_due(services)["released"] == 1
    [hold] = _holds(services, booking)
    assert hold.status == "canceled"
    assert hold.released_at is not None
    assert sdk.v1.payment_intents.retrieve(hold.stripe_intent_id).status == "canceled"
    assert holds.run_due(services) == {"placed": 0, "renewed": 0, "released": 0}


def test_the_host_releases_the_hold_early(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock, sdk: Any
) -> None:
    booking = _confirmed(client, hosted, "2026-11-23", "2026-11-25")
    clock.advance(hours=6)
    assert holds.run_due(services)["placed"] == 1
    released = client.post(f"{API}/bookings/{booking['id']}/security-hold/release",
                           headers=hosted["host"])  # fmt: skip
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "canceled"
    intent = sdk.v1.payment_intents.retrieve(released.json()["stripe_payment_intent"])
    assert intent.status == "canceled"


def test_a_long_stay_is_re_authorized_before_the_hold_lapses(
    client: TestClient, hosted: dict[str, Any], services: Services, clock: FixedClock, sdk: Any
) -> None:
    booking = _confirmed(client, hosted, "2026-11-23", "2026-12-07")
    clock.advance(hours=6)
    assert holds.run_due(services)["placed"] == 1
    [first] = _holds(services, booking)
    assert first.authorized_until is not None
    clock.advance(seconds=(first.authorized_until - clock.now()).total_seconds() - 3600 * 12)
    assert holds.run_due(services)["renewed"] == 1
    old, new = _holds(services, booking)
    assert (old.status, new.status) == ("canceled", "authorized")
    assert sdk.v1.payment_intents.retrieve(old.stripe_intent_id).status == "canceled"
    assert sdk.v1.payment_intents.retrieve(new.stripe_intent_id).status == "requires_capture"
    assert holds.run_due(services)["renewed"] == 0


def test_an_extra_charge_goes_to_the_host_and_a_decline_is_clear(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: Any
) -> None:
    booking = _confirmed(client, hosted, "2026-11-23", "2026-11-25")
    url = f"{API}/bookings/{booking['id']}/extra-charges"
    body = {"amount_minor": 150_00, "reason": "minibar", "description": "Minibar, two nights"}
    assert client.post(url, json=body, headers=hosted["guest"]).status_code == 403
    made = client.post(url, json=body, headers=hosted["host"])
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["kind"]) == ("succeeded", "extra")
    intent = sdk.v1.payment_intents.retrieve(made.json()["stripe_payment_intent"])
    assert intent.transfer_data.destination == hosted["account"]
    assert not intent.application_fee_amount
    setup = client.post(f"{API}/me/payment-methods/setup-intent", headers=hosted["guest"]).json()
    saved = client.post(
        f"{API}/me/payment-methods/setup-intent/{setup['id']}/confirm",
        json={"payment_method": "pm_card_chargeCustomerFail"},
        headers=hosted["guest"],
    ).json()
    default = client.post(f"{API}/me/payment-methods/{saved['payment_method']}/default",
                          headers=hosted["guest"])  # fmt: skip
    assert default.status_code == 200, default.text
    declined = client.post(url, json=body | {"reason": "late check-out"}, headers=hosted["host"])
    assert declined.status_code == 402, declined.text
    assert declined.json()["error"]["code"] == "payment_failed"
    listed = client.get(url, headers=hosted["guest"]).json()
    assert [(p["status"], p["failure_code"]) for p in listed] == [
        ("succeeded", None),
        ("requires_payment_method", "generic_decline"),
    ]
    _balanced(services)
