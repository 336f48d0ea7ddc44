"""A host's double click, or a retry after a timeout, never moves money twice: the
money-moving POSTs take an ``Idempotency-Key``, and a repeat answers with the first result."""

from __future__ import annotations

import threading
from typing import Any

import stripe
from fastapi.testclient import TestClient

from tests.payments.conftest import API, book_stay, pay, set_pricing


def _confirmed(client: TestClient, hosted: dict[str, Any]) -> dict[str, Any]:
    set_pricing(client, hosted, security_deposit_minor=500_00)
    booking = book_stay(client, hosted, "2026-11-23", "2026-11-25")
    paid = pay(client, hosted, booking, save_card=True)
    assert paid.json()["booking_status"] == "confirmed", paid.text
    payment: dict[str, Any] = paid.json()
    return booking | {"payment": payment}


def _twice_at_once(call: Any) -> list[Any]:
    answers: list[Any] = []
    gate = threading.Barrier(2)

    def run() -> None:
        gate.wait()
        answers.append(call())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_an_extra_charge_sent_twice_with_one_key_charges_once(
    client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    booking = _confirmed(client, hosted)
    url = f"{API}/bookings/{booking['id']}/extra-charges"
    body = {"amount_minor": 150_00, "reason": "minibar"}
    keyed = hosted["host"] | {"Idempotency-Key": "minibar-room-4"}
    answers = _twice_at_once(lambda: client.post(url, json=body, headers=keyed))
    assert sorted(a.status_code for a in answers) == [201, 201], [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    later = client.post(url, json=body, headers=keyed)
    assert later.json()["id"] == answers[0].json()["id"]
    assert later.json()["status"] == "succeeded"
    extras = [i for i in sdk.v1.payment_intents.list().data if i.amount == 150_00]
    assert len(extras) == 1
    other = client.post(url, json=body | {"amount_minor": 99_00}, headers=keyed)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    fresh = client.post(url, json=body, headers=hosted["host"] | {"Idempotency-Key": "lamp"})
    assert fresh.json()["id"] != answers[0].json()["id"]  # another key: another charge
    bad = client.post(url, json=body, headers=hosted["host"] | {"Idempotency-Key": "x" * 101})
    assert bad.status_code == 422
    assert "Idempotency-Key" in bad.text


def test_refunds_sent_twice_with_one_key_refund_once(
    client: TestClient, hosted: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    booking = _confirmed(client, hosted)
    host_url = f"{API}/bookings/{booking['id']}/refunds"
    body = {"amount_minor": 100_00, "reason": "the pool was closed"}
    keyed = hosted["host"] | {"Idempotency-Key": "pool-day"}
    answers = _twice_at_once(lambda: client.post(host_url, json=body, headers=keyed))
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert client.post(host_url, json=body, headers=keyed).json() == answers[0].json()
    changed = client.post(host_url, json=body | {"amount_minor": 5_00}, headers=keyed)
    assert changed.status_code == 409

    payment_url = f"{API}/payments/{booking['payment']['id']}/refunds"
    admin = hosted["admin"] | {"Idempotency-Key": "goodwill-1"}
    first = client.post(payment_url, json={"amount_minor": 50_00, "reason": "x"}, headers=admin)
    again = client.post(payment_url, json={"amount_minor": 50_00, "reason": "x"}, headers=admin)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    charge = sdk.v1.payment_intents.retrieve(booking["payment"]["stripe_payment_intent"])
    refunds = sdk.v1.refunds.list({"payment_intent": charge.id}).data
    assert sorted(r.amount for r in refunds) == [50_00, 100_00]
