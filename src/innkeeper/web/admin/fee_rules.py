"""``/admin/fee-rules``: the platform's fee rules; add, edit and retire them.

Amounts are typed in the rule's currency ("2.50"), not minor units; the service checks
the whole rule and its refusals are shown beside the fields they name.
"""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from typing import Any, Final

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.admin import service as fee_rules
from innkeeper.admin.models import FeeRuleRow
from innkeeper.admin.service import CATEGORIES, FeeRuleValues
from innkeeper.core.currency import is_supported
from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.pricing.fees import FeeScope, FeeSide
from innkeeper.web.admin.common import PAGE_SIZE, Filters, options
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.render import amount_text, redirect, render
from innkeeper.web.viewer import AdminDep

router = page_router()
LIST = "/admin/fee-rules"
AMOUNTS: Final = {"fixed_minor": "fixed", "min_minor": "min_amount", "max_minor": "max_amount"}
SIDES: Final = [
    (FeeSide.GUEST.value, "guest (service fee)"),
    (FeeSide.HOST.value, "host (commission)"),
]
SCOPES: Final = [(s.value, s.value) for s in FeeScope]
ACTIVE: Final = [("", "Any"), ("true", "Active"), ("false", "Retired")]
NEW: Final = {"side": "guest", "scope": "global", "percent": "0", "priority": "0", "active": "on"}


@router.get(LIST, response_class=HTMLResponse)
def rule_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    side = filters.choice("side", FeeSide)
    scope = filters.choice("scope", FeeScope)
    active = {"true": True, "false": False}.get(filters.reader.raw("active"))
    page = fee_rules.list_fee_rules(
        services, viewer.actor, side=side, scope=scope, active=active, limit=PAGE_SIZE,
        offset=filters.offset,
    )  # fmt: skip
    return render(
        request, "admin/fee_rules.html.j2", status=422 if filters.errors else 200,
        rules=page.items, total=page.total, limit=PAGE_SIZE, offset=filters.offset,
        base=filters.base(), form=filters.values, errors=filters.errors,
        side_options=options(FeeSide), scope_options=options(FeeScope), active_options=ACTIVE,
    )  # fmt: skip


@router.get(LIST + "/new", response_class=HTMLResponse)
def new_rule(request: Request, viewer: AdminDep) -> Response:
    return _form(request, None, NEW, {})


@router.post(LIST, response_class=HTMLResponse)
def create_rule(
    request: Request, viewer: AdminDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    values = _read(reader)
    if values is not None:
        try:
            row = fee_rules.create_fee_rule(services, viewer.actor, values)
        except DomainError as error:
            reader.absorb(error, aliases=AMOUNTS)
        else:
            return redirect(f"{LIST}?side={row.side}", flash="Fee rule added.")
    return _form(request, None, reader.values, reader.errors, status=422)


@router.get(LIST + "/{rule_id}", response_class=HTMLResponse)
def edit_rule(
    request: Request, rule_id: uuid.UUID, viewer: AdminDep, services: ServicesDep
) -> Response:
    row = fee_rules.get_fee_rule(services, viewer.actor, rule_id)
    return _form(request, row, _typed(row), {})


@router.post(LIST + "/{rule_id}", response_class=HTMLResponse)
def update_rule(
    request: Request, rule_id: uuid.UUID, viewer: AdminDep, form: CheckedForm,
    services: ServicesDep,
) -> Response:  # fmt: skip
    row = fee_rules.get_fee_rule(services, viewer.actor, rule_id)
    reader = FormReader(form)
    values = _read(reader)
    if values is not None:
        try:
            fee_rules.update_fee_rule(services, viewer.actor, rule_id, dataclasses.asdict(values))
        except DomainError as error:
            reader.absorb(error, aliases=AMOUNTS)
        else:
            return redirect(LIST, flash="Fee rule saved.")
    return _form(request, row, reader.values, reader.errors, status=422)


@router.post(LIST + "/{rule_id}/retire")
def retire_rule(
    rule_id: uuid.UUID, viewer: AdminDep, form: CheckedForm, services: ServicesDep
) -> Response:
    """Deactivate the rule (kept, so what it priced still names it)."""
    fee_rules.delete_fee_rule(services, viewer.actor, rule_id)
    return redirect(LIST, flash="Fee rule retired: it no longer prices new quotes.")


def _read(reader: FormReader) -> FeeRuleValues | None:
    side = reader.choice("side", [s.value for s in FeeSide])
    scope = reader.choice("scope", [s.value for s in FeeScope])
    scope_value = reader.text("scope_value", required=False, max_length=100)
    percent = reader.decimal("percent", required=False, minimum=Decimal(0))
    currency = (reader.text("currency", required=False, max_length=3) or "").upper() or None
    if currency is not None and not is_supported(currency):
        reader.error("currency", f"{currency} is not a supported currency")
    amounts: dict[str, int | None] = {}
    for column, name in AMOUNTS.items():
        amounts[column] = None
        if not reader.raw(name):
            continue
        if currency is None:
            reader.error("currency", "is required with a fixed amount, minimum or maximum")
        elif "currency" not in reader.errors:
            typed = reader.money(name, currency, required=False)
            amounts[column] = None if typed is None else typed.minor
    priority = reader.integer("priority", required=False, minimum=-1000, maximum=1000)
    description = reader.text("description", required=False, max_length=500)
    if not reader.ok or side is None or scope is None:
        return None
    return FeeRuleValues(
        side=FeeSide(side), scope=FeeScope(scope), scope_value=scope_value,
        percent=percent or Decimal(0), fixed_minor=amounts["fixed_minor"] or 0,
        min_minor=amounts["min_minor"], max_minor=amounts["max_minor"], currency=currency,
        priority=priority or 0, active=reader.flag("active"), description=description or "",
    )  # fmt: skip


def _typed(row: FeeRuleRow) -> dict[str, str]:
    """The rule as its form shows it: amounts in the rule's currency."""

    def amount(minor: int | None) -> str:
        if minor is None or row.currency is None:
            return ""
        return amount_text(minor, row.currency)

    return {
        "side": row.side.value, "scope": row.scope.value, "scope_value": row.scope_value or "",
        "percent": str(row.percent.normalize()) if row.percent else "0",
        "currency": row.currency or "", "fixed": amount(row.fixed_minor) if row.fixed_minor else "",
        "min_amount": amount(row.min_minor), "max_amount": amount(row.max_minor),
        "priority": str(row.priority), "description": row.description,
        "active": "on" if row.active else "",
    }  # fmt: skip


def _form(
    request: Request, row: FeeRuleRow | None, form: dict[str, str], errors: dict[str, str],
    status: int = 200,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        "rule": row, "form": form, "errors": errors, "sides": SIDES, "scopes": SCOPES,
        "categories": CATEGORIES,
    }  # fmt: skip
    return render(request, "admin/fee_rule.html.j2", status=status, **context)
