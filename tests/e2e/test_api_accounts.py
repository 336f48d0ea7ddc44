"""Accounts over HTTP: cookie sessions with CSRF for writes, bearer tokens, throttling."""

from __future__ import annotations

from fastapi.testclient import TestClient

from innkeeper.accounts.domain import PlatformRole
from innkeeper.services import Services
from tests.builders import PASSWORD, login_headers, make_user

SIGN_UP = {
    "email": "Layla@Example.com",
    "password": PASSWORD,
    "name": "Layla",
    "phone": "+971501112233",
}


def test_sign_up_sets_a_secure_session_cookie(client: TestClient) -> None:
    response = client.post("/api/v1/auth/signup", json=SIGN_UP)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "layla@example.com"
    cookie = response.headers["set-cookie"]
    assert "innkeeper_session=iks_" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert client.get("/api/v1/me").json()["email"] == "layla@example.com"


def test_duplicate_sign_up_is_a_409(client: TestClient) -> None:
    client.post("/api/v1/auth/signup", json=SIGN_UP)
    again = client.post("/api/v1/auth/signup", json={**SIGN_UP, "email": "LAYLA@example.com"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"


def test_cookie_writes_need_the_csrf_token(client: TestClient) -> None:
    csrf = client.post("/api/v1/auth/signup", json=SIGN_UP).json()["csrf_token"]
    refused = client.patch("/api/v1/me", json={"name": "Layla K."})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    allowed = client.patch("/api/v1/me", json={"name": "Layla K."}, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 200
    assert allowed.json()["name"] == "Layla K."


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = client.post("/api/v1/auth/signup", json=SIGN_UP).json()["csrf_token"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_login_with_a_wrong_password_is_a_401(client: TestClient, services: Services) -> None:
    make_user(services, email="host@example.com")
    response = client.post(
        "/api/v1/auth/login", json={"email": "host@example.com", "password": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_is_throttled_with_retry_after(client: TestClient, services: Services) -> None:
    make_user(services, email="host@example.com")
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"email": "host@example.com", "password": "nope"})
    response = client.post(
        "/api/v1/auth/login", json={"email": "host@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert int(response.headers["retry-after"]) > 0


def test_bearer_tokens_work_without_csrf_and_can_be_revoked(
    client: TestClient, services: Services
) -> None:
    make_user(services, email="host@example.com")
    headers = login_headers(client, "host@example.com")
    assert (
        client.patch("/api/v1/me", json={"phone": "+971 50 999 8877"}, headers=headers).json()[
            "phone"
        ]
        == "+971509998877"
    )
    tokens = client.get("/api/v1/me/tokens", headers=headers).json()
    assert [t["name"] for t in tokens] == ["tests"]
    assert "token" not in tokens[0]  # the secret is shown once, at creation
    assert client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_malformed_authorization_header_is_a_401(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


def test_profile_shows_roles_and_memberships(client: TestClient, services: Services) -> None:
    make_user(services, email="expert@example.com", roles=(PlatformRole.LOCAL_EXPERT,))
    headers = login_headers(client, "expert@example.com")
    body = client.get("/api/v1/me", headers=headers).json()
    assert body["roles"] == ["local_expert"]
    assert body["memberships"] == []


def test_password_change_over_http(client: TestClient, services: Services) -> None:
    make_user(services, email="host@example.com")
    headers = login_headers(client, "host@example.com")
    short = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert short.status_code == 422
    assert short.json()["error"]["fields"] == [
        {"field": "new_password", "message": "must be at least 10 characters"}
    ]
    ok = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "another long passphrase"},
        headers=headers,
    )
    assert ok.status_code == 204


def test_admin_tools_are_invisible_to_others(client: TestClient, services: Services) -> None:
    make_user(services, email="guest@example.com")
    admin = make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,))
    guest_headers = login_headers(client, "guest@example.com")
    assert client.get("/api/v1/admin/users", headers=guest_headers).status_code == 404
    admin_headers = login_headers(client, "admin@example.com")
    users = client.get("/api/v1/admin/users?email=example.com", headers=admin_headers).json()
    assert users["total"] == 2
    guest_id = next(u["id"] for u in users["items"] if u["email"] == "guest@example.com")
    assert (
        client.put(
            f"/api/v1/admin/users/{guest_id}/roles/local_expert", headers=admin_headers
        ).status_code
        == 204
    )
    experts = client.get("/api/v1/admin/users?role=local_expert", headers=admin_headers).json()
    assert [u["email"] for u in experts["items"]] == ["guest@example.com"]
    log = client.get("/api/v1/admin/audit-log?entity_type=user", headers=admin_headers).json()
    assert log["items"][0]["action"] == "role_granted"
    assert log["items"][0]["actor_user_id"] == str(admin.id)
