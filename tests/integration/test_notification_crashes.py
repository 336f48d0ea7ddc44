"""Killing the worker in the middle of deliveries loses nothing and doubles nothing.

Real worker processes (``innkeeper worker``) deliver committed notifications and are killed
with SIGKILL at random moments mid-stream, three times; the jobs of the dead workers are
put back (what the every-minute ``jobs:retry_stalled_jobs`` does), and one last worker
finishes. A notification from a rolled-back transaction must never appear.

- Mailbox: delivery and "sent" commit together, so every message exists exactly once.
- SMTP: a kill after the server accepted a message but before "sent" was recorded is
  resent after its lease with the same Message-ID (receivers discard the copy, ADR 12).
  So every notification arrives, each Message-ID is exactly one notification, and copies
  are at most one per kill.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable

import procrastinate
from sqlalchemy import func, select

from innkeeper.jobs.app import create_job_app, retry_stalled
from innkeeper.notifications.domain import Channel, DeliveryStatus
from innkeeper.notifications.models import MailboxMessage, Notification
from innkeeper.notifications.service import Recipient, notify
from innkeeper.services import Services
from tests.mail import booking_data, smtp_server

KILLS = 3


def _record(services: Services, count: int) -> list[str]:
    """``count`` committed emails (one per key), and one in a transaction rolled back."""
    keys = [f"crash:{n}" for n in range(count)]
    person = Recipient(None, "Layla", "layla@example.com", None)
    with services.uow() as uow:
        for key in keys:
            notify(
                uow,
                key=key,
                template="booking.declined",
                recipients=[person],
                data=booking_data(),
                now=services.clock.now(),
            )
        uow.commit()
    with services.uow() as uow:
        notify(
            uow,
            key="crash:rolled-back",
            template="booking.declined",
            recipients=[person],
            data=booking_data(),
            now=services.clock.now(),
        )
    return keys


def _start(database_url: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INNKEEPER_ENVIRONMENT": "test",
        "INNKEEPER_LOG_LEVEL": "WARNING",
        "INNKEEPER_NOTIFICATION_LEASE_SECONDS": "2",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "innkeeper", "worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _sent(services: Services) -> int:
    with services.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status == DeliveryStatus.SENT)
            )
            or 0
        )


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _progress(
    services: Services, before: int, process: subprocess.Popen[bytes]
) -> Callable[[], bool]:
    """True once the worker has delivered something (or died, which the caller reports)."""
    return lambda: _sent(services) > before or process.poll() is not None


def _crash_and_recover(services: Services, database_url: str, total: int, **env: str) -> None:
    rng = random.Random(20261122)
    for _ in range(KILLS):
        before = _sent(services)
        process = _start(database_url, **env)
        try:
            _wait(_progress(services, before, process), timeout=60)
            assert process.poll() is None, "the worker did not start"
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        assert _sent(services) < total, "the worker finished before it could be killed"
    time.sleep(1.5)  # the dead workers' heartbeats are now older than a second
    asyncio.run(_retry_dead_workers(database_url))
    process = _start(database_url, **env)
    try:
        _wait(lambda: _sent(services) == total, timeout=120)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def _retry_dead_workers(database_url: str) -> None:
    app = create_job_app(procrastinate.PsycopgConnector(conninfo=database_url))
    async with app.open_async():
        await retry_stalled(app, seconds_since_heartbeat=1)


def _rows(services: Services) -> list[Notification]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(Notification)))


def test_mailbox_delivery_survives_killed_workers_exactly_once(
    services: Services, database_url: str
) -> None:
    keys = _record(services, 300)
    _crash_and_recover(services, database_url, len(keys))
    rows = _rows(services)
    assert sorted(r.idempotency_key.split("/")[0] for r in rows) == sorted(keys)
    assert all(r.status is DeliveryStatus.SENT for r in rows)
    with services.uow() as uow:
        letters = Counter(uow.session.scalars(select(MailboxMessage.notification_id)))
    assert set(letters) == {r.id for r in rows}
    assert set(letters.values()) == {1}


def test_smtp_delivery_survives_killed_workers(services: Services, database_url: str) -> None:
    with smtp_server(delay=0.1) as (inbox, port):
        keys = _record(services, 30)
        _crash_and_recover(services, database_url, len(keys), SMTP_URL=f"smtp://127.0.0.1:{port}")
        received = list(inbox.messages)
    rows = _rows(services)
    assert all(r.status is DeliveryStatus.SENT and r.channel is Channel.EMAIL for r in rows)
    expected = {f"<{r.id}@innkeeper.localhost>" for r in rows}
    copies = Counter(m["Message-ID"] for m in received)
    assert set(copies) == expected  # every committed one arrived, nothing else did
    assert len(received) - len(expected) <= KILLS  # a copy only where a kill hit the gap
