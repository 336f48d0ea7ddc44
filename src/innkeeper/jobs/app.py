"""Every job Innkeeper runs, with its retry policy and schedule, on one screen.

``create_job_app`` is a function, not a module-level app: each process (web, worker, test)
builds its own, and nothing connects at import time. Tasks are plain functions that unpack
ids and call one service, as routers do.
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate

from innkeeper.jobs.names import JobName

_log = logging.getLogger(__name__)


def deferring_connector(database_url: str) -> Any:
    """The connector services defer through, on the caller's own transaction connection."""
    return procrastinate.SyncPsycopgConnector(conninfo=database_url, min_size=0, max_size=2)


def create_job_app(connector: Any) -> Any:
    app = procrastinate.App(connector=connector)

    @app.periodic(cron="*/15 * * * *", periodic_id="purge")
    @app.task(name=JobName.PURGE_EXPIRED_CREDENTIALS, pass_context=True, queue="maintenance")
    def purge_expired_credentials(context: Any, timestamp: int) -> None:
        from innkeeper.accounts.service import purge_expired_credentials as purge

        deleted = purge(context.additional_context["services"])
        _log.info("purged expired credentials", extra={"deleted": deleted})

    @app.periodic(cron="7 * * * *", periodic_id="refresh_search_index")
    @app.task(name=JobName.REFRESH_SEARCH_INDEX, pass_context=True, queue="maintenance")
    def refresh_search_index(context: Any, timestamp: int) -> None:
        """Roll every listing's search calendar forward as its local day changes."""
        from innkeeper.availability.service import refresh_search_index as refresh

        rebuilt = refresh(context.additional_context["services"])
        _log.info("refreshed the search index", extra={"rebuilt": rebuilt})

    @app.periodic(cron="* * * * *", periodic_id="expire_bookings")
    @app.task(name=JobName.EXPIRE_BOOKINGS, pass_context=True, queue="bookings")
    def expire_bookings(context: Any, timestamp: int) -> None:
        """Every minute: holds, requests, offers and viewings whose deadline has passed."""
        from innkeeper.bookings.expiry import expire_due

        expired = expire_due(context.additional_context["services"])
        _log.info("expired waiting bookings", extra={"expired": expired})

    @app.periodic(cron="17 * * * *", periodic_id="complete_bookings")
    @app.task(name=JobName.COMPLETE_BOOKINGS, pass_context=True, queue="bookings")
    def complete_bookings(context: Any, timestamp: int) -> None:
        """Hourly: bookings whose last day is over in their listing's time zone."""
        from innkeeper.bookings.expiry import complete_due

        completed = complete_due(context.additional_context["services"])
        _log.info("completed past bookings", extra={"completed": completed})

    @app.periodic(cron="*/10 * * * *", periodic_id="remind_bookings")
    @app.task(name=JobName.REMIND_BOOKINGS, pass_context=True, queue="bookings")
    def remind_bookings(context: Any, timestamp: int) -> None:
        """Every ten minutes: answers due soon, arrivals tomorrow, departures today."""
        from innkeeper.bookings.reminders import send_due

        sent = send_due(context.additional_context["services"])
        _log.info("queued booking reminders", extra={"reminders": sent})

    @app.periodic(cron="*/10 * * * *", periodic_id="charge_due_payments")
    @app.task(name=JobName.CHARGE_DUE_PAYMENTS, pass_context=True, queue="payments")
    def charge_due_payments(context: Any, timestamp: int) -> None:
        """Every ten minutes: balances and pay-later amounts whose date has come, off-session."""
        from innkeeper.payments.schedules import charge_due

        charged = charge_due(context.additional_context["services"])
        _log.info("charged due installments", extra={"charged": charged})

    @app.periodic(cron="*/10 * * * *", periodic_id="remind_balances")
    @app.task(name=JobName.REMIND_BALANCES, pass_context=True, queue="payments")
    def remind_balances(context: Any, timestamp: int) -> None:
        """Every ten minutes: tell guests their balance is charged soon (once per payment)."""
        from innkeeper.payments.schedules import remind_due

        sent = remind_due(context.additional_context["services"])
        _log.info("queued balance reminders", extra={"reminders": sent})

    @app.periodic(cron="*/30 * * * *", periodic_id="security_holds")
    @app.task(name=JobName.SECURITY_HOLDS, pass_context=True, queue="payments")
    def security_holds(context: Any, timestamp: int) -> None:
        """Every half hour: place security-deposit holds before arrival, re-authorize those
        about to lapse during a long stay, release them after check-out."""
        from innkeeper.payments.holds import run_due

        done = run_due(context.additional_context["services"])
        _log.info("security holds", extra=done)

    @app.periodic(cron="*/10 * * * *", periodic_id="cancel_dead_payments")
    @app.task(name=JobName.CANCEL_DEAD_PAYMENTS, pass_context=True, queue="payments")
    def cancel_dead_payments(context: Any, timestamp: int) -> None:
        """Every ten minutes: cancel payments still open on bookings that ended, so a guest
        cannot pay for a booking that is gone (a refund would cost Stripe's fee)."""
        from innkeeper.payments.sweeps import cancel_dead_payments as sweep

        canceled = sweep(context.additional_context["services"])
        _log.info("canceled payments of ended bookings", extra={"canceled": canceled})

    @app.periodic(cron="*/15 * * * *", periodic_id="release_escrow")
    @app.task(name=JobName.RELEASE_ESCROW, pass_context=True, queue="payments")
    def release_escrow(context: Any, timestamp: int) -> None:
        """Every quarter hour: pay each provider whose part of a paid cart was delivered."""
        from innkeeper.payments.escrow import release_due

        paid = release_due(context.additional_context["services"])
        _log.info("released escrow payouts", extra={"paid": paid})

    @app.task(
        name=JobName.DELIVER_NOTIFICATION,
        pass_context=True,
        queue="notifications",
        retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2),
    )
    def deliver_notification(context: Any, notification_id: str) -> None:
        """Send one message. Its own retries and final failure are on the notification row;
        this job-level retry only covers a crash before the row could record anything."""
        import uuid

        from innkeeper.notifications.service import deliver

        status = deliver(context.additional_context["services"], uuid.UUID(notification_id))
        _log.info(
            "notification delivery", extra={"notification_id": notification_id, "status": status}
        )

    @app.task(
        name=JobName.REFUND_DUE,
        pass_context=True,
        queue="payments",
        retry=procrastinate.RetryStrategy(max_attempts=10, exponential_wait=5),
    )
    def refund_due(context: Any, booking_id: str) -> None:
        """Pay a cancelled booking's refund. The cancel route tries at once; this job makes
        sure it happens when Stripe did not answer then (the plan is written once)."""
        import uuid

        from innkeeper.payments.refunds import refund_due as pay_refund

        rows = pay_refund(context.additional_context["services"], uuid.UUID(booking_id))
        _log.info("refunds paid", extra={"booking_id": booking_id, "refunds": len(rows)})

    @app.task(name=JobName.PROCESS_STRIPE_EVENT, pass_context=True, queue="webhooks")
    def process_stripe_event(context: Any, event_id: str) -> None:
        """Run one inbox event's handler. Failures are retried by the inbox itself (its row
        keeps the attempts, the error and the next try), so this job never raises for them."""
        from innkeeper.webhooks.processing import process

        status = process(context.additional_context["services"], event_id)
        _log.info("stripe event", extra={"event_id": event_id, "status": str(status)})

    @app.periodic(cron="*/15 * * * *", periodic_id="reconcile_stripe_events")
    @app.task(name=JobName.RECONCILE_STRIPE_EVENTS, pass_context=True, queue="webhooks")
    def reconcile_stripe_events(context: Any, timestamp: int) -> None:
        """Every quarter hour: fetch Stripe's recent events and apply any the inbox never
        received (a dropped delivery, an endpoint that was down), and take over events whose
        worker died mid-way."""
        from innkeeper.payments.domain import PaymentProviderUnavailable
        from innkeeper.webhooks.reconciler import reconcile

        try:
            found = reconcile(context.additional_context["services"])
        except PaymentProviderUnavailable as error:  # the next run, a quarter hour on, catches up
            _log.warning("stripe unreachable: events not reconciled", extra={"error": str(error)})
            return
        _log.info("reconciled stripe events", extra=found.as_log())

    @app.periodic(cron="* * * * *", periodic_id="retry_stalled")
    @app.task(name=JobName.RETRY_STALLED_JOBS, queue="maintenance", pass_context=True)
    async def retry_stalled_jobs(context: Any, timestamp: int) -> None:
        """Jobs whose worker died stay 'doing' forever unless someone retries them."""
        await retry_stalled(app, seconds_since_heartbeat=STALLED_AFTER_SECONDS)

    return app


# Workers beat every 10 s; six missed beats is a dead worker, not a slow one.
STALLED_AFTER_SECONDS = 60


async def retry_stalled(app: Any, *, seconds_since_heartbeat: float) -> int:
    """Put the jobs of dead workers back in the queue; returns how many. A job runs again
    in full, which is why every job is idempotent."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=seconds_since_heartbeat
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    return len(stalled)
