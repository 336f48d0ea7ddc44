"""Test fixtures: one embedded PostgreSQL 18 per run, a migrated template database, and a
fresh copy of it for every test that touches the database. Never a mocked database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from innkeeper.core.clock import FixedClock
from innkeeper.db import embedded, migrate
from innkeeper.main import create_app
from innkeeper.services import Services, build_services
from innkeeper.settings import Environment, Settings
from stripe_emulator.server import Emulator

TEMPLATE = "innkeeper_template"
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = embedded.start(tmp_path_factory.mktemp("pg"), delete_on_exit=True)
    _admin(server, f'CREATE DATABASE "{TEMPLATE}"')
    migrate.upgrade(server.get_uri(TEMPLATE))
    yield server
    server.cleanup()


def _admin(server: Any, sql: str) -> None:
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _fresh_database(pg: Any, prefix: str, template: str | None) -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex}"
    _admin(pg, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    yield str(pg.get_uri(name))
    _admin(pg, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg: Any) -> Iterator[str]:
    """A fresh database per test, copied from the migrated template in a fraction of a second."""
    yield from _fresh_database(pg, "test", TEMPLATE)


@pytest.fixture
def empty_database_url(pg: Any) -> Iterator[str]:
    """A database with no schema at all, for migration tests."""
    yield from _fresh_database(pg, "empty", None)


def settings_for(database_url: str, emulator: Emulator | None = None, **overrides: Any) -> Settings:
    """The settings every test starts from; with ``emulator``, Stripe is that emulator."""
    if emulator is not None:
        overrides.setdefault("stripe_emulator_port", int(emulator.url.rsplit(":", 1)[1]))
        overrides.setdefault("stripe_timeout_seconds", 3)
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        public_url="http://testserver",
        password_time_cost=1,  # argon2 at full cost would make the suite crawl
        password_memory_kib=64,
        log_json=False,
        **{"payments_connect_required": False} | overrides,  # tests/payments turn it on
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture(scope="session")
def stripe_emulator() -> Iterator[Emulator]:
    """One bundled Stripe emulator for the session, started by the first test that asks."""
    with Emulator(port=0) as running:
        yield running


@pytest.fixture
def emulator(stripe_emulator: Emulator) -> Emulator:
    """The session's emulator, emptied: every test starts with a fresh Stripe."""
    stripe_emulator.reset()
    return stripe_emulator


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def services(
    settings: Settings, database_url: str, clock: FixedClock, request: pytest.FixtureRequest
) -> Iterator[Services]:
    built = build_services(settings, database_url, clock=clock)
    yield built
    try:
        _check_ledger(built)
        if "emulator" in request.fixturenames and not request.node.get_closest_marker(
            "reconcile_differs"
        ):
            _check_reconciled(built)
    finally:
        built.close()


def _check_ledger(services: Services) -> None:
    """After every test that had services: the journal sums to zero per entry and per
    currency. Money is never invented or lost, whatever the test did."""
    from innkeeper.payments import ledger

    with services.uow() as uow:
        assert ledger.unbalanced(uow.session) == []
        assert {c: t for c, t in ledger.totals_by_currency(uow.session).items() if t} == {}


def _check_reconciled(services: Services) -> None:
    """After every test that used Stripe (the emulator): `innkeeper reconcile` finds no
    difference between the ledger and Stripe's balance transactions. Tests that make a
    difference on purpose say so with ``@pytest.mark.reconcile_differs``."""
    from innkeeper.payments import reconcile

    assert reconcile.reconcile(services) == []


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client
