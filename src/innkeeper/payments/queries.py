"""Read-only views of payments, for the API and pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from innkeeper.accounts.domain import Actor
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import may_view, roles_of
from innkeeper.core.errors import NotFound
from innkeeper.payments.models import Payment
from innkeeper.services import Services


def payments_of(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Sequence[Payment]:
    """A booking's payments, oldest first, for its guest, expert, host members and admins."""
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        if booking is None:
            raise NotFound(f"booking {booking_id} not found")
        roles = roles_of(
            actor,
            guest_user_id=booking.guest_user_id,
            expert_user_id=booking.expert_user_id,
            organization_id=booking.organization_id,
            entity=f"booking {booking_id}",
        )
        assert actor is not None
        if not may_view(actor, booking.organization_id, roles):
            raise NotFound(f"booking {booking_id} not found")
        return uow.session.scalars(
            select(Payment)
            .where(Payment.booking_id == booking_id)
            .order_by(Payment.created_at, Payment.installment)
        ).all()
