"""Refunds and ledger reports API: host- and admin-initiated refunds, a booking's refunds, a
booking's ledger, an organization's earnings and the platform's fee revenue. Each route
calls one service function."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from innkeeper.core.money import Money
from innkeeper.deps import IdempotencyKey, OptionalActor, ServicesDep
from innkeeper.payments import refunds, reports
from innkeeper.payments.models import RefundRow
from innkeeper.schemas import MoneyOut, StrictInput, money_out

router = APIRouter(tags=["payments"])
Reason = Annotated[str, Field(min_length=1, max_length=1000)]


class BookingRefundIn(StrictInput):
    amount_minor: int = Field(gt=0, description="Taken from the host's share only")
    reason: Reason


class PaymentRefundIn(StrictInput):
    amount_minor: int | None = Field(default=None, gt=0, description="Omit: all that is left")
    reason: Reason


class RefundOut(BaseModel):
    id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID | None
    status: str
    amount: MoneyOut
    from_host: MoneyOut
    from_platform: MoneyOut
    from_expert: MoneyOut
    reason: str
    initiated_by: str
    stripe_refund: str | None
    created_at: datetime
    succeeded_at: datetime | None


class PostingOut(BaseModel):
    account: str
    ref: str
    amount: MoneyOut
    stripe_source: str | None


class EntryOut(BaseModel):
    id: int
    at: datetime
    kind: str
    memo: str
    postings: list[PostingOut]


class LedgerOut(BaseModel):
    booking_id: uuid.UUID
    entries: list[EntryOut]
    balances: dict[str, MoneyOut] = Field(description="account/currency → balance")


class EarningsOut(BaseModel):
    currency: str
    earned: MoneyOut
    refunded: MoneyOut
    net: MoneyOut


class RevenueOut(BaseModel):
    currency: str
    fees: MoneyOut
    refunded: MoneyOut
    net: MoneyOut


@router.post(
    "/bookings/{booking_id}/refunds",
    response_model=list[RefundOut],
    status_code=status.HTTP_201_CREATED,
)
def refund_booking(
    booking_id: uuid.UUID,
    body: BookingRefundIn,
    services: ServicesDep,
    actor: OptionalActor,
    key: IdempotencyKey,
) -> list[RefundOut]:
    """The host gives money back from its own share (one refund per payment it comes from).
    Send an ``Idempotency-Key`` so a retried request cannot refund twice."""
    rows = refunds.host_refund(
        services, actor, booking_id, amount=body.amount_minor, reason=body.reason,
        client_key=key,
    )  # fmt: skip
    return [refund_out(r) for r in rows]


@router.post(
    "/payments/{payment_id}/refunds", response_model=RefundOut, status_code=status.HTTP_201_CREATED
)
def refund_payment(
    payment_id: uuid.UUID,
    body: PaymentRefundIn,
    services: ServicesDep,
    actor: OptionalActor,
    key: IdempotencyKey,
) -> RefundOut:
    """Refund a payment (admins; host managers for extra charges and hold captures). Send an
    ``Idempotency-Key`` so a retried request cannot refund twice."""
    row = refunds.refund_of_payment(
        services, actor, payment_id, amount=body.amount_minor, reason=body.reason,
        client_key=key,
    )  # fmt: skip
    return refund_out(row)


@router.get("/bookings/{booking_id}/refunds", response_model=list[RefundOut])
def booking_refunds(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[RefundOut]:
    return [refund_out(r) for r in refunds.refunds_of(services, actor, booking_id)]


@router.get("/bookings/{booking_id}/ledger", response_model=LedgerOut)
def booking_ledger(booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor) -> LedgerOut:
    """Every money event of a booking, with its postings: for its host and admins."""
    found = reports.booking_ledger(services, actor, booking_id)
    return LedgerOut(
        booking_id=booking_id,
        entries=[
            EntryOut(
                id=e.id, at=e.at, kind=e.kind, memo=e.memo,
                postings=[
                    PostingOut(account=p.account, ref=p.ref, stripe_source=p.stripe_source,
                               amount=money_out(Money(p.amount_minor, p.currency)))
                    for p in e.postings
                ],
            )
            for e in found.entries
        ],
        balances={
            f"{account}/{currency}": money_out(Money(amount, currency))
            for (account, currency), amount in sorted(found.balances.items())
        },
    )  # fmt: skip


@router.get("/organizations/{organization_id}/earnings", response_model=list[EarningsOut])
def organization_earnings(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> list[EarningsOut]:
    """What the host earned, what it gave back, and the net, per currency, from the ledger."""
    rows = reports.host_earnings(services, actor, organization_id, since=since, until=until)
    return [
        EarningsOut(
            currency=r.currency, earned=_m(r.earned, r.currency),
            refunded=_m(r.refunded, r.currency), net=_m(r.net, r.currency),
        )
        for r in rows
    ]  # fmt: skip


@router.get("/admin/revenue", response_model=list[RevenueOut], tags=["admin"])
def platform_revenue(
    services: ServicesDep,
    actor: OptionalActor,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> list[RevenueOut]:
    """The platform's fee revenue per currency: fees earned, fees refunded, the net."""
    rows = reports.platform_revenue(services, actor, since=since, until=until)
    return [
        RevenueOut(
            currency=r.currency, fees=_m(r.earned, r.currency),
            refunded=_m(r.refunded, r.currency), net=_m(r.net, r.currency),
        )
        for r in rows
    ]  # fmt: skip


def refund_out(row: RefundRow) -> RefundOut:
    return RefundOut(
        id=row.id,
        payment_id=row.payment_id,
        booking_id=row.booking_id,
        status=row.status.value,
        amount=_m(row.amount_minor, row.currency),
        from_host=_m(row.from_host_minor, row.currency),
        from_platform=_m(row.from_platform_minor, row.currency),
        from_expert=_m(row.from_expert_minor, row.currency),
        reason=row.reason,
        initiated_by=row.initiated_by,
        stripe_refund=row.stripe_refund_id,
        created_at=row.created_at,
        succeeded_at=row.succeeded_at,
    )


def _m(minor: int, currency: str) -> MoneyOut:
    return money_out(Money(minor, currency))
