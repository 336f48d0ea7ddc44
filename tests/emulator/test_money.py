"""The ledger through the SDK: charges book Stripe's fee, destination and direct charges move
money between the platform and connected accounts, pending funds mature on the clock.

Every scenario checks that the balance transactions of each account sum to exactly what the
money model predicts, and that ``GET /v1/balance`` agrees with them."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator

DAY = 86400


def fee(amount: int) -> int:
    """Stripe's default test fee: 2.9 % (half up) + 30."""
    return (amount * 29 + 500) // 1000 + 30


def connected(client: stripe.StripeClient, emulator: Emulator) -> str:
    """A fully onboarded Express account (card_payments and transfers active)."""
    from stripe_emulator.resources import accounts

    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": "US",
            "email": "host@example.com",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    with emulator.store.lock:
        stored = emulator.store.find(account.id)
        assert stored is not None
        accounts.finish_onboarding(emulator.ctx(), stored, "complete")
    return account.id


def pay(
    client: stripe.StripeClient,
    amount: int = 10000,
    method: str = "pm_card_visa",
    account: str | None = None,
    **extra: Any,
) -> stripe.PaymentIntent:
    """A confirmed card payment (``account``: a direct charge with Stripe-Account)."""
    params: dict[str, Any] = {
        "amount": amount,
        "currency": "usd",
        "payment_method": method,
        "payment_method_types": ["card"],
        "confirm": True,
        **extra,
    }
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    intent = client.v1.payment_intents.create(params, options)  # type: ignore[arg-type]
    assert intent.status == "succeeded"
    return intent


def txns(client: stripe.StripeClient, account: str | None = None) -> list[Any]:
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    listing = client.v1.balance_transactions.list({"limit": 100}, options)  # type: ignore[arg-type]
    return list(listing.auto_paging_iter())


def net(client: stripe.StripeClient, account: str | None = None) -> int:
    """The sum of an account's balance transactions, checked against ``GET /v1/balance``."""
    total = sum(t.net for t in txns(client, account))
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    balance = client.v1.balance.retrieve(None, options)  # type: ignore[arg-type]
    shown = sum(e.amount for e in balance.available) + sum(e.amount for e in balance.pending)
    assert shown == total
    return total


def by_type(client: stripe.StripeClient, account: str | None = None) -> dict[str, int]:
    sums: dict[str, int] = {}
    for t in txns(client, account):
        sums[t.type] = sums.get(t.type, 0) + t.net
    return sums


def event_types(client: stripe.StripeClient, account: str | None = None) -> list[str]:
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    listing = client.v1.events.list({"limit": 100}, options)  # type: ignore[arg-type]
    return [e.type for e in listing.data]


def latest_charge(
    client: stripe.StripeClient, intent: stripe.PaymentIntent, account: str | None = None
) -> stripe.Charge:
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    return client.v1.charges.retrieve(str(intent.latest_charge), None, options)  # type: ignore[arg-type]


# --- tests ---------------------------------------------------------------------------------------


def test_platform_charge_books_fee_and_matures(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    intent = pay(client, 10000)
    charge = latest_charge(client, intent)
    txn = client.v1.balance_transactions.retrieve(str(charge.balance_transaction))
    assert (txn.type, txn.amount, txn.fee, txn.net) == (
        "charge",
        10000,
        fee(10000),
        10000 - fee(10000),
    )
    assert txn.status == "pending"
    assert txn.source == charge.id
    assert txn.reporting_category == "charge"
    assert txn.fee_details[0].type == "stripe_fee"
    assert txn.available_on == txn.created + 2 * DAY
    balance = client.v1.balance.retrieve()
    assert [(e.currency, e.amount) for e in balance.pending] == [("usd", 10000 - fee(10000))]
    assert balance.available[0].amount == 0
    emulator.advance(2 * DAY + 1)
    balance = client.v1.balance.retrieve()
    assert balance.available[0].amount == 10000 - fee(10000)
    assert balance.pending[0].amount == 0
    assert client.v1.balance_transactions.retrieve(txn.id).status == "available"
    assert "balance.available" in event_types(client)
    history = client.v1.balance_transactions.list({"type": "charge", "source": charge.id})
    assert [t.id for t in history.data] == [txn.id]


def test_bypass_pending_is_available_at_once(client: stripe.StripeClient) -> None:
    pay(client, 5000, "pm_card_bypassPending")
    balance = client.v1.balance.retrieve()
    assert balance.available[0].amount == 5000 - fee(5000)
    assert balance.pending[0].amount == 0


def test_destination_charge_with_application_fee(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, application_fee_amount=1000, transfer_data={"destination": host})
    charge = client.v1.charges.retrieve(
        str(intent.latest_charge), {"expand": ["transfer", "application_fee"]}
    )
    transfer = charge.transfer
    assert isinstance(transfer, stripe.Transfer)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        10000,
        host,
        charge.id,
    )
    application_fee = charge.application_fee
    assert isinstance(application_fee, stripe.ApplicationFee)
    assert (application_fee.amount, application_fee.account) == (1000, host)
    assert application_fee.originating_transaction == charge.id
    assert application_fee.charge == transfer.destination_payment
    payment = client.v1.charges.retrieve(
        str(transfer.destination_payment), None, {"stripe_account": host}
    )
    assert payment.id.startswith("py_")
    assert payment.amount == 10000
    assert payment.source_transfer == transfer.id
    assert by_type(client) == {
        "charge": 10000 - fee(10000),
        "transfer": -10000,
        "application_fee": 1000,
    }
    assert net(client) == 1000 - fee(10000)
    assert by_type(client, host) == {"payment": 10000, "application_fee": -1000}
    assert net(client, host) == 9000
    assert {"transfer.created", "application_fee.created"} <= set(event_types(client))
    fees = client.v1.application_fees.list({"charge": charge.id})
    assert [f.id for f in fees.data] == [application_fee.id]


def test_destination_charge_with_transfer_amount(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, transfer_data={"destination": host, "amount": 8000})
    charge = latest_charge(client, intent)
    assert charge.application_fee is None
    assert client.v1.transfers.retrieve(str(charge.transfer)).amount == 8000
    assert net(client) == 10000 - fee(10000) - 8000
    assert net(client, host) == 8000
    assert client.v1.application_fees.list().data == []


def test_destination_charge_without_fee_transfers_everything(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    pay(client, 7000, transfer_data={"destination": host})
    assert net(client) == -fee(7000)
    assert net(client, host) == 7000
    # the destination's funds mature with the charge's
    assert client.v1.balance.retrieve(None, {"stripe_account": host}).pending[0].amount == 7000
    emulator.advance(2 * DAY + 1)
    assert client.v1.balance.retrieve(None, {"stripe_account": host}).available[0].amount == 7000


def test_direct_charge_pays_application_fee_to_platform(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, account=host, application_fee_amount=500)
    charge = latest_charge(client, intent, host)
    assert charge.application_fee_amount == 500
    assert by_type(client, host) == {"charge": 10000 - fee(10000), "application_fee": -500}
    assert net(client, host) == 10000 - fee(10000) - 500
    assert by_type(client) == {"application_fee": 500}
    application_fee = client.v1.application_fees.retrieve(str(charge.application_fee))
    assert (application_fee.account, application_fee.charge) == (host, charge.id)
    assert application_fee.originating_transaction is None
    assert client.v1.balance_transactions.list(None, {"stripe_account": host}).data[0].source


def test_application_fee_refunds_endpoint(client: stripe.StripeClient, emulator: Emulator) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, application_fee_amount=1000, transfer_data={"destination": host})
    fee_id = str(latest_charge(client, intent).application_fee)
    partial = client.v1.application_fees.refunds.create(fee_id, {"amount": 400})
    assert (partial.amount, partial.fee) == (400, fee_id)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.application_fees.refunds.create(fee_id, {"amount": 700})
    assert error.value.param == "amount"
    rest = client.v1.application_fees.refunds.create(fee_id)
    assert rest.amount == 600
    application_fee = client.v1.application_fees.retrieve(fee_id)
    assert (application_fee.amount_refunded, application_fee.refunded) == (1000, True)
    listed = client.v1.application_fees.refunds.list(fee_id)
    assert [r.id for r in listed.data] == [rest.id, partial.id]
    updated = client.v1.application_fees.refunds.update(
        fee_id, partial.id, {"metadata": {"a": "b"}}
    )
    assert updated.metadata["a"] == "b"
    assert net(client) == -fee(10000)
    assert net(client, host) == 10000
    assert "application_fee.refund.updated" in event_types(client)
