"""Webhook tests: the payments world (emulator, a connected host) plus a signing secret, a
way to fetch every event Stripe made (platform and connected accounts) exactly as the
emulator would deliver it, and ``deliver``/``drain`` to push events through our endpoint
and run their handlers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import pytest
import requests
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.payments.gateway import EMULATOR_KEY
from innkeeper.payments.models import PayoutAccount
from innkeeper.services import Services
from innkeeper.settings import Settings
from innkeeper.webhooks import processing
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import StripeEvent
from stripe_emulator.server import Emulator
from tests.conftest import settings_for
from tests.payments.conftest import hosted, sdk  # noqa: F401  (fixtures shared with payments)

SECRET = "whsec_test_innkeeper_webhooks"
OLD_SECRET = "whsec_test_innkeeper_rotated_out"


@pytest.fixture
def settings(database_url: str, emulator: Emulator) -> Settings:
    return settings_for(
        database_url, emulator, payments_connect_required=True,
        stripe_webhook_secret=f"{SECRET},{OLD_SECRET}",
    )  # fmt: skip


def signature(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``body``, made by the SDK's own helper."""
    return str(
        stripe.WebhookSignature.generate_signature_header(
            body.decode(), secret, timestamp=int(time.time()) if timestamp is None else timestamp
        )
    )


def deliver(client: TestClient, event: dict[str, Any], *, secret: str = SECRET,
            path: str = "/webhooks/stripe") -> Any:  # fmt: skip
    """POST one event to our endpoint, signed, as Stripe would."""
    body = json.dumps(event).encode()
    return client.post(
        path,
        content=body,
        headers={"Stripe-Signature": signature(body, secret), "Content-Type": "application/json"},
    )


def stripe_events(emulator: Emulator, services: Services, *, types: Iterable[str] = ()
                  ) -> list[dict[str, Any]]:  # fmt: skip
    """Every event the emulator holds, oldest first: the platform's and each connected
    account's (as a Connect endpoint receives them), as raw JSON."""
    with services.uow() as uow:
        accounts = list(uow.session.scalars(select(PayoutAccount.stripe_account_id)))
    found: list[dict[str, Any]] = []
    for account in [None, *accounts]:
        found.extend(reversed(_list(emulator, account)))  # Stripe lists newest first
    wanted = set(types)
    events = [e for e in found if not wanted or e["type"] in wanted]
    # a stable sort: within one second, each account's events keep Stripe's own order
    return sorted(events, key=lambda e: int(e["created"]))


def _list(emulator: Emulator, account: str | None) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {EMULATOR_KEY}"}
    if account:
        headers["Stripe-Account"] = account
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"starting_after": after} if after else {})
        page = requests.get(f"{emulator.url}/v1/events", params=params, headers=headers, timeout=10)
        page.raise_for_status()
        body = page.json()
        events.extend(body["data"])
        if not body["has_more"]:
            return events
        after = body["data"][-1]["id"]


def drain(services: Services, *, rounds: int = 5) -> int:
    """Run every waiting event's handler (as the worker would), until none waits; returns
    how many runs there were. Retries are run at once, whatever their back-off."""
    runs = 0
    for _ in range(rounds):
        waiting = _waiting(services, EventStatus.RECEIVED) + _waiting(
            services, EventStatus.RETRYING
        )  # new events first: what a retry waits for may have just arrived
        if not waiting:
            break
        progress = False
        for event_id in waiting:
            progress |= processing.process(services, event_id) is EventStatus.PROCESSED
            runs += 1
        if not progress:
            break  # what the retries wait for has not arrived: their back-off would wait too
    return runs


def _waiting(services: Services, status: EventStatus) -> list[str]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(
                select(StripeEvent.id)
                .where(StripeEvent.status == status)
                .order_by(StripeEvent.received_at, StripeEvent.id)
            )
        )


def inbox_row(services: Services, event_id: str) -> StripeEvent:
    with services.uow() as uow:
        row = uow.session.get(StripeEvent, event_id)
        assert row is not None, event_id
        return row


def failures(services: Services) -> list[tuple[str, str | None]]:
    """(type, last error) of every event not processed: what an assertion should show."""
    with services.uow() as uow:
        rows = uow.session.execute(
            select(StripeEvent.type, StripeEvent.last_error).where(
                StripeEvent.status != EventStatus.PROCESSED
            )
        ).all()
    return [(str(t), e) for t, e in rows]


REPLAY = "/api/v1/admin/webhooks/events/replay"


def run(client: TestClient, services: Services, events: list[dict[str, Any]], *,
        failing: bool = False) -> None:  # fmt: skip
    """Deliver every event (twice: the second copy is a duplicate) and run the handlers;
    every one must succeed unless the test means some to fail."""
    for event in [*events, *events]:
        assert deliver(client, event).status_code == 200
    drain(services)
    if not failing:
        assert failures(services) == []


def replay_all(client: TestClient, services: Services, admin: dict[str, str]) -> None:
    """An admin replays every processed event: each handler runs again from Stripe's state."""
    answer = client.post(REPLAY, json={"status": "processed"}, headers=admin)
    assert answer.status_code == 200, answer.text
    drain(services)
    assert failures(services) == []
