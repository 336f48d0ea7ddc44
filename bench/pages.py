"""``page_<name>_p50_ms`` / ``_p95_ms``: server time of the web app's main pages on the demo
marketplace, through ``innkeeper serve --workers 2``, one browser-like client (cookie
session) at a time: what a person clicking through waits for, before the browser draws.

Concrete addresses (a listing, a trip, an organization) are found the way a person finds
them: by following the first matching link of a page.
"""

from __future__ import annotations

import http.client
import re
import statistics
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from bench import harness

ROUNDS = 40
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A keep-alive connection with a cookie jar: just enough of a browser."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = harness.connect(port)
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {
            "Accept": "text/html",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # the server closes a keep-alive connection idle for 5 s: open another
            self.conn = harness.connect(self.port)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        self.location = response.getheader("location") or ""
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text

    def log_in(self, email: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        token = TOKEN.search(page)
        assert token is not None
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token.group(1), "email": email, "password": password}
        )
        assert status == 303, status


def _first_link(browser: Browser, page: str, pattern: str) -> str:
    _, html = browser.request("GET", page)
    found = re.search(rf'href="({pattern})"', html)
    if found is None:
        raise RuntimeError(f"no link like {pattern} on {page}")
    return found.group(1).replace("&amp;", "&")


def _timed(browser: Browser, path: str) -> dict[str, float]:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        status, _ = browser.request("GET", path)
        samples.append((time.perf_counter() - started) * 1000)
        if status >= 400:
            raise RuntimeError(f"{path} answered {status}")
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 1),
        "p95": round(samples[int(len(samples) * 0.95) - 1], 1),
    }


def run(port: int, today: Any) -> list[dict[str, Any]]:
    from innkeeper.demo import data, loader

    check_in = today + timedelta(days=45)
    search = "/search?" + urlencode(
        {
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=4)).isoformat(),
            "guests": 2,
        }
    )
    guest = Browser(port)
    guest.log_in(data.people()[0].email, loader.DEMO_PASSWORD)
    listing = _first_link(guest, search, r"/listings/[0-9a-f-]{36}[^\"]*")
    pages = {"home": "/", "search": search, "listing": listing, "trips": "/trips"}
    _, trips = guest.request("GET", "/trips")
    trip = re.search(r'href="(/trips/[0-9a-f-]{36})"', trips)
    if trip is not None:  # demo bookings need the emulator; without it the guest has none
        pages["trip"] = trip.group(1)
    host = Browser(port)
    host.log_in(data.organizations()[0].owner.email, loader.DEMO_PASSWORD)
    dashboard = "/host/" + _org_id(host)
    for name, suffix in (
        ("host_dashboard", ""),
        ("host_bookings", "/bookings"),
        ("host_calendar", "/calendar"),
        ("host_earnings", "/earnings"),
    ):
        pages[name] = dashboard + suffix
    admin = Browser(port)
    admin.log_in(data.admin().email, loader.DEMO_PASSWORD)
    figures = []
    for name, path in pages.items():
        who = host if name.startswith("host") else guest
        timing = _timed(who, path)
        figures.append({"name": f"page_{name}_p50_ms", "value": timing["p50"], "path": path})
        figures.append({"name": f"page_{name}_p95_ms", "value": timing["p95"], "path": path})
    for name, path in (
        ("admin_overview", "/admin"),
        ("admin_webhooks", "/admin/webhooks"),
        ("admin_audit", "/admin/audit"),
    ):
        timing = _timed(admin, path)
        figures.append({"name": f"page_{name}_p50_ms", "value": timing["p50"], "path": path})
        figures.append({"name": f"page_{name}_p95_ms", "value": timing["p95"], "path": path})
    return figures


def _org_id(host: Browser) -> str:
    """``/host`` redirects a host to their first organization's dashboard."""
    host.request("GET", "/host")
    found = re.search(r"/host/([0-9a-f-]{36})", host.location)
    if found is None:
        raise RuntimeError(f"/host redirected to {host.location!r}")
    return found.group(1)
