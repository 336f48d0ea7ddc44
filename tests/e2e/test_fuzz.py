"""User input never produces a 500: valid requests with one field replaced by arbitrary JSON
get a 2xx or a 4xx in the error envelope, never a crash."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innkeeper.services import Services
from tests.builders import STAY_JSON, login_headers, make_org, make_user

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=8,
)
PATHS = [
    ("title",), ("description",), ("kind",), ("currency",), ("time_zone",), ("base_price_minor",),
    ("amenities",), ("photos",), ("location",), ("location", "latitude"), ("location", "country"),
    ("stay",), ("stay", "bathrooms"), ("stay", "check_in_time"), ("stay", "unit_count"), ("lease",),
]  # fmt: skip
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _replace(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(body)
    target = mutated
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return mutated


def _assert_clean(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}


@pytest.fixture
def host(client: TestClient, services: Services) -> tuple[str, dict[str, str]]:
    owner = make_user(services, email="fuzz@example.com")
    org = make_org(services, owner)
    return f"/api/v1/organizations/{org.id}/listings", login_headers(client, "fuzz@example.com")


@FUZZ
@given(path=st.sampled_from(PATHS), value=json_values)
def test_listing_create_never_crashes(
    client: TestClient, host: tuple[str, dict[str, str]], path: tuple[str, ...], value: Any
) -> None:
    url, headers = host
    _assert_clean(client.post(url, json=_replace(STAY_JSON, path, value), headers=headers))


@FUZZ
@given(
    field=st.sampled_from(["email", "password", "name", "phone", "locale", "time_zone"]),
    value=json_values,
)
def test_sign_up_never_crashes(client: TestClient, field: str, value: Any) -> None:
    body = {
        "email": "new@example.com",
        "password": "long enough passphrase",
        "name": "New",
        field: value,
    }
    _assert_clean(client.post("/api/v1/auth/signup", json=body))


@FUZZ
@given(body=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(client: TestClient, body: bytes) -> None:
    _assert_clean(
        client.post(
            "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
    )


def test_nul_characters_are_refused_with_the_field_named(
    client: TestClient, host: tuple[str, dict[str, str]]
) -> None:
    url, headers = host
    for body, field in (
        (STAY_JSON | {"title": "a\x00b"}, "title"),
        (_replace(STAY_JSON, ("location", "city"), "Du\x00bai"), "location.city"),
        (STAY_JSON | {"amenities": ["wifi\x00"]}, "amenities"),
    ):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == field
    login = client.post("/api/v1/auth/login", json={"email": "a\x00@example.com", "password": "x"})
    assert login.status_code == 422
    for path in (
        "/api/v1/admin/users?email=%00",
        "/api/v1/listings?city=Du%00bai",
        "/api/v1/listings/%00",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "invalid_request"
