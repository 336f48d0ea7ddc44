"""Disputes, early fraud warnings and reviews through the SDK: the dispute test cards, money
withdrawn and reinstated, evidence outcomes, inquiries, and the control endpoints."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator
from tests.emulator.test_money import by_type, connected, event_types, fee, latest_charge, net, pay


def control(emulator: Emulator, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{emulator.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def only_dispute(client: stripe.StripeClient, charge: str) -> stripe.Dispute:
    found = client.v1.disputes.list({"charge": charge}).data
    assert len(found) == 1
    return found[0]


def test_fraudulent_dispute_won_with_evidence(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    intent = pay(client, 10000, "pm_card_createDispute")
    charge_id = str(intent.latest_charge)
    assert client.v1.disputes.list().data == []  # not inside the confirm response
    emulator.advance(3)
    dispute = only_dispute(client, charge_id)
    assert (dispute.status, dispute.reason, dispute.amount) == (
        "needs_response",
        "fraudulent",
        10000,
    )
    assert dispute.payment_intent == intent.id
    assert dispute.is_charge_refundable is False
    withdrawal = dispute.balance_transactions[0]
    assert (withdrawal.type, withdrawal.amount, withdrawal.fee, withdrawal.net) == (
        "adjustment",
        -10000,
        1500,
        -11500,
    )
    assert withdrawal.reporting_category == "dispute"
    assert latest_charge(client, intent).disputed is True
    assert net(client) == 10000 - fee(10000) - 11500
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"charge": charge_id})
    assert error.value.code == "charge_disputed"
    submitted = client.v1.disputes.update(
        dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}}
    )
    assert submitted.status == "under_review"
    assert submitted.evidence_details.submission_count == 1
    assert submitted.evidence_details.has_evidence is True
    emulator.advance(3)
    won = client.v1.disputes.retrieve(dispute.id)
    assert won.status == "won"
    assert [t.net for t in won.balance_transactions] == [-11500, 10000]
    assert net(client) == 10000 - fee(10000) - 1500  # the dispute fee is not returned
    types = event_types(client)
    for expected in (
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ):
        assert expected in types


def test_losing_evidence_and_unsubmitted_evidence(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    intent = pay(client, 5000, "pm_card_createDisputeProductNotReceived")
    emulator.advance(3)
    dispute = only_dispute(client, str(intent.latest_charge))
    assert dispute.reason == "product_not_received"
    draft = client.v1.disputes.update(
        dispute.id, {"evidence": {"product_description": "room"}, "submit": False}
    )
    assert draft.status == "needs_response"
    assert draft.evidence.product_description == "room"
    assert draft.evidence_details.submission_count == 0
    client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "losing_evidence"}})
    emulator.advance(3)
    assert client.v1.disputes.retrieve(dispute.id).status == "lost"
    assert net(client) == 5000 - fee(5000) - 5000 - 1500
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "more"}})


def test_inquiry_moves_no_money_and_closes(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 5000, "pm_card_createDisputeInquiry")
    emulator.advance(3)
    dispute = only_dispute(client, str(intent.latest_charge))
    assert dispute.status == "warning_needs_response"
    assert dispute.balance_transactions == []
    assert net(client) == 5000 - fee(5000)
    closed = client.v1.disputes.close(dispute.id)
    assert closed.status == "warning_closed"
    assert "charge.dispute.funds_withdrawn" not in event_types(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.close(dispute.id)


def test_accepting_a_chargeback_loses_it(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 5000, "pm_card_createDispute")
    emulator.advance(3)
    dispute = only_dispute(client, str(intent.latest_charge))
    assert client.v1.disputes.close(dispute.id).status == "lost"
    assert net(client) == 5000 - fee(5000) - 6500


def test_destination_charge_dispute_debits_the_platform(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    host = connected(client, emulator)
    intent = pay(
        client,
        10000,
        "pm_card_createDispute",
        application_fee_amount=1000,
        transfer_data={"destination": host},
    )
    emulator.advance(3)
    dispute = only_dispute(client, str(intent.latest_charge))
    assert dispute.status == "needs_response"
    assert by_type(client)["adjustment"] == -11500
    assert net(client) == 1000 - fee(10000) - 11500
    assert net(client, host) == 9000


def test_multiple_disputes_card(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 2000, "pm_card_createMultipleDisputes")
    emulator.advance(10)
    found = client.v1.disputes.list({"payment_intent": intent.id}).data
    assert len(found) == 2


def test_control_plane_opens_and_resolves(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 8000)
    charge_id = str(intent.latest_charge)
    opened = control(
        emulator, f"/_emulator/charges/{charge_id}/dispute", {"reason": "duplicate", "amount": 3000}
    )
    assert (opened["status"], opened["amount"], opened["reason"]) == (
        "needs_response",
        3000,
        "duplicate",
    )
    resolved = control(emulator, f"/_emulator/disputes/{opened['id']}/resolve", {"outcome": "won"})
    assert resolved["status"] == "won"
    assert net(client) == 8000 - fee(8000) - 1500
    inquiry = control(emulator, f"/_emulator/charges/{charge_id}/dispute", {"inquiry": True})
    assert inquiry["status"] == "warning_needs_response"


def test_early_fraud_warning_then_refund(client: stripe.StripeClient, emulator: Emulator) -> None:
    intent = pay(client, 5000, "pm_card_createIssuerFraudRecord")
    emulator.advance(3)
    warnings = client.v1.radar.early_fraud_warnings.list({"charge": str(intent.latest_charge)}).data
    assert len(warnings) == 1
    assert warnings[0].actionable is True
    assert warnings[0].payment_intent == intent.id
    assert "radar.early_fraud_warning.created" in event_types(client)
    client.v1.refunds.create({"payment_intent": intent.id, "reason": "fraudulent"})
    warning = client.v1.radar.early_fraud_warnings.retrieve(warnings[0].id)
    assert warning.actionable is False


def test_elevated_risk_opens_a_review(client: stripe.StripeClient) -> None:
    intent = pay(client, 5000, "pm_card_riskLevelElevated")
    charge = latest_charge(client, intent)
    assert charge.review is not None
    review = client.v1.reviews.retrieve(str(charge.review))
    assert (review.open, review.reason, review.charge) == (True, "rule", charge.id)
    assert [r.id for r in client.v1.reviews.list().data] == [review.id]
    approved = client.v1.reviews.approve(review.id)
    assert (approved.open, approved.closed_reason) == (False, "approved")
    assert client.v1.reviews.list().data == []
    assert {"review.opened", "review.closed"} <= set(event_types(client))
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.reviews.approve(review.id)
