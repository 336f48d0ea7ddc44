"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.accounts.domain import PlatformRole
from innkeeper.services import Services
from tests.builders import STAY_JSON, login_headers, make_org, make_user, publish_over_http

API = "/api/v1"


@pytest.fixture
def stay(client: TestClient, services: Services) -> dict[str, Any]:
    """A published one-unit stay at AED 500 a night, flexible policy; a guest; an admin."""
    owner = make_user(services, email="host@example.com")
    org = make_org(services, owner)
    host = login_headers(client, "host@example.com")
    body = copy.deepcopy(STAY_JSON) | {"base_price_minor": 500_00}
    listing = publish_over_http(client, host, org.id, body)
    make_user(services, email="guest@example.com")
    make_user(services, email="other@example.com")
    make_user(services, email="admin@example.com", roles=(PlatformRole.ADMIN,))
    return {
        "id": listing["id"],
        "org": str(org.id),
        "base": f"{API}/organizations/{org.id}/listings/{listing['id']}",
        "host": host,
        "guest": login_headers(client, "guest@example.com"),
        "other": login_headers(client, "other@example.com"),
        "admin": login_headers(client, "admin@example.com"),
    }
