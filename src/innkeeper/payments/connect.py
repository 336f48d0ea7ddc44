"""Stripe Connect onboarding: an organization (or one of its listings, the per-property
architecture) opens an Express account, finishes Stripe's hosted onboarding through an
account link, and we keep what Stripe says about it (``charges_enabled``,
``payouts_enabled``, requirements) on its ``PayoutAccount`` row. ``payees`` reads that row to
decide whether a listing can be booked and where its money goes.

Stripe is the source of truth: ``sync_account`` reads the account and writes the row, and is
what the return page and ``GET …?refresh=true`` call; the Connect webhooks read the account
the same way and write it with ``apply_account``. An account that disconnects our platform
can no longer be read: ``deauthorize`` stops it without asking Stripe. ``record_payout``
mirrors a connected account's payouts (Stripe pays organizations directly) in the ledger.
Every write goes through ``operations.run``; no transaction is open while Stripe is called.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import stripe
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from innkeeper.accounts.domain import Actor, MemberRole, Permission
from innkeeper.accounts.models import Organization
from innkeeper.accounts.tenancy import TenantScope, scope_for
from innkeeper.audit.repository import Change, record
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from innkeeper.payments import ledger, operations
from innkeeper.payments.gateway import raise_for
from innkeeper.payments.models import PayoutAccount
from innkeeper.payments.operations import Call
from innkeeper.services import Services

# Who may open an account, make onboarding links and open the dashboard: payouts decide
# where the organization's money goes, so staff may look but not touch.
MANAGERS = frozenset({MemberRole.OWNER, MemberRole.MANAGER})


class NoPayoutAccount(NotFound):
    code = "no_payout_account"


class OnboardingNotFinished(Conflict):
    code = "onboarding_not_finished"


@dataclass(frozen=True, slots=True)
class Link:
    """A single-use URL to Stripe's hosted page (onboarding or the Express dashboard)."""

    url: str
    expires_at: datetime | None


# --- use cases ----------------------------------------------------------------------------


def open_account(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> PayoutAccount:
    """Open the organization's (or the listing's) Express account, or return the one it
    already has: asking twice never makes a second account."""
    scope = _managing(actor, organization_id)
    return create_account(svc, organization_id, listing_id, by=scope.actor.user_id)


def status(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID | None,
    *,
    refresh: bool = False,
) -> PayoutAccount:
    """The account as we last saw it, or as Stripe sees it now with ``refresh``."""
    scope_for(actor, organization_id, Permission.VIEW_ORGANIZATION)
    row = _account_of(svc, organization_id, listing_id)
    if not refresh:
        return row
    return sync_account(svc, row.stripe_account_id) or row


def onboarding_link(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID | None,
    *,
    back_to: Callable[[str], str] | None = None,
) -> Link:
    """A fresh account link to Stripe's hosted onboarding. Links work once and expire within
    minutes, so each call makes a new one (no ``purpose``: every link is its own step).
    ``back_to("return")`` and ``back_to("refresh")`` are where Stripe sends the host back
    (a site path, or a full URL); by default the API's own routes."""
    _managing(actor, organization_id)
    row = _account_of(svc, organization_id, listing_id)
    ours = _our_url(svc, organization_id, listing_id)
    back = ours if back_to is None else _on_site(svc, back_to)
    link = operations.run(
        svc,
        Call(
            "create_account_link",
            {
                "account": row.stripe_account_id,
                "type": "account_onboarding",
                "refresh_url": back("refresh"),
                "return_url": back("return"),
            },
        ),
        lambda params, options: svc.stripe.v1.account_links.create(params, options),
    )
    return Link(str(link.url), _instant(link.expires_at))


def dashboard_link(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> Link:
    """A login link to the account's Express dashboard (payouts, bank account, tax forms).
    Stripe only makes one once onboarding was submitted; we say so first."""
    _managing(actor, organization_id)
    row = _account_of(svc, organization_id, listing_id)
    if not row.details_submitted:
        row = sync_account(svc, row.stripe_account_id) or row
    if not row.details_submitted:
        raise OnboardingNotFinished(
            "finish Stripe onboarding first; the dashboard opens once details are submitted"
        )
    account_id = row.stripe_account_id
    link = operations.run(
        svc,
        Call("create_login_link", {}),
        lambda params, options: svc.stripe.v1.accounts.login_links.create(
            account_id, params, options
        ),
    )
    return Link(str(link.url), None)


# --- service functions without a caller (demo loader, tests, webhooks) -------------------


def create_account(
    svc: Services,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID | None,
    *,
    by: uuid.UUID | None = None,
) -> PayoutAccount:
    """The Express account of an organization or one of its listings, made once: the
    operation's ``purpose`` makes a retry (or a race) find the same Stripe account, and the
    row's unique keys make it one row."""
    with svc.uow() as uow:
        org = uow.session.get(Organization, organization_id)
        if org is None:
            raise NotFound(f"organization {organization_id} not found")
        _check_listing(uow.session, organization_id, listing_id)
        existing = _find(uow.session, organization_id, listing_id)
        params = _account_params(org, listing_id)
    if existing is not None:
        return existing
    purpose = f"payout-account:{organization_id}:{listing_id or 'default'}"
    account = operations.run(
        svc,
        Call("create_account", params, purpose=purpose),
        lambda sent, options: svc.stripe.v1.accounts.create(sent, options),
        fetch=lambda found: svc.stripe.v1.accounts.retrieve(found),
    )
    return _record_account(svc, organization_id, listing_id, account, by=by)


def account_row(svc: Services, stripe_account_id: str) -> PayoutAccount | None:
    """Our row for a Stripe account id; None when it is not one of our payout accounts."""
    with svc.uow() as uow:
        found: PayoutAccount | None = uow.session.scalar(
            select(PayoutAccount).where(PayoutAccount.stripe_account_id == stripe_account_id)
        )
    return found


def sync_account(svc: Services, stripe_account_id: str) -> PayoutAccount | None:
    """Read the account from Stripe and keep what it says; None when it is not one of ours
    (a webhook for an account we never recorded)."""
    try:
        account = svc.stripe.v1.accounts.retrieve(stripe_account_id)
    except stripe.StripeError as error:
        raise_for(error)
    return apply_account(svc, account)


def apply_account(svc: Services, account: Any) -> PayoutAccount | None:
    """Write a Stripe account object (just read, or from an ``account.updated`` event) to its
    row, recording in the audit log when its state moves."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.scalars(
            select(PayoutAccount)
            .where(PayoutAccount.stripe_account_id == account.id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            return None
        before = state_of(row)
        _copy_status(row, account, now)
        after = state_of(row)
        if before != after:
            record(
                uow.session,
                Change(
                    "payout_account",
                    row.id,
                    "synced",
                    None,
                    row.organization_id,
                    from_state=before,
                    to_state=after,
                    changes={"requirements_due": row.requirements_due},
                ),
                at=now,
            )
        uow.commit()
    return row


DEAUTHORIZED = "application_deauthorized"


def deauthorize(svc: Services, stripe_account_id: str) -> PayoutAccount | None:
    """The account disconnected our platform (``account.application.deauthorized``): we can
    no longer charge for it or read it, so it takes no charges and no payouts, whatever we
    last read. Needs no call to Stripe (the account is out of reach now). None if it is not
    ours; a repeat changes nothing and records nothing."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.scalars(
            select(PayoutAccount)
            .where(PayoutAccount.stripe_account_id == stripe_account_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            return None
        if (row.charges_enabled, row.payouts_enabled, row.disabled_reason) != (
            False, False, DEAUTHORIZED,
        ):  # fmt: skip
            before = state_of(row)
            row.charges_enabled = row.payouts_enabled = False
            row.disabled_reason, row.updated_at = DEAUTHORIZED, now
            record(
                uow.session,
                Change("payout_account", row.id, "deauthorized", None, row.organization_id,
                       from_state=before, to_state=state_of(row),
                       reason="the account disconnected the platform at Stripe"),
                at=now,
            )  # fmt: skip
        uow.commit()
    return row


@dataclass(frozen=True, slots=True)
class Payout:
    """A payout from a Stripe balance to a bank account, as Stripe reports it now."""

    id: str
    amount: int
    currency: str
    status: str  # pending, in_transit, paid, failed, canceled


PAYOUT_RETURNED = {"failed": "payout_failed", "canceled": "payout_canceled"}


@dataclass(frozen=True, slots=True)
class PayoutView:
    """A payout of a connected account, as Stripe lists it (the host pages)."""

    id: str
    amount: int
    currency: str
    status: str  # pending, in_transit, paid, failed, canceled
    created_at: datetime | None
    arrival_at: datetime | None
    failure_message: str | None


def payouts_of(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID | None,
    *,
    limit: int = 20,
) -> list[PayoutView]:
    """The account's latest payouts to its bank, newest first, read from Stripe (which
    makes them on the account's schedule), for any member of the organization."""
    scope_for(actor, organization_id, Permission.VIEW_ORGANIZATION)
    row = _account_of(svc, organization_id, listing_id)
    try:
        found = svc.stripe.v1.payouts.list(
            {"limit": limit}, {"stripe_account": row.stripe_account_id}
        )
    except stripe.StripeError as error:
        raise_for(error)
    return [
        PayoutView(
            id=str(p.id), amount=int(p.amount), currency=str(p.currency).upper(),
            status=str(p.status), created_at=_instant(p.created),
            arrival_at=_instant(getattr(p, "arrival_date", None)),
            failure_message=getattr(p, "failure_message", None),
        )
        for p in found.data
    ]  # fmt: skip


def record_payout(svc: Services, account: str | None, payout: Payout) -> list[str] | None:
    """Mirror a payout in the ledger, from its current state, once. Stripe takes the money
    from the balance when the payout is made (a ``payout`` balance transaction) and gives it
    back if the payout fails or is canceled, both under the payout's id; we book the same,
    so ``reconcile`` agrees at every step. ``account`` is the connected account, or None for
    the platform's own payouts. Returns the entry kinds booked now; None if not ours."""
    now = svc.clock.now()
    with svc.uow() as uow:
        organization_id = None
        if account is not None:
            row = uow.session.scalar(
                select(PayoutAccount).where(PayoutAccount.stripe_account_id == account)
            )
            if row is None:
                return None
            organization_id = row.organization_id
        booked = [
            kind for kind, entry in _payout_entries(account, payout, organization_id)
            if ledger.post(uow.session, entry, at=now)
        ]  # fmt: skip
        uow.commit()
    return booked


def _payout_entries(
    account: str | None, payout: Payout, organization_id: uuid.UUID | None
) -> list[tuple[str, ledger.Entry]]:
    postings = ledger.payout_postings(
        amount=payout.amount, account=account or ledger.PLATFORM, payout_id=payout.id
    )
    kinds = [("payout", postings)]
    returned = PAYOUT_RETURNED.get(payout.status)
    if returned is not None:
        kinds.append((returned, tuple(replace(p, amount_minor=-p.amount_minor) for p in postings)))
    return [
        (kind, ledger.Entry(
            kind=kind, dedupe_key=f"{kind}:{payout.id}", currency=payout.currency.upper(),
            postings=entry_postings, organization_id=organization_id,
            memo=f"payout {payout.id} ({payout.status})",
        ))
        for kind, entry_postings in kinds
    ]  # fmt: skip


def state_of(row: PayoutAccount) -> str:
    """One word for the account: ``enabled`` (takes charges, pays out), ``restricted`` (takes
    charges, payouts paused until Stripe gets what it asks for), ``pending`` (onboarding not
    submitted) or ``disabled`` (submitted, but Stripe will not let it take charges)."""
    if row.charges_enabled:
        return "enabled" if row.payouts_enabled else "restricted"
    return "disabled" if row.details_submitted else "pending"


# --- helpers ---------------------------------------------------------------------------------


def _managing(actor: Actor | None, organization_id: uuid.UUID) -> TenantScope:
    scope = scope_for(actor, organization_id, Permission.VIEW_ORGANIZATION)
    role = scope.actor.memberships.get(organization_id)
    if not scope.actor.is_admin and role not in MANAGERS:
        raise Forbidden(f"a {role} of this organization may not manage its payout account")
    return scope


def _check_listing(session: Any, organization_id: uuid.UUID, listing_id: uuid.UUID | None) -> None:
    if listing_id is None:
        return
    listing = session.get(Listing, listing_id)
    if listing is None or listing.organization_id != organization_id:
        raise InvalidInput.for_field("listing_id", "no such listing in this organization")


def _find(
    session: Any, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> PayoutAccount | None:
    query = select(PayoutAccount).where(PayoutAccount.organization_id == organization_id)
    if listing_id is None:
        query = query.where(PayoutAccount.listing_id.is_(None))
    else:
        query = query.where(PayoutAccount.listing_id == listing_id)
    found: PayoutAccount | None = session.scalars(query).one_or_none()
    return found


def _account_of(
    svc: Services, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> PayoutAccount:
    with svc.uow() as uow:
        row = _find(uow.session, organization_id, listing_id)
    if row is None:
        whose = "this listing" if listing_id else "this organization"
        raise NoPayoutAccount(f"{whose} has no payout account yet; open one first")
    return row


def _account_params(org: Organization, listing_id: uuid.UUID | None) -> dict[str, Any]:
    metadata = {"organization_id": str(org.id)}
    if listing_id is not None:
        metadata["listing_id"] = str(listing_id)
    return {
        "type": "express",
        "country": org.country,
        "email": org.contact_email,
        "business_profile": {"name": org.name},
        "capabilities": {
            "card_payments": {"requested": True},
            "transfers": {"requested": True},
        },
        "metadata": metadata,
    }


def _record_account(
    svc: Services,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID | None,
    account: Any,
    *,
    by: uuid.UUID | None,
) -> PayoutAccount:
    now = svc.clock.now()
    with svc.uow() as uow:
        inserted = uow.session.scalar(
            insert(PayoutAccount)
            .values(
                id=uuid.uuid4(),
                organization_id=organization_id,
                listing_id=listing_id,
                stripe_account_id=account.id,
                country=str(account.country or "").upper()[:2],
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
            .returning(PayoutAccount.id)
        )
        row = _find(uow.session, organization_id, listing_id)
        if row is None:  # pragma: no cover - the insert or a racing one made it
            raise Conflict("the payout account could not be recorded; try again")
        if inserted is not None:
            _copy_status(row, account, now)
            record(
                uow.session,
                Change(
                    "payout_account",
                    row.id,
                    "created",
                    by,
                    organization_id,
                    to_state=state_of(row),
                    changes={"stripe_account": account.id, "listing_id": _text(listing_id)},
                ),
                at=now,
            )
        uow.commit()
    return row


def _copy_status(row: PayoutAccount, account: Any, now: datetime) -> None:
    requirements = account.requirements
    row.charges_enabled = bool(account.charges_enabled)
    row.payouts_enabled = bool(account.payouts_enabled)
    row.details_submitted = bool(account.details_submitted)
    row.requirements_due = list(getattr(requirements, "currently_due", None) or [])
    row.disabled_reason = getattr(requirements, "disabled_reason", None)
    row.synced_at = now
    row.updated_at = now


def _our_url(
    svc: Services, organization_id: uuid.UUID, listing_id: uuid.UUID | None
) -> Callable[[str], str]:
    base = f"{svc.settings.public_url.rstrip('/')}/api/v1/organizations/{organization_id}"
    query = f"?{urlencode({'listing_id': str(listing_id)})}" if listing_id else ""

    def url(page: str) -> str:
        return f"{base}/payout-account/{page}{query}"

    return url


def _on_site(svc: Services, back_to: Callable[[str], str]) -> Callable[[str], str]:
    base = svc.settings.public_url.rstrip("/")

    def url(page: str) -> str:
        target = back_to(page)
        return target if "://" in target else f"{base}{target}"

    return url


def _instant(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
