"""The acceptance scenarios: the same Stripe story told to three separate worlds.

World 1 receives every event once, in order. World 2 receives each event three times in a
random order, two of the copies at the same moment, and runs its handlers from two workers
at once. World 3 loses 30% of its deliveries and is made whole by one reconciler run. All
three must end in the same state, and every side effect (a booking's transitions, ledger
entries, notifications, refunds, disputes) must have happened exactly once.

Everything in the story happens on Stripe's side, as a guest's browser (Stripe.js), the
Stripe Dashboard or Stripe itself would do it, so webhooks are the only way the
marketplace can learn of it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import or_, select

from innkeeper.accounts.models import Organization, User
from innkeeper.audit.models import AuditEntry
from innkeeper.bookings.models import Booking
from innkeeper.notifications.models import Notification
from innkeeper.payments.models import (
    Dispute,
    LedgerEntry,
    LedgerPosting,
    Payment,
    PayoutAccount,
    RefundRow,
)
from innkeeper.services import Services
from innkeeper.webhooks import processing
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import StripeEvent
from innkeeper.webhooks.reconciler import reconcile
from stripe_emulator.server import Emulator
from tests.payments.conftest import authenticate, book_stay, control, host_world, pay
from tests.webhooks.conftest import deliver, drain, failures, stripe_events

RETURN = "https://guest.example.com/back"


def story(client: TestClient, sdk: stripe.StripeClient, emulator: Emulator, world: Any) -> None:
    """Three bookings paid in the browser (a good card; 3-D Secure; a decline then a good
    card), a partial refund from the Dashboard, a dispute lost, the host's account falling
    past due."""
    intents = []
    for check_in, check_out in (("2026-12-10", "2026-12-12"), ("2026-12-14", "2026-12-16"),
                                ("2026-12-18", "2026-12-20")):  # fmt: skip
        booking = book_stay(client, world, check_in, check_out)
        started = pay(client, world, booking, None)
        assert started.status_code == 200, started.text
        intents.append(started.json()["stripe_payment_intent"])
    good, secure, declined = intents
    confirm = sdk.v1.payment_intents.confirm
    confirm(good, {"payment_method": "pm_card_visa"})
    confirm(secure, {"payment_method": "pm_card_threeDSecure2Required", "return_url": RETURN})
    authenticate(emulator, secure)
    with pytest.raises(stripe.CardError):
        confirm(declined, {"payment_method": "pm_card_chargeDeclined"})
    confirm(declined, {"payment_method": "pm_card_visa"})
    sdk.v1.refunds.create({"payment_intent": declined, "amount": 100_00})
    charge = sdk.v1.payment_intents.retrieve(good).latest_charge
    dispute = control(emulator, f"/_emulator/charges/{charge}/dispute", reason="fraudulent")
    control(emulator, f"/_emulator/disputes/{dispute['id']}/resolve", outcome="lost")
    control(emulator, f"/_emulator/accounts/{world['account']}/onboarding", state="past_due")
    emulator.advance(120)  # pending refunds and dispute steps settle on the emulator's clock


def fingerprint(services: Services, prefix: str) -> dict[str, Any]:
    """The world's state with its ids abstracted: bookings by their place in the calendar."""
    with services.uow() as uow:
        s = uow.session
        orgs = list(s.scalars(select(Organization.id).where(Organization.slug == f"{prefix}stays")))
        bookings = s.scalars(
            select(Booking).where(Booking.organization_id.in_(orgs)).order_by(Booking.check_in)
        ).all()
        place = {b.id: n for n, b in enumerate(bookings)}
        people = list(s.scalars(select(User.id).where(User.email.startswith(prefix))))
        payments = s.scalars(select(Payment).where(Payment.booking_id.in_(place))).all()
        entries = s.scalars(
            select(LedgerEntry).where(
                or_(LedgerEntry.booking_id.in_(place), LedgerEntry.organization_id.in_(orgs))
            )
        ).all()
        postings = s.scalars(
            select(LedgerPosting).where(LedgerPosting.entry_id.in_([e.id for e in entries]))
        ).all()
        by_entry: dict[int, list[tuple[str, int]]] = {}
        for p in postings:
            by_entry.setdefault(p.entry_id, []).append((str(p.account), p.amount_minor))
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_([str(b) for b in place]))
        ).all()
        notes = s.scalars(
            select(Notification).where(Notification.recipient_user_id.in_(people))
        ).all()
        accounts = s.scalars(select(PayoutAccount).where(PayoutAccount.organization_id.in_(orgs)))
        return {
            "payee": [
                (
                    a.charges_enabled,
                    a.payouts_enabled,
                    sorted(a.requirements_due),
                    a.disabled_reason,
                )
                for a in accounts
            ],
            "bookings": [(b.status, b.paid_minor, b.refund_due_minor) for b in bookings],
            "payments": sorted(
                (
                    place[p.booking_id],
                    p.kind,
                    p.status,
                    p.amount_minor,
                    p.captured_minor,
                    p.refunded_minor,
                )
                for p in payments
                if p.booking_id is not None
            ),  # fmt: skip
            "ledger": sorted(
                (e.kind, place.get(e.booking_id or e.id, -1), tuple(sorted(by_entry[e.id])))
                for e in entries
            ),
            "refunds": sorted(
                (place.get(r.booking_id or r.id, -1), r.status, r.amount_minor, r.initiated_by)
                for r in s.scalars(select(RefundRow).where(RefundRow.booking_id.in_(place)))
            ),
            "disputes": sorted(
                (
                    place.get(d.booking_id or d.id, -1),
                    d.status,
                    d.amount_minor,
                    d.withdrawn_minor,
                    d.reinstated_minor,
                )
                for d in s.scalars(select(Dispute).where(Dispute.organization_id.in_(orgs)))
            ),  # fmt: skip
            "transitions": Counter(
                (place[uuid_of(a.entity_id)], a.action, a.from_state, a.to_state) for a in audit
            ),
            "notifications": Counter(
                (place.get(n.booking_id or n.id, -1), n.template, str(n.channel)) for n in notes
            ),
        }


def uuid_of(text: str) -> Any:
    import uuid

    return uuid.UUID(text)


def _world(client: TestClient, services: Services, emulator: Emulator, sdk: Any, prefix: str,
           seen: set[str]) -> tuple[Any, list[dict[str, Any]]]:  # fmt: skip
    """Build a world, tell it the story; returns it and the events the story made."""
    world = host_world(client, services, emulator, prefix)
    story(client, sdk, emulator, world)
    events = [e for e in stripe_events(emulator, services) if e["id"] not in seen]
    seen.update(e["id"] for e in events)
    return world, events


def _at_once(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; returns their results."""
    results: list[Any] = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(n: int) -> None:
        gate.wait()
        results[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _deliver(client: TestClient, event: dict[str, Any]) -> int:
    return int(deliver(client, event).status_code)


def _two_workers(services: Services, rng: random.Random) -> None:
    """Two workers take every waiting event, each in its own random order, at once."""
    for _ in range(5):
        with services.uow() as uow:
            waiting = list(
                uow.session.scalars(
                    select(StripeEvent.id).where(
                        StripeEvent.status.in_((EventStatus.RECEIVED, EventStatus.RETRYING))
                    )
                )
            )
        if not waiting:
            return
        orders = [rng.sample(waiting, len(waiting)) for _ in range(2)]
        _at_once(
            [
                lambda order=order: [processing.process(services, i) for i in order]
                for order in orders
            ]
        )


def test_any_order_any_number_of_copies_and_lost_deliveries_end_in_the_same_state(
    client: TestClient, services: Services, emulator: Emulator, sdk: stripe.StripeClient
) -> None:
    rng = random.Random(20261122)
    seen: set[str] = set()

    _, first = _world(client, services, emulator, sdk, "w1-", seen)
    assert len(first) >= 20, [e["type"] for e in first]
    for event in first:  # once, in order, each handled before the next arrives
        assert _deliver(client, event) == 200
        drain(services)
    assert failures(services) == []
    expected = fingerprint(services, "w1-")
    assert [b[0] for b in expected["bookings"]] == ["confirmed"] * 3
    # what the story means, learned only from webhooks:
    assert expected["disputes"] == [(0, "lost", 100_000, 100_000 + 15_00, 0)]  # amount + fee
    assert expected["refunds"] == [(2, "succeeded", 100_00, "stripe")]  # from the Dashboard
    assert [b[1] for b in expected["bookings"]] == [100_000, 100_000, 90_000]
    assert expected["payee"] == [
        (False, False, ["individual.verification.document"], "requirements.past_due")
    ]
    assert expected["notifications"][(0, "payments.dispute_closed", "email")] == 2  # host, admin

    _, second = _world(client, services, emulator, sdk, "w2-", seen)
    units: list[list[dict[str, Any]]] = [[e, e] for e in second] + [[e] for e in second]
    rng.shuffle(units)
    for unit in units:  # each event three times: two copies at once, one on its own
        assert _at_once([lambda e=e: _deliver(client, e) for e in unit]) == [200] * len(unit)
    _two_workers(services, rng)
    assert fingerprint(services, "w2-") == expected
    with services.uow() as uow:
        copies = uow.session.scalars(
            select(StripeEvent.deliveries).where(StripeEvent.id.in_([e["id"] for e in second]))
        ).all()
    assert set(copies) == {3}

    _, third = _world(client, services, emulator, sdk, "w3-", seen)
    kept = rng.sample(third, k=round(len(third) * 0.7))
    for event in kept:
        assert _deliver(client, event) == 200
    drain(services)
    found = reconcile(services)
    assert found.missing >= len(third) - len(kept)
    assert {e["id"] for e in third} - {e["id"] for e in kept} <= set(found.missing_ids)
    drain(services)
    assert fingerprint(services, "w3-") == expected
    with services.uow() as uow:
        stuck = uow.session.scalars(
            select(StripeEvent.id).where(StripeEvent.status != EventStatus.PROCESSED)
        ).all()
    assert stuck == []
