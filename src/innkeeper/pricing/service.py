"""Rate-plan use cases for hosts: read and replace a listing's terms, and set or clear the
price of a range of nights in one go."""

from __future__ import annotations

import uuid

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.accounts.tenancy import scope_for
from innkeeper.audit.repository import Change, record
from innkeeper.availability import index as search_index
from innkeeper.availability.domain import check_edit_range
from innkeeper.catalog.models import Listing
from innkeeper.catalog.service import listing_in_scope
from innkeeper.core.dates import StayRange
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.pricing import repository
from innkeeper.pricing.domain import NightRate, nightly_rate
from innkeeper.pricing.fees import DepositKind
from innkeeper.pricing.repository import PlanTerms
from innkeeper.services import Services


def get_terms(
    svc: Services, actor: Actor | None, organization_id: uuid.UUID, listing_id: uuid.UUID
) -> PlanTerms:
    scope = scope_for(actor, organization_id, Permission.VIEW_LISTINGS)
    with svc.uow() as uow:
        return repository.load_terms(uow.session, listing_in_scope(uow, scope, listing_id))


def put_terms(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    terms: PlanTerms,
) -> PlanTerms:
    """Replace the plan; the listing's base price and currency are edited on the listing."""
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    check_terms(terms)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        if terms.plan.currency != listing.currency:
            raise InvalidInput.for_field("currency", f"the listing is priced in {listing.currency}")
        repository.save_terms(uow.session, listing.id, terms, at=now)
        search_index.reindex(uow.session, listing.id, now=now)
        record(
            uow.session,
            Change("listing", listing.id, "pricing_updated", scope.actor.user_id, organization_id),
            at=now,
        )
        uow.commit()
    return get_terms(svc, actor, organization_id, listing_id)


def set_nightly_price(
    svc: Services,
    actor: Actor | None,
    organization_id: uuid.UUID,
    listing_id: uuid.UUID,
    span: StayRange,
    price_minor: int | None,
) -> None:
    """Fix the price of every night in ``span``, or clear those overrides with None."""
    scope = scope_for(actor, organization_id, Permission.EDIT_LISTINGS)
    check_edit_range(span)
    now = svc.clock.now()
    with svc.uow() as uow:
        listing = listing_in_scope(uow, scope, listing_id, lock=True)
        repository.set_overrides(uow.session, listing.id, list(span.each_night()), price_minor)
        search_index.reindex(uow.session, listing.id, now=now)
        edit = {"from": str(span.check_in), "to": str(span.check_out), "price_minor": price_minor}
        change = Change(
            "listing", listing.id, "nightly_price_set", scope.actor.user_id, organization_id,
            changes=edit,
        )  # fmt: skip
        record(uow.session, change, at=now)
        uow.commit()


def price_calendar(svc: Services, listing_id: uuid.UUID, span: StayRange) -> list[NightRate]:
    """Each night's price and the rule that set it, for a published listing (public)."""
    check_edit_range(span)
    with svc.uow() as uow:
        listing = uow.session.get(Listing, listing_id)
        if listing is None or listing.status != "published":
            raise NotFound(f"listing {listing_id} not found")
        terms = repository.load_terms(
            uow.session, listing, overrides_from=span.check_in, overrides_to=span.check_out
        )
    return [nightly_rate(terms.plan, night) for night in span.each_night()]


def check_terms(terms: PlanTerms) -> None:
    """What Pydantic cannot see: relations between fields."""
    plan, deposit, problems = terms.plan, terms.deposit, {}
    for index, season in enumerate(plan.seasons):
        if season.end <= season.start:
            problems[f"seasons.{index}.end"] = "must be after the start"
        if (season.multiplier is None) == (season.fixed_minor is None):
            problems[f"seasons.{index}"] = "give either a multiplier or a fixed price"
    if len({tax.code for tax in plan.taxes}) != len(plan.taxes):
        problems["taxes"] = "each tax needs its own code"
    if len({g.min_people for g in plan.group_discounts}) != len(plan.group_discounts):
        problems["group_discounts"] = "one discount per group size"
    if deposit.kind is DepositKind.PERCENT and not 0 < deposit.percent < 100:
        problems["deposit.percent"] = (
            "must be between 0 and 100 (exclusive) for a percentage deposit"
        )
    if deposit.kind is DepositKind.FIXED and deposit.amount_minor <= 0:
        problems["deposit.amount_minor"] = "must be above zero for a fixed deposit"
    if problems:
        raise InvalidInput.for_fields(problems)
