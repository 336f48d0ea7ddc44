"""Where subscription, invoice and subscription-schedule events go: the billing capability
(plans and subscriptions for the platform's SaaS customers, a later issue) plugs in here.

The interface
-------------
Billing implements ``BillingSink`` and installs it once at start-up (in ``create_app`` and
the worker's ``main``, before any event is processed)::

    from innkeeper.webhooks import billing as billing_events
    billing_events.set_sink(MyBilling())

Each method gets the services, the Stripe object exactly as the event carried it (an SDK
``StripeObject``: a ``Subscription``, an ``Invoice`` or a ``SubscriptionSchedule``) and a
``BillingEvent`` (the event's id, type, connected account and creation time), and returns
one sentence saying what it did; the webhook handler records that sentence as the event's
effect on the admin page. Until billing plugs in, ``RecordOnly`` returns a description and
changes nothing.

What a sink must do
-------------------
- **Be idempotent**: the same event may be handed over several times (retries, replays,
  duplicate deliveries, the reconciler), and two copies may run at once. Key every change on
  a Stripe id (the subscription's, the invoice's) or on ``event.id``.
- **Be order-independent**: events come in any order. When the state matters (is this
  subscription active now?), re-read the object from Stripe
  (``svc.stripe.v1.subscriptions.retrieve(id, options=...)``, with
  ``{"stripe_account": event.account}`` when ``event.account`` is set) instead of trusting
  the payload. ``invoice.upcoming`` is a preview with no id: it cannot be re-read.
- **Call Stripe outside any database transaction**, and write through the project's
  persisted operations (``payments.operations.run``) if it writes to Stripe.
- **Raise only for real failures**: a raise is retried with back-off and, after
  ``webhook_max_attempts``, dead-lettered for an admin to replay. An object that is not
  billing's (a subscription of another product, say) is answered with a sentence, not an
  error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """Which event handed the object over."""

    id: str  # evt_…: a natural idempotency key
    type: str  # e.g. customer.subscription.updated
    account: str | None  # the connected account, for Connect events; None for the platform
    created: datetime  # when Stripe created the event (not when it arrived)


class BillingSink(Protocol):
    """What billing implements; every method returns one sentence for the admin page."""

    def subscription_changed(self, svc: Services, subscription: Any, event: BillingEvent
                             ) -> str: ...  # fmt: skip

    def invoice_changed(self, svc: Services, invoice: Any, event: BillingEvent) -> str: ...

    def schedule_changed(self, svc: Services, schedule: Any, event: BillingEvent) -> str: ...


class RecordOnly:
    """The sink until billing exists: it says what arrived and changes nothing."""

    def subscription_changed(self, svc: Services, subscription: Any, event: BillingEvent
                             ) -> str:  # fmt: skip
        return _describe("subscription", subscription, event)

    def invoice_changed(self, svc: Services, invoice: Any, event: BillingEvent) -> str:
        return _describe("invoice", invoice, event)

    def schedule_changed(self, svc: Services, schedule: Any, event: BillingEvent) -> str:
        return _describe("subscription schedule", schedule, event)


def _describe(noun: str, obj: Any, event: BillingEvent) -> str:
    name = getattr(obj, "id", None) or "(preview)"
    status = getattr(obj, "status", None)
    state = f", {status}" if status else ""
    return f"{noun} {name}{state}: recorded only, billing is not plugged in yet ({event.type})"


_sink: BillingSink = RecordOnly()


def set_sink(sink: BillingSink) -> BillingSink:
    """Install ``sink`` for every later event; returns the one it replaces (for tests)."""
    global _sink
    previous, _sink = _sink, sink
    return previous


def sink() -> BillingSink:
    return _sink


def event_of(event: Any) -> BillingEvent:
    """The ``BillingEvent`` of an SDK ``stripe.Event``."""
    account = getattr(event, "account", None)
    created = int(getattr(event, "created", 0) or 0)
    return BillingEvent(
        id=str(event.id),
        type=str(event.type),
        account=str(account) if account else None,
        created=datetime.fromtimestamp(created, UTC),
    )
