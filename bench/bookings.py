"""Contested booking: 32 clients race to book overlapping dates on a few hot units through
the HTTP API, then the same allocation in plain SQL with psycopg (our ceiling).

Quotes are made before the clock starts (a booking is made from a stored quote), so the
figures measure the booking transaction: lock the listing's units, re-check rules and
inventory, insert the booking and its allocation, rebuild the search row, audit, commit.
Most attempts lose, as on a hot weekend; losers must get a clean 409.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bench import harness

CONCURRENCY = 32
HOT_LISTINGS = 6
ATTEMPTS = 2000
WINDOW_DAYS = 21  # arrivals spread over three weeks: heavy overlap
SQL_ATTEMPTS = 20000


def run(port: int, database_url: str, guests: list[dict[str, str]]) -> list[dict[str, Any]]:
    listings = _hot_listings(port)
    quotes = _quotes(port, listings, guests)

    def attempt(index: int) -> harness.Request:
        quote_id, headers = quotes[index]
        body = {"quote_id": quote_id, "contact": {"name": "Bench", "email": "b@example.com"}}
        return ("POST", "/api/v1/bookings", headers, json.dumps(body).encode())

    result = harness.load(
        port, attempt, total=len(quotes), concurrency=CONCURRENCY, expected=frozenset({201, 409})
    )
    if result.errors:
        raise RuntimeError(f"{result.errors} unexpected statuses, e.g. {result.first_error!r}")
    statuses = result.statuses
    successes = statuses.count(201)
    ordered = sorted(result.latencies_ms)
    http_rate = len(ordered) / result.seconds
    sql_rate = sql_ceiling(database_url)
    extra = {"attempts": len(ordered), "concurrency": CONCURRENCY, "hot_units": len(listings)}
    p50, p99 = harness.percentile(ordered, 50), harness.percentile(ordered, 99)

    def figure(name: str, value: float, unit: str, **more: Any) -> dict[str, Any]:
        return {"name": name, "value": value, "unit": unit, **more}

    return [
        figure("booking_http_attempts_per_s", round(http_rate, 1), "req/s", **extra),
        figure(
            "booking_http_successes_per_s",
            round(successes / result.seconds, 1),
            "bookings/s",
            successes=successes,
            **extra,
        ),
        figure("booking_http_p50_ms", round(p50, 2), "ms", **extra),
        figure("booking_http_p99_ms", round(p99, 2), "ms", **extra),
        figure("booking_double_bookings", double_bookings(database_url), "overlaps", **extra),
        figure(
            "booking_sql_attempts_per_s",
            round(sql_rate, 1),
            "tx/s",
            attempts=SQL_ATTEMPTS,
            concurrency=CONCURRENCY,
        ),
        figure("booking_http_to_sql_ratio", round(http_rate / sql_rate, 3), "ratio"),
    ]


def _hot_listings(port: int) -> list[str]:
    """One-unit demo stays that take bookings on most nights."""
    page = harness.fetch_json(port, ("GET", "/api/v1/listings?kind=stay&limit=100", {}, None))
    chosen = [item["id"] for item in page["items"] if item["stay"]["unit_count"] == 1]
    return chosen[:HOT_LISTINGS]


def _quotes(
    port: int, listings: list[str], guests: list[dict[str, str]]
) -> list[tuple[str, dict[str, str]]]:
    """Quotes for random short stays inside one three-week window, before the race."""
    rng = random.Random(41)
    start = datetime.now(UTC).date() + timedelta(days=14)
    made: list[tuple[str, dict[str, str]]] = []
    conn = harness.connect(port)
    tries = 0
    while len(made) < ATTEMPTS and tries < ATTEMPTS * 3:
        tries += 1
        check_in = start + timedelta(days=rng.randrange(WINDOW_DAYS))
        nights = rng.randint(2, 5)
        headers = rng.choice(guests)
        body = {
            "listing_id": rng.choice(listings),
            "check_in": str(check_in),
            "check_out": str(check_in + timedelta(days=nights)),
            "guests": 1,
        }
        status, raw = harness.call(
            conn, ("POST", "/api/v1/quotes", headers, json.dumps(body).encode())
        )
        if status == 201:
            made.append((json.loads(raw)["id"], headers))
    conn.close()
    return made


def double_bookings(database_url: str) -> int:
    """Pairs of holding bookings that share a unit on an overlapping night: must be 0."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            """
            SELECT count(*) FROM allocation a JOIN allocation b
              ON a.unit_id = b.unit_id AND a.id < b.id AND a.nights && b.nights
            JOIN booking ba ON ba.id = a.booking_id JOIN booking bb ON bb.id = b.booking_id
            WHERE ba.status NOT IN ('cancelled', 'expired', 'declined', 'no_show')
              AND bb.status NOT IN ('cancelled', 'expired', 'declined', 'no_show')
            """
        ).fetchone()
    return int(row[0]) if row else 0


def sql_ceiling(database_url: str) -> float:
    """The same allocation with nothing around it: lock the unit, check, insert, commit, on a
    scratch table with the same exclusion constraint, from a 32-connection psycopg pool."""
    units = [uuid.uuid4() for _ in range(HOT_LISTINGS)]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_allocation (unit_id uuid NOT NULL, blocks daterange NOT NULL, "
            "EXCLUDE USING gist (unit_id WITH =, blocks WITH &&))"
        )
    rng = random.Random(5)
    start = datetime.now(UTC).date() + timedelta(days=14)
    work = []
    for _ in range(SQL_ATTEMPTS):
        check_in = start + timedelta(days=rng.randrange(WINDOW_DAYS))
        work.append((rng.choice(units), check_in, check_in + timedelta(days=rng.randint(2, 5))))
    counter = iter(work)
    with ConnectionPool(database_url, min_size=CONCURRENCY, max_size=CONCURRENCY) as pool:
        pool.wait()

        def client() -> None:
            for unit, check_in, check_out in counter:
                with pool.connection() as conn, conn.transaction():
                    key = int.from_bytes(unit.bytes[:8], "big", signed=True)
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                    taken = conn.execute(
                        "SELECT 1 FROM bench_allocation WHERE unit_id = %s "
                        "AND blocks && daterange(%s, %s)",
                        (unit, check_in, check_out),
                    ).fetchone()
                    if taken is None:
                        conn.execute(
                            "INSERT INTO bench_allocation VALUES (%s, daterange(%s, %s))",
                            (unit, check_in, check_out),
                        )

        threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_allocation")
    return SQL_ATTEMPTS / seconds
