"""The procrastinate job queue's tables, functions and triggers (procrastinate 3.10.0).

The schema SQL is frozen in ``sql/`` rather than read from the installed package, so this
revision creates the same objects forever; upgrading procrastinate adds revisions that run
the migration files that release ships.

Revision ID: 0001_procrastinate
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0001_procrastinate"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).parent / "sql" / "procrastinate-3.10.0-schema.sql"


def upgrade() -> None:
    sql = SCHEMA.read_text(encoding="utf-8")
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))  # the driver treats % as a placeholder


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers CASCADE")
    op.execute("DROP TABLE IF EXISTS procrastinate_jobs, procrastinate_workers CASCADE")
    op.execute(
        """
        DO $$
        DECLARE fn record;
        BEGIN
            FOR fn IN
                SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
            LOOP
                EXECUTE 'DROP ROUTINE IF EXISTS ' || fn.signature || ' CASCADE';
            END LOOP;
        END $$;
        """
    )
    op.execute(
        "DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type, procrastinate_job_to_defer_v1 CASCADE"
    )
