"""Local experts set their fee; a quote that names an expert charges it and pays it out."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from innkeeper.accounts.domain import PlatformRole
from innkeeper.pricing.models import ExpertFeeRuleRow
from innkeeper.services import Services
from tests.builders import STAY_JSON, login_headers, make_org, make_user, publish_over_http

WINDOW = {"check_in": "2027-01-11", "check_out": "2027-01-14"}


@pytest.fixture
def setup(client: TestClient, services: Services) -> dict[str, Any]:
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "host@example.com")
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    listing = publish_over_http(client, headers, org.id, body)
    expert = make_user(services, email="expert@example.com", roles=(PlatformRole.LOCAL_EXPERT,))
    return {
        "listing": listing["id"],
        "expert": str(expert.id),
        "headers": login_headers(client, "expert@example.com"),
    }


def _quote(client: TestClient, setup: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        "/api/v1/quotes",
        json={
            "listing_id": setup["listing"],
            **WINDOW,
            "guests": 2,
            "expert_id": setup["expert"],
            **extra,
        },
    )


def test_a_percentage_fee_is_a_line_and_a_share(
    client: TestClient, setup: dict[str, Any], services: Services
) -> None:
    assert client.get("/api/v1/me/expert-fee", headers=setup["headers"]).status_code == 404
    client.put(
        "/api/v1/me/expert-fee", json={"kind": "percent", "percent": "5"}, headers=setup["headers"]
    )
    quote = _quote(client, setup).json()
    assert quote["lines"][-1]["code"] == "expert_fee"
    assert quote["expert_fee"]["amount_minor"] == 75_00  # 5% of 1,500
    total = (
        quote["host_payout"]["amount_minor"]
        + quote["platform_fee"]["amount_minor"]
        + quote["expert_fee"]["amount_minor"]
    )
    assert total == quote["guest_total"]["amount_minor"]
    client.put(
        "/api/v1/me/expert-fee", json={"kind": "percent", "percent": "7"}, headers=setup["headers"]
    )
    with services.uow() as uow:  # one active rule; the old one kept for history
        assert uow.session.scalar(select(func.count()).select_from(ExpertFeeRuleRow)) == 2
        assert uow.session.scalar(select(func.count()).where(ExpertFeeRuleRow.active)) == 1


def test_hourly_needs_hours(client: TestClient, setup: dict[str, Any]) -> None:
    client.put(
        "/api/v1/me/expert-fee",
        json={"kind": "hourly", "amount_minor": 120_00, "currency": "aed"},
        headers=setup["headers"],
    )
    assert _quote(client, setup).json()["error"]["fields"][0]["field"] == "expert_hours"
    assert _quote(client, setup, expert_hours="2.5").json()["expert_fee"]["amount_minor"] == 300_00


def test_a_fee_in_another_currency_is_refused(client: TestClient, setup: dict[str, Any]) -> None:
    client.put(
        "/api/v1/me/expert-fee",
        json={"kind": "fixed", "amount_minor": 50_00, "currency": "USD"},
        headers=setup["headers"],
    )
    assert _quote(client, setup).json()["error"]["fields"][0]["field"] == "expert_id"


def test_only_experts_set_and_are_named(
    client: TestClient, setup: dict[str, Any], services: Services
) -> None:
    guest = make_user(services, email="guest@example.com")
    guest_headers = login_headers(client, "guest@example.com")
    assert (
        client.put(
            "/api/v1/me/expert-fee", json={"kind": "percent", "percent": "5"}, headers=guest_headers
        ).status_code
        == 403
    )
    refused = _quote(client, setup | {"expert": str(guest.id)})
    assert refused.json()["error"]["fields"][0]["field"] == "expert_id"


def test_bad_fees_name_the_field(client: TestClient, setup: dict[str, Any]) -> None:
    for body, field in (
        ({"kind": "percent", "percent": "0"}, "percent"),
        ({"kind": "fixed", "amount_minor": 100}, "currency"),
        ({"kind": "fixed", "currency": "AED"}, "amount_minor"),
        ({"kind": "percent", "percent": "101"}, "percent"),
    ):
        response = client.put("/api/v1/me/expert-fee", json=body, headers=setup["headers"])
        assert response.status_code == 422, body
        assert response.json()["error"]["fields"][0]["field"] == field
