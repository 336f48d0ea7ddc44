"""One business transaction = one ``with uow:`` block in a service function."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Opens a session on enter; commits only when told; always rolls back and closes on exit.

    Routers, tasks and pages never see it: services create one per use case, so the
    transaction boundary is visible in the code that owns the business rule.
    """

    session: Session

    def __init__(self, session_factory: sessionmaker[Session], jobs: Any | None = None) -> None:
        self._session_factory = session_factory
        self._jobs = jobs  # a procrastinate App on a SyncPsycopgConnector: defers, never runs

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed, and, unlike rollback(), leaves rows
        # already read usable by the caller (detached, not expired).
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()

    def defer(
        self,
        job: str,
        *,
        lock: str | None = None,
        schedule_at: datetime | None = None,
        **args: str | int,
    ) -> None:
        """Queue ``job`` on this transaction's connection: it exists if, and only if, we
        commit. ``schedule_at`` holds it back until then."""
        if self._jobs is None:
            raise RuntimeError("this unit of work was built without a job app")
        connection = self.session.connection().connection.driver_connection
        deferrer = self._jobs.configure_task(
            job, connection=connection, lock=lock, schedule_at=schedule_at, allow_unknown=False
        )
        deferrer.defer(**args)
