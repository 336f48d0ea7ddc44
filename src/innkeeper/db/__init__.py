"""Persistence plumbing: the declarative base, column types, the engine (embedded PostgreSQL
or ``DATABASE_URL``), Alembic migrations and the unit of work."""
