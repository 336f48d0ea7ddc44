"""Separate charges and transfers, reversals and payouts through the SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator.test_money import DAY, connected, event_types, fee, net, pay


def test_transfer_needs_available_balance(client: stripe.StripeClient, emulator: Emulator) -> None:
    host = connected(client, emulator)
    pay(client, 10000)  # pending funds only
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": host})
    assert error.value.code == "balance_insufficient"
    assert str(error.value.user_message).startswith("You have insufficient available funds")
    assert client.v1.transfers.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": "acct_nope"})
    assert error.value.param == "destination"


def test_separate_charge_and_transfers_with_reversal(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    other = connected(client, emulator)
    pay(client, 10000, "pm_card_bypassPending", transfer_group="booking-1")
    first = client.v1.transfers.create(
        {"amount": 4000, "currency": "usd", "destination": host, "transfer_group": "booking-1"}
    )
    client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": other})
    assert [t.id for t in client.v1.transfers.list({"transfer_group": "booking-1"}).data] == [
        first.id
    ]
    assert len(client.v1.transfers.list({"destination": other}).data) == 1
    assert net(client) == 10000 - fee(10000) - 5000
    assert net(client, host) == 4000
    reversal = client.v1.transfers.reversals.create(
        first.id, {"amount": 1500, "metadata": {"why": "x"}}
    )
    assert reversal.amount == 1500
    transfer = client.v1.transfers.retrieve(first.id)
    assert (transfer.amount_reversed, transfer.reversed) == (1500, False)
    assert [r.id for r in client.v1.transfers.reversals.list(first.id).data] == [reversal.id]
    assert net(client) == 10000 - fee(10000) - 5000 + 1500
    assert net(client, host) == 2500
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.reversals.create(first.id, {"amount": 3000})
    assert error.value.param == "amount"
    client.v1.transfers.reversals.create(first.id)
    transfer = client.v1.transfers.retrieve(first.id)
    assert (transfer.amount_reversed, transfer.reversed) == (4000, True)
    assert net(client, host) == 0
    updated = client.v1.transfers.update(first.id, {"metadata": {"k": "v"}})
    assert updated.metadata["k"] == "v"
    assert {"transfer.created", "transfer.reversed", "transfer.updated"} <= set(event_types(client))


def test_source_transaction_transfers_pending_funds(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000)
    charge_id = str(intent.latest_charge)
    transfer = client.v1.transfers.create(
        {"amount": 6000, "currency": "usd", "destination": host, "source_transaction": charge_id}
    )
    assert transfer.source_transaction == charge_id
    host_balance = client.v1.balance.retrieve(None, {"stripe_account": host})
    assert host_balance.pending[0].amount == 6000
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.create(
            {
                "amount": 5000,
                "currency": "usd",
                "destination": host,
                "source_transaction": charge_id,
            }
        )
    assert error.value.param == "amount"
    emulator.advance(2 * DAY + 1)
    assert client.v1.balance.retrieve(None, {"stripe_account": host}).available[0].amount == 6000
    assert net(client) == 10000 - fee(10000) - 6000


def test_payout_lifecycle(client: stripe.StripeClient, emulator: Emulator) -> None:
    host = connected(client, emulator)
    pay(client, 10000, "pm_card_bypassPending")
    client.v1.transfers.create({"amount": 5000, "currency": "usd", "destination": host})
    options = {"stripe_account": host}
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payouts.create({"amount": 6000, "currency": "usd"}, options)  # type: ignore[arg-type]
    assert error.value.code == "balance_insufficient"
    payout = client.v1.payouts.create({"amount": 2000, "currency": "usd"}, options)  # type: ignore[arg-type]
    assert payout.status == "pending"
    assert net(client, host) == 3000
    emulator.advance(120)
    assert client.v1.payouts.retrieve(payout.id, None, options).status == "in_transit"  # type: ignore[arg-type]
    emulator.advance(2 * DAY)
    assert client.v1.payouts.retrieve(payout.id, None, options).status == "paid"  # type: ignore[arg-type]
    types = event_types(client, host)
    assert {"payout.created", "payout.updated", "payout.paid"} <= set(types)
    second = client.v1.payouts.create({"amount": 1000, "currency": "usd"}, options)  # type: ignore[arg-type]
    canceled = client.v1.payouts.cancel(second.id, None, options)  # type: ignore[arg-type]
    assert canceled.status == "canceled"
    assert net(client, host) == 3000
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.cancel(payout.id, None, options)  # type: ignore[arg-type]
    listed = client.v1.balance_transactions.list({"payout": payout.id}, options)  # type: ignore[arg-type]
    assert [t.type for t in listed.data] == ["payout"]


def test_payout_to_failing_bank_account(client: stripe.StripeClient, emulator: Emulator) -> None:
    host = connected(client, emulator)
    pay(client, 10000, "pm_card_bypassPending")
    client.v1.transfers.create({"amount": 5000, "currency": "usd", "destination": host})
    bank = client.v1.accounts.external_accounts.create(
        host, {"external_account": "btok_us_verified_noAccount", "default_for_currency": True}
    )
    options = {"stripe_account": host}
    payout = client.v1.payouts.create(
        {"amount": 3000, "currency": "usd", "destination": bank.id},
        options,  # type: ignore[arg-type]
    )
    assert payout.destination == bank.id
    assert net(client, host) == 2000
    emulator.advance(3 * DAY)
    failed = client.v1.payouts.retrieve(payout.id, None, options)  # type: ignore[arg-type]
    assert (failed.status, failed.failure_code) == ("failed", "no_account")
    back = client.v1.balance_transactions.retrieve(
        str(failed.failure_balance_transaction),
        None,
        options,  # type: ignore[arg-type]
    )
    assert (back.type, back.net) == ("payout_failure", 3000)
    assert net(client, host) == 5000
    assert "payout.failed" in event_types(client, host)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payouts.create(
            {"amount": 100, "currency": "usd", "destination": "ba_nope"},
            options,  # type: ignore[arg-type]
        )
    assert error.value.param == "destination"
