"""Imports every capability's models so ``Base.metadata`` knows the whole schema
(Alembic's autogenerate and the migration tests compare against it)."""

from __future__ import annotations

from innkeeper.accounts import models as accounts_models
from innkeeper.audit import models as audit_models
from innkeeper.catalog import models as catalog_models
from innkeeper.db.base import Base

metadata = Base.metadata
__all__ = ["accounts_models", "audit_models", "catalog_models", "metadata"]
