"""Every job's name, listed once. Queued jobs store the name, so rename with care."""

from __future__ import annotations

from enum import StrEnum


class JobName(StrEnum):
    PURGE_EXPIRED_CREDENTIALS = "accounts:purge_expired_credentials"
    RETRY_STALLED_JOBS = "jobs:retry_stalled_jobs"
    REFRESH_SEARCH_INDEX = "availability:refresh_search_index"
    EXPIRE_BOOKINGS = "bookings:expire_due"
    COMPLETE_BOOKINGS = "bookings:complete_due"
    REMIND_BOOKINGS = "bookings:send_reminders"
    DELIVER_NOTIFICATION = "notifications:deliver"
    CHARGE_DUE_PAYMENTS = "payments:charge_due"
    REMIND_BALANCES = "payments:remind_balance"
    SECURITY_HOLDS = "payments:security_holds"
    RELEASE_ESCROW = "payments:release_escrow"
    REFUND_DUE = "payments:refund_due"
    CANCEL_DEAD_PAYMENTS = "payments:cancel_dead_payments"
    PROCESS_STRIPE_EVENT = "webhooks:process_event"
    RECONCILE_STRIPE_EVENTS = "webhooks:reconcile"
