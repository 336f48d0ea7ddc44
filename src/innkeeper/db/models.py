"""Imports every capability's models so ``Base.metadata`` knows the whole schema
(Alembic's autogenerate and the migration tests compare against it)."""

from __future__ import annotations

from innkeeper.accounts import models as accounts_models
from innkeeper.admin import models as admin_models
from innkeeper.audit import models as audit_models
from innkeeper.availability import models as availability_models
from innkeeper.bookings import models as bookings_models
from innkeeper.catalog import models as catalog_models
from innkeeper.db.base import Base
from innkeeper.notifications import models as notifications_models
from innkeeper.payments import models as payments_models
from innkeeper.pricing import models as pricing_models
from innkeeper.webhooks import models as webhooks_models

metadata = Base.metadata
__all__ = [
    "accounts_models",
    "admin_models",
    "audit_models",
    "availability_models",
    "bookings_models",
    "catalog_models",
    "metadata",
    "notifications_models",
    "payments_models",
    "pricing_models",
    "webhooks_models",
]
