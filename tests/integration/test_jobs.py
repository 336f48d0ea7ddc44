"""Jobs are deferred inside the caller's transaction: no commit, no job. The worker runs
them through the same procrastinate tables as production."""

from __future__ import annotations

from sqlalchemy import text

from innkeeper.accounts import service
from innkeeper.core.clock import FixedClock
from innkeeper.jobs import worker
from innkeeper.jobs.names import JobName
from innkeeper.services import Services
from tests.builders import PASSWORD, make_user


def _jobs(services: Services) -> list[tuple[str, str]]:
    with services.uow() as uow:
        rows = uow.session.execute(text("SELECT task_name, status FROM procrastinate_jobs"))
        return [(name, status) for name, status in rows]


def test_a_rolled_back_transaction_queues_nothing(services: Services) -> None:
    with services.uow() as uow:
        uow.defer(JobName.PURGE_EXPIRED_CREDENTIALS, timestamp=0)
    assert _jobs(services) == []


def test_a_committed_transaction_queues_its_job_once(services: Services) -> None:
    with services.uow() as uow:
        uow.defer(JobName.PURGE_EXPIRED_CREDENTIALS, timestamp=0)
        uow.commit()
    assert _jobs(services) == [(JobName.PURGE_EXPIRED_CREDENTIALS.value, "todo")]


def test_the_worker_runs_queued_jobs(services: Services, clock: FixedClock) -> None:
    make_user(services, email="host@example.com")
    issued = service.log_in(services, "host@example.com", PASSWORD, ip_address=None)
    service.log_out(services, issued.secret)
    clock.advance(days=2)
    with services.uow() as uow:
        uow.defer(JobName.PURGE_EXPIRED_CREDENTIALS, timestamp=0)
        uow.commit()
    worker.run(services, wait=False)  # also defers and runs the periodic jobs that are due
    jobs = _jobs(services)
    assert (JobName.PURGE_EXPIRED_CREDENTIALS.value, "succeeded") in jobs
    assert {status for _, status in jobs} == {"succeeded"}
    with services.uow() as uow:
        assert uow.session.scalar(text("SELECT count(*) FROM auth_session")) == 0
