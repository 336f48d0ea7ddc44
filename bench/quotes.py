"""``quotes_per_s``: 30-night stays quoted through the HTTP API with every rule type active
(weekends, overlapping seasons, overrides, weekly and monthly discounts, extra guests, group
discount, cleaning, percentage and per-unit-night taxes, a deposit, availability rules)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from bench import harness

PRICING = {
    "weekend_multiplier": "1.25",
    "seasons": [
        {"name": "winter", "start": "2026-12-01", "end": "2027-04-01", "multiplier": "1.4"},
        {
            "name": "new-year",
            "start": "2026-12-29",
            "end": "2027-01-03",
            "fixed_minor": 2500_00,
            "priority": 5,
        },
        {"name": "summer", "start": "2027-06-01", "end": "2027-09-01", "multiplier": "0.8"},
    ],
    "weekly_discount_percent": "8",
    "monthly_discount_percent": "20",
    "base_occupancy": 2,
    "extra_guest_minor": 75_00,
    "group_discounts": [{"min_people": 4, "percent": "5"}],
    "cleaning_minor": 250_00,
    "taxes": [
        {"code": "vat", "label": "VAT 5%", "kind": "percent", "percent": "5"},
        {
            "code": "tourism_dirham",
            "label": "Tourism Dirham",
            "kind": "per_unit_night",
            "amount_minor": 15_00,
        },
        {"code": "municipality", "label": "Municipality fee 7%", "kind": "percent", "percent": "7"},
    ],
    "deposit": {"kind": "percent", "percent": "25", "balance_due_days": 30},
    "security_deposit_minor": 2000_00,
}
RULES = {
    "min_nights": 2,
    "max_nights": 90,
    "closed_yearly": ["12-25"],
    "turnover_days": 1,
    "advance_days": 400,
}


def run(
    port: int, headers: dict[str, str], organization_id: str, total: int, concurrency: int
) -> list[dict[str, Any]]:
    listing, max_guests = _prepare(port, headers, organization_id)
    rng = random.Random(11)
    today = date(2026, 11, 22)

    def next_quote(index: int) -> harness.Request:
        check_in = today + timedelta(days=rng.randrange(45, 330))  # after the demo bookings
        if (check_in.month, check_in.day) == (12, 25) or check_in <= date(
            2026, 12, 25
        ) < check_in + timedelta(days=30):
            check_in = date(2027, 1, 10) + timedelta(days=rng.randrange(0, 200))
        body = {
            "listing_id": listing,
            "check_in": str(check_in),
            "check_out": str(check_in + timedelta(days=30)),
            "guests": rng.randint(1, max_guests),
        }
        return ("POST", "/api/v1/quotes", {}, json.dumps(body).encode())

    result = harness.load(port, next_quote, total=total, concurrency=concurrency)
    if result.errors:
        raise RuntimeError(f"{result.errors}/{total} quotes refused, e.g. {result.first_error!r}")
    return result.figures("quotes", concurrency)  # quotes_per_s, quotes_p50_ms, ...


def _prepare(port: int, headers: dict[str, str], organization_id: str) -> tuple[str, int]:
    """Give one of the host's stays for 6+ guests (so extra-guest and group rules apply) a
    rate plan and rules with every rule type."""
    page = harness.fetch_json(
        port,
        (
            "GET",
            f"/api/v1/organizations/{organization_id}/listings?kind=stay&guests=6&limit=1",
            headers,
            None,
        ),
    )
    listing, max_guests = page["items"][0]["id"], page["items"][0]["stay"]["max_guests"]
    base = f"/api/v1/organizations/{organization_id}/listings/{listing}"
    harness.fetch_json(port, ("PUT", f"{base}/pricing", headers, json.dumps(PRICING).encode()))
    harness.fetch_json(port, ("PUT", f"{base}/availability", headers, json.dumps(RULES).encode()))
    override = {"start": "2027-02-14", "end": "2027-02-16", "price_minor": 1800_00}
    harness.call(
        harness.connect(port),
        ("PUT", f"{base}/pricing/nights", headers, json.dumps(override).encode()),
    )
    return str(listing), int(max_guests)
