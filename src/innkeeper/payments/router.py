"""Payments API: pay for a booking (card, saved card or hosted Checkout), finish 3-D Secure,
list a booking's payments, and manage saved cards. Each route calls one service function."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from innkeeper.bookings.models import Booking
from innkeeper.core.money import Money
from innkeeper.deps import OptionalActor, ServicesDep
from innkeeper.payments import checkout, customers, queries
from innkeeper.payments.models import Payment
from innkeeper.payments.schemas import (
    CheckoutIn,
    PayIn,
    PaymentOut,
    SavedCardOut,
    SetupConfirmIn,
    SetupOut,
)
from innkeeper.schemas import MoneyOut, money_out

router = APIRouter(tags=["payments"])
ONE = "/bookings/{booking_id}"


@router.post(ONE + "/pay", response_model=PaymentOut)
def pay(
    booking_id: uuid.UUID, body: PayIn, services: ServicesDep, actor: OptionalActor
) -> PaymentOut:
    """Pay what is due now: confirmed here with ``payment_method`` (a PaymentMethod from
    Stripe.js or a saved card), or left for Stripe.js to confirm with ``client_secret``.
    A decline is 402 with Stripe's code; 3-D Secure answers ``requires_action`` with the
    ``next_action_url`` to send the guest to."""
    request = checkout.PayRequest(body.plan, body.payment_method, body.save_card, body.return_url)
    payment = checkout.pay(services, actor, booking_id, request)
    return _out(services, payment, show_secret=True)


@router.post(ONE + "/checkout", response_model=PaymentOut, status_code=status.HTTP_201_CREATED)
def start_checkout(
    booking_id: uuid.UUID, body: CheckoutIn, services: ServicesDep, actor: OptionalActor
) -> PaymentOut:
    """Stripe's hosted Checkout page for what is due now (``next_action_url``)."""
    request = checkout.PayRequest(body.plan, None, body.save_card)
    payment = checkout.start_checkout(
        services, actor, booking_id, request, success_url=body.success_url,
        cancel_url=body.cancel_url,
    )  # fmt: skip
    return _out(services, payment)


@router.get(ONE + "/payments", response_model=list[PaymentOut])
def booking_payments(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[PaymentOut]:
    return [_out(services, p) for p in queries.payments_of(services, actor, booking_id)]


@router.get("/payments/checkout/return", response_model=PaymentOut)
def return_from_checkout(
    session_id: Annotated[str, Query(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_]+$")],
    services: ServicesDep,
) -> PaymentOut:
    """Where Checkout sends the guest back: the session is read from Stripe, never trusted
    from the query string."""
    return _out(services, checkout.complete_checkout(services, session_id))


@router.post("/payments/{payment_id}/refresh", response_model=PaymentOut)
def refresh(payment_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> PaymentOut:
    """Read the payment back from Stripe (after Stripe.js or 3-D Secure) and apply it."""
    return _out(services, checkout.refresh(services, actor, payment_id), show_secret=True)


@router.get("/payments/{payment_id}/return", response_model=PaymentOut)
def return_from_authentication(
    payment_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> PaymentOut:
    """Where 3-D Secure sends the guest back (``return_url``)."""
    return _out(services, checkout.refresh(services, actor, payment_id))


@router.post("/me/payment-methods/setup-intent", response_model=SetupOut, status_code=201)
def create_setup_intent(services: ServicesDep, actor: OptionalActor) -> SetupOut:
    """Save a card for later: confirm the returned SetupIntent with Stripe.js."""
    return SetupOut.model_validate(customers.start_setup(services, actor), from_attributes=True)


@router.post("/me/payment-methods/setup-intent/{setup_intent_id}/confirm", response_model=SetupOut)
def confirm_setup_intent(
    setup_intent_id: Annotated[str, Path(min_length=3, max_length=255)],
    body: SetupConfirmIn,
    services: ServicesDep,
    actor: OptionalActor,
) -> SetupOut:
    setup = customers.confirm_setup(
        services, actor, setup_intent_id, payment_method=body.payment_method,
        return_url=body.return_url,
    )  # fmt: skip
    return SetupOut.model_validate(setup, from_attributes=True)


@router.get("/me/payment-methods", response_model=list[SavedCardOut])
def saved_cards(services: ServicesDep, actor: OptionalActor) -> list[SavedCardOut]:
    return [
        SavedCardOut.model_validate(c, from_attributes=True)
        for c in customers.list_cards(services, actor)
    ]


@router.post("/me/payment-methods/{payment_method}/default", response_model=list[SavedCardOut])
def make_default(
    payment_method: str, services: ServicesDep, actor: OptionalActor
) -> list[SavedCardOut]:
    return [
        SavedCardOut.model_validate(c, from_attributes=True)
        for c in customers.set_default(services, actor, payment_method)
    ]


@router.delete("/me/payment-methods/{payment_method}", status_code=status.HTTP_204_NO_CONTENT)
def delete_card(payment_method: str, services: ServicesDep, actor: OptionalActor) -> None:
    customers.delete_card(services, actor, payment_method)


def _out(services: ServicesDep, payment: Payment, *, show_secret: bool = False) -> PaymentOut:
    def money(minor: int) -> MoneyOut:
        return money_out(Money(minor, payment.currency))

    booking_status = None
    if payment.booking_id is not None:
        with services.uow() as uow:
            booking = uow.session.get(Booking, payment.booking_id)
            booking_status = None if booking is None else booking.status.value
    return PaymentOut(
        id=payment.id,
        booking_id=payment.booking_id,
        kind=payment.kind,
        installment=payment.installment,
        status=payment.status,
        amount=money(payment.amount_minor),
        captured=money(payment.captured_minor),
        refunded=money(payment.refunded_minor),
        description=payment.description,
        stripe_payment_intent=payment.stripe_intent_id,
        client_secret=payment.client_secret if show_secret else None,
        next_action_url=payment.action_url,
        failure_code=payment.failure_code,
        failure_message=payment.failure_message,
        due_at=payment.due_at,
        created_at=payment.created_at,
        booking_status=booking_status,
    )
