"""A real SMTP server on loopback (aiosmtpd) for notification tests, and sample message
data shaped like the snapshots ``bookings.notices`` records."""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """Every message the server accepted, parsed; ``delay`` slows acceptance down, so a
    test can kill a sender in the middle of a delivery."""

    delay: float = 0.0
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
            time.sleep(0.05)
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(delay: float = 0.0, **options: Any) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox(delay=delay)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


_BOOKING: dict[str, Any] = {
    "booking": {
        "id": "6f1c2a5e-0b7d-4c1e-9a53-2f5b7c1d9e01",
        "code": "HM7Q-4KX2-9D",
        "status": "confirmed",
        "kind": "stay",
        "check_in": "2026-12-03",
        "check_out": "2026-12-06",
        "nights": 3,
        "guests": 2,
        "units": 1,
        "currency": "AED",
        "total_minor": 123450,
        "paid_minor": 123450,
        "host_payout_minor": 100000,
        "refund_minor": 61725,
        "deadline_at": "2026-12-01T10:00:00+00:00",
        "arrival_at": "2026-12-03T11:00:00+00:00",
        "reason": "Plans changed",
        "ended_by": "guest",
        "message": "We arrive late",
        "special_requests": "A cot, please",
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
    "was": "requested",
    "was_confirmed": True,
    "lines": [
        {"code": "nights", "label": "3 nights", "amount_minor": 105000, "quantity": 3, "rule": ""},
        {"code": "cleaning", "label": "Cleaning", "amount_minor": 18450, "quantity": 1, "rule": ""},
    ],
    "difference_minor": 5000,
    "offer": {
        "check_in": "2026-12-04",
        "check_out": "2026-12-07",
        "guests": 2,
        "units": 1,
        "slot_id": None,
        "guest_total_minor": 130000,
        "currency": "AED",
        "message": "These dates work better for us",
    },
    "guide": {
        "check_in_instructions": "Key box code 4321",
        "check_out_instructions": "Leave the keys inside",
    },
}

_VIEWING: dict[str, Any] = {
    "viewing": {
        "id": "0e0b6c1a-3f0e-4a55-8a47-8a0f3e0c6d11",
        "starts_at": "2026-12-02T10:00:00+00:00",
        "ends_at": "2026-12-02T10:30:00+00:00",
        "deadline_at": "2026-12-01T10:00:00+00:00",
        "party": 2,
        "message": "Is parking included?",
        "reason": None,
        "sequence": 1,
    },
    "listing": {**_BOOKING["listing"], "kind": "lease"},
    "host": {"name": "Palm Stays"},
    "guest": {"name": "Layla Haddad"},
}


def booking_data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(_BOOKING)
    data["booking"].update(changes)
    return data


def viewing_data() -> dict[str, Any]:
    return copy.deepcopy(_VIEWING)


def sample_for(template: str) -> dict[str, Any]:
    return viewing_data() if template.startswith("viewing.") else booking_data()
