"""Notification figures: how fast events are recorded (rows and jobs inside the caller's
transaction, the in-app text rendered) and how fast one worker delivers them to the
mailbox (claim, render email with its calendar invite and receipt, store, mark sent)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from innkeeper.jobs import worker
from innkeeper.notifications.domain import DeliveryStatus
from innkeeper.notifications.models import Notification
from innkeeper.notifications.service import Recipient, notify
from innkeeper.services import Services

EVENTS = 500
SAMPLE: dict[str, Any] = {
    "booking": {
        "id": "6f1c2a5e-0b7d-4c1e-9a53-2f5b7c1d9e01",
        "code": "HM7Q-4KX2-9D",
        "status": "confirmed",
        "kind": "stay",
        "check_in": "2027-01-11",
        "check_out": "2027-01-14",
        "nights": 3,
        "guests": 2,
        "units": 1,
        "currency": "AED",
        "total_minor": 123450,
        "paid_minor": 123450,
        "host_payout_minor": 100000,
        "refund_minor": 0,
        "deadline_at": None,
        "arrival_at": "2027-01-11T11:00:00+00:00",
        "reason": None,
        "ended_by": None,
        "message": "",
        "special_requests": "",
        "sequence": 1,
    },
    "listing": {
        "title": "Marina loft",
        "kind": "stay",
        "address": "12 Marina Walk, Dubai",
        "city": "Dubai",
        "time_zone": "Asia/Dubai",
        "check_in_time": "15:00:00",
        "check_out_time": "11:00:00",
        "meeting_point": None,
        "duration_minutes": None,
    },
    "host": {"name": "Palm Stays"},
    "guest": {"name": "Layla Haddad"},
    "was": "pending_payment",
    "was_confirmed": False,
    "lines": [{"code": "nights", "label": "3 nights", "amount_minor": 123450, "quantity": 3}],
    "difference_minor": 0,
}


def run(services: Services) -> list[dict[str, Any]]:
    guest = Recipient(None, "Layla Haddad", "layla@example.com", "+971501234567")
    started = time.perf_counter()
    for n in range(EVENTS):
        with services.uow() as uow:
            notify(
                uow,
                key=f"bench:{n}",
                template="booking.confirmed",
                recipients=[guest],
                data=SAMPLE,
                now=services.clock.now(),
            )
            uow.commit()
    recorded = time.perf_counter() - started
    pending = _count(services, DeliveryStatus.PENDING)
    started = time.perf_counter()
    worker.run(services, wait=False)
    delivered = time.perf_counter() - started
    sent = pending - _count(services, DeliveryStatus.PENDING)
    return [
        {
            "figure": "notification_events_recorded_per_s",
            "value": round(EVENTS / recorded, 1),
            "messages_per_event": 2,
            "events": EVENTS,
        },
        {
            "figure": "notification_mailbox_deliveries_per_s",
            "value": round(sent / delivered, 1),
            "messages": sent,
            "workers": 1,
            "note": "email with .ics and receipt, and SMS",
        },
    ]


def _count(services: Services, status: DeliveryStatus) -> int:
    with services.uow() as uow:
        found = uow.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.status == status)
        )
        return int(found or 0)
