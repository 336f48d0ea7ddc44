"""Expert fees: a local expert sets what they charge for arranging a booking, and a quote
that names an expert adds that fee for the guest and pays it to the expert in the split."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from innkeeper.accounts import repository as accounts
from innkeeper.accounts.domain import Actor, PlatformRole
from innkeeper.audit.repository import Change, record
from innkeeper.core.currency import is_supported
from innkeeper.core.errors import Forbidden, InvalidInput, NotFound
from innkeeper.pricing.fees import ExpertFeeKind, ExpertFeeRule
from innkeeper.pricing.models import ExpertFeeRuleRow
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class ExpertFee:
    kind: ExpertFeeKind
    percent: Decimal = Decimal(0)
    amount_minor: int = 0
    currency: str | None = None


def my_fee(svc: Services, actor: Actor) -> ExpertFeeRuleRow:
    _require_expert(actor)
    with svc.uow() as uow:
        row = active_rule_row(uow.session, actor.user_id)
        if row is None:
            raise NotFound("you have not set an expert fee yet")
        return row


def set_my_fee(svc: Services, actor: Actor, fee: ExpertFee) -> ExpertFeeRuleRow:
    """Replace the expert's active rule; the old one is kept, inactive, for history."""
    _require_expert(actor)
    _check(fee)
    now = svc.clock.now()
    with svc.uow() as uow:
        uow.session.execute(
            update(ExpertFeeRuleRow)
            .where(ExpertFeeRuleRow.expert_user_id == actor.user_id, ExpertFeeRuleRow.active)
            .values(active=False)
        )
        row = ExpertFeeRuleRow(
            expert_user_id=actor.user_id, kind=fee.kind, percent=fee.percent,
            amount_minor=fee.amount_minor, currency=fee.currency, active=True, created_at=now,
        )  # fmt: skip
        uow.session.add(row)
        change = Change("expert_fee_rule", row.id, "set", actor.user_id, to_state=fee.kind.value)
        record(uow.session, change, at=now)
        uow.commit()
    return row


def active_rule_row(session: Session, expert_user_id: uuid.UUID) -> ExpertFeeRuleRow | None:
    query = select(ExpertFeeRuleRow).where(
        ExpertFeeRuleRow.expert_user_id == expert_user_id, ExpertFeeRuleRow.active
    )
    return session.scalar(query)


def rule_for_quote(session: Session, expert_user_id: uuid.UUID) -> ExpertFeeRule:
    """The pure rule of an expert a guest names in a quote; refuses non-experts clearly."""
    actor = accounts.load_actor(session, expert_user_id)
    row = active_rule_row(session, expert_user_id)
    if PlatformRole.LOCAL_EXPERT not in actor.roles or row is None:
        raise InvalidInput.for_field("expert_id", "is not a local expert with a fee set")
    return ExpertFeeRule(row.kind, row.percent, row.amount_minor, row.currency)


def _require_expert(actor: Actor) -> None:
    if PlatformRole.LOCAL_EXPERT not in actor.roles:
        raise Forbidden("only local experts set an expert fee")


def _check(fee: ExpertFee) -> None:
    if fee.kind is ExpertFeeKind.PERCENT:
        if not Decimal(0) < fee.percent <= Decimal(100):
            raise InvalidInput.for_field("percent", "must be above 0 and at most 100")
        return
    if fee.currency is None or not is_supported(fee.currency):
        raise InvalidInput.for_field("currency", "an ISO 4217 currency is needed for this kind")
    if fee.amount_minor <= 0:
        raise InvalidInput.for_field("amount_minor", "must be above zero")
