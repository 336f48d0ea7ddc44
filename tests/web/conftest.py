"""Helpers for page tests through the ASGI client: pages are HTML, forms carry a CSRF token.

``browse(client)`` wraps a TestClient so a test reads like a person using the site:
``get`` a page, ``submit`` the form whose action it names (the token is filled in from the
page), follow the 303 and check the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from innkeeper.services import Services

HTML = {"accept": "text/html"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.last: Any = None

    def get(self, path: str, **params: Any) -> Any:
        self.last = self.client.get(path, params=params or None, headers=HTML)
        return self.last

    def token(self) -> str:
        page = self.last.text if self.last is not None else self.get("/login").text
        found = TOKEN.search(page)
        if found is None:  # the last page had no form: any page with one gives the token
            found = TOKEN.search(self.client.get("/login", headers=HTML).text) or TOKEN.search(
                self.client.get("/account", headers=HTML).text
            )
        assert found is not None, "no CSRF token on the page"
        return found.group(1)

    def submit(
        self, action: str, data: Mapping[str, Any] | None = None, *, follow: bool = True
    ) -> Any:
        body = {"csrf_token": self.token(), **(data or {})}
        self.last = self.client.post(action, data=body, headers=HTML, follow_redirects=follow)
        return self.last

    def sign_up(
        self, email: str, name: str = "Guest Person", password: str = "correct horse 1"
    ) -> Any:
        self.get("/signup")
        response = self.submit(
            "/signup", {"email": email, "name": name, "password": password, "next": "/account"}
        )
        assert response.status_code == 200, response.text[:2000]
        return response

    def log_in(self, email: str, password: str = "correct horse 1") -> Any:
        self.get("/login")
        response = self.submit("/login", {"email": email, "password": password, "next": "/account"})
        assert response.status_code == 200, response.text[:2000]
        return response


def field_error(html: str, name: str) -> str:
    """The message shown beside field ``name`` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="e-{re.escape(name)}">(.*?)</p>', html, re.S)
    assert found is not None, f"no field {name!r} on the page"
    return found.group(1).strip()


@pytest.fixture
def browser_client(services: Services) -> Any:
    from innkeeper.main import create_app

    with TestClient(create_app(services)) as client:
        yield Browser(client)
