"""Security-deposit claims and releases, and extra charges: host-side routes that each call
one service function. Declines answer 402 with Stripe's code."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import Field

from innkeeper.deps import IdempotencyKey, OptionalActor, ServicesDep
from innkeeper.payments import extras, holds
from innkeeper.payments.router import _out
from innkeeper.payments.schemas import PaymentOut
from innkeeper.schemas import StrictInput

router = APIRouter(tags=["payments"])
ONE = "/bookings/{booking_id}"
Amount = Annotated[int, Field(gt=0, le=10**12)]
Reason = Annotated[str, Field(min_length=3, max_length=2000)]


class CaptureIn(StrictInput):
    amount_minor: Amount
    reason: Reason


class ExtraChargeIn(StrictInput):
    amount_minor: Amount
    reason: Reason
    description: Annotated[str, Field(max_length=500)] = ""


@router.get(ONE + "/security-hold", response_model=list[PaymentOut])
def security_holds(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[PaymentOut]:
    """Every hold of the booking, oldest first (a re-authorized stay has several)."""
    extras.list_extras(services, actor, booking_id)  # the same visibility as its charges
    return [_out(services, p) for p in holds.holds_of(services, booking_id)]


@router.post(ONE + "/security-hold/capture", response_model=PaymentOut)
def capture_security_hold(
    booking_id: uuid.UUID, body: CaptureIn, services: ServicesDep, actor: OptionalActor
) -> PaymentOut:
    """A damage claim: take ``amount_minor`` of the hold (the rest is released)."""
    payment = holds.capture(services, actor, booking_id, body.amount_minor, body.reason)
    return _out(services, payment)


@router.post(ONE + "/security-hold/release", response_model=PaymentOut)
def release_security_hold(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> PaymentOut:
    return _out(services, holds.release_now(services, actor, booking_id))


@router.post(ONE + "/extra-charges", response_model=PaymentOut, status_code=status.HTTP_201_CREATED)
def charge_extra(
    booking_id: uuid.UUID,
    body: ExtraChargeIn,
    services: ServicesDep,
    actor: OptionalActor,
    key: IdempotencyKey,
) -> PaymentOut:
    """Charge damage or incidentals to the guest's saved card, off-session. Send an
    ``Idempotency-Key`` so a retried request cannot charge twice."""
    extra = extras.ExtraCharge(body.amount_minor, body.reason, body.description)
    return _out(services, extras.charge(services, actor, booking_id, extra, client_key=key))


@router.get(ONE + "/extra-charges", response_model=list[PaymentOut])
def extra_charges(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[PaymentOut]:
    return [_out(services, p) for p in extras.list_extras(services, actor, booking_id)]
