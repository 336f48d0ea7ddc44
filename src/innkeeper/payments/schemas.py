"""Request and response bodies of the payments API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from innkeeper.payments.checkout import PayPlan
from innkeeper.payments.domain import PaymentKind, PaymentStatus
from innkeeper.schemas import MoneyOut, StrictInput

StripeId = Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_]+$")]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://")]


class PayIn(StrictInput):
    plan: PayPlan = PayPlan.SCHEDULE
    payment_method: StripeId | None = None  # from Stripe.js, or a saved card's id
    save_card: bool = False
    return_url: Url | None = None


class CheckoutIn(StrictInput):
    plan: PayPlan = PayPlan.SCHEDULE
    save_card: bool = False
    success_url: Url | None = None
    cancel_url: Url | None = None


class SetupConfirmIn(StrictInput):
    payment_method: StripeId
    return_url: Url | None = None


class PaymentOut(BaseModel):
    id: uuid.UUID
    booking_id: uuid.UUID | None
    kind: PaymentKind
    installment: int | None
    status: PaymentStatus
    amount: MoneyOut
    captured: MoneyOut
    refunded: MoneyOut
    description: str
    stripe_payment_intent: str | None
    client_secret: str | None  # for Stripe.js, shown to the payer only
    next_action_url: str | None  # 3-D Secure or the hosted Checkout page
    failure_code: str | None
    failure_message: str | None
    due_at: datetime | None
    created_at: datetime
    booking_status: str | None = None


class SavedCardOut(BaseModel):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


class SetupOut(BaseModel):
    id: str
    client_secret: str
    status: str
    payment_method: str | None
    next_action_url: str | None
