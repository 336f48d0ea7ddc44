"""Where the database is, and the engine and session factory on it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from innkeeper.db import embedded
from innkeeper.settings import Settings

EMBEDDED_DATABASE = "innkeeper"


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield a libpq URI: ``DATABASE_URL`` when set, else the embedded server's database.

    While the context is open this process holds a handle on the embedded server; the
    server stops when the last process holding one exits.
    """
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    server = embedded.start(settings.data_dir)
    yield embedded.ensure_database(server, EMBEDDED_DATABASE)


def sqlalchemy_url(url: str) -> str:
    """The same URI for SQLAlchemy's psycopg 3 driver (``postgres://`` forms included)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip on every checkout. A connection broken by a
        # database restart fails one request with a 503 (see api.py) and is then replaced.
        pool_recycle=1800,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
