"""``search_p50_ms`` / ``search_p95_ms``: 200 random 1-14-night windows over 10,000+ stays
with a year of calendars, through the HTTP API.

The demo stays are cloned in SQL (prices varied, coordinates jittered, four random blocked
ranges each); then every clone's index row is built by the real ``reindex``, so search runs
against exactly what the application would have built.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench import harness
from innkeeper.availability import index
from innkeeper.services import Services

TARGET_LISTINGS = 10_000
AREAS = ("Dubai Marina", "Downtown Dubai", "Palm Jumeirah", "Business Bay", "Jumeirah")


def grow_market(services: Services) -> int:
    """Clone published stays until there are at least ``TARGET_LISTINGS``; returns the count."""
    with services.uow() as uow:
        stays = uow.session.scalar(
            text("SELECT count(*) FROM listing WHERE kind = 'stay' AND status = 'published'")
        )
        copies = -(-TARGET_LISTINGS // int(stays or 1))
        for statement in _clone_sql(copies):
            uow.session.execute(text(statement))
        uow.commit()
    _build_index(services)
    with services.uow() as uow:
        return int(uow.session.scalar(text("SELECT count(*) FROM listing_calendar")) or 0)


COPIED = (
    "organization_id, kind, status, description, address, area, city, country, time_zone, "
    "currency, amenities, bedrooms, bathrooms, max_guests, beds, check_in_time, check_out_time, "
    "house_rules, minimum_term_months, furnished, viewings_enabled, category, duration_minutes, "
    "capacity, meeting_point, published_at, updated_at"
)


def _clone_sql(copies: int) -> list[str]:
    from_source = ", ".join("l." + column.strip() for column in COPIED.split(","))
    return [
        f"""CREATE TEMP TABLE clone ON COMMIT DROP AS
            SELECT gen_random_uuid() AS id, l.id AS source_id, n
            FROM listing l, generate_series(1, {copies}) n
            WHERE l.kind = 'stay' AND l.status = 'published'""",
        f"""INSERT INTO listing (
                id, title, base_price_minor, latitude, longitude, created_at, {COPIED})
            SELECT c.id, left(l.title, 110) || ' #' || c.n,
                   greatest(100, (l.base_price_minor * (70 + floor(random() * 60))::int / 10000)
                                 * 100),
                   l.latitude + (random() - 0.5) * 0.01, l.longitude + (random() - 0.5) * 0.01,
                   l.created_at - make_interval(mins => c.n), {from_source}
            FROM clone c JOIN listing l ON l.id = c.source_id""",
        """INSERT INTO listing_unit (id, listing_id, position, name, is_active)
            SELECT gen_random_uuid(), c.id, u.position, u.name, u.is_active
            FROM clone c JOIN listing_unit u ON u.listing_id = c.source_id""",
        """INSERT INTO calendar_span (id, listing_id, kind, start_date, end_date, note)
            SELECT gen_random_uuid(), c.id, 'blocked', d, d + 1 + floor(random() * 6)::int, 'bench'
            FROM clone c, LATERAL (
                SELECT current_date + floor(random() * 330)::int + c.n * 0 AS d
                FROM generate_series(1, 4)
            ) b""",
    ]


def _build_index(services: Services) -> None:
    started = time.perf_counter()
    with services.uow() as uow:
        missing = index.needing_rebuild(uow.session, now=services.clock.now())
    for start in range(0, len(missing), 250):
        with services.uow() as uow:
            for listing_id in missing[start : start + 250]:
                index.reindex(uow.session, listing_id, now=services.clock.now())
            uow.commit()
    print(
        f"indexed {len(missing)} listings in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )


def run(port: int, *, windows: int = 200) -> list[dict[str, Any]]:
    rng = random.Random(5)
    today = datetime.now(ZoneInfo("Asia/Dubai")).date()

    def next_search(i: int) -> harness.Request:
        check_in = today + timedelta(days=rng.randrange(1, 300))
        check_out = check_in + timedelta(days=rng.randint(1, 14))
        query = f"check_in={check_in}&check_out={check_out}&guests={rng.randint(1, 4)}&limit=20"
        if rng.random() < 0.5:
            query += "&area=" + rng.choice(AREAS).replace(" ", "%20")
        return ("GET", f"/api/v1/search?{query}", {}, None)

    result = harness.load(port, next_search, total=windows, concurrency=1)
    if result.errors:
        raise RuntimeError(f"{result.errors} searches failed, e.g. {result.first_error!r}")
    return [f for f in result.figures("search", 1) if not f["name"].endswith("_per_s")]
