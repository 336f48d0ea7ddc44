"""The inbox's vocabulary: an event's status and where a copy of it came from."""

from __future__ import annotations

from enum import StrEnum


class EventStatus(StrEnum):
    RECEIVED = "received"  # stored, its processing job queued
    PROCESSING = "processing"  # claimed by a worker (until its lease runs out)
    PROCESSED = "processed"  # the handler ran to the end: its effects are applied
    RETRYING = "retrying"  # the handler failed; another attempt is scheduled
    DEAD = "dead"  # failed ``webhook_max_attempts`` times: waits for an admin's replay


class EventSource(StrEnum):
    DELIVERY = "delivery"  # Stripe (or the emulator) posted it to our endpoint
    RECONCILER = "reconciler"  # fetched from Stripe's event list: never delivered


SETTLED = frozenset({EventStatus.PROCESSED, EventStatus.DEAD})
