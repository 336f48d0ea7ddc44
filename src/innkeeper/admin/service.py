"""Fee rule use cases for admins, and the one read the quotes service makes.

Each rule is validated whole, after merging a partial edit, so a PATCH can never leave a
rule that a fresh create would refuse. Rules are deactivated rather than deleted: quotes,
bookings and the audit log keep pointing at the rule that priced them.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.models import Organization
from innkeeper.accounts.service import require_admin
from innkeeper.admin import repository
from innkeeper.admin.models import FeeRuleRow
from innkeeper.admin.repository import FeeRuleFilters
from innkeeper.audit.repository import Change, record
from innkeeper.core.currency import is_supported
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.core.money import Money
from innkeeper.db.uow import UnitOfWork
from innkeeper.pricing.fees import FeeRule, FeeScope, FeeSide, Split, fee_amount, select_rule, split
from innkeeper.services import Services

# What a category rule may name: the stay and lease listing kinds, as the customer's plan
# calls them, and every experience category (catalog.domain.ExperienceCategory).
CATEGORIES: Final = ("accommodation", "lease", "activity", "meal", "transport", "tour", "other")
HUNDRED: Final = Decimal(100)
PERCENT_STEP: Final = Decimal("0.001")  # the column is NUMERIC(6, 3): refuse, never round


@dataclass(frozen=True, slots=True)
class FeeRuleValues:
    """Everything an admin sets on a rule; the id and timestamps are the service's."""

    side: FeeSide
    scope: FeeScope
    scope_value: str | None = None
    percent: Decimal = Decimal(0)
    fixed_minor: int = 0
    min_minor: int | None = None
    max_minor: int | None = None
    currency: str | None = None
    priority: int = 0
    active: bool = True
    description: str = ""


FIELDS: Final = tuple(field.name for field in dataclasses.fields(FeeRuleValues))


@dataclass(frozen=True, slots=True)
class FeeRulePage:
    items: list[FeeRuleRow]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Calculation:
    """The fees on one amount and who gets what. ``split.host_commission`` is the commission
    actually taken: capped at the amount, so no payout is negative."""

    guest_rule_id: str | None
    host_rule_id: str | None
    guest_service_fee: Money
    host_commission: Money
    split: Split


def list_fee_rules(
    svc: Services,
    actor: Actor,
    *,
    side: FeeSide | None = None,
    scope: FeeScope | None = None,
    active: bool | None = None,
    limit: int,
    offset: int,
) -> FeeRulePage:
    require_admin(actor)
    filters = FeeRuleFilters(side=side, scope=scope, active=active)
    with svc.uow() as uow:
        rows, total = repository.fee_rules(uow.session, filters, limit=limit, offset=offset)
    return FeeRulePage(rows, total, limit, offset)


def get_fee_rule(svc: Services, actor: Actor, rule_id: uuid.UUID) -> FeeRuleRow:
    require_admin(actor)
    with svc.uow() as uow:
        return _fee_rule(uow, rule_id)


def create_fee_rule(svc: Services, actor: Actor, values: FeeRuleValues) -> FeeRuleRow:
    require_admin(actor)
    now = svc.clock.now()
    with svc.uow() as uow:
        values = _validated(uow.session, values)
        row = FeeRuleRow(created_at=now, updated_at=now)
        repository.write_fee_rule(uow.session, row, _columns(values))
        _audit(uow, actor, row, "created", to_state=_state(row.active), changes=_jsonable(values))
        uow.commit()
    return row


def update_fee_rule(
    svc: Services, actor: Actor, rule_id: uuid.UUID, changes: Mapping[str, Any]
) -> FeeRuleRow:
    """Apply a partial edit; the merged rule must pass the same checks as a new one. An edit
    that changes nothing writes nothing, so the audit log only holds real changes."""
    require_admin(actor)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput.for_fields(dict.fromkeys(unknown, "is not a fee rule field"))
    with svc.uow() as uow:
        row = _fee_rule(uow, rule_id, lock=True)
        before = _values_of(row)
        after = _validated(uow.session, dataclasses.replace(before, **changes))
        changed = {k: v for k, v in _columns(after).items() if v != getattr(before, k)}
        if not changed:
            return row  # nothing to write or to audit
        repository.write_fee_rule(uow.session, row, {**changed, "updated_at": svc.clock.now()})
        states = _states(before.active, after.active)
        _audit(uow, actor, row, "updated", **states, changes=_diff(before, after, changed))
        uow.commit()
    return row


def delete_fee_rule(svc: Services, actor: Actor, rule_id: uuid.UUID) -> None:
    """Deactivate the rule rather than delete it: anything priced by it keeps its rule, and
    it can be re-activated with a PATCH. Deactivating an inactive rule changes nothing."""
    require_admin(actor)
    with svc.uow() as uow:
        row = _fee_rule(uow, rule_id, lock=True)
        if not row.active:
            return
        repository.write_fee_rule(
            uow.session, row, {"active": False, "updated_at": svc.clock.now()}
        )
        _audit(uow, actor, row, "deactivated", **_states(True, False))
        uow.commit()


def calculate(
    svc: Services, actor: Actor, *, amount: Money, provider: uuid.UUID | None, category: str
) -> Calculation:
    """What the active rules would take on ``amount`` of host charges, before taxes: for
    admins checking a rule change before a guest sees it."""
    require_admin(actor)
    problems: dict[str, str] = {}
    if category not in CATEGORIES:
        problems["category"] = f"must be one of {', '.join(CATEGORIES)}"
    if amount.is_negative:
        problems["amount_minor"] = "must not be negative"
    if problems:
        raise InvalidInput.for_fields(problems)
    with svc.uow() as uow:
        rules = fee_rules_for_quote(uow.session)
    where = {"provider": "" if provider is None else str(provider), "category": category}
    guest_rule = select_rule(rules, side=FeeSide.GUEST, **where)
    host_rule = select_rule(rules, side=FeeSide.HOST, **where)
    guest_fee, commission = fee_amount(guest_rule, amount), fee_amount(host_rule, amount)
    zero = Money.zero(amount.currency)
    return Calculation(
        guest_rule_id=None if guest_rule is None else guest_rule.id,
        host_rule_id=None if host_rule is None else host_rule.id,
        guest_service_fee=guest_fee,
        host_commission=commission,
        split=split(
            host_charges=amount,
            taxes=zero,
            guest_service_fee=guest_fee,
            host_commission=commission,
            expert_fee=zero,
        ),
    )


def fee_rules_for_quote(session: Session) -> list[FeeRule]:
    """The active rules, read in the caller's transaction. Not admin-only: the quotes service
    prices every guest's quote with them, so the rules and the quote come from one snapshot."""
    return repository.active_fee_rules(session)


def _fee_rule(uow: UnitOfWork, rule_id: uuid.UUID, *, lock: bool = False) -> FeeRuleRow:
    row = repository.fee_rule(uow.session, rule_id, lock=lock)
    if row is None:
        raise NotFound(f"fee rule {rule_id} not found")
    return row


def _validated(session: Session, values: FeeRuleValues) -> FeeRuleValues:
    """``values`` as stored (the provider id canonical, the percentage to three places), or
    ``InvalidInput`` naming every bad field. The CHECKs refuse the same rules; this only
    makes the refusal readable."""
    problems = {**_scope_problems(values), **_amount_problems(values)}
    if values.scope is FeeScope.PROVIDER and "scope_value" not in problems:
        provider = uuid.UUID(str(values.scope_value))
        if session.get(Organization, provider) is None:
            problems["scope_value"] = f"no organization has the id {provider}"
        values = dataclasses.replace(values, scope_value=str(provider))
    if problems:
        raise InvalidInput.for_fields(problems)
    return dataclasses.replace(values, percent=values.percent.quantize(PERCENT_STEP))


def _scope_problems(values: FeeRuleValues) -> dict[str, str]:
    value = values.scope_value
    if values.scope is FeeScope.GLOBAL:
        return {} if value is None else {"scope_value": "must be left out for a global rule"}
    if not value:
        return {"scope_value": f"is required for a {values.scope} rule"}
    if values.scope is FeeScope.CATEGORY and value not in CATEGORIES:
        return {"scope_value": f"must be one of {', '.join(CATEGORIES)}"}
    if values.scope is FeeScope.PROVIDER:
        try:
            uuid.UUID(value)
        except ValueError:
            return {"scope_value": "must be an organization id"}
    return {}


def _amount_problems(values: FeeRuleValues) -> dict[str, str]:
    problems: dict[str, str] = {}
    percent = values.percent
    if not percent.is_finite() or not 0 <= percent <= HUNDRED:
        problems["percent"] = "must be between 0 and 100"
    elif percent != percent.quantize(PERCENT_STEP):
        problems["percent"] = "must have at most three decimal places"
    for name in ("fixed_minor", "min_minor", "max_minor"):
        amount = getattr(values, name)
        if amount is not None and amount < 0:
            problems[name] = "must not be negative"
    low, high = values.min_minor, values.max_minor
    if low is not None and high is not None and high < low:
        problems["max_minor"] = "must not be below min_minor"
    if values.currency is not None and not is_supported(values.currency):
        problems["currency"] = f"{values.currency!r} is not a supported currency"
    elif values.currency is None and (values.fixed_minor or low is not None or high is not None):
        problems["currency"] = "is required with fixed_minor, min_minor or max_minor"
    return problems


def _values_of(row: FeeRuleRow) -> FeeRuleValues:
    return FeeRuleValues(**{name: getattr(row, name) for name in FIELDS})


def _columns(values: FeeRuleValues) -> dict[str, Any]:
    return {name: getattr(values, name) for name in FIELDS}


def _state(active: bool) -> str:
    return "active" if active else "inactive"


def _states(before: bool, after: bool) -> dict[str, str]:
    """From and to states for the audit entry, only when the rule was (de)activated."""
    return {} if before == after else {"from_state": _state(before), "to_state": _state(after)}


def _jsonable(values: FeeRuleValues) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in _columns(values).items()}


def _diff(
    before: FeeRuleValues, after: FeeRuleValues, changed: Mapping[str, Any]
) -> dict[str, Any]:
    old, new = _jsonable(before), _jsonable(after)
    return {"fields": {name: {"from": old[name], "to": new[name]} for name in sorted(changed)}}


def _audit(uow: UnitOfWork, actor: Actor, row: FeeRuleRow, action: str, **extra: Any) -> None:
    """Provider rules are filed under their organization too, so its audit trail shows the
    deals it was given."""
    organization = uuid.UUID(row.scope_value) if row.scope is FeeScope.PROVIDER else None
    record(
        uow.session,
        Change("fee_rule", row.id, action, actor.user_id, organization, **extra),
        at=row.updated_at,
    )
