"""Refunds through the SDK: full, partial and multiple partial refunds, errors, the Connect
options (``reverse_transfer``, ``refund_application_fee``) with their proportional maths, and
the asynchronous test cards."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator.test_money import by_type, connected, event_types, fee, latest_charge, net, pay


def test_full_refund_then_already_refunded(client: stripe.StripeClient) -> None:
    intent = pay(client, 10000)
    refund = client.v1.refunds.create(
        {"charge": str(intent.latest_charge), "reason": "requested_by_customer"}
    )
    assert (refund.status, refund.amount, refund.payment_intent) == ("succeeded", 10000, intent.id)
    charge = latest_charge(client, intent)
    assert (charge.amount_refunded, charge.refunded) == (10000, True)
    txn = client.v1.balance_transactions.retrieve(str(refund.balance_transaction))
    assert (txn.type, txn.net, txn.source) == ("refund", -10000, refund.id)
    assert net(client) == -fee(10000)  # the processing fee is not returned
    types = event_types(client)
    assert {"refund.created", "charge.refunded"} <= set(types)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"payment_intent": intent.id})
    assert error.value.code == "charge_already_refunded"
    assert len(client.v1.refunds.list({"charge": charge.id}).data) == 1


def test_multiple_partial_refunds_and_over_refund(client: stripe.StripeClient) -> None:
    intent = pay(client, 10000)
    first = client.v1.refunds.create(
        {"payment_intent": intent.id, "amount": 3000, "metadata": {"n": "1"}}
    )
    client.v1.refunds.create({"payment_intent": intent.id, "amount": 2000})
    charge = latest_charge(client, intent)
    assert (charge.amount_refunded, charge.refunded) == (5000, False)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"payment_intent": intent.id, "amount": 6000})
    assert error.value.param == "amount"
    assert "greater than unrefunded amount" in str(error.value.user_message)
    assert latest_charge(client, intent).amount_refunded == 5000
    listed = client.v1.refunds.list({"payment_intent": intent.id})
    assert [r.amount for r in listed.data] == [2000, 3000]
    assert first.metadata["n"] == "1"
    updated = client.v1.refunds.update(first.id, {"metadata": {"n": "2"}})
    assert updated.metadata["n"] == "2"
    assert net(client) == 10000 - fee(10000) - 5000


def test_bad_refund_requests_change_nothing(client: stripe.StripeClient) -> None:
    intent = pay(client, 10000)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({})
    assert error.value.param == "charge"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"charge": "ch_nope"})
    assert (error.value.code, error.value.param) == ("resource_missing", "charge")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"payment_intent": intent.id, "reason": "bored"})
    assert error.value.param == "reason"
    assert client.v1.refunds.list().data == []
    assert latest_charge(client, intent).amount_refunded == 0


def test_destination_refund_reverses_transfer_and_fee_proportionally(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, application_fee_amount=1000, transfer_data={"destination": host})
    charge = latest_charge(client, intent)
    refund = client.v1.refunds.create(
        {
            "charge": charge.id,
            "amount": 2500,
            "reverse_transfer": True,
            "refund_application_fee": True,
        }
    )
    transfer = client.v1.transfers.retrieve(str(charge.transfer))
    assert (transfer.amount_reversed, transfer.reversed) == (2500, False)
    reversal = client.v1.transfers.reversals.retrieve(transfer.id, str(refund.transfer_reversal))
    assert (reversal.amount, reversal.source_refund) == (2500, refund.id)
    application_fee = client.v1.application_fees.retrieve(str(charge.application_fee))
    assert (application_fee.amount_refunded, application_fee.refunded) == (250, False)
    assert net(client) == 1000 - fee(10000) - 2500 + 2500 - 250
    assert net(client, host) == 9000 - 2500 + 250
    assert by_type(client, host) == {
        "payment": 10000,
        "application_fee": -1000,
        "payment_refund": -2500,
        "application_fee_refund": 250,
    }
    assert {"transfer.reversed", "application_fee.refunded"} <= set(event_types(client))
    # the rest: a full refund returns the whole remaining transfer and fee
    client.v1.refunds.create(
        {"charge": charge.id, "reverse_transfer": True, "refund_application_fee": True}
    )
    assert client.v1.transfers.retrieve(transfer.id).reversed is True
    assert client.v1.application_fees.retrieve(application_fee.id).amount_refunded == 1000
    assert net(client) == -fee(10000)
    assert net(client, host) == 0
    payment = client.v1.charges.retrieve(
        str(transfer.destination_payment), None, {"stripe_account": host}
    )
    assert (payment.amount_refunded, payment.refunded) == (10000, True)


def test_reversal_of_transfer_amount_rounds_proportionally(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, transfer_data={"destination": host, "amount": 3333})
    client.v1.refunds.create(
        {"payment_intent": intent.id, "amount": 5000, "reverse_transfer": True}
    )
    transfer = client.v1.transfers.retrieve(str(latest_charge(client, intent).transfer))
    assert transfer.amount_reversed == 1667  # 5000 * 3333 / 10000 = 1666.5, half up
    assert net(client, host) == 3333 - 1667
    assert net(client) == 10000 - fee(10000) - 3333 - 5000 + 1667


def test_destination_refund_without_reversal_is_paid_by_platform(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, application_fee_amount=1000, transfer_data={"destination": host})
    client.v1.refunds.create({"payment_intent": intent.id})
    assert net(client, host) == 9000
    assert net(client) == 1000 - fee(10000) - 10000


def test_direct_charge_refund_with_application_fee(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(client, 10000, account=host, application_fee_amount=500)
    client.v1.refunds.create(
        {"payment_intent": intent.id, "amount": 4000, "refund_application_fee": True},
        {"stripe_account": host},
    )
    assert net(client, host) == 10000 - fee(10000) - 500 - 4000 + 200
    assert net(client) == 500 - 200


def test_pending_refund_settles_on_the_clock(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    intent = pay(client, 3000, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    assert refund.status == "pending"
    emulator.advance(31)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert "refund.updated" in event_types(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.cancel(refund.id)


def test_pending_refund_can_be_canceled(client: stripe.StripeClient) -> None:
    intent = pay(client, 3000, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    canceled = client.v1.refunds.cancel(refund.id)
    assert canceled.status == "canceled"
    assert latest_charge(client, intent).amount_refunded == 0
    assert net(client) == 3000 - fee(3000)


def test_failing_refund_returns_the_money(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 4000, "pm_card_refundFail")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    assert refund.status == "succeeded"
    assert net(client) == -fee(4000)
    emulator.advance(31)
    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.status == "failed"
    assert failed.failure_reason is not None
    failure = client.v1.balance_transactions.retrieve(str(failed.failure_balance_transaction))
    assert (failure.type, failure.net) == ("refund_failure", 4000)
    assert latest_charge(client, intent).amount_refunded == 0
    assert {"refund.failed", "refund.updated"} <= set(event_types(client))
    assert net(client) == 4000 - fee(4000)
