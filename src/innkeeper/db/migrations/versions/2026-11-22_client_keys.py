"""Client idempotency keys: an extra charge remembers the caller's ``Idempotency-Key``,
unique per booking, so a retried request finds the first charge instead of making another.

Revision ID: 0013_client_keys
Revises: 0012_webhooks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_client_keys"
down_revision = "0012_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payment", sa.Column("client_key", sa.String(length=100), nullable=True))
    op.create_index(
        "uq_payment_client_key",
        "payment",
        ["booking_id", "client_key"],
        unique=True,
        postgresql_where=sa.text("client_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_payment_client_key",
        table_name="payment",
        postgresql_where=sa.text("client_key IS NOT NULL"),
    )
    op.drop_column("payment", "client_key")
