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


def test_the_worker_expires_overdue_holds(services: Services, clock: FixedClock) -> None:
    """The every-minute job ends holds past their deadline and frees their dates."""
    from datetime import date

    from innkeeper.bookings import service as bookings
    from innkeeper.bookings.domain import BookingStatus
    from innkeeper.bookings.models import Booking
    from innkeeper.pricing import quotes
    from tests.builders import actor_for, make_listing, make_org

    host = make_user(services, email="host@example.com")
    org = make_org(services, host)
    listing = make_listing(services, host, org.id, publish=True).listing
    guest = actor_for(services, make_user(services, email="guest@example.com"))
    request = quotes.QuoteRequest(listing.id, date(2026, 12, 1), date(2026, 12, 4), guests=2)
    quote = quotes.create_quote(services, guest, request)
    contact = bookings.Contact("Guest", "guest@example.com")
    hold = bookings.book(services, guest, bookings.NewBooking(quote.id, contact))
    clock.advance(minutes=20)
    with services.uow() as uow:
        uow.defer(JobName.EXPIRE_BOOKINGS, timestamp=0)
        uow.commit()
    worker.run(services, wait=False)
    assert (JobName.EXPIRE_BOOKINGS.value, "succeeded") in _jobs(services)
    with services.uow() as uow:
        expired = uow.session.get(Booking, hold.id)
        assert expired is not None
        assert expired.status is BookingStatus.EXPIRED
        assert uow.session.scalar(text("SELECT count(*) FROM allocation")) == 0
