"""The Services container: what routers, pages, CLI commands and jobs receive.

Built once per process by ``build_services`` (never at import time) and closed on shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from innkeeper.accounts.credentials import Passwords
from innkeeper.core.clock import Clock, SystemClock
from innkeeper.db.engine import make_engine, make_session_factory
from innkeeper.db.uow import UnitOfWork
from innkeeper.settings import Settings


@dataclass
class Services:
    settings: Settings
    database_url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    passwords: Passwords
    jobs: Any  # procrastinate.App on a SyncPsycopgConnector, for deferring inside transactions
    stripe: Any  # stripe.StripeClient: the real API, or the bundled emulator without a key

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.jobs)

    def close(self) -> None:
        self.engine.dispose()


def build_services(
    settings: Settings, database_url: str, *, clock: Clock | None = None
) -> Services:
    import innkeeper.db.models  # noqa: F401  (every table known: a job may touch any of them)
    from innkeeper.jobs.app import create_job_app, deferring_connector
    from innkeeper.payments.gateway import make_client

    engine = make_engine(database_url, pool_size=settings.database_pool_size)
    return Services(
        settings=settings,
        database_url=database_url,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        passwords=Passwords(
            time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
        ),
        jobs=create_job_app(deferring_connector(database_url)),
        stripe=make_client(settings),
    )
