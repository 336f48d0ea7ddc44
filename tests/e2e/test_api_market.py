"""Market research: price statistics by area and kind, and a listing against its area."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.services import Services
from tests.builders import make_listing, make_org, make_user


@pytest.fixture
def marina(services: Services) -> list[Any]:
    """Four published stays in Dubai Marina at AED 400, 500, 700 and 1,000; one draft."""
    owner = make_user(services)
    org = make_org(services, owner)
    views = [
        make_listing(
            services, owner, org.id, publish=True, title=f"Flat {n}", base_price_minor=price
        )
        for n, price in enumerate((400_00, 500_00, 700_00, 1000_00))
    ]
    make_listing(services, owner, org.id, title="Draft", base_price_minor=10_000_00)
    return views


def test_prices_by_area_and_kind(client: TestClient, marina: list[Any]) -> None:
    (stats,) = client.get("/api/v1/market/prices?city=dubai&kind=stay").json()
    assert stats["area"] == "Dubai Marina"
    assert stats["listings"] == 4  # the draft is not on the market
    assert stats["average"]["formatted"] == "AED 650.00"
    assert stats["median"]["amount_minor"] == 500_00  # the lower middle of four
    assert (stats["minimum"]["amount_minor"], stats["maximum"]["amount_minor"]) == (400_00, 1000_00)
    assert client.get("/api/v1/market/prices?area=Downtown%20Dubai").json() == []


def test_a_listing_against_its_area(client: TestClient, marina: list[Any]) -> None:
    priciest = marina[3].listing.id
    comparison = client.get(f"/api/v1/listings/{priciest}/market").json()
    assert comparison["cheaper_listings"] == 3
    assert comparison["percent_of_median"] == "200.0"
    assert comparison["area"]["listings"] == 4
    assert (
        client.get("/api/v1/listings/00000000-0000-0000-0000-000000000000/market").status_code
        == 404
    )
