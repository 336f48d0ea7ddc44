"""Quotes over HTTP: a host sets prices and rules; a guest gets an exact, itemized,
expiring quote, or the reasons it cannot have one."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.services import Services
from tests.builders import (
    SAFARI_JSON,
    STAY_JSON,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)
from tests.conftest import START

PRICING = {
    "weekend_multiplier": "1.2",
    "cleaning_minor": 150_00,
    "weekly_discount_percent": "10",
    "taxes": [
        {"code": "vat", "label": "VAT 5%", "kind": "percent", "percent": "5"},
        {
            "code": "tourism_dirham",
            "label": "Tourism Dirham",
            "kind": "per_unit_night",
            "amount_minor": 15_00,
        },
    ],
    "deposit": {"kind": "percent", "percent": "30", "balance_due_days": 14},
    "security_deposit_minor": 1000_00,
}


@pytest.fixture
def villa(client: TestClient, services: Services) -> dict[str, Any]:
    """A published AED 500/night stay (max 10 guests) with a rate plan and rules."""
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "host@example.com")
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    listing = client.post(
        f"/api/v1/organizations/{org.id}/listings", json=body, headers=headers
    ).json()
    base = f"/api/v1/organizations/{org.id}/listings/{listing['id']}"
    assert client.post(f"{base}/publish", headers=headers).status_code == 200
    assert client.put(f"{base}/pricing", json=PRICING, headers=headers).status_code == 200
    rules = {"min_nights": 2, "closed_yearly": ["12-25"], "advance_days": 400}
    assert client.put(f"{base}/availability", json=rules, headers=headers).status_code == 200
    return {"id": listing["id"], "base": base, "headers": headers}


def _quote(
    client: TestClient, listing_id: str, check_in: str, check_out: str | None, guests: int = 2
) -> Any:
    body = {
        "listing_id": listing_id,
        "check_in": check_in,
        "check_out": check_out,
        "guests": guests,
    }
    return client.post("/api/v1/quotes", json=body)


def test_a_week_in_january_line_by_line(client: TestClient, villa: dict[str, Any]) -> None:
    response = _quote(client, villa["id"], "2027-01-11", "2027-01-18")  # Monday to Monday
    assert response.status_code == 201, response.text
    quote = response.json()
    lines = [
        (line["code"], line["quantity"], line["amount"]["amount_minor"], line["rule"])
        for line in quote["lines"]
    ]
    assert lines == [
        ("nights", 5, 2500_00, "base"),
        ("nights", 2, 1200_00, "base+weekend"),
        ("los_discount", 1, -370_00, "los_discount"),
        ("cleaning", 1, 150_00, ""),
        ("tax:vat", 1, 174_00, "percent"),  # 5% of 3480
        ("tax:tourism_dirham", 7, 105_00, "per_unit_night"),
    ]
    assert quote["guest_total"]["formatted"] == "AED 3759.00"
    assert quote["host_commission"]["amount_minor"] == 261_00  # 7.5% of the 3480 before tax
    assert quote["host_payout"]["amount_minor"] + quote["platform_fee"]["amount_minor"] == 3759_00
    assert quote["fee_rules"]["host"] is not None
    assert [(i["due"], i["amount"]["amount_minor"]) for i in quote["installments"]] == [
        (None, 1127_70),
        ("2026-12-28", 2631_30),
    ]
    assert quote["security_deposit"]["amount_minor"] == 1000_00
    assert quote["expires_at"] == (START + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/api/v1/quotes/{quote['id']}").json() == quote


def test_unavailable_stays_say_why(client: TestClient, villa: dict[str, Any]) -> None:
    client.post(
        f"{villa['base']}/availability/spans",
        json={"start": "2027-01-05", "end": "2027-01-07", "note": "repairs"},
        headers=villa["headers"],
    )
    response = _quote(client, villa["id"], "2027-01-06", "2027-01-07", guests=12)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    reasons = {r["reason"]: r["dates"] for r in error["details"]["reasons"]}
    assert reasons == {"min_stay": [], "blocked": ["2027-01-06"], "party_too_large": []}
    christmas = _quote(client, villa["id"], "2026-12-24", "2026-12-27").json()["error"]["details"][
        "reasons"
    ]
    assert christmas == [
        {
            "reason": "closed_yearly",
            "message": "closed on these dates every year",
            "dates": ["2026-12-25"],
        }
    ]


def test_the_public_calendar_and_prices(client: TestClient, villa: dict[str, Any]) -> None:
    client.post(
        f"{villa['base']}/availability/spans",
        json={"start": "2027-01-05", "end": "2027-01-07"},
        headers=villa["headers"],
    )
    client.post(
        f"{villa['base']}/availability/spans/clear",
        json={"start": "2027-01-06", "end": "2027-01-07"},
        headers=villa["headers"],
    )
    nights = client.get(
        f"/api/v1/listings/{villa['id']}/calendar?start=2027-01-04&end=2027-01-08"
    ).json()
    assert [(n["night"], n["available"], n["reasons"]) for n in nights] == [
        ("2027-01-04", True, []),
        ("2027-01-05", False, ["blocked"]),
        ("2027-01-06", True, []),
        ("2027-01-07", True, []),
    ]
    client.put(
        f"{villa['base']}/pricing/nights",
        json={"start": "2027-01-07", "end": "2027-01-09", "price_minor": 999_00},
        headers=villa["headers"],
    )
    prices = client.get(
        f"/api/v1/listings/{villa['id']}/prices?start=2027-01-06&end=2027-01-10"
    ).json()
    assert [(p["night"], p["price"]["amount_minor"], p["rule"]) for p in prices] == [
        ("2027-01-06", 500_00, "base"),
        ("2027-01-07", 999_00, "override"),
        ("2027-01-08", 999_00, "override"),  # a Friday: overrides win over weekends
        ("2027-01-09", 600_00, "base+weekend"),
    ]


def test_bad_quote_requests_name_the_field(client: TestClient, villa: dict[str, Any]) -> None:
    backwards = _quote(client, villa["id"], "2027-01-10", "2027-01-08")
    assert backwards.status_code == 422
    assert backwards.json()["error"]["fields"][0]["field"] == "check_out"
    missing = _quote(client, villa["id"], "2027-01-10", None)
    assert missing.json()["error"]["fields"][0]["field"] == "check_out"
    nobody = client.post(
        "/api/v1/quotes",
        json={
            "listing_id": villa["id"],
            "check_in": "2027-01-10",
            "check_out": "2027-01-12",
            "guests": 0,
        },
    )
    assert nobody.json()["error"]["fields"][0]["field"] == "guests"
    unknown = _quote(client, "00000000-0000-0000-0000-000000000000", "2027-01-10", "2027-01-12")
    assert unknown.status_code == 404


def test_quote_only_listings_are_refused_with_a_reason(
    client: TestClient, villa: dict[str, Any]
) -> None:
    client.put(
        f"{villa['base']}/pricing", json=PRICING | {"quote_only": True}, headers=villa["headers"]
    )
    response = _quote(client, villa["id"], "2027-01-11", "2027-01-13")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quote_only"


def test_pricing_relations_are_checked(client: TestClient, villa: dict[str, Any]) -> None:
    both = {
        "seasons": [
            {
                "name": "x",
                "start": "2027-01-01",
                "end": "2027-02-01",
                "multiplier": "2",
                "fixed_minor": 100,
            }
        ]
    }
    response = client.put(f"{villa['base']}/pricing", json=both, headers=villa["headers"])
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "seasons.0"
    taxes = {"taxes": [PRICING["taxes"][0], PRICING["taxes"][0]]}
    assert (
        client.put(f"{villa['base']}/pricing", json=taxes, headers=villa["headers"]).json()[
            "error"
        ]["fields"][0]["field"]
        == "taxes"
    )
    kept = client.get(f"{villa['base']}/pricing", headers=villa["headers"]).json()
    assert kept["cleaning_minor"] == 150_00  # refused edits change nothing


def test_experiences_are_quoted_per_session(client: TestClient, services: Services) -> None:
    owner = make_user(services, email="safari@example.com")
    org = make_org(services, owner)
    headers = login_headers(client, "safari@example.com")
    listing = publish_over_http(client, headers, org.id, SAFARI_JSON)
    quote = _quote(client, listing["id"], "2026-12-02", None, guests=3).json()
    assert [(line["code"], line["amount"]["amount_minor"]) for line in quote["lines"]] == [
        ("session", 1050_00)
    ]
    assert quote["host_commission"]["amount_minor"] == 157_50  # activities: 15%
    too_many = _quote(client, listing["id"], "2026-12-02", None, guests=13)
    assert [r["reason"] for r in too_many.json()["error"]["details"]["reasons"]] == [
        "party_too_large"
    ]


def test_the_quote_shows_the_cancellation_policy_with_deadlines(
    client: TestClient, villa: dict[str, Any]
) -> None:
    quote = _quote(client, villa["id"], "2027-01-11", "2027-01-14").json()
    assert quote["cancellation_policy"]["kind"] == "flexible"
    assert quote["cancellation_policy"]["deadlines"] == [
        {
            "until": "2027-01-10T11:00:00Z",
            "refund_percent": "100",
        }  # check-in 15:00 Dubai, less 24 h
    ]
    assert quote["cancellation_policy"]["non_refundable"] == ["service_fee"]
    custom = {
        "kind": "custom",
        "tiers": [{"hours_before": 72, "percent": "80"}, {"hours_before": 240, "percent": "100"}],
    }
    client.put(
        f"{villa['base']}/pricing",
        json=PRICING | {"cancellation": custom},
        headers=villa["headers"],
    )
    quote = _quote(client, villa["id"], "2027-01-11", "2027-01-14").json()
    assert [
        (d["until"], d["refund_percent"]) for d in quote["cancellation_policy"]["deadlines"]
    ] == [
        ("2027-01-01T11:00:00Z", "100"),
        ("2027-01-08T11:00:00Z", "80"),
    ]
    saved = client.get(f"{villa['base']}/pricing", headers=villa["headers"]).json()["cancellation"]
    assert saved == {
        "kind": "custom",
        "tiers": [
            {"hours_before": 240, "percent": "100"},
            {"hours_before": 72, "percent": "80"},
        ],
    }


def test_bad_policies_name_the_field(client: TestClient, villa: dict[str, Any]) -> None:
    rising = {
        "kind": "custom",
        "tiers": [{"hours_before": 72, "percent": "20"}, {"hours_before": 24, "percent": "50"}],
    }
    response = client.put(
        f"{villa['base']}/pricing",
        json=PRICING | {"cancellation": rising},
        headers=villa["headers"],
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "cancellation.tiers"
