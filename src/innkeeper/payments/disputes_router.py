"""Disputes API: an organization's disputes for its team, one booking's for its host, every
dispute for the admins. Read-only: disputes are answered with evidence on Stripe by the
platform, and their rows follow Stripe's events. Each route calls one service function."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from innkeeper.core.money import Money
from innkeeper.deps import OptionalActor, PagingDep, ServicesDep
from innkeeper.payments import disputes
from innkeeper.payments.disputes import DisputeFilter, DisputePage
from innkeeper.payments.models import Dispute, RiskSignal
from innkeeper.schemas import MoneyOut, Page, money_out

router = APIRouter(tags=["payments"])


class DisputeOut(BaseModel):
    id: uuid.UUID
    stripe_dispute: str
    stripe_charge: str
    payment_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    status: str  # Stripe's: needs_response, under_review, won, lost, warning_* (inquiries)
    open: bool
    reason: str  # Stripe's: fraudulent, product_not_received, duplicate...
    amount: MoneyOut
    withdrawn: MoneyOut  # the disputed amount and Stripe's fee, taken from the platform
    reinstated: MoneyOut  # given back when the dispute was won
    evidence_due_by: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@router.get("/organizations/{organization_id}/disputes", response_model=Page[DisputeOut])
def organization_disputes(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    status: DisputeFilter | None = None,
) -> Page[DisputeOut]:
    """Chargebacks and inquiries on the organization's bookings, newest first (its owners,
    managers and staff)."""
    found = disputes.of_organization(
        services, actor, organization_id, status=status, limit=paging.limit, offset=paging.offset
    )
    return _page(found)


@router.get("/bookings/{booking_id}/disputes", response_model=list[DisputeOut])
def booking_disputes(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[DisputeOut]:
    """The booking's disputes, for its host's team and admins."""
    return [dispute_out(row) for row in disputes.of_booking(services, actor, booking_id)]


@router.get("/admin/disputes", response_model=Page[DisputeOut], tags=["admin"])
def admin_disputes(
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    status: DisputeFilter | None = None,
) -> Page[DisputeOut]:
    """Every dispute, newest first; ``status=open`` is the queue waiting for evidence."""
    found = disputes.for_admins(
        services, actor, status=status, limit=paging.limit, offset=paging.offset
    )
    return _page(found)


class RiskSignalOut(BaseModel):
    id: uuid.UUID
    kind: str  # early_fraud_warning or review
    stripe_id: str
    stripe_charge: str | None
    payment_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    reason: str  # the warning's fraud type, or the review's reason
    open: bool
    closed_reason: str | None
    actionable: bool
    refunded: bool  # refunded automatically (INNKEEPER_FRAUD_AUTO_REFUND)
    created_at: datetime
    updated_at: datetime


@router.get("/bookings/{booking_id}/risk-signals", response_model=list[RiskSignalOut])
def booking_risk_signals(
    booking_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[RiskSignalOut]:
    """Early fraud warnings and Radar reviews on the booking's payments (host and admins)."""
    rows = disputes.signals_of_booking(services, actor, booking_id)
    return [_signal(row) for row in rows]


@router.get("/admin/risk-signals", response_model=Page[RiskSignalOut], tags=["admin"])
def admin_risk_signals(
    services: ServicesDep, actor: OptionalActor, paging: PagingDep, open: bool = False
) -> Page[RiskSignalOut]:
    """Every risk signal, newest first; ``open=true`` for those not yet closed."""
    rows, total = disputes.signals_for_admins(
        services, actor, open_only=open, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[_signal(row) for row in rows], total=total, limit=paging.limit,
        offset=paging.offset,
    )  # fmt: skip


def _signal(row: RiskSignal) -> RiskSignalOut:
    return RiskSignalOut(
        id=row.id, kind=row.kind, stripe_id=row.stripe_id, stripe_charge=row.stripe_charge_id,
        payment_id=row.payment_id, booking_id=row.booking_id,
        organization_id=row.organization_id, reason=row.reason, open=row.open,
        closed_reason=row.closed_reason, actionable=row.actionable, refunded=row.refunded,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def _page(found: DisputePage) -> Page[DisputeOut]:
    return Page(
        items=[dispute_out(row) for row in found.items],
        total=found.total, limit=found.limit, offset=found.offset,
    )  # fmt: skip


def dispute_out(row: Dispute) -> DisputeOut:
    return DisputeOut(
        id=row.id,
        stripe_dispute=row.stripe_dispute_id,
        stripe_charge=row.stripe_charge_id,
        payment_id=row.payment_id,
        booking_id=row.booking_id,
        organization_id=row.organization_id,
        status=row.status,
        open=row.status not in disputes.CLOSED,
        reason=row.reason,
        amount=money_out(Money(row.amount_minor, row.currency)),
        withdrawn=money_out(Money(row.withdrawn_minor, row.currency)),
        reinstated=money_out(Money(row.reinstated_minor, row.currency)),
        evidence_due_by=row.evidence_due_by,
        closed_at=row.closed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
