"""Who is paid for a listing: its own connected account (the per-property architecture) or,
failing that, its organization's. A listing whose payee cannot take charges cannot be
booked or paid for: the guest would pay and the host could not be paid.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from innkeeper.payments.domain import PayeeNotReady
from innkeeper.payments.models import PayoutAccount


def payee_of(
    session: Session, *, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> PayoutAccount | None:
    """The listing's own account if it has one, else the organization's default."""
    if listing_id is not None:
        own = session.scalar(select(PayoutAccount).where(PayoutAccount.listing_id == listing_id))
        if own is not None:
            return own
    return session.scalar(
        select(PayoutAccount).where(
            PayoutAccount.organization_id == organization_id,
            PayoutAccount.listing_id.is_(None),
        )
    )


def ready_payee(
    session: Session, *, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> PayoutAccount:
    """The payee, or ``PayeeNotReady`` saying what is missing."""
    payee = payee_of(session, organization_id=organization_id, listing_id=listing_id)
    if payee is None:
        raise PayeeNotReady(
            "this host has not set up payouts yet, so it cannot take bookings; "
            "the host must connect a Stripe account first"
        )
    if not payee.charges_enabled:
        due = ", ".join(payee.requirements_due[:5]) or payee.disabled_reason or "review"
        raise PayeeNotReady(
            f"this host's payout account cannot take payments yet (waiting on: {due})"
        )
    return payee
