"""Every page is reachable from navigation, no link leads to an error, and every form
refuses bad input with a message beside a field: checked by crawling the demo marketplace
as each kind of person, starting from the home page and following only links and GET forms.

The crawl knows nothing about the pages: it reads the HTML like a browser would. Routes
that are not pages a person navigates to (a fragment fetched by script, Stripe's return
address) are listed in ``NOT_NAVIGATED`` with the reason.
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import psycopg
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.conftest import TEMPLATE, settings_for
from tests.payments.conftest import API, CONTACT, control
from tests.web.conftest import HTML
from tests.webhooks.conftest import drain

from innkeeper.demo import data, loader
from innkeeper.demo.loader import DEMO_PASSWORD
from innkeeper.main import create_app
from innkeeper.services import Services, build_services
from innkeeper.web.app import PAGE_ROUTERS
from innkeeper.webhooks import reconciler

NOT_NAVIGATED = {
    "/account/cards/added": "the address Stripe's Checkout returns to after saving a card",
    "/host/{org_id:uuid}/payouts/return": "the address Stripe's onboarding returns to",
    "/host/{org_id:uuid}/payouts/refresh": "the address Stripe sends an expired onboarding to",
    "/listings/{listing_id}/quote": "an HTML fragment the listing page's script fetches",
    "/trips/{booking_id}/paid": "the address Stripe's Checkout and 3-D Secure return to",
    "/host/switch": "the organization switcher's target, shown only with two organizations",
}
SKIPPED_PREFIXES = ("/static/", "/media/", "/docs", "/redoc", "/openapi.json", "/api/", "/dev/")
PER_ROUTE = 3  # concrete addresses visited per route: enough to cover its states, fast


class _Page(HTMLParser):
    """The links and GET forms of a page, and its POST forms with their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.get_forms: list[tuple[str, dict[str, str]]] = []
        self.post_forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._form is not None and self._select:
            fields = self._form["fields"]
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value", "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            method = a.get("method", "get").lower()
            self._form = {
                "method": method,
                "action": a.get("action", ""),
                "fields": {},
                "kinds": {},
            }
        elif self._form is not None and tag in {"input", "select", "textarea", "button"}:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        assert self._form is not None
        name = a.get("name")
        if not name:
            return
        kind = a.get("type", "text") if tag == "input" else tag
        if tag == "select":
            self._select = name
            self._form["fields"].setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""
        elif kind in {"checkbox", "radio"}:
            if "checked" in a:
                self._form["fields"][name] = a.get("value", "on")
        elif kind in {"submit", "button"} or tag == "button":
            return
        else:
            self._form["fields"][name] = a.get("value", "")
        self._form["kinds"][name] = kind

    def handle_data(self, text: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += text

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            if form["method"] == "get":
                self.get_forms.append((form["action"], form["fields"]))
            else:
                self.post_forms.append(form)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def page_routes() -> dict[str, re.Pattern[str]]:
    """Every GET page the web app serves, by path template."""
    routes: dict[str, re.Pattern[str]] = {}
    for router in PAGE_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                routes[route.path] = route.path_regex
    return routes


def route_of(path: str, routes: dict[str, re.Pattern[str]]) -> str | None:
    exact = [t for t, rx in routes.items() if rx.match(path) and "{" not in t]
    if exact:
        return exact[0]
    return next((t for t, rx in routes.items() if rx.match(path)), None)


def crawl(
    client: TestClient, limit: int = 600
) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Visit pages from "/" breadth-first; returns the addresses seen per route and every
    POST form met (with the page it was on). Any page answering 5xx fails at once."""
    routes = page_routes()
    seen: dict[str, list[str]] = {}
    visited: set[str] = set()
    forms: list[dict[str, Any]] = []
    queue: deque[str] = deque(["/"])
    while queue and len(visited) < limit:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url, headers=HTML)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        final = response.url.path
        for template in {route_of(urlsplit(url).path, routes), route_of(final, routes)}:
            if template is not None:
                seen.setdefault(template, []).append(url)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = parse(response.text)
        for form in page.post_forms:
            forms.append({**form, "page": url})
        for target in _targets(final, page, routes, seen):
            if target not in visited:
                queue.append(target)
    return seen, forms


def _targets(
    base: str, page: _Page, routes: dict[str, re.Pattern[str]], seen: dict[str, list[str]]
) -> Iterator[str]:
    candidates = [urljoin(base, href) for href in page.links]
    for action, fields in page.get_forms:
        query = urlencode({k: v for k, v in fields.items() if v})
        candidates.append(urljoin(base, action or base) + (f"?{query}" if query else ""))
    for url in candidates:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path
        if path.startswith(SKIPPED_PREFIXES):
            continue
        template = route_of(path, routes)
        if template is not None and len(seen.get(template, [])) >= PER_ROUTE:
            continue
        yield path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def database_url(pg: Any) -> Iterator[str]:
    name = f"nav_{uuid.uuid4().hex}"
    with psycopg.connect(pg.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')  # type: ignore[arg-type]
    yield str(pg.get_uri(name))
    with psycopg.connect(pg.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo(database_url: str, stripe_emulator: Any) -> Iterator[Services]:
    """The demo marketplace on the session's Stripe emulator, with its hosts connected."""
    services = build_services(settings_for(database_url, stripe_emulator), database_url)
    loader.load_if_empty(services)
    with TestClient(create_app(services)) as client:
        _money_moves(services, client, stripe_emulator)
    yield services
    services.close()


def _money_moves(services: Services, client: TestClient, emulator: Any) -> None:
    """What the demo lacks for every page to have something to show: a paid booking that
    the guest's bank then disputes, a request the host accepted and the guest has yet to
    pay, and Stripe's events in the webhook inbox."""
    guest, host = _bearer(client, PEOPLE["guest"]), _bearer(client, PEOPLE["host"])
    orgs = client.get(f"{API}/organizations", headers=host).json()
    listings = client.get(f"{API}/organizations/{orgs[0]['id']}/listings", headers=host).json()
    stays = [item for item in listings["items"] if item["kind"] == "stay"]
    disputed = _book(client, orgs[0]["id"], stays[0]["id"], guest, host, instant=True)
    paid = client.post(
        f"{API}/bookings/{disputed}/pay",
        json={"payment_method": "pm_card_visa"},
        headers=guest,
    )
    assert paid.status_code < 300, paid.text
    charge = services.stripe.v1.charges.list({"limit": 1}).data[0]
    control(emulator, f"/_emulator/charges/{charge.id}/dispute")
    requested = _book(client, orgs[0]["id"], stays[1]["id"], guest, host, instant=False)
    accepted = client.post(f"{API}/bookings/{requested}/accept", headers=host)
    assert accepted.status_code == 200, accepted.text
    reconciler.reconcile(services)
    drain(services)


def _bearer(client: TestClient, email: str | None) -> dict[str, str]:
    made = client.post(
        f"{API}/auth/tokens", json={"email": email, "password": DEMO_PASSWORD, "name": "crawl"}
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


def _book(
    client: TestClient,
    org: str,
    listing: str,
    guest: dict[str, str],
    host: dict[str, str],
    *,
    instant: bool,
) -> str:
    base = f"{API}/organizations/{org}/listings/{listing}/availability"
    assert client.put(base, json={"instant_book": instant}, headers=host).status_code == 200
    stay = {"listing_id": listing, "check_in": "2027-03-10", "check_out": "2027-03-13"}
    quote = client.post(f"{API}/quotes", json=stay, headers=guest)
    assert quote.status_code == 201, quote.text
    booked = client.post(
        f"{API}/bookings", json={"quote_id": quote.json()["id"], "contact": CONTACT}, headers=guest
    )
    assert booked.status_code == 201, booked.text
    return str(booked.json()["id"])


PEOPLE = {
    "anonymous": None,
    "guest": data.people()[0].email,
    "host": data.organizations()[0].owner.email,
    "admin": data.admin().email,
}


def _client_as(services: Services, who: str) -> TestClient:
    client = TestClient(create_app(services))
    email = PEOPLE[who]
    if email is not None:
        page = client.get("/login", headers=HTML).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        response = client.post(
            "/login",
            data={"csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD},
            headers=HTML,
        )
        assert response.status_code == 200, response.text[:500]
    return client


@pytest.fixture(scope="module")
def crawls(demo: Services) -> dict[str, tuple[dict[str, list[str]], list[dict[str, Any]]]]:
    results = {}
    for who in PEOPLE:
        with _client_as(demo, who) as client:
            results[who] = crawl(client)
    return results


def test_every_page_is_reachable_from_navigation(crawls: dict[str, Any]) -> None:
    reached = set().union(*(seen.keys() for seen, _ in crawls.values()))
    expected = set(page_routes()) - set(NOT_NAVIGATED)
    missing = sorted(expected - reached)
    assert not missing, f"pages no link or form leads to: {missing}"


def test_each_person_sees_their_own_area(crawls: dict[str, Any]) -> None:
    anonymous, guest, host, admin = (set(crawls[w][0]) for w in PEOPLE)
    assert "/login" in anonymous
    assert not any(t.startswith(("/host/{", "/admin")) for t in anonymous)
    assert "/trips" in guest
    assert any(t.startswith("/host/{org_id}") for t in host)
    assert any(t.startswith("/admin/") for t in admin)


GARBAGE = {
    "number": "not a number",
    "date": "31/02/20x",
    "email": "not-an-email",
    "tel": "call me",
    "month": "13-2026",
    "time": "25:61",
    "textarea": "x" * 20_001,
    "url": "not a url",
}
HARMLESS = {"hidden", "checkbox", "radio", "select", "file"}


def _garbled(form: dict[str, Any]) -> dict[str, str] | None:
    """The form's fields with every typed input made invalid; None when it has none
    (a button such as "Cancel booking" or "Replay" has nothing to get wrong)."""
    fields = dict(form["fields"])
    changed = False
    for name, kind in form["kinds"].items():
        if kind in HARMLESS or name == "csrf_token":
            continue
        fields[name] = GARBAGE.get(kind, "x" * 5_001)
        changed = True
    return fields if changed else None


def test_every_form_shows_bad_input_beside_a_field(demo: Services) -> None:
    """Each distinct POST form met by any person, sent with its inputs made invalid, is
    refused with a 4xx and a message beside a field (or above the form), never a 500 and
    never accepted."""
    checked: list[str] = []
    for who in PEOPLE:
        with _client_as(demo, who) as client:
            _, forms = crawl(client, limit=250)
            tried: set[str] = set()
            for form in forms:
                action = urljoin(form["page"], form["action"] or form["page"])
                key = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", urlsplit(action).path)
                key += f" {form['fields'].get('section', '')}".rstrip()  # editor sections
                fields = _garbled(form)
                if fields is None or key in tried or key in ("/login", "/logout"):
                    continue
                tried.add(key)
                checked.append(f"{who} {key}")
                response = client.post(action, data=fields, headers=HTML, follow_redirects=False)
                assert response.status_code < 500, f"{who}: {action} answered 500"
                assert 400 <= response.status_code < 500, (
                    f"{who}: {action} accepted invalid input {fields}"
                )
                shown = re.findall(
                    r'<p class="field-error" id="e-[^"]+">([^<]+)</p>', response.text
                )
                summary = 'class="error-summary"' in response.text
                assert shown or summary, f"{who}: {action} refused with no message"
    assert len(checked) >= 25, f"too few forms met to mean anything: {checked}"
