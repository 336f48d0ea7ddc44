"""Search: listings open for the whole window and party, filtered and sorted, each with its
quote total; and the index behind it stays in step with every edit."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.availability.service import refresh_search_index
from innkeeper.catalog.domain import ListingAction, Location, StayDetails
from innkeeper.catalog.service import change_status
from innkeeper.core.clock import FixedClock
from innkeeper.services import Services
from tests.builders import actor_for, login_headers, make_listing, make_org, make_user

WINDOW = {"check_in": "2027-01-11", "check_out": "2027-01-14"}  # Monday to Thursday


def _location(area: str, lat: str, lng: str) -> Location:
    return Location(f"1 {area} Street", area, "Dubai", "AE", Decimal(lat), Decimal(lng))


@pytest.fixture
def market(client: TestClient, services: Services, clock: FixedClock) -> dict[str, Any]:
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)

    def stay(title: str, price: int, area: str, lat: str, lng: str, **extra: Any) -> str:
        clock.advance(minutes=1)  # distinct creation times, for "newest"
        view = make_listing(
            services, owner, org.id, publish=True, title=title, base_price_minor=price,
            location=_location(area, lat, lng), **extra,
        )  # fmt: skip
        return str(view.listing.id)

    ids = {
        "marina": stay("Marina flat", 400_00, "Dubai Marina", "25.080500", "55.140300"),
        "downtown": stay("Downtown loft", 900_00, "Downtown Dubai", "25.197200", "55.274400"),
        "villa": stay(
            "Palm villa",
            2500_00,
            "Palm Jumeirah",
            "25.112400",
            "55.139000",
            details=StayDetails(bedrooms=4, bathrooms=Decimal(4), beds=6, max_guests=8),
            amenities=frozenset({"wifi", "private_pool"}),
        ),  # fmt: skip
    }
    return {
        "ids": ids,
        "org": str(org.id),
        "headers": login_headers(client, "host@example.com"),
        "owner": owner,
    }


def _search(client: TestClient, **params: Any) -> Any:
    response = client.get("/api/v1/search", params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _titles(page: Any) -> list[str]:
    return [item["listing"]["title"] for item in page["items"]]


def test_cheapest_first_with_stay_price_and_quote_total(
    client: TestClient, market: dict[str, Any]
) -> None:
    page = _search(client, guests=2)
    assert _titles(page) == ["Marina flat", "Downtown loft", "Palm villa"]
    assert (page["total"], page["nights"]) == (3, 3)
    first = page["items"][0]
    assert first["stay_price"]["amount_minor"] == 1200_00
    quote = client.post(
        "/api/v1/quotes", json={"listing_id": market["ids"]["marina"], **WINDOW, "guests": 2}
    ).json()
    assert first["quote_total"] == quote["guest_total"]


def test_filters(client: TestClient, market: dict[str, Any]) -> None:
    assert _titles(_search(client, guests=6)) == ["Palm villa"]  # the others take 3
    assert _titles(_search(client, area="downtown dubai")) == ["Downtown loft"]
    assert _titles(_search(client, amenities=["private_pool", "wifi"])) == ["Palm villa"]
    priced = _search(client, currency="aed", min_price_minor=1500_00, max_price_minor=3000_00)
    assert _titles(priced) == ["Downtown loft"]  # 3 x 900; Marina is 1200, the villa 7500
    assert _titles(_search(client, sort="price_desc"))[0] == "Palm villa"
    assert _titles(_search(client, sort="newest")) == ["Palm villa", "Downtown loft", "Marina flat"]


def test_near_a_point(client: TestClient, market: dict[str, Any]) -> None:
    jbr = {"latitude": "25.078000", "longitude": "55.134000"}
    page = _search(client, sort="distance", **jbr)
    assert _titles(page) == ["Marina flat", "Palm villa", "Downtown loft"]
    assert Decimal(page["items"][0]["distance_km"]) < 1
    assert _titles(_search(client, radius_km=5, **jbr)) == ["Marina flat", "Palm villa"]


def test_edits_reach_search_at_once(
    client: TestClient, market: dict[str, Any], services: Services
) -> None:
    base = f"/api/v1/organizations/{market['org']}/listings/{market['ids']['marina']}"
    headers = market["headers"]
    client.post(
        f"{base}/availability/spans",
        json={"start": "2027-01-12", "end": "2027-01-13"},
        headers=headers,
    )
    assert "Marina flat" not in _titles(_search(client))
    client.post(
        f"{base}/availability/spans/clear",
        json={"start": "2027-01-12", "end": "2027-01-13"},
        headers=headers,
    )
    client.put(
        f"{base}/pricing/nights",
        json={"start": "2027-01-11", "end": "2027-01-12", "price_minor": 1000_00},
        headers=headers,
    )
    hit = next(i for i in _search(client)["items"] if i["listing"]["title"] == "Marina flat")
    assert hit["stay_price"]["amount_minor"] == 1800_00
    client.put(f"{base}/availability", json={"min_nights": 4}, headers=headers)
    assert "Marina flat" not in _titles(_search(client))
    change_status(
        services,
        actor_for(services, market["owner"]),
        uuid.UUID(market["org"]),
        uuid.UUID(market["ids"]["downtown"]),
        ListingAction.UNPUBLISH,
    )
    assert "Downtown loft" not in _titles(_search(client))


def test_bad_searches_name_the_field(client: TestClient, market: dict[str, Any]) -> None:
    for params, field in (
        ({"check_in": "2027-01-11"}, "check_out"),
        ({**WINDOW, "amenities": ["helipad"]}, "amenities"),
        ({**WINDOW, "sort": "distance"}, "sort"),
        ({**WINDOW, "min_price_minor": 100}, "currency"),
        ({**WINDOW, "latitude": "25.1"}, "longitude"),
        ({"check_in": "2027-01-11", "check_out": "2027-01-10"}, "check_out"),
    ):
        response = client.get("/api/v1/search", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["fields"][0]["field"] == field


def test_search_and_quotes_agree(client: TestClient, market: dict[str, Any]) -> None:
    """Every hit can be quoted; every listing missing from the results is refused."""
    base = f"/api/v1/organizations/{market['org']}/listings/{market['ids']['downtown']}"
    client.put(
        f"{base}/availability",
        json={"min_nights": 3, "closed_weekdays": [4]},
        headers=market["headers"],
    )
    client.post(
        f"{base}/availability/spans",
        json={"start": "2027-01-20", "end": "2027-01-25"},
        headers=market["headers"],
    )
    rng = random.Random(3)
    for _ in range(25):
        check_in = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 40))
        window = {
            "check_in": str(check_in),
            "check_out": str(check_in + timedelta(days=rng.randrange(1, 8))),
        }
        guests = rng.randrange(1, 9)
        found = {
            i["listing"]["id"]
            for i in client.get("/api/v1/search", params={**window, "guests": guests}).json()[
                "items"
            ]
        }
        for listing_id in market["ids"].values():
            quoted = client.post(
                "/api/v1/quotes", json={"listing_id": listing_id, **window, "guests": guests}
            )
            assert (quoted.status_code == 201) == (listing_id in found), (
                window,
                guests,
                quoted.text,
            )


def test_the_index_rolls_forward(
    client: TestClient, market: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    assert refresh_search_index(services) == 0  # built by the edits themselves
    clock.advance(days=2)
    assert refresh_search_index(services) == 3
    assert refresh_search_index(services) == 0


def test_experiences_by_date(client: TestClient, services: Services) -> None:
    owner = make_user(services, email="safari@example.com")
    org = make_org(services, owner)
    from innkeeper.catalog.domain import ExperienceCategory, ExperienceDetails, ListingKind

    details = ExperienceDetails(ExperienceCategory.ACTIVITY, 360, 12, "Al Qudra")
    make_listing(
        services,
        owner,
        org.id,
        publish=True,
        kind=ListingKind.EXPERIENCE,
        title="Safari",
        details=details,
        base_price_minor=350_00,
    )
    page = client.get(
        "/api/v1/search",
        params={
            "check_in": "2027-01-11",
            "kind": "experience",
            "guests": 3,
            "category": "activity",
        },
    ).json()
    assert [(i["listing"]["title"], i["stay_price"]["amount_minor"]) for i in page["items"]] == [
        ("Safari", 1050_00)
    ]
    assert (
        client.get(
            "/api/v1/search", params={"check_in": "2027-01-11", "kind": "experience", "guests": 13}
        ).json()["total"]
        == 0
    )
