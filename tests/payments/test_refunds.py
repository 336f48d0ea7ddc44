"""Refunds against the emulator through the SDK: by cancellation policy (preview = actual),
host- and admin-initiated, of a late payment; with the exact split on Stripe's side (the
refund, the transfer reversal, the application-fee refund) and in the ledger."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from innkeeper.payments import ledger
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.payments.refunds import (
    Parts,
    Refundable,
    refund_due,
    refund_late_payment,
    scale,
    spread,
)
from innkeeper.pricing.schemas import PricingIn
from innkeeper.services import Services
from tests.payments.conftest import API, book_stay, pay


def _set_policy(client: TestClient, hosted: dict[str, Any], kind: str) -> None:
    current = client.get(f"{hosted['base']}/pricing", headers=hosted["host"]).json()
    body = {k: v for k, v in current.items() if k in PricingIn.model_fields}
    body["cancellation"] = {"kind": kind}
    response = client.put(f"{hosted['base']}/pricing", json=body, headers=hosted["host"])
    assert response.status_code == 200, response.text


def _paid(client: TestClient, hosted: dict[str, Any], check_in: str, check_out: str) -> Any:
    booking = book_stay(client, hosted, check_in, check_out)
    paid = pay(client, hosted, booking)
    assert paid.status_code == 200, paid.text
    assert paid.json()["booking_status"] == "confirmed"
    return booking, paid.json()


def _cancel(client: TestClient, hosted: dict[str, Any], booking: Any, who: str) -> Any:
    response = client.post(
        f"{API}/bookings/{booking['id']}/cancel", json={"reason": "plans changed"},
        headers=hosted[who],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def _rows(services: Services, booking_id: str) -> list[RefundRow]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(
                select(RefundRow).where(RefundRow.booking_id == uuid.UUID(booking_id))
            ).all()
        )


def _connected_net(sdk: stripe.StripeClient, account: str) -> int:
    return sum(
        t.net
        for t in sdk.v1.balance_transactions.list(
            {"limit": 100}, {"stripe_account": account}
        ).auto_paging_iter()
    )


def _check_stripe_split(
    sdk: stripe.StripeClient, hosted: dict[str, Any], payment: Any, row: RefundRow
) -> None:
    """On Stripe: the guest got the refund; the connected account gave back exactly the
    host's part (reversal minus fee refund); the fee refund is the platform's part."""
    intent = sdk.v1.payment_intents.retrieve(payment["stripe_payment_intent"])
    charge = sdk.v1.charges.retrieve(str(intent.latest_charge), {"expand": ["application_fee"]})
    assert charge.amount_refunded == row.amount_minor
    fee_part = row.from_platform_minor + row.from_expert_minor
    if row.stripe_reversal_id is not None:
        reversal = sdk.v1.transfers.reversals.retrieve(str(charge.transfer), row.stripe_reversal_id)
        assert reversal.amount == row.from_host_minor + fee_part
    if fee_part:
        assert row.stripe_fee_refund_id is not None
        fee = charge.application_fee
        assert fee is not None
        assert not isinstance(fee, str)
        assert fee.amount_refunded == fee_part


@pytest.mark.parametrize(
    ("policy", "check_in", "check_out", "percent"),
    [
        ("flexible", "2026-12-10", "2026-12-12", 100),
        ("moderate", "2026-11-25", "2026-11-27", 50),
        ("strict", "2026-11-26", "2026-11-28", 0),
    ],
)
def test_a_guest_cancellation_refunds_by_policy_with_the_exact_split(
    client: TestClient,
    hosted: dict[str, Any],
    services: Services,
    sdk: stripe.StripeClient,
    policy: str,
    check_in: str,
    check_out: str,
    percent: int,
) -> None:
    _set_policy(client, hosted, policy)
    booking, payment = _paid(client, hosted, check_in, check_out)
    host_before = _connected_net(sdk, hosted["account"])
    preview = client.get(
        f"{API}/bookings/{booking['id']}/refund-preview", headers=hosted["guest"]
    ).json()
    assert preview["percent"] == str(percent)

    cancelled = _cancel(client, hosted, booking, "guest")

    assert cancelled["status"] == "cancelled"
    assert cancelled["refund_due"]["amount_minor"] == 0
    rows = _rows(services, booking["id"])
    if percent == 0:
        assert rows == []
        assert cancelled["paid"]["amount_minor"] == payment["amount"]["amount_minor"]
        return
    [row] = rows
    assert row.status == "succeeded"
    assert row.amount_minor == preview["refund_now"]["amount_minor"]
    assert (row.from_host_minor, row.from_platform_minor, row.from_expert_minor) == (
        preview["from_host"]["amount_minor"],
        preview["from_platform"]["amount_minor"],
        preview["from_expert"]["amount_minor"],
    )
    assert row.initiated_by == "guest"
    _check_stripe_split(sdk, hosted, payment, row)
    assert host_before - _connected_net(sdk, hosted["account"]) == row.from_host_minor
    assert cancelled["paid"]["amount_minor"] == payment["amount"]["amount_minor"] - row.amount_minor
    with services.uow() as uow:
        assert ledger.unbalanced(uow.session) == []
        assert set(ledger.totals_by_currency(uow.session).values()) == {0}
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    host_payout = booking["host_payout"]["amount_minor"]
    assert balances[("host_payable", "AED")] == -(host_payout - row.from_host_minor)


def test_a_host_cancellation_refunds_everything_and_takes_it_from_each_share(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    host_before = _connected_net(sdk, hosted["account"])
    cancelled = _cancel(client, hosted, booking, "host")
    [row] = _rows(services, booking["id"])
    total = booking["guest_total"]["amount_minor"]
    assert (row.amount_minor, row.initiated_by) == (total, "host")
    assert row.from_host_minor == booking["host_payout"]["amount_minor"]
    assert cancelled["paid"]["amount_minor"] == 0
    assert cancelled["refund_due"]["amount_minor"] == 0
    _check_stripe_split(sdk, hosted, payment, row)
    assert host_before - _connected_net(sdk, hosted["account"]) == row.from_host_minor
    with services.uow() as uow:
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    assert balances.get(("host_payable", "AED"), 0) == 0
    assert balances.get(("platform_revenue", "AED"), 0) == 0


def test_a_host_refunds_part_of_its_share(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    host_before = _connected_net(sdk, hosted["account"])
    url = f"{API}/bookings/{booking['id']}/refunds"
    body = {"amount_minor": 100_00, "reason": "the pool was closed for a day"}
    assert client.post(url, json=body, headers=hosted["guest"]).status_code == 403
    assert client.post(url, json=body, headers=hosted["other"]).status_code == 404
    made = client.post(url, json=body, headers=hosted["host"])
    assert made.status_code == 201, made.text
    [refund] = made.json()
    assert refund["status"] == "succeeded"
    assert refund["amount"]["amount_minor"] == 100_00
    assert refund["from_host"]["amount_minor"] == 100_00
    assert refund["from_platform"]["amount_minor"] == 0
    assert host_before - _connected_net(sdk, hosted["account"]) == 100_00
    [row] = _rows(services, booking["id"])
    _check_stripe_split(sdk, hosted, payment, row)
    listed = client.get(url, headers=hosted["guest"]).json()
    assert [r["id"] for r in listed] == [refund["id"]]

    too_much = {"amount_minor": booking["host_payout"]["amount_minor"], "reason": "everything"}
    refused = client.post(url, json=too_much, headers=hosted["host"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == "amount_minor"
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"]).json()
    assert seen["paid"]["amount_minor"] == payment["amount"]["amount_minor"] - 100_00


def test_an_admin_refunds_a_payment_in_full_and_then_nothing_is_left(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    url = f"{API}/payments/{payment['id']}/refunds"
    assert client.post(url, json={"reason": "goodwill"}, headers=hosted["host"]).status_code == 403
    made = client.post(url, json={"reason": "goodwill"}, headers=hosted["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["amount"]["amount_minor"] == payment["amount"]["amount_minor"]
    [row] = _rows(services, booking["id"])
    assert row.initiated_by == "admin"
    _check_stripe_split(sdk, hosted, payment, row)
    again = client.post(url, json={"amount_minor": 1, "reason": "more"}, headers=hosted["admin"])
    assert again.status_code == 422
    assert again.json()["error"]["fields"][0]["field"] == "amount_minor"


def test_a_late_payment_is_refunded_in_full_by_the_system(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    payment_id = uuid.UUID(payment["id"])
    row = refund_late_payment(services, payment_id)
    assert row is not None
    assert row.status == "succeeded"
    assert row.initiated_by == "system"
    assert row.amount_minor == payment["amount"]["amount_minor"]
    _check_stripe_split(sdk, hosted, payment, row)
    assert refund_late_payment(services, payment_id) is None  # nothing left, nothing twice
    with services.uow() as uow:
        stored = uow.session.get(Payment, payment_id)
        assert stored is not None
        assert stored.refunded_minor == stored.captured_minor
        balances = ledger.balances(uow.session, booking_id=uuid.UUID(booking["id"]))
    assert balances.get(("host_payable", "AED"), 0) == 0


def test_a_refund_with_connect_off_is_just_the_refund(
    client: TestClient, hosted: dict[str, Any], services: Services, sdk: stripe.StripeClient
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    with services.uow() as uow:  # as if the charge had been made without a destination
        stored = uow.session.get(Payment, uuid.UUID(payment["id"]))
        assert stored is not None
        stored.destination = None
        uow.commit()
    made = client.post(
        f"{API}/payments/{payment['id']}/refunds", json={"amount_minor": 50_00, "reason": "x"},
        headers=hosted["admin"],
    )  # fmt: skip
    assert made.status_code == 201, made.text
    [row] = _rows(services, booking["id"])
    assert row.stripe_reversal_id is None
    assert row.stripe_fee_refund_id is None


def test_the_split_across_payments_is_exact() -> None:
    parts = Parts(701, 299, 3)
    lefts = [Refundable(400, 300, 99, 1), Refundable(800, 560, 238, 2)]
    pieces = spread(parts, lefts)
    assert sum(p.amount for p in pieces) == parts.amount
    assert (sum(p.host for p in pieces), sum(p.platform for p in pieces)) == (701, 299)
    assert all(
        p.host <= left.host and p.amount <= left.amount
        for p, left in zip(pieces, lefts, strict=False)
    )
    assert scale(Parts(1000, 250, 0), 625) == Parts(500, 125, 0)


def test_reports_come_from_the_ledger(client: TestClient, hosted: dict[str, Any]) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    refunded = client.post(
        f"{API}/bookings/{booking['id']}/refunds", json={"amount_minor": 100_00, "reason": "x"},
        headers=hosted["host"],
    )  # fmt: skip
    assert refunded.status_code == 201, refunded.text
    earnings_url = f"{API}/organizations/{hosted['org']}/earnings"
    [earned] = client.get(earnings_url, headers=hosted["host"]).json()
    host_payout = booking["host_payout"]["amount_minor"]
    assert (earned["earned"]["amount_minor"], earned["refunded"]["amount_minor"]) == (
        host_payout,
        100_00,
    )
    assert earned["net"]["amount_minor"] == host_payout - 100_00
    later = client.get(
        earnings_url, params={"from": "2027-01-01T00:00:00Z"}, headers=hosted["host"]
    )
    assert later.json() == []
    assert client.get(earnings_url, headers=hosted["guest"]).status_code == 404

    assert client.get(f"{API}/admin/revenue", headers=hosted["host"]).status_code == 403
    [revenue] = client.get(f"{API}/admin/revenue", headers=hosted["admin"]).json()
    fee = payment["amount"]["amount_minor"] - host_payout
    assert (revenue["currency"], revenue["net"]["amount_minor"]) == ("AED", fee)

    ledger_url = f"{API}/bookings/{booking['id']}/ledger"
    assert client.get(ledger_url, headers=hosted["guest"]).status_code == 403
    assert client.get(ledger_url, headers=hosted["other"]).status_code == 404
    seen = client.get(ledger_url, headers=hosted["host"]).json()
    kinds = [e["kind"] for e in seen["entries"]]
    assert {"guest_charge", "refund", "transfer_reversal"} <= set(kinds)
    for entry in seen["entries"]:
        assert sum(p["amount"]["amount_minor"] for p in entry["postings"]) == 0
    assert seen["balances"]["host_payable/AED"]["amount_minor"] == -(host_payout - 100_00)


def test_a_cancellation_refund_cut_short_by_stripe_is_finished_once_by_its_job(
    client: TestClient,
    hosted: dict[str, Any],
    services: Services,
    sdk: stripe.StripeClient,
    emulator: Any,
) -> None:
    booking, payment = _paid(client, hosted, "2026-12-10", "2026-12-12")
    _fault(emulator, {"method": "POST", "path": "/v1/transfers/*/reversals", "kind": "error",
                      "status": "500", "after_apply": "true", "remaining": "20"})  # fmt: skip

    cancelled = _cancel(client, hosted, booking, "host")

    total = booking["guest_total"]["amount_minor"]
    assert cancelled["refund_due"]["amount_minor"] == total  # Stripe failed: the job will pay
    [row] = _rows(services, booking["id"])
    assert row.status == "pending"
    with services.uow() as uow:
        queued = (
            uow.session.execute(
                text("SELECT args FROM procrastinate_jobs WHERE task_name = 'payments:refund_due'")
            )
            .scalars()
            .all()
        )
    assert queued == [{"booking_id": booking["id"]}]
    _fault(emulator, None)

    finished = refund_due(services, uuid.UUID(booking["id"]))  # what the job runs
    assert [r.status for r in finished] == ["succeeded"]
    assert refund_due(services, uuid.UUID(booking["id"])) == []  # again: nothing twice
    intent = sdk.v1.payment_intents.retrieve(payment["stripe_payment_intent"])
    charge = sdk.v1.charges.retrieve(str(intent.latest_charge))
    reversals = sdk.v1.transfers.reversals.list(str(charge.transfer)).data
    assert [r.amount for r in reversals] == [total]  # one reversal despite the retries
    assert charge.amount_refunded == total
    seen = client.get(f"{API}/bookings/{booking['id']}", headers=hosted["guest"]).json()
    assert (seen["paid"]["amount_minor"], seen["refund_due"]["amount_minor"]) == (0, 0)


def _fault(emulator: Any, spec: dict[str, str] | None) -> None:
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        f"{emulator.url}/_emulator/faults",
        data=None if spec is None else urllib.parse.urlencode(spec).encode(),
        headers={"Authorization": "Bearer sk_test_x"},
        method="DELETE" if spec is None else "POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
