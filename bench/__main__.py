"""``python -m bench``: every figure, one JSON line each (``python -m bench bookings``: only
contested booking; ``python -m bench notifications``: only notifications; ``python -m bench
emulator``: only the Stripe emulator; ``python -m bench pages``: only the web pages).

Measured through the HTTP API of ``innkeeper serve --workers 2`` on the demo marketplace,
with clients on the same (2-core) machine, so client and server share the CPU. The Stripe
emulator figures are measured in process, through the official SDK.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from typing import Any

from bench import bookings, emulator, harness, notifications, pages, quotes, search, webhooks

CONCURRENCY = 16
REQUESTS = 3000


def main() -> None:
    if sys.argv[1:] == ["emulator"]:  # python -m bench emulator: only the Stripe emulator
        for figure in emulator.run():
            print(json.dumps(figure), flush=True)
        return
    if sys.argv[1:] == ["notifications"]:  # python -m bench notifications: only those
        with harness.marketplace() as market:
            for figure in notifications.run(harness.services_for(market)):
                print(json.dumps(figure), flush=True)
        return
    if sys.argv[1:] == ["webhooks"]:  # python -m bench webhooks: only the webhook figures
        with harness.marketplace() as market:
            for figure in webhooks.run(market, harness.services_for(market)):
                print(json.dumps(figure), flush=True)
        return
    if sys.argv[1:] == ["pages"]:  # python -m bench pages: only the web pages
        with harness.marketplace() as market, harness.serving(market, workers=2) as port:
            for figure in pages.run(port, _today(market)):
                print(json.dumps(figure), flush=True)
        return
    if sys.argv[1:] == ["bookings"]:  # python -m bench bookings: only the booking figures
        with harness.marketplace() as market, harness.serving(market, workers=2) as port:
            for figure in bookings.run(port, market.database_url, _guest_tokens(port)):
                print(json.dumps(figure), flush=True)
        return
    with harness.marketplace() as market:
        with harness.serving(market, workers=2) as port:
            for figure in _run(port):
                print(json.dumps(figure), flush=True)
            for figure in bookings.run(port, market.database_url, _guest_tokens(port)):
                print(json.dumps(figure), flush=True)
            for figure in pages.run(port, _today(market)):
                print(json.dumps(figure), flush=True)
        for figure in notifications.run(harness.services_for(market)):
            print(json.dumps(figure), flush=True)
        for figure in webhooks.run(market, harness.services_for(market)):
            print(json.dumps(figure), flush=True)
        listings = search.grow_market(harness.services_for(market))
        with harness.serving(market, workers=2) as port:
            for figure in search.run(port):
                print(json.dumps(figure | {"listings": listings}), flush=True)
    for figure in emulator.run():
        print(json.dumps(figure), flush=True)


def _run(port: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    listings = harness.fetch_json(port, ("GET", "/api/v1/listings?limit=100", {}, None))
    ids = [item["id"] for item in listings["items"]]
    areas = sorted({item["location"]["area"] for item in listings["items"]})
    figures: list[dict[str, Any]] = []

    def public_page(i: int) -> harness.Request:
        return (
            "GET",
            f"/api/v1/listings?area={rng.choice(areas).replace(' ', '%20')}&limit=20",
            {},
            None,
        )

    def public_listing(i: int) -> harness.Request:
        return ("GET", f"/api/v1/listings/{rng.choice(ids)}", {}, None)

    host, org = _host_token(port)

    def host_page(i: int) -> harness.Request:
        return (
            "GET",
            f"/api/v1/organizations/{org}/listings?limit=20&offset={rng.randrange(0, 20)}",
            host,
            None,
        )

    for name, make in (
        ("listings_public_page", public_page),
        ("listing_public_get", public_listing),
        ("listings_host_page", host_page),
    ):
        result = harness.load(port, make, total=REQUESTS, concurrency=CONCURRENCY)
        figures += result.figures(name, CONCURRENCY)
    figures += quotes.run(port, host, org, total=1000, concurrency=CONCURRENCY)
    figures += _logins(port)
    figures += harness.load(
        port, lambda i: ("GET", "/health", {}, None), total=REQUESTS, concurrency=CONCURRENCY
    ).figures("health", CONCURRENCY)
    return figures


def _host_token(port: int) -> tuple[dict[str, str], str]:
    from innkeeper.demo import data, loader

    owner = data.organizations()[0].owner.email
    body = json.dumps({"email": owner, "password": loader.DEMO_PASSWORD, "name": "bench"}).encode()
    token = harness.fetch_json(port, ("POST", "/api/v1/auth/tokens", {}, body))["token"]
    headers = {"Authorization": f"Bearer {token}"}
    org = harness.fetch_json(port, ("GET", "/api/v1/organizations", headers, None))[0]["id"]
    return headers, org


def _guest_tokens(port: int, count: int = 8) -> list[dict[str, str]]:
    """Bearer headers for a few demo guests, who race each other for the same dates."""
    from innkeeper.demo import data, loader

    headers = []
    for person in data.people()[-count:]:
        body = json.dumps(
            {"email": person.email, "password": loader.DEMO_PASSWORD, "name": "bench"}
        ).encode()
        token = harness.fetch_json(port, ("POST", "/api/v1/auth/tokens", {}, body))["token"]
        headers.append({"Authorization": f"Bearer {token}"})
    return headers


def _logins(port: int) -> list[dict[str, Any]]:
    """Password logins at production argon2 cost (64 MiB, t=3): deliberately slow."""
    from innkeeper.demo import data, loader

    emails = [person.email for person in data.people()]

    def body(i: int) -> bytes:
        return json.dumps(
            {"email": emails[i % len(emails)], "password": loader.DEMO_PASSWORD}
        ).encode()

    result = harness.load(
        port, lambda i: ("POST", "/api/v1/auth/login", {}, body(i)), total=200, concurrency=4
    )
    return result.figures("login", 4)


def _today(market: harness.Marketplace) -> Any:
    """The server's today (it runs on the system clock; the demo's dates follow it)."""
    return datetime.now(UTC).date()


if __name__ == "__main__":
    main()
