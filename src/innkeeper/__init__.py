"""Innkeeper: a booking and payments engine for rental and travel marketplaces.

Capability packages sit at the top level (``accounts``, ``catalog``, ...); each keeps pure
rules in ``domain.py``, rows in ``models.py``, queries in ``repository.py``, use cases in
``service.py`` and HTTP translation in ``router.py``. See ``docs/architecture.md``.
"""
