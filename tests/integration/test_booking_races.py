"""Bookings raced by several OS processes, each with its own engine and its own app behind
the real HTTP stack, as several app servers would be: only PostgreSQL is shared.

The processes fight over a few hot units and nights through every path that takes
inventory (instant bookings, accepted requests, modifications), one that gives it back
(cancellations), and quotes several guests try to book at once. Afterwards SQL looks for
what must never exist: two claims on one unit for one night, a night held by more bookings
than the listing has units, a session sold past its capacity. Every attempt's outcome
comes back to the parent: a loser must get a clean 409 with an error code; a 500, a 503
(how a deadlock would surface) or a hang fails the test.

Subprocesses run on the real clock, so every date is picked relative to today in Dubai.
"""

from __future__ import annotations

import copy
import multiprocessing
import random
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from innkeeper.bookings.domain import BLOCKING
from innkeeper.main import create_app
from innkeeper.services import Services, build_services
from innkeeper.settings import Settings
from tests.builders import (
    SAFARI_JSON,
    STAY_JSON,
    login_headers,
    make_org,
    make_user,
    publish_over_http,
)

API = "/api/v1"
PROCESSES = 4
CONTACT = {"name": "Racing Guest", "email": "racer@example.com", "phone": "+971501234567"}
HOLDING = sorted(status.value for status in BLOCKING)
TIME_ZONE = ZoneInfo("Asia/Dubai")  # the listings' zone, so "today" is theirs

# The stay race. Each process makes BOOKS + MOVES * PARKED contested attempts of its own,
# and tries every process's shared quotes and requests: 4 x (163 + 15 x 6 + 4 x (8 + 55))
# = 2,020 in all.
HOT_NIGHTS = 12  # the contested nights, the same on every stay listing
BOOKS = 163  # instant bookings with the process's own quotes
QUOTE_POOL = 45  # own quotes; one that loses stays in the pool for another try
PARKED = 6  # bookings per process, parked outside the hot nights, to move onto them
MOVES = 15  # modification attempts per parked booking
SHARED_EACH = 8  # anonymous quotes per process, each on its own night, that all try to book
REQUESTS_EACH = 55  # requests to book per process, that all try to accept
CANCEL_SHARE = 0.7  # instant bookings given back a few steps later, so the nights churn

# The capacity race: a session of CAPACITY places, asked for three times over, ROUNDS times.
ROUNDS = 3
CAPACITY = 5

# What each kind of attempt must answer: its success status, or a 409 with one of these.
SUCCESS = {"book": 201, "shared": 201, "accept": 200, "modify": 200, "home": 200, "cancel": 200}
LOSING = {
    "book": frozenset({"unavailable"}),
    "shared": frozenset({"quote_used"}),  # each has a night of its own: only the quote is lost
    "accept": frozenset({"illegal_transition", "unavailable"}),
    "modify": frozenset({"unavailable"}),
    "home": frozenset(),  # back to the booking's own night, which nobody else can take
    "cancel": frozenset(),
}
UNCONTESTED = ("home", "cancel")


def _today() -> date:
    return datetime.now(TIME_ZONE).date()


@dataclass
class Tally:
    """One process's outcomes: counts by ``"kind ok"`` or ``"kind status code"``, and the
    whole story of anything unexpected (status and body, or the traceback of a crash)."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the contested part, from the barrier to the last answer
    requests: list[str] = field(default_factory=list)  # made by this process, for the checks
    shared: list[str] = field(default_factory=list)

    def attempt(
        self,
        client: TestClient,
        kind: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """POST one attempt: the answer's body on success, else None; the outcome counted."""
        try:
            response = client.post(url, json=body, headers=headers)
        except Exception:  # the app raised through the test client
            self.counts[f"{kind} crash"] += 1
            self.problems.append(f"{kind} {url} crashed:\n{traceback.format_exc()}")
            return None
        if response.status_code == SUCCESS[kind]:
            self.counts[f"{kind} ok"] += 1
            answer: dict[str, Any] = response.json()
            return answer
        code = _error_code(response)
        self.counts[f"{kind} {response.status_code} {code}"] += 1
        if response.status_code != 409 or code not in LOSING[kind]:
            self.problems.append(f"{kind} {url} -> {response.status_code}: {response.text}")
        return None


def _error_code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "no_error_envelope"


def _merged(tallies: list[Tally]) -> Tally:
    merged = Tally()
    for tally in tallies:
        merged.counts.update(tally.counts)
        merged.problems.extend(tally.problems)
        merged.seconds = max(merged.seconds, tally.seconds)
        merged.requests.extend(tally.requests)
        merged.shared.extend(tally.shared)
    return merged


def _story(race: Tally) -> str:
    """What went wrong, for a failure message: the outcome counts and the first problems."""
    first = "\n\n".join(race.problems[:5])
    return f"{len(race.problems)} unexpected answers; outcomes {dict(race.counts)}\n{first}"


def _allowed_outcomes() -> set[str]:
    return {f"{kind} ok" for kind in SUCCESS} | {
        f"{kind} 409 {code}" for kind, codes in LOSING.items() for code in codes
    }


# The parent's side: the world built over HTTP on the real clock, the processes, the tallies.


@pytest.fixture
def live(settings: Settings, database_url: str) -> Iterator[Services]:
    """Services on the real clock, as in the subprocesses, so quotes and deadlines agree."""
    built = build_services(settings, database_url)
    yield built
    built.close()


@pytest.fixture
def api(live: Services) -> Iterator[TestClient]:
    with TestClient(create_app(live)) as client:
        yield client


def _race(settings: Settings, url: str, jobs: list[StayJob] | list[SlotJob]) -> Tally:
    """Run each job in its own process; they start their contested part at one barrier.
    Each process has an inbox, where the others post what it needs to know before it."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(jobs)), context.Queue()
    inboxes = [context.Queue() for _ in jobs]
    processes = [
        context.Process(target=_in_process, args=(settings, url, barrier, results, inboxes, job))
        for job in jobs
    ]
    for process in processes:
        process.start()
    try:
        tallies: list[Tally] = [results.get(timeout=480) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return _merged(tallies)


def _quote(
    client: TestClient, listing: str, check_in: date, check_out: date | None = None, **more: Any
) -> str:
    body: dict[str, Any] = {"listing_id": listing, "check_in": check_in.isoformat(), **more}
    if check_out is not None:
        body["check_out"] = check_out.isoformat()
    made = client.post(f"{API}/quotes", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _booking_body(quote: str) -> dict[str, Any]:
    return {"quote_id": quote, "contact": CONTACT}


def _book(client: TestClient, headers: dict[str, str], quote: str) -> dict[str, Any]:
    made = client.post(f"{API}/bookings", json=_booking_body(quote), headers=headers)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _terms(check_in: date, check_out: date) -> dict[str, Any]:
    return {"check_in": check_in.isoformat(), "check_out": check_out.isoformat()}


def _hot_window(rng: random.Random, hot_start: date) -> tuple[date, date]:
    """One to three nights inside the hot nights."""
    nights = rng.randint(1, 3)
    check_in = hot_start + timedelta(days=rng.randrange(HOT_NIGHTS - nights + 1))
    return check_in, check_in + timedelta(days=nights)


@dataclass(frozen=True)
class Stays:
    """The contested stays, all with the same hot nights: ``solo`` (one unit) and ``pair``
    (two units) book instantly, ``asks`` (one unit) takes requests to book."""

    host_email: str
    solo: str
    pair: str
    asks: str
    hot_start: date
    shared_start: date  # after the hot nights: one night per shared quote and listing
    parking_start: date  # further still: where parked bookings live


@dataclass(frozen=True)
class StayJob:
    index: int
    guest_email: str
    world: Stays


@dataclass(frozen=True)
class SlotJob:
    index: int
    guest_email: str
    listing: str
    rounds: tuple[tuple[str, date, int], ...]  # (session id, its day, attempts by this process)


def _stay_world(api: TestClient, live: Services) -> tuple[Stays, list[str]]:
    """Three published stays on one host, and one guest account per process."""
    owner = make_user(live, email="race-host@example.com")
    org = make_org(live, owner)
    host = login_headers(api, owner.email)
    listings = []
    for title, units in (("Solo villa", 1), ("Twin townhouses", 2), ("Asking villa", 1)):
        body = copy.deepcopy(STAY_JSON) | {"title": title}
        body["stay"]["unit_count"] = units
        listings.append(str(publish_over_http(api, host, org.id, body)["id"]))
    solo, pair, asks = listings
    rules = api.put(
        f"{API}/organizations/{org.id}/listings/{asks}/availability",
        json={"instant_book": False},
        headers=host,
    )
    assert rules.status_code == 200, rules.text
    hot_start = _today() + timedelta(days=7)
    world = Stays(
        host_email=owner.email,
        solo=solo,
        pair=pair,
        asks=asks,
        hot_start=hot_start,
        shared_start=hot_start + timedelta(days=HOT_NIGHTS),
        parking_start=hot_start + timedelta(days=HOT_NIGHTS + 20),
    )
    return world, [make_user(live).email for _ in range(PROCESSES)]


# The processes' side.


def _in_process(
    settings: Settings,
    url: str,
    barrier: Barrier,
    results: Any,
    inboxes: list[Any],
    job: StayJob | SlotJob,
) -> None:
    """One app server: its own engine and app, on the real clock. Whatever happens the
    parent gets a tally back, and a crash breaks the barrier so nobody waits for it."""
    tally, services = Tally(), None
    try:
        services = build_services(settings, url)
        with TestClient(create_app(services)) as client:
            if isinstance(job, StayJob):
                _race_stays(client, barrier, inboxes, tally, job)
            else:
                _race_slots(client, barrier, tally, job)
    except Exception:
        barrier.abort()
        tally.problems.append(f"process {job.index} crashed:\n{traceback.format_exc()}")
    finally:
        if services is not None:
            services.close()
        results.put(tally)


def _race_stays(
    client: TestClient, barrier: Barrier, inboxes: list[Any], tally: Tally, job: StayJob
) -> None:
    """Before the barrier, while every hot night is free (a quote is checked when made):
    requests on ``asks`` and shared quotes, swapped with the other processes; bookings parked
    at home, outside the hot nights; and a pool of quotes inside them. After it: every
    attempt, as fast as the app answers. The shared quotes come first, in the same order
    everywhere, so the processes reach each one together."""
    world, rng = job.world, random.Random(job.index)
    guest = login_headers(client, job.guest_email)
    host = login_headers(client, world.host_email)
    for _ in range(REQUESTS_EACH):
        made = _book(client, guest, _quote(client, world.asks, *_hot_window(rng, world.hot_start)))
        assert made["status"] == "requested"
        tally.requests.append(str(made["id"]))
    listings = (world.solo, world.pair, world.asks)
    for number in range(job.index * SHARED_EACH, (job.index + 1) * SHARED_EACH):
        night = world.shared_start + timedelta(days=number // len(listings))
        quote = _quote(client, listings[number % len(listings)], night, night + timedelta(1))
        tally.shared.append(quote)
    for inbox in inboxes:
        inbox.put((job.index, tally.requests, tally.shared))
    posts = sorted(inboxes[job.index].get(timeout=120) for _ in inboxes)
    requests = [request for _, theirs, _ in posts for request in theirs]
    shared = [quote for _, _, quotes in posts for quote in quotes]
    home: dict[str, date] = {}
    for number in range(PARKED):
        night = world.parking_start + timedelta(days=2 * (job.index * PARKED + number))
        listing = (world.solo, world.pair)[number % 2]
        made = _book(client, guest, _quote(client, listing, night, night + timedelta(days=1)))
        home[str(made["id"])] = night
    pool = [
        _quote(client, rng.choice((world.solo, world.pair)), *_hot_window(rng, world.hot_start))
        for _ in range(QUOTE_POOL)
    ]
    plan = [("book", "")] * BOOKS + [("accept", request) for request in requests]
    plan += [("modify", booking) for booking in home for _ in range(MOVES)]
    rng.shuffle(plan)
    plan = [("shared", quote) for quote in shared] + plan
    away: set[str] = set()  # parked bookings now on hot nights
    cancels: list[tuple[int, str]] = []  # (due at step, booking)

    barrier.wait(timeout=120)
    started = time.monotonic()
    for step, (kind, target) in enumerate(plan):
        if kind in ("book", "shared"):
            quote = target or rng.choice(pool)
            won = tally.attempt(client, kind, f"{API}/bookings", guest, _booking_body(quote))
            if won is not None and kind == "book":
                pool.remove(quote)
                if not pool:
                    raise RuntimeError("the quote pool ran dry: raise QUOTE_POOL")
            if won is not None and won["status"] != "requested" and rng.random() < CANCEL_SHARE:
                cancels.append((step + rng.randint(1, 6), str(won["id"])))
        elif kind == "accept":
            tally.attempt(client, kind, f"{API}/bookings/{target}/accept", host)
        else:
            url = f"{API}/bookings/{target}/modify"
            if target in away:  # home first, then out to the hot nights again
                night = home[target]
                tally.attempt(client, "home", url, guest, _terms(night, night + timedelta(1)))
                away.discard(target)
            terms = _terms(*_hot_window(rng, world.hot_start))
            if tally.attempt(client, kind, url, guest, terms) is not None:
                away.add(target)
        for due, booking in [cancel for cancel in cancels if cancel[0] <= step]:
            cancels.remove((due, booking))
            reason = {"reason": "plans changed"}
            tally.attempt(client, "cancel", f"{API}/bookings/{booking}/cancel", guest, reason)
    tally.seconds = time.monotonic() - started


def _race_slots(client: TestClient, barrier: Barrier, tally: Tally, job: SlotJob) -> None:
    """Quotes for every round first, while every session is empty; then round by round,
    all processes book at once."""
    guest = login_headers(client, job.guest_email)
    quotes = [
        [_quote(client, job.listing, day, slot_id=slot) for _ in range(attempts)]
        for slot, day, attempts in job.rounds
    ]
    started = time.monotonic()
    for round_quotes in quotes:
        barrier.wait(timeout=120)
        for quote in round_quotes:
            tally.attempt(client, "book", f"{API}/bookings", guest, _booking_body(quote))
    tally.seconds = time.monotonic() - started


# SQL that looks for double bookings, whichever path made them.

UNIT_OVERLAPS = text(
    """
    SELECT a.booking_id, b.booking_id, a.unit_id, a.blocks, b.blocks
    FROM allocation a JOIN allocation b
      ON a.unit_id = b.unit_id AND a.id < b.id AND a.booking_id <> b.booking_id
     AND (a.nights && b.nights OR a.blocks && b.blocks)
    """
)
HOLDING_OVERLAPS = text(
    """
    SELECT a.id, b.id, a.check_in, a.check_out, b.check_in, b.check_out
    FROM booking a JOIN booking b
      ON a.listing_id = b.listing_id AND a.id < b.id
     AND daterange(a.check_in, a.check_out) && daterange(b.check_in, b.check_out)
    WHERE a.listing_id = ANY(CAST(:listings AS uuid[]))
      AND a.status = ANY(CAST(:holding AS text[])) AND b.status = ANY(CAST(:holding AS text[]))
    """
)
NIGHTS_OVERSOLD = text(
    """
    SELECT b.listing_id, night, sum(b.units) AS held
    FROM booking b, generate_series(b.check_in, b.check_out - 1, interval '1 day') AS night
    WHERE b.kind = 'stay' AND b.status = ANY(CAST(:holding AS text[]))
    GROUP BY b.listing_id, night
    HAVING sum(b.units) > (SELECT count(*) FROM listing_unit u
                           WHERE u.listing_id = b.listing_id AND u.is_active)
    """
)
CLAIMS_MISMATCHED = text(
    """
    SELECT b.id, b.status, b.units, count(a.id) AS claims
    FROM booking b LEFT JOIN allocation a
      ON a.booking_id = b.id AND a.nights = daterange(b.check_in, b.check_out)
    WHERE b.kind = 'stay'
    GROUP BY b.id
    HAVING count(a.id) <> CASE WHEN b.status = ANY(CAST(:holding AS text[])) THEN b.units
                               ELSE 0 END
    """
)


def _rows(live: Services, query: Any, **params: Any) -> list[Any]:
    with live.engine.connect() as conn:
        return list(conn.execute(query, {"holding": HOLDING, **params}))


def _scalar(live: Services, sql: str, **params: Any) -> Any:
    with live.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_racing_bookings_accepts_and_moves_never_double_book(
    settings: Settings, database_url: str, live: Services, api: TestClient
) -> None:
    """Four processes, 2,020 contested attempts on four hot units over twelve nights: every
    winner holds its nights alone, and every loser hears a clean 409."""
    world, guests = _stay_world(api, live)
    jobs = [StayJob(index, email, world) for index, email in enumerate(guests)]
    race = _race(settings, database_url, jobs)

    # No double booking first, whatever else went wrong: then every answer a clean one.
    assert _rows(live, UNIT_OVERLAPS) == []
    assert _rows(live, HOLDING_OVERLAPS, listings=[world.solo, world.asks]) == []
    assert _rows(live, NIGHTS_OVERSOLD) == []
    assert _rows(live, CLAIMS_MISMATCHED) == []
    assert race.problems == [], _story(race)
    assert set(race.counts) <= _allowed_outcomes(), race.counts
    contested = sum(n for key, n in race.counts.items() if not key.startswith(UNCONTESTED))
    own = BOOKS + PARKED * MOVES
    assert contested == PROCESSES * (own + PROCESSES * (SHARED_EACH + REQUESTS_EACH)) >= 2000
    for kind in ("book", "shared", "accept", "modify"):  # every path both won and lost
        assert race.counts[f"{kind} ok"] > 0, race.counts
        assert any(key.startswith(f"{kind} 409") for key in race.counts), race.counts
    # Each shared quote was booked by one process; the others heard it was taken.
    shared = PROCESSES * SHARED_EACH
    assert race.counts["shared ok"] == shared, race.counts
    assert race.counts["shared 409 quote_used"] == (PROCESSES - 1) * shared, race.counts

    # Each request was accepted exactly once, or declined: an accepted one took its nights.
    outcomes = _rows(
        live,
        text(
            "SELECT status, count(*) FROM booking WHERE id = ANY(CAST(:ids AS uuid[])) GROUP BY 1"
        ),
        ids=race.requests,
    )
    states = dict(outcomes)
    assert set(states) <= {"pending_payment", "declined"}, states
    assert states.get("pending_payment") == race.counts["accept ok"]
    booked = "SELECT count(*) FROM booking WHERE quote_id = ANY(CAST(:ids AS uuid[]))"
    assert _scalar(live, booked, ids=race.shared) == shared
    moves = race.counts["modify ok"] + race.counts["home ok"]
    assert _scalar(live, "SELECT count(*) FROM booking_change") == moves


def test_a_session_sells_exactly_its_capacity_every_time(
    settings: Settings, database_url: str, live: Services, api: TestClient
) -> None:
    """Three times over, four processes ask a session of five for fifteen single places at
    once: exactly five win, and the session's counter and its claims both say five."""
    owner = make_user(live, email="race-safari@example.com")
    org = make_org(live, owner)
    host = login_headers(api, owner.email)
    listing = str(publish_over_http(api, host, org.id, SAFARI_JSON)["id"])
    days = [_today() + timedelta(days=10 + number) for number in range(ROUNDS)]
    slots = []
    for day in days:
        span = {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat()}
        times = [{"starts_at": "16:00", "ends_at": "20:00", "capacity": CAPACITY}]
        added = api.post(
            f"{API}/organizations/{org.id}/listings/{listing}/availability/slots",
            json=span | {"times": times},
            headers=host,
        )
        assert added.status_code == 204, added.text
        found = api.get(f"{API}/listings/{listing}/slots", params=span).json()
        assert [slot["remaining"] for slot in found] == [CAPACITY]
        slots.append(str(found[0]["id"]))

    demand = 3 * CAPACITY
    shares = [len(range(index, demand, PROCESSES)) for index in range(PROCESSES)]
    jobs = [
        SlotJob(
            index,
            make_user(live).email,
            listing,
            tuple((slot, day, shares[index]) for slot, day in zip(slots, days, strict=True)),
        )
        for index in range(PROCESSES)
    ]
    race = _race(settings, database_url, jobs)

    assert race.problems == [], _story(race)
    assert race.counts == Counter(
        {"book ok": ROUNDS * CAPACITY, "book 409 unavailable": ROUNDS * (demand - CAPACITY)}
    )
    for slot in slots:
        assert _scalar(live, "SELECT booked FROM time_slot WHERE id = :id", id=slot) == CAPACITY
        places = "SELECT coalesce(sum(places), 0) FROM place_allocation WHERE slot_id = :id"
        assert _scalar(live, places, id=slot) == CAPACITY
        holding = (
            "SELECT count(*) FROM booking WHERE slot_id = :id "
            "AND status = ANY(CAST(:holding AS text[]))"
        )
        assert _scalar(live, holding, id=slot, holding=HOLDING) == CAPACITY
