"""Payout account API: open a Stripe Express account for an organization (or one of its
listings), onboard through Stripe's hosted page, read its status, open its dashboard.

``return`` and ``refresh`` are where Stripe sends the host back: ``return`` syncs the status
from Stripe and answers it, ``refresh`` (an expired or reused link) makes a new link and
redirects to it. Each route calls one function of ``payments.connect``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from innkeeper.deps import OptionalActor, ServicesDep
from innkeeper.payments import connect
from innkeeper.payments.models import PayoutAccount
from innkeeper.schemas import StrictInput

router = APIRouter(tags=["payouts"])
ONE = "/organizations/{organization_id}/payout-account"
ListingParam = Annotated[
    uuid.UUID | None, Query(description="a listing's own account instead of the organization's")
]


class PayoutAccountIn(StrictInput):
    listing_id: uuid.UUID | None = None  # the per-property architecture: this listing's account


class PayoutAccountOut(BaseModel):
    organization_id: uuid.UUID
    listing_id: uuid.UUID | None
    stripe_account: str
    country: str
    state: str  # enabled, restricted, pending or disabled
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_currently_due: list[str]
    disabled_reason: str | None
    synced_at: datetime | None


class LinkOut(BaseModel):
    url: str
    expires_at: datetime | None


@router.post(ONE, response_model=PayoutAccountOut, status_code=status.HTTP_201_CREATED)
def open_account(
    organization_id: uuid.UUID, body: PayoutAccountIn, services: ServicesDep, actor: OptionalActor
) -> PayoutAccountOut:
    """Open the Express account (owner or manager); asking again returns the same account."""
    return _out(connect.open_account(services, actor, organization_id, body.listing_id))


@router.get(ONE, response_model=PayoutAccountOut)
def get_account(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    listing_id: ListingParam = None,
    refresh: bool = False,
) -> PayoutAccountOut:
    """The account's status for any member; ``refresh=true`` reads it from Stripe first."""
    row = connect.status(services, actor, organization_id, listing_id, refresh=refresh)
    return _out(row)


@router.post(ONE + "/link", response_model=LinkOut, status_code=status.HTTP_201_CREATED)
def onboarding_link(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    listing_id: ListingParam = None,
) -> LinkOut:
    """A single-use link to Stripe's hosted onboarding; send the host's browser there."""
    link = connect.onboarding_link(services, actor, organization_id, listing_id)
    return LinkOut(url=link.url, expires_at=link.expires_at)


@router.get(ONE + "/refresh", response_class=RedirectResponse, status_code=303)
def refresh_link(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    listing_id: ListingParam = None,
) -> RedirectResponse:
    """Stripe sends the host here when a link expired or was used: straight to a new one."""
    link = connect.onboarding_link(services, actor, organization_id, listing_id)
    return RedirectResponse(link.url, status_code=status.HTTP_303_SEE_OTHER)


@router.get(ONE + "/return", response_model=PayoutAccountOut)
def return_from_onboarding(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    listing_id: ListingParam = None,
) -> PayoutAccountOut:
    """Stripe sends the host here after onboarding: the status is read from Stripe (never
    inferred from having come back: the host may have left without finishing)."""
    row = connect.status(services, actor, organization_id, listing_id, refresh=True)
    return _out(row)


@router.get(ONE + "/dashboard", response_model=LinkOut)
def dashboard(
    organization_id: uuid.UUID,
    services: ServicesDep,
    actor: OptionalActor,
    listing_id: ListingParam = None,
) -> LinkOut:
    """A single-use login link to the account's Express dashboard (owner or manager)."""
    link = connect.dashboard_link(services, actor, organization_id, listing_id)
    return LinkOut(url=link.url, expires_at=link.expires_at)


def _out(row: PayoutAccount) -> PayoutAccountOut:
    return PayoutAccountOut(
        organization_id=row.organization_id,
        listing_id=row.listing_id,
        stripe_account=row.stripe_account_id,
        country=row.country,
        state=connect.state_of(row),
        charges_enabled=row.charges_enabled,
        payouts_enabled=row.payouts_enabled,
        details_submitted=row.details_submitted,
        requirements_currently_due=list(row.requirements_due),
        disabled_reason=row.disabled_reason,
        synced_at=row.synced_at,
    )
