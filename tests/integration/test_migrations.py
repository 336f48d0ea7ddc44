"""Migrations are the only way the schema changes: they build it from nothing, take it back
down, build it again, and leave no difference from the models."""

from __future__ import annotations

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from innkeeper.db import migrate
from innkeeper.db.engine import sqlalchemy_url
from innkeeper.db.migrations_check import ignore_procrastinate
from innkeeper.db.models import metadata


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in rows}


def test_upgrade_from_empty_creates_every_table(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    assert set(metadata.tables) | {"procrastinate_jobs", "alembic_version"} <= _tables(
        empty_database_url
    )


def test_down_to_base_and_up_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == {"alembic_version"}
    migrate.upgrade(empty_database_url)
    assert "listing" in _tables(empty_database_url)


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": ignore_procrastinate, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()
