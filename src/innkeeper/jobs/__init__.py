"""Durable jobs on procrastinate (a PostgreSQL task queue): names, wiring and the worker."""
