"""The HTTP edge: health, docs, and one error envelope for every refusal."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from innkeeper.main import create_app
from innkeeper.services import build_services
from innkeeper.settings import Settings
from tests.builders import STAY_JSON


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database(settings: Settings, pg: Any) -> None:
    services = build_services(settings, pg.get_uri("no_such_database"))
    with TestClient(create_app(services)) as unhealthy:
        response = unhealthy.get("/health")
    services.close()
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_lost_database_is_a_503_with_retry_after(settings: Settings, pg: Any) -> None:
    services = build_services(settings, pg.get_uri("no_such_database"))
    with TestClient(create_app(services)) as unhealthy:
        response = unhealthy.get("/api/v1/listings")
    services.close()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "1"


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}/listings",
        "/api/v1/listings/{listing_id}",
        "/api/v1/admin/audit-log",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    assert len(client.get("/health").headers["x-request-id"]) == 32
    echoed = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = client.get("/health", headers={"X-Request-ID": "<script>"})
    assert unsafe.headers["x-request-id"] != "<script>"


def test_unknown_route_and_wrong_method_use_the_envelope(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/listings")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_shape_errors_name_each_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/signup", json={"email": "not-an-email", "name": ""})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert {f["field"] for f in error["fields"]} == {"email", "name", "password"}
    assert error["request_id"] == response.headers["x-request-id"]


def test_unknown_fields_are_refused_not_ignored(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": "a@b.c", "password": "x", "admin": True}
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["admin"]


def test_bad_path_ids_are_422_not_500(client: TestClient) -> None:
    response = client.get("/api/v1/listings/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "listing_id"


def test_writes_need_credentials(client: TestClient) -> None:
    fake = "00000000-0000-0000-0000-000000000000"
    response = client.post(f"/api/v1/organizations/{fake}/listings", json=STAY_JSON)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
