"""Fee rules on real PostgreSQL: the migration seeds the customer's plan, admins change it
with an audit trail, the database refuses bad rules on its own, and the most specific
rule prices a booking."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from innkeeper.accounts.domain import Actor, OrganizationKind, PlatformRole
from innkeeper.admin import service
from innkeeper.admin.models import FeeRuleRow
from innkeeper.admin.repository import FeeRuleConflict, active_fee_rules
from innkeeper.audit.models import AuditEntry
from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.core.money import Money
from innkeeper.pricing.fees import DEFAULT_FEE_RULES, FeeRule, FeeScope, FeeSide
from innkeeper.services import Services
from tests.builders import actor_for, make_org, make_user

SEEDED = {
    "91b3c56c-03a3-4a4a-bee8-4e7ed1ab28b0": "global-host",
    "e9ec78fc-1c1e-4b1f-9a95-b0b981c12575": "accommodation-host",
    "4d998fd9-1561-4294-890f-16513a43c495": "activity-host",
    "c903d6f3-8b8d-4278-b24c-4fbafb1cde7e": "meal-host",
    "6d794b2b-5a79-48a2-a085-8a421a204a7f": "transport-host",
    "f3e0dbe2-795b-4faa-9c33-af405f9caba8": "global-guest",
}
ACCOMMODATION_HOST = "e9ec78fc-1c1e-4b1f-9a95-b0b981c12575"
AED_1000 = Money(1000_00, "AED")


def make_admin(services: Services) -> Actor:
    return actor_for(services, make_user(services, roles=(PlatformRole.ADMIN,)))


def make_provider(services: Services) -> uuid.UUID:
    owner = make_user(services)
    return make_org(services, owner, kind=OrganizationKind.PROVIDER).id


def host_rule(**overrides: Any) -> service.FeeRuleValues:
    values = service.FeeRuleValues(FeeSide.HOST, FeeScope.CATEGORY, "tour", Decimal(12))
    return dataclasses.replace(values, **overrides)


def rule_count(services: Services) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(FeeRuleRow)) or 0


def audit_of(services: Services, rule_id: uuid.UUID) -> list[AuditEntry]:
    with services.uow() as uow:
        query = select(AuditEntry).where(
            AuditEntry.entity_type == "fee_rule", AuditEntry.entity_id == str(rule_id)
        )
        return list(uow.session.scalars(query.order_by(AuditEntry.id)))


def test_the_migration_seeds_the_customers_plan(services: Services) -> None:
    with services.uow() as uow:
        rules = active_fee_rules(uow.session)
        assert service.fee_rules_for_quote(uow.session) == rules
    by_name = {SEEDED[rule.id]: rule for rule in rules}
    assert {rule.id for rule in rules} == set(SEEDED)
    assert [dataclasses.replace(by_name[d.id], id=d.id) for d in DEFAULT_FEE_RULES] == list(
        DEFAULT_FEE_RULES
    )
    assert all(isinstance(rule, FeeRule) for rule in rules)


def test_admins_create_update_and_deactivate_with_an_audit_trail(services: Services) -> None:
    admin, provider = make_admin(services), make_provider(services)
    created = service.create_fee_rule(
        services,
        admin,
        host_rule(scope=FeeScope.PROVIDER, scope_value=str(provider).upper(), percent=Decimal(3)),
    )
    assert (created.scope_value, created.percent, created.active) == (str(provider), 3, True)
    updated = service.update_fee_rule(
        services, admin, created.id, {"percent": Decimal("2.5"), "description": "Launch deal"}
    )
    assert (updated.percent, updated.description) == (Decimal("2.5"), "Launch deal")
    service.delete_fee_rule(services, admin, created.id)
    service.delete_fee_rule(services, admin, created.id)  # already inactive: nothing to record
    assert service.get_fee_rule(services, admin, created.id).active is False
    entries = audit_of(services, created.id)
    assert [(e.action, e.from_state, e.to_state) for e in entries] == [
        ("created", None, "active"),
        ("updated", None, None),
        ("deactivated", "active", "inactive"),
    ]
    assert {e.actor_user_id for e in entries} == {admin.user_id}
    assert {e.organization_id for e in entries} == {provider}
    assert entries[1].changes == {
        "fields": {
            "description": {"from": "", "to": "Launch deal"},
            "percent": {"from": "3.000", "to": "2.500"},
        }
    }
    reactivated = service.update_fee_rule(services, admin, created.id, {"active": True})
    assert reactivated.active is True
    last = audit_of(services, created.id)[-1]
    assert (last.action, last.from_state, last.to_state) == ("updated", "inactive", "active")


def test_non_admins_get_not_found_and_change_nothing(services: Services) -> None:
    owner = make_user(services)
    org = make_org(services, owner)
    host = actor_for(services, owner)
    seeded = uuid.UUID(ACCOMMODATION_HOST)
    calls = [
        lambda: service.list_fee_rules(services, host, limit=10, offset=0),
        lambda: service.get_fee_rule(services, host, seeded),
        lambda: service.create_fee_rule(
            services, host, host_rule(scope=FeeScope.PROVIDER, scope_value=str(org.id))
        ),
        lambda: service.update_fee_rule(services, host, seeded, {"percent": Decimal(0)}),
        lambda: service.delete_fee_rule(services, host, seeded),
        lambda: service.calculate(
            services, host, amount=AED_1000, provider=None, category="accommodation"
        ),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    with services.uow() as uow:
        assert len(active_fee_rules(uow.session)) == len(SEEDED)
    assert rule_count(services) == len(SEEDED)


def test_each_bad_field_is_named_and_nothing_is_written(services: Services) -> None:
    admin = make_admin(services)
    bad = host_rule(
        scope=FeeScope.CATEGORY,
        scope_value="spa",
        percent=Decimal(101),
        fixed_minor=-1,
        min_minor=5_00,
        max_minor=1_00,
    )
    with pytest.raises(InvalidInput) as refused:
        service.create_fee_rule(services, admin, bad)
    assert {p.field for p in refused.value.fields} == {
        "scope_value",
        "percent",
        "fixed_minor",
        "max_minor",
        "currency",
    }
    cases = [
        (host_rule(scope=FeeScope.GLOBAL), "scope_value"),
        (host_rule(scope_value=None), "scope_value"),
        (host_rule(currency="XYZ", fixed_minor=1_00), "currency"),
        (host_rule(currency="aed"), "currency"),
        (host_rule(percent=Decimal("1.0005")), "percent"),  # the column would round it
    ]
    for values, field in cases:
        with pytest.raises(InvalidInput) as refused:
            service.create_fee_rule(services, admin, values)
        assert [p.field for p in refused.value.fields] == [field], values
    assert rule_count(services) == len(SEEDED)


def test_an_edit_is_checked_as_a_whole_rule(services: Services) -> None:
    admin = make_admin(services)
    rule = service.create_fee_rule(services, admin, host_rule())
    with pytest.raises(InvalidInput) as refused:
        service.update_fee_rule(services, admin, rule.id, {"scope": FeeScope.GLOBAL})
    assert [p.field for p in refused.value.fields] == ["scope_value"]
    with pytest.raises(InvalidInput) as refused:
        service.update_fee_rule(services, admin, rule.id, {"min_minor": 10_00})
    assert [p.field for p in refused.value.fields] == ["currency"]
    with pytest.raises(InvalidInput):
        service.update_fee_rule(services, admin, rule.id, {"id": uuid.uuid4()})
    with pytest.raises(NotFound):
        service.update_fee_rule(services, admin, uuid.uuid4(), {"percent": Decimal(1)})
    assert service.get_fee_rule(services, admin, rule.id).scope is FeeScope.CATEGORY
    assert len(audit_of(services, rule.id)) == 1  # the creation only


def test_provider_rules_need_an_existing_organization(services: Services) -> None:
    admin = make_admin(services)
    for value in (str(uuid.uuid4()), "not-an-id"):
        with pytest.raises(InvalidInput) as refused:
            service.create_fee_rule(
                services, admin, host_rule(scope=FeeScope.PROVIDER, scope_value=value)
            )
        assert [p.field for p in refused.value.fields] == ["scope_value"]
    assert rule_count(services) == len(SEEDED)


def test_two_active_rules_may_not_tie(services: Services) -> None:
    admin = make_admin(services)
    tie = service.FeeRuleValues(FeeSide.GUEST, FeeScope.GLOBAL, percent=Decimal(5))
    with pytest.raises(FeeRuleConflict) as refused:
        service.create_fee_rule(services, admin, tie)
    assert refused.value.code == "fee_rule_conflict"
    inactive = service.create_fee_rule(services, admin, dataclasses.replace(tie, active=False))
    with pytest.raises(FeeRuleConflict):
        service.update_fee_rule(services, admin, inactive.id, {"active": True})
    assert service.get_fee_rule(services, admin, inactive.id).active is False
    assert rule_count(services) == len(SEEDED) + 1


VALID_ROW: dict[str, Any] = {
    "side": "host", "scope": "category", "scope_value": "tour", "percent": 12,
    "fixed_minor": 0, "min_minor": None, "max_minor": None, "currency": "AED",
    "priority": 7, "active": True,
}  # fmt: skip
INSERT = text(
    "INSERT INTO fee_rule (id, side, scope, scope_value, percent, fixed_minor, min_minor,"
    " max_minor, currency, priority, active) VALUES (gen_random_uuid(), :side, :scope,"
    " :scope_value, :percent, :fixed_minor, :min_minor, :max_minor, :currency, :priority,"
    " :active)"
)


@pytest.mark.parametrize(
    ("_case", "changes", "constraint"),
    [
        ("percent above 100", {"percent": Decimal("100.001")}, "ck_fee_rule_percent_range"),
        ("negative percent", {"percent": -1}, "ck_fee_rule_percent_range"),
        ("negative fixed", {"fixed_minor": -1}, "ck_fee_rule_fixed_not_negative"),
        ("negative minimum", {"min_minor": -1}, "ck_fee_rule_min_not_negative"),
        ("negative maximum", {"max_minor": -1}, "ck_fee_rule_max_not_negative"),
        ("max below min", {"min_minor": 5, "max_minor": 4}, "ck_fee_rule_max_not_below_min"),
        ("global with a value", {"scope": "global"}, "ck_fee_rule_scope_value_needed"),
        ("category without one", {"scope_value": None}, "ck_fee_rule_scope_value_needed"),
        (
            "fixed without currency",
            {"currency": None, "fixed_minor": 1},
            "ck_fee_rule_amounts_need_currency",
        ),
        (
            "clamp without currency",
            {"currency": None, "max_minor": 1},
            "ck_fee_rule_amounts_need_currency",
        ),
        ("lower-case currency", {"currency": "aed"}, "ck_fee_rule_currency_format"),
        ("unknown side", {"side": "both"}, "ck_fee_rule_feeside"),
        ("tie with a seeded rule", {"scope_value": "meal", "priority": 0}, "uq_fee_rule_active"),
        (
            "tie on the global slot",
            {"scope": "global", "scope_value": None, "priority": 0},
            "uq_fee_rule_active",
        ),
    ],
)
def test_the_database_refuses_bad_rows_inserted_directly(
    services: Services, _case: str, changes: dict[str, Any], constraint: str
) -> None:
    with services.engine.connect() as connection:
        connection.execute(INSERT, VALID_ROW)  # the valid row goes in
        with pytest.raises(IntegrityError, match=constraint):
            connection.execute(INSERT, {**VALID_ROW, "priority": 8, **changes})
        connection.rollback()
    assert rule_count(services) == len(SEEDED)


def test_inactive_rules_may_share_a_slot(services: Services) -> None:
    with services.engine.connect() as connection:
        for _ in range(2):
            connection.execute(
                INSERT, {**VALID_ROW, "scope_value": "meal", "priority": 0, "active": False}
            )
        connection.commit()
    assert rule_count(services) == len(SEEDED) + 2


def test_the_most_specific_rule_prices_a_booking(services: Services) -> None:
    admin, provider, other = make_admin(services), make_provider(services), make_provider(services)
    before = service.calculate(
        services, admin, amount=AED_1000, provider=provider, category="accommodation"
    )
    assert (before.host_rule_id, before.host_commission) == (
        ACCOMMODATION_HOST,
        Money(75_00, "AED"),
    )
    assert before.guest_service_fee == Money(0, "AED")
    deal = service.create_fee_rule(
        services,
        admin,
        host_rule(scope=FeeScope.PROVIDER, scope_value=str(provider), percent=Decimal(3)),
    )
    after = service.calculate(
        services, admin, amount=AED_1000, provider=provider, category="accommodation"
    )
    assert (after.host_rule_id, after.host_commission) == (str(deal.id), Money(30_00, "AED"))
    assert after.split.host_payout == Money(970_00, "AED")
    assert after.split.host_payout + after.split.platform_fee == after.split.guest_total
    elsewhere = service.calculate(
        services, admin, amount=AED_1000, provider=other, category="accommodation"
    )
    assert elsewhere.host_rule_id == ACCOMMODATION_HOST
    tour = service.calculate(services, admin, amount=AED_1000, provider=None, category="tour")
    assert tour.host_commission == Money(150_00, "AED")  # no tour rule: the global 15%


def test_calculate_names_bad_input(services: Services) -> None:
    admin = make_admin(services)
    with pytest.raises(InvalidInput) as refused:
        service.calculate(services, admin, amount=Money(-1, "AED"), provider=None, category="spa")
    assert {p.field for p in refused.value.fields} == {"amount_minor", "category"}
