"""The escrow primitive: one platform charge for a cart, each provider paid by its own
transfer when its service is delivered, reversed on a refund."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import stripe

from innkeeper.core.clock import FixedClock
from innkeeper.core.errors import InvalidInput
from innkeeper.payments import escrow, ledger
from innkeeper.payments.domain import Account, PaymentStatus, TransferStatus
from innkeeper.services import Services
from stripe_emulator.server import Emulator
from tests.builders import make_org, make_user
from tests.payments.conftest import connect


@pytest.fixture
def cart(services: Services, emulator: Emulator, clock: FixedClock) -> dict[str, Any]:
    guest = make_user(services, email="traveller@example.com")
    providers = []
    for name in ("boat", "chef"):
        owner = make_user(services, email=f"{name}@example.com")
        org = make_org(services, owner, slug=f"{name}-co")
        providers.append((org.id, connect(services, emulator, org.id)))
    payment = escrow.create_cart_payment(
        services,
        payer_user_id=guest.id,
        currency="AED",
        amount_minor=1000_00,
        items=[
            escrow.CartItem(providers[0][0], 600_00, clock.now() + timedelta(days=2), None, None),
            escrow.CartItem(providers[1][0], 250_00, clock.now() + timedelta(days=3), None, None),
        ],
        description="Trip to Dubai",
    )  # fmt: skip
    return {"payment": payment, "providers": providers}


def by_provider(services: Services, payment_id: Any, cart: dict[str, Any]) -> list[Any]:
    rows = {e.organization_id: e for e in escrow.escrows_of(services, payment_id)}
    return [rows[org_id] for org_id, _ in cart["providers"]]


def test_a_cart_is_charged_once_and_providers_are_paid_when_delivered(
    services: Services, cart: dict[str, Any], sdk: stripe.StripeClient, clock: FixedClock
) -> None:
    paid = escrow.pay_cart(services, cart["payment"].id, "pm_card_visa")
    assert paid.status is PaymentStatus.SUCCEEDED
    intent = sdk.v1.payment_intents.retrieve(str(paid.stripe_intent_id))
    assert intent.transfer_data is None
    assert intent.transfer_group == f"cart-{paid.id}"
    assert escrow.release_due(services) == 0  # nothing delivered yet
    clock.advance(days=2, minutes=1)
    assert escrow.release_due(services) == 1
    first, second = by_provider(services, paid.id, cart)
    assert (first.status, second.status) == (TransferStatus.PAID, TransferStatus.HELD)
    transfer = sdk.v1.transfers.retrieve(str(first.stripe_transfer_id))
    assert (transfer.amount, transfer.destination) == (600_00, cart["providers"][0][1])
    assert transfer.transfer_group == f"cart-{paid.id}"
    assert escrow.release(services, first.id).stripe_transfer_id == first.stripe_transfer_id
    assert len(sdk.v1.transfers.list({"transfer_group": f"cart-{paid.id}"}).data) == 1
    with services.uow() as uow:
        earned = ledger.balances(uow.session, organization_id=cart["providers"][1][0])
    assert earned[(Account.HOST_PAYABLE, "AED")] == -250_00


def test_a_refund_reverses_a_paid_payout_and_reduces_a_held_one(
    services: Services, cart: dict[str, Any], sdk: stripe.StripeClient
) -> None:
    paid = escrow.pay_cart(services, cart["payment"].id, "pm_card_visa")
    first, second = by_provider(services, paid.id, cart)
    escrow.release(services, first.id)
    reversed_ = escrow.reverse(services, first.id, 100_00, reason="cruise cut short")
    assert reversed_.reversed_minor == 100_00
    reversals = sdk.v1.transfers.reversals.list(str(reversed_.stripe_transfer_id)).data
    assert [r.amount for r in reversals] == [100_00]
    held = escrow.reverse(services, second.id, 250_00, reason="chef cancelled")
    assert held.status is TransferStatus.CANCELED
    with pytest.raises(InvalidInput):
        escrow.reverse(services, first.id, 600_00, reason="too much")


def test_a_cart_refuses_payouts_above_its_amount(services: Services, cart: dict[str, Any]) -> None:
    org_id = cart["providers"][0][0]
    with pytest.raises(InvalidInput) as error:
        escrow.create_cart_payment(
            services, payer_user_id=cart["payment"].payer_user_id, currency="AED",
            amount_minor=100, items=[escrow.CartItem(org_id, 200)], description="x",
        )  # fmt: skip
    assert error.value.fields[0].field == "amount_minor"
    assert uuid.UUID(str(cart["payment"].id))
