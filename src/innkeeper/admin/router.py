"""Admin API over the platform's fee rules, and a calculator to try them on an amount.

Every route answers 404 to anyone but an admin (401 when anonymous), as the other admin
routes do.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from innkeeper.admin import service
from innkeeper.admin.schemas import (
    FeeCalculationOut,
    FeeCalculationRequest,
    FeeRuleCreate,
    FeeRuleOut,
    FeeRuleUpdate,
)
from innkeeper.core.errors import InvalidInput
from innkeeper.core.money import Money
from innkeeper.deps import CurrentActor, PagingDep, ServicesDep
from innkeeper.pricing.fees import FeeScope, FeeSide
from innkeeper.schemas import Page, money_out

router = APIRouter(tags=["admin"])
RULES = "/admin/fee-rules"
NULLABLE = frozenset({"scope_value", "min_minor", "max_minor", "currency"})


@router.get(RULES, response_model=Page[FeeRuleOut])
def list_fee_rules(
    services: ServicesDep,
    actor: CurrentActor,
    paging: PagingDep,
    side: FeeSide | None = None,
    scope: FeeScope | None = None,
    active: bool | None = None,
) -> Page[FeeRuleOut]:
    """Fee rules by side, scope and scope value, the highest priority first."""
    page = service.list_fee_rules(
        services,
        actor,
        side=side,
        scope=scope,
        active=active,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [FeeRuleOut.model_validate(row) for row in page.items]
    return Page(items=items, total=page.total, limit=page.limit, offset=page.offset)


@router.post(RULES, status_code=status.HTTP_201_CREATED, response_model=FeeRuleOut)
def create_fee_rule(body: FeeRuleCreate, services: ServicesDep, actor: CurrentActor) -> FeeRuleOut:
    """Add a rule. The most specific active rule wins (provider, category, global); among
    equally specific ones, the highest priority. Two active rules may not tie (409)."""
    sent = body.model_dump()
    if sent["currency"] is not None:
        sent["currency"] = sent["currency"].upper()
    row = service.create_fee_rule(services, actor, service.FeeRuleValues(**sent))
    return FeeRuleOut.model_validate(row)


@router.get(RULES + "/{fee_rule_id}", response_model=FeeRuleOut)
def get_fee_rule(fee_rule_id: uuid.UUID, services: ServicesDep, actor: CurrentActor) -> FeeRuleOut:
    return FeeRuleOut.model_validate(service.get_fee_rule(services, actor, fee_rule_id))


@router.patch(RULES + "/{fee_rule_id}", response_model=FeeRuleOut)
def update_fee_rule(
    fee_rule_id: uuid.UUID, body: FeeRuleUpdate, services: ServicesDep, actor: CurrentActor
) -> FeeRuleOut:
    """Change any fields; the rule is checked whole afterwards. ``"active": true`` brings a
    deactivated rule back."""
    row = service.update_fee_rule(services, actor, fee_rule_id, changes_from(body))
    return FeeRuleOut.model_validate(row)


@router.delete(RULES + "/{fee_rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_fee_rule(fee_rule_id: uuid.UUID, services: ServicesDep, actor: CurrentActor) -> None:
    """Deactivate the rule. It is kept, so whatever it priced still names it."""
    service.delete_fee_rule(services, actor, fee_rule_id)


@router.post("/admin/fees/calculate", response_model=FeeCalculationOut)
def calculate_fees(
    body: FeeCalculationRequest, services: ServicesDep, actor: CurrentActor
) -> FeeCalculationOut:
    """The fees the active rules take on an amount of host charges, and the split."""
    result = service.calculate(
        services,
        actor,
        amount=Money(body.amount_minor, body.currency),
        provider=body.provider_id,
        category=body.category,
    )
    paid = result.split
    return FeeCalculationOut(
        host_charges=money_out(Money(body.amount_minor, body.currency)),
        guest_service_fee=money_out(paid.guest_service_fee),
        guest_fee_rule_id=_rule_id(result.guest_rule_id),
        host_commission=money_out(paid.host_commission),
        host_fee_rule_id=_rule_id(result.host_rule_id),
        guest_total=money_out(paid.guest_total),
        host_payout=money_out(paid.host_payout),
        platform_fee=money_out(paid.platform_fee),
    )


def changes_from(body: FeeRuleUpdate) -> dict[str, Any]:
    """The fields sent; ``null`` only where it means "none" (a clamp, a currency)."""
    sent = body.model_dump(exclude_unset=True)
    nulls = [name for name, value in sent.items() if value is None and name not in NULLABLE]
    if nulls:
        raise InvalidInput.for_fields(
            dict.fromkeys(nulls, "may not be null; leave it out to keep it")
        )
    if sent.get("currency") is not None:
        sent["currency"] = sent["currency"].upper()
    return sent


def _rule_id(rule_id: str | None) -> uuid.UUID | None:
    return None if rule_id is None else uuid.UUID(rule_id)
