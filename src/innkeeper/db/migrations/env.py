"""Alembic environment: online migrations only, on the URL the caller put in attributes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from innkeeper.db.migrations_check import ignore_procrastinate
from innkeeper.db.models import metadata

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.attributes["url"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            include_name=ignore_procrastinate,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
