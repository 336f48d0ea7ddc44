"""Fee rule queries and writes. The partial unique index on active rules is the referee for
clashes; its violation becomes ``FeeRuleConflict`` here, so services never see SQL errors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from innkeeper.admin.models import ACTIVE_SLOT_INDEX, FeeRuleRow
from innkeeper.core.errors import Conflict
from innkeeper.pricing.fees import FeeRule, FeeScope, FeeSide


class FeeRuleConflict(Conflict):
    """Another active rule already holds this side, scope, scope value and priority."""

    code = "fee_rule_conflict"


@dataclass(frozen=True, slots=True)
class FeeRuleFilters:
    side: FeeSide | None = None
    scope: FeeScope | None = None
    active: bool | None = None


def fee_rule(session: Session, rule_id: uuid.UUID, *, lock: bool = False) -> FeeRuleRow | None:
    query = select(FeeRuleRow).where(FeeRuleRow.id == rule_id)
    return session.scalar(query.with_for_update() if lock else query)


def fee_rules(
    session: Session, filters: FeeRuleFilters, *, limit: int, offset: int
) -> tuple[list[FeeRuleRow], int]:
    """One page, grouped the way rules are read: by side, scope, scope value, then the
    highest priority first."""
    query = _filtered(select(FeeRuleRow), filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        FeeRuleRow.side,
        FeeRuleRow.scope,
        FeeRuleRow.scope_value.nulls_first(),
        FeeRuleRow.priority.desc(),
        FeeRuleRow.id,
    )
    return list(session.scalars(ordered.limit(limit).offset(offset))), total


def active_fee_rules(session: Session) -> list[FeeRule]:
    """Every active rule as the pure ``FeeRule`` that ``pricing.fees.select_rule`` takes."""
    rows = session.scalars(
        select(FeeRuleRow).where(FeeRuleRow.active.is_(True)).order_by(FeeRuleRow.id)
    )
    return [as_fee_rule(row) for row in rows]


def as_fee_rule(row: FeeRuleRow) -> FeeRule:
    return FeeRule(
        id=str(row.id),
        side=row.side,
        scope=row.scope,
        scope_value=row.scope_value,
        percent=row.percent,
        fixed_minor=row.fixed_minor,
        min_minor=row.min_minor,
        max_minor=row.max_minor,
        currency=row.currency,
        priority=row.priority,
        active=row.active,
    )


def write_fee_rule(session: Session, row: FeeRuleRow, values: Mapping[str, Any]) -> None:
    """Set ``values`` on ``row`` (new or loaded) and flush it in a savepoint, so a clash with
    another active rule, even one committed a moment ago by a racing admin, is a
    ``FeeRuleConflict`` and leaves the caller's transaction usable."""
    try:
        with session.begin_nested():
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        if ACTIVE_SLOT_INDEX in str(exc.orig):
            raise FeeRuleConflict(
                "an active rule already exists for this side, scope, scope value and priority;"
                " deactivate it or choose another priority"
            ) from None
        raise


def _filtered(query: Select[Any], filters: FeeRuleFilters) -> Select[Any]:
    if filters.side is not None:
        query = query.where(FeeRuleRow.side == filters.side)
    if filters.scope is not None:
        query = query.where(FeeRuleRow.scope == filters.scope)
    if filters.active is not None:
        query = query.where(FeeRuleRow.active.is_(filters.active))
    return query
