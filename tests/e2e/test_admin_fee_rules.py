"""Fee rules over HTTP: admins list, create, edit, deactivate and try them on an amount;
everyone else is told the routes do not exist."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.accounts.domain import OrganizationKind, PlatformRole
from innkeeper.services import Services
from tests.builders import login_headers, make_org, make_user

API = "/api/v1"
RULES = f"{API}/admin/fee-rules"
CALCULATE = f"{API}/admin/fees/calculate"
ACCOMMODATION_HOST = "e9ec78fc-1c1e-4b1f-9a95-b0b981c12575"
GLOBAL_GUEST = "f3e0dbe2-795b-4faa-9c33-af405f9caba8"
TOUR_RULE: dict[str, Any] = {"side": "host", "scope": "category", "scope_value": "tour"}
STAY_OF_1000: dict[str, Any] = {
    "amount_minor": 1000_00,
    "currency": "AED",
    "category": "accommodation",
}


@pytest.fixture
def admin(client: TestClient, services: Services) -> dict[str, str]:
    make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,))
    return login_headers(client, "admin@example.com")


@pytest.fixture
def provider(services: Services) -> str:
    owner = make_user(services, email="provider@example.com")
    return str(make_org(services, owner, slug="desert-tours", kind=OrganizationKind.PROVIDER).id)


def aed(minor: int) -> dict[str, Any]:
    return {"amount_minor": minor, "currency": "AED", "formatted": f"AED {minor / 100:.2f}"}


def fields_of(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {f["field"] for f in response.json()["error"]["fields"]}


def all_rules(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(RULES, params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_admins_see_the_seeded_plan_and_filter_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    rules = all_rules(client, admin)
    assert [(r["side"], r["scope"], r["scope_value"], r["percent"]) for r in rules] == [
        ("guest", "global", None, "0.000"),
        ("host", "category", "accommodation", "7.500"),
        ("host", "category", "activity", "15.000"),
        ("host", "category", "meal", "5.000"),
        ("host", "category", "transport", "10.000"),
        ("host", "global", None, "15.000"),
    ]
    for query, total in [
        ({"side": "guest"}, 1),
        ({"scope": "category"}, 4),
        ({"side": "host", "scope": "global"}, 1),
        ({"active": "false"}, 0),
        ({"active": "true", "limit": 2, "offset": 1}, 6),
    ]:
        page = client.get(RULES, params=query, headers=admin).json()
        assert page["total"] == total, query
    page = client.get(RULES, params={"limit": 2, "offset": 1}, headers=admin).json()
    assert [r["id"] for r in page["items"]] == [r["id"] for r in rules[1:3]]


def test_create_read_update_and_deactivate(
    client: TestClient, admin: dict[str, str], provider: str
) -> None:
    body = {
        "side": "host", "scope": "provider", "scope_value": provider, "percent": "3",
        "fixed_minor": 5_00, "max_minor": 200_00, "currency": "aed", "priority": 0,
        "description": "  Launch deal  ",
    }  # fmt: skip
    created = client.post(RULES, json=body, headers=admin)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert {k: rule[k] for k in (*body, "min_minor", "active")} == {
        **body, "percent": "3.000", "currency": "AED", "description": "Launch deal",
        "min_minor": None, "active": True,
    }  # fmt: skip
    url = f"{RULES}/{rule['id']}"
    assert client.get(url, headers=admin).json() == rule
    patched = client.patch(url, json={"percent": 2.5, "max_minor": None}, headers=admin)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["percent"], patched.json()["max_minor"]) == ("2.500", None)
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).json()["active"] is False
    assert rule["id"] not in {r["id"] for r in all_rules(client, admin) if r["active"]}
    log = client.get(
        f"{API}/admin/audit-log",
        params={"entity_type": "fee_rule", "entity_id": rule["id"]},
        headers=admin,
    ).json()
    assert [(e["action"], e["to_state"]) for e in reversed(log["items"])] == [
        ("created", "active"),
        ("updated", None),
        ("deactivated", "inactive"),
    ]


def test_a_missing_rule_is_404(client: TestClient, admin: dict[str, str]) -> None:
    url = f"{RULES}/{uuid.uuid4()}"
    for method, body in (("GET", None), ("PATCH", {"percent": 1}), ("DELETE", None)):
        assert client.request(method, url, json=body, headers=admin).status_code == 404


def test_each_bad_field_is_named(client: TestClient, admin: dict[str, str], provider: str) -> None:
    shape = {
        **TOUR_RULE, "side": "both", "percent": "100.5", "fixed_minor": -1,
        "priority": 10**6, "colour": "red",
    }  # fmt: skip
    assert fields_of(client.post(RULES, json=shape, headers=admin)) == {
        "side", "percent", "fixed_minor", "priority", "colour",
    }  # fmt: skip
    meaning = {
        "side": "guest", "scope": "global", "scope_value": "accommodation",
        "currency": "XYZ", "min_minor": 5_00, "max_minor": 1_00,
    }  # fmt: skip
    assert fields_of(client.post(RULES, json=meaning, headers=admin)) == {
        "scope_value", "currency", "max_minor",
    }  # fmt: skip
    for scope, value in (("category", "spa"), ("provider", str(uuid.uuid4())), ("provider", "x")):
        body = {**TOUR_RULE, "scope": scope, "scope_value": value}
        assert fields_of(client.post(RULES, json=body, headers=admin)) == {"scope_value"}
    url = f"{RULES}/{ACCOMMODATION_HOST}"
    nulls = {"percent": None, "active": None, "currency": None}
    assert fields_of(client.patch(url, json=nulls, headers=admin)) == {"percent", "active"}
    assert fields_of(client.patch(url, json={"fixed_minor": 1_00}, headers=admin)) == {"currency"}
    bad = {**STAY_OF_1000, "currency": "XYZ", "amount_minor": -5}
    assert fields_of(client.post(CALCULATE, json=bad, headers=admin)) == {
        "currency",
        "amount_minor",
    }
    spa = {**STAY_OF_1000, "category": "spa"}
    assert fields_of(client.post(CALCULATE, json=spa, headers=admin)) == {"category"}
    assert len(all_rules(client, admin)) == 6
    assert client.get(url, headers=admin).json()["percent"] == "7.500"


def test_a_rule_that_ties_an_active_one_is_a_conflict(
    client: TestClient, admin: dict[str, str]
) -> None:
    tie = {"side": "guest", "scope": "global", "percent": "5"}
    refused = client.post(RULES, json=tie, headers=admin)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "fee_rule_conflict"
    parked = client.post(RULES, json={**tie, "active": False}, headers=admin).json()
    back = client.patch(f"{RULES}/{parked['id']}", json={"active": True}, headers=admin)
    assert back.status_code == 409
    assert back.json()["error"]["code"] == "fee_rule_conflict"
    assert client.delete(f"{RULES}/{GLOBAL_GUEST}", headers=admin).status_code == 204
    now = client.patch(f"{RULES}/{parked['id']}", json={"active": True}, headers=admin)
    assert now.status_code == 200, now.text


def _admin_routes(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith((RULES, f"{API}/admin/fees"))
        for method in operations
    ]


SAMPLE_BODIES: dict[tuple[str, str], Any] = {
    ("POST", RULES): {**TOUR_RULE, "percent": "1"},
    ("PATCH", RULES + "/{fee_rule_id}"): {"percent": "1"},
    ("POST", CALCULATE): STAY_OF_1000,
}


@pytest.mark.parametrize("caller", ["guest", "host", "anonymous"])
def test_everyone_but_admins_is_told_nothing(
    client: TestClient, services: Services, admin: dict[str, str], provider: str, caller: str
) -> None:
    make_user(services, email="guest@example.com")
    emails = {"guest": "guest@example.com", "host": "provider@example.com"}
    headers = login_headers(client, emails[caller]) if caller in emails else {}
    expected = 401 if caller == "anonymous" else 404
    before = all_rules(client, admin)
    routes = _admin_routes(client)
    assert len(routes) == 6, routes
    for method, path in routes:
        body = SAMPLE_BODIES.get((method, path))
        if method in {"POST", "PATCH"} and body is None:
            pytest.fail(f"add a valid sample body for {method} {path} to SAMPLE_BODIES")
        url = path.replace("{fee_rule_id}", ACCOMMODATION_HOST)
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == expected, (caller, method, path, response.text)
        assert "7.5" not in response.text
        assert "accommodation" not in response.text
    assert all_rules(client, admin) == before


def test_the_fees_on_a_stay_and_the_split(
    client: TestClient, admin: dict[str, str], provider: str
) -> None:
    plain = client.post(CALCULATE, json=STAY_OF_1000, headers=admin)
    assert plain.status_code == 200, plain.text
    assert plain.json() == {
        "host_charges": aed(1000_00),
        "guest_service_fee": aed(0),
        "guest_fee_rule_id": GLOBAL_GUEST,
        "host_commission": aed(75_00),
        "host_fee_rule_id": ACCOMMODATION_HOST,
        "guest_total": aed(1000_00),
        "host_payout": aed(925_00),
        "platform_fee": aed(75_00),
    }
    guest_rule = {"side": "guest", "scope": "global", "percent": "5", "priority": 1}
    guest = client.post(RULES, json=guest_rule, headers=admin).json()
    deal = {"side": "host", "scope": "provider", "scope_value": provider, "percent": "3"}
    host = client.post(RULES, json=deal, headers=admin).json()
    priced = client.post(CALCULATE, json={**STAY_OF_1000, "provider_id": provider}, headers=admin)
    assert priced.json() == {
        "host_charges": aed(1000_00),
        "guest_service_fee": aed(50_00),
        "guest_fee_rule_id": guest["id"],
        "host_commission": aed(30_00),
        "host_fee_rule_id": host["id"],
        "guest_total": aed(1050_00),
        "host_payout": aed(970_00),
        "platform_fee": aed(80_00),
    }
    paid = priced.json()
    assert (
        paid["host_payout"]["amount_minor"] + paid["platform_fee"]["amount_minor"]
        == paid["guest_total"]["amount_minor"]
    )
