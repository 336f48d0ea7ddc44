"""What the inbox never received, fetched from Stripe and applied.

Stripe keeps events for 30 days and lists them per account. Every run reads the recent
ones (``webhook_reconcile_hours``) of the platform and of every connected account we know,
stores those missing from the inbox (source ``reconciler``) and queues them like a delivery.
Because handlers decide from Stripe's current state, applying a missed event late converges
to the same state as having received it on time.

It also takes over events whose worker died mid-way (a lapsed lease) and retries whose job
was lost, so nothing waits forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import or_, select

from innkeeper.payments.gateway import raise_for
from innkeeper.payments.models import PayoutAccount
from innkeeper.services import Services
from innkeeper.webhooks import inbox
from innkeeper.webhooks.domain import EventSource, EventStatus
from innkeeper.webhooks.models import StripeEvent

PAGE = 100


@dataclass
class Reconciled:
    listed: int = 0  # events Stripe listed in the window
    missing: int = 0  # of them, never received: stored and queued now
    requeued: int = 0  # stalled or lost in the inbox: queued again
    accounts: int = 0  # accounts read (the platform counts as one)
    missing_ids: list[str] = field(default_factory=list)

    def as_log(self) -> dict[str, int]:
        return {
            "listed": self.listed, "missing": self.missing, "requeued": self.requeued,
            "accounts": self.accounts,
        }  # fmt: skip


def reconcile(svc: Services, *, hours: int | None = None) -> Reconciled:
    """One pass over the window; safe to run at any time, as often as wanted."""
    window = timedelta(hours=hours or svc.settings.webhook_reconcile_hours)
    since = int((svc.clock.now() - window).timestamp())
    found = Reconciled()
    for account in [None, *_connected_accounts(svc)]:
        found.accounts += 1
        for event in _list_events(svc, account, since):
            found.listed += 1
            if _store(svc, event):
                found.missing += 1
                found.missing_ids.append(str(event["id"]))
    found.requeued = _requeue_stalled(svc)
    return found


def _connected_accounts(svc: Services) -> list[str]:
    with svc.uow() as uow:
        return list(uow.session.scalars(select(PayoutAccount.stripe_account_id)))


def _list_events(svc: Services, account: str | None, since: int) -> list[dict[str, Any]]:
    """The account's events since ``since``, as plain JSON (what a delivery would carry)."""
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    try:
        page = svc.stripe.v1.events.list({"created": {"gte": since}, "limit": PAGE}, options)
        return [event.to_dict(for_json=True) for event in page.auto_paging_iter()]
    except stripe.PermissionError:
        return []  # an account that deauthorized us: its events are no longer ours to read
    except stripe.StripeError as error:
        raise_for(error)


def _store(svc: Services, event: dict[str, Any]) -> bool:
    with svc.uow() as uow:
        new = inbox.store(uow, event, EventSource.RECONCILER, now=svc.clock.now())
        uow.commit()
    return new


def _requeue_stalled(svc: Services) -> int:
    """Queue again what is waiting without a live job: a lapsed lease, a retry that is due
    (its job lost), a received event older than a few minutes (its job lost)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(StripeEvent.id)
                .where(
                    or_(
                        (StripeEvent.status == EventStatus.PROCESSING)
                        & (StripeEvent.claimed_until < now),
                        (StripeEvent.status == EventStatus.RETRYING)
                        & (StripeEvent.next_attempt_at < now - timedelta(minutes=5)),
                        (StripeEvent.status == EventStatus.RECEIVED)
                        & (StripeEvent.received_at < now - timedelta(minutes=5)),
                    )
                )
                .limit(1000)
            )
        )
        for event_id in ids:
            inbox.queue(uow, event_id)
        uow.commit()
    return len(ids)
