"""The worker: ``innkeeper worker`` on as many machines as needed, all on one database."""

from __future__ import annotations

import procrastinate

from innkeeper.jobs.app import create_job_app
from innkeeper.services import Services

QUEUES: list[str] | None = None  # every queue; split per queue when bulk work grows


def run(services: Services, *, wait: bool = True) -> None:
    """Run jobs until stopped (or, with ``wait=False``, until the queue is empty)."""
    runner = create_job_app(procrastinate.PsycopgConnector(conninfo=services.database_url))
    runner.run_worker(
        queues=QUEUES,
        wait=wait,
        install_signal_handlers=wait,
        additional_context={"services": services},
    )
