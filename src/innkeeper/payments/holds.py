"""Security-deposit holds: an authorization on the guest's saved card, placed shortly
before arrival, captured in part or in full against a host's damage claim, or released
after check-out.

A hold is a manual-capture PaymentIntent (kind ``security_hold``), a destination charge
whose whole amount is the host's: a damage claim compensates the host, so the platform
takes no fee from it. A card authorization lapses after about a week (sooner for some
merchant-initiated ones), so a stay that outlasts ``security_hold_window_days`` gets a
fresh hold before the old one lapses: the new one is placed first, then the old one is
cancelled, and the guest is never left unsecured.

Stripe is called between short transactions; every write has its own ``purpose``, so a
retried job or a double click places, captures or releases nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from innkeeper.accounts.domain import Actor, Permission
from innkeeper.bookings.domain import BookingStatus
from innkeeper.bookings.models import Booking
from innkeeper.bookings.roles import roles_of
from innkeeper.catalog.models import Listing
from innkeeper.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from innkeeper.payments import checkout, customers, operations, outcome
from innkeeper.payments.domain import PaymentKind, PaymentStatus
from innkeeper.payments.models import Payment
from innkeeper.payments.operations import Call
from innkeeper.payments.payees import ready_payee
from innkeeper.services import Services

_log = logging.getLogger(__name__)
HOLDING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
LIVE = (PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED)
AUTHORIZATION = timedelta(days=7)  # a card authorization's usual life, when Stripe says nothing


class NoHold(Conflict):
    code = "no_security_hold"


# --- the periodic job ------------------------------------------------------------------


def run_due(svc: Services) -> dict[str, int]:
    """Place the holds that are due, renew those about to lapse, release those whose stay
    is over. Each hold is handled on its own: one failure never stops the rest."""
    return {
        "placed": sum(place(svc, b) for b in _bookings_needing_a_hold(svc)),
        "renewed": sum(renew(svc, p) for p in _holds_to_renew(svc)),
        "released": sum(release(svc, p, reason="the stay is over") for p in _holds_to_release(svc)),
    }


def place(svc: Services, booking_id: uuid.UUID) -> bool:
    """Place a booking's hold (once: the booking row is locked while its row is made)."""
    payment_id = _new_hold(svc, booking_id, replacing=None)
    return payment_id is not None and _authorize(svc, payment_id)


def renew(svc: Services, payment_id: uuid.UUID) -> bool:
    """Re-authorize: a new hold first, then the old one let go."""
    old = checkout.load(svc, payment_id)
    assert old.booking_id is not None
    new_id = _new_hold(svc, old.booking_id, replacing=old.id)
    if new_id is None or not _authorize(svc, new_id):
        return False
    release(svc, payment_id, reason="re-authorized: a new hold replaces it")
    return True


def release(svc: Services, payment_id: uuid.UUID, *, reason: str) -> bool:
    """Cancel the authorization: the guest's card is no longer held."""
    payment = checkout.load(svc, payment_id)
    if payment.released_at is not None or payment.status not in LIVE:
        return False
    if payment.stripe_intent_id is not None:
        intent_id = payment.stripe_intent_id
        intent = operations.run(
            svc,
            Call("cancel_payment_intent", {}, purpose=f"hold:{payment.id}:release",
                 payment_id=payment.id, booking_id=payment.booking_id),
            lambda p, o: svc.stripe.v1.payment_intents.cancel(intent_id, p, o),
            fetch=lambda found: svc.stripe.v1.payment_intents.retrieve(found),
        )  # fmt: skip
        outcome.apply_intent(svc, intent)
    with svc.uow() as uow:
        row = uow.session.get(Payment, payment_id, with_for_update=True)
        assert row is not None
        row.status, row.released_at = PaymentStatus.CANCELED, svc.clock.now()
        row.reason = row.reason or reason
        row.updated_at = svc.clock.now()
        uow.commit()
    return True


# --- the host's claim ------------------------------------------------------------------


def capture(
    svc: Services, actor: Actor | None, booking_id: uuid.UUID, amount_minor: int, reason: str
) -> Payment:
    """Take part or all of the hold for damage, with the host's reason; the rest of the
    authorization is released by Stripe. The host gets all of it (no platform fee)."""
    hold = _current_hold(svc, _host_side(svc, actor, booking_id))
    if hold.status is not PaymentStatus.AUTHORIZED or hold.stripe_intent_id is None:
        raise NoHold("the security deposit is not authorized on the guest's card")
    if not 0 < amount_minor <= hold.amount_minor:
        raise InvalidInput.for_field(
            "amount_minor", f"must be between 1 and the hold's {hold.amount_minor}"
        )
    _note(svc, hold.id, reason)
    intent_id = hold.stripe_intent_id
    intent = operations.run(
        svc,
        Call("capture_payment_intent", {"amount_to_capture": amount_minor},
             purpose=f"hold:{hold.id}:capture", payment_id=hold.id, booking_id=booking_id),
        lambda p, o: svc.stripe.v1.payment_intents.capture(intent_id, p, o),
        fetch=lambda found: svc.stripe.v1.payment_intents.retrieve(found),
    )  # fmt: skip
    outcome.apply_intent(svc, intent)
    with svc.uow() as uow:
        row = uow.session.get(Payment, hold.id, with_for_update=True)
        assert row is not None
        if row.released_at is None:
            row.released_at = svc.clock.now()  # whatever was not captured is let go
        uow.commit()
    return checkout.load(svc, hold.id)


def release_now(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> Payment:
    """The host lets the guest's card go before the job would."""
    hold = _current_hold(svc, _host_side(svc, actor, booking_id))
    if not release(svc, hold.id, reason="released by the host"):
        raise NoHold("the security deposit is not held any more")
    return checkout.load(svc, hold.id)


def holds_of(svc: Services, booking_id: uuid.UUID) -> list[Payment]:
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Payment)
                .where(Payment.booking_id == booking_id, Payment.kind == PaymentKind.SECURITY_HOLD)
                .order_by(Payment.created_at)
            )
        )


# --- steps -----------------------------------------------------------------------------


def _new_hold(
    svc: Services, booking_id: uuid.UUID, *, replacing: uuid.UUID | None
) -> uuid.UUID | None:
    """The hold's row, made under the booking's lock unless a live one exists already
    (other than the one it replaces). None when there is nothing to place."""
    now = svc.clock.now()
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id, with_for_update=True)
        if booking is None or booking.status not in HOLDING or booking.security_deposit_minor <= 0:
            return None
        live = _live_holds(uow.session, booking_id)
        fresh = [p for p in live if p.id != replacing]
        if fresh:  # placed by an earlier run that stopped half way: finish that one
            return fresh[0].id
        payee = ready_payee(
            uow.session, organization_id=booking.organization_id, listing_id=booking.listing_id
        )
        amount = booking.security_deposit_minor
        hold = Payment(
            booking_id=booking.id,
            organization_id=booking.organization_id,
            payer_user_id=booking.guest_user_id,
            kind=PaymentKind.SECURITY_HOLD,
            status=PaymentStatus.CREATED,
            currency=booking.currency,
            amount_minor=amount,
            host_share_minor=amount,
            platform_share_minor=0,
            expert_share_minor=0,
            destination=payee.stripe_account_id,
            off_session=True,
            capture_manual=True,
            payment_method=saved_card_of(uow.session, booking_id),
            description=f"Security deposit for booking {booking.code}",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(hold)
        uow.commit()
        return hold.id


def _authorize(svc: Services, payment_id: uuid.UUID) -> bool:
    """Authorize the hold off-session on the saved card; record until when it lasts."""
    hold = checkout.load(svc, payment_id)
    method = hold.payment_method or customers.default_card(svc, hold.payer_user_id)
    if method is None:
        _log.warning("no saved card for a security hold", extra={"payment": str(payment_id)})
        return False
    try:
        intent = checkout.ensure_intent(svc, payment_id)
        if intent.status in ("requires_payment_method", "requires_confirmation"):
            intent = checkout.confirm(svc, payment_id, intent.id, method, None, off_session=True)
        else:
            outcome.apply_intent(svc, intent)
    except DomainError as failure:  # a decline, a card that cannot be reused, Stripe away
        _log.warning("security hold not placed: %s", failure, extra={"payment": str(payment_id)})
        return False
    if intent.status != "requires_capture":
        return False
    lasts = _authorization_life(svc, intent)
    with svc.uow() as uow:
        row = uow.session.get(Payment, payment_id, with_for_update=True)
        assert row is not None
        row.authorized_until = svc.clock.now() + lasts
        uow.commit()
    return True


def _authorization_life(svc: Services, intent: Any) -> timedelta:
    """How long the card's authorization lasts, from Stripe's ``capture_before`` (as a
    length, so that our clock and Stripe's need not agree)."""
    try:
        charge = svc.stripe.v1.charges.retrieve(str(intent.latest_charge))
        card = charge.payment_method_details.card
        before = int(card.capture_before)
        return timedelta(seconds=before - int(charge.created))
    except (AttributeError, TypeError, ValueError):
        return AUTHORIZATION


def _note(svc: Services, payment_id: uuid.UUID, reason: str) -> None:
    with svc.uow() as uow:
        row = uow.session.get(Payment, payment_id, with_for_update=True)
        assert row is not None
        row.reason, row.updated_at = reason, svc.clock.now()
        uow.commit()


def _host_side(svc: Services, actor: Actor | None, booking_id: uuid.UUID) -> uuid.UUID:
    """Only the host's managers (and admins) claim or release a deposit."""
    with svc.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    roles_of(
        actor,
        guest_user_id=booking.guest_user_id,
        expert_user_id=booking.expert_user_id,
        organization_id=booking.organization_id,
        entity=f"booking {booking_id}",
    )
    assert actor is not None
    if not actor.may(booking.organization_id, Permission.MANAGE_BOOKINGS):
        raise Forbidden("only the host's managers or an admin handle the security deposit")
    return booking.id


def _current_hold(svc: Services, booking_id: uuid.UUID) -> Payment:
    with svc.uow() as uow:
        live = _live_holds(uow.session, booking_id)
    if not live:
        raise NoHold("this booking has no security deposit held")
    return live[-1]


def _live_holds(session: Any, booking_id: uuid.UUID) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .where(
                Payment.booking_id == booking_id,
                Payment.kind == PaymentKind.SECURITY_HOLD,
                Payment.status.in_(list(LIVE)),
                Payment.released_at.is_(None),
            )
            .order_by(Payment.created_at)
        )
    )


def saved_card_of(session: Any, booking_id: uuid.UUID) -> str | None:
    """The card the guest paid this booking with (saved for off-session use)."""
    found: str | None = session.scalar(
        select(Payment.payment_method)
        .where(
            Payment.booking_id == booking_id,
            Payment.kind == PaymentKind.BOOKING,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.payment_method.is_not(None),
        )
        .order_by(Payment.succeeded_at.desc())
        .limit(1)
    )
    return found


# --- what is due -----------------------------------------------------------------------


def _bookings_needing_a_hold(svc: Services) -> list[uuid.UUID]:
    """Confirmed bookings with a security deposit, arriving within
    ``security_hold_days_before`` days, that have never had a hold."""
    now = svc.clock.now()
    soon = now + timedelta(days=svc.settings.security_hold_days_before)
    any_hold = select(Payment.id).where(
        Payment.booking_id == Booking.id, Payment.kind == PaymentKind.SECURITY_HOLD
    )
    with svc.uow() as uow:
        return list(
            uow.session.scalars(
                select(Booking.id).where(
                    Booking.status.in_(list(HOLDING)),
                    Booking.security_deposit_minor > 0,
                    Booking.arrival_at <= soon,
                    ~any_hold.exists(),
                )
            )
        )


def _holds_to_renew(svc: Services) -> list[uuid.UUID]:
    """Authorized holds that lapse within the margin the window leaves, whose stay (plus
    the release delay) goes on past them."""
    now = svc.clock.now()
    margin = timedelta(days=7 - svc.settings.security_hold_window_days)
    return [
        hold.id
        for hold, release_at in _authorized(svc)
        if hold.authorized_until is not None
        and hold.authorized_until - margin <= now < release_at
        and release_at > hold.authorized_until
    ]


def _holds_to_release(svc: Services) -> list[uuid.UUID]:
    now = svc.clock.now()
    return [hold.id for hold, release_at in _authorized(svc) if release_at <= now]


def _authorized(svc: Services) -> list[tuple[Payment, datetime]]:
    """Every held authorization, with when it should be let go: ``security_hold_release_days``
    after check-out (local noon), or at once when the booking ended otherwise."""
    days = timedelta(days=svc.settings.security_hold_release_days)
    with svc.uow() as uow:
        rows = uow.session.execute(
            select(Payment, Booking, Listing)
            .join(Booking, Booking.id == Payment.booking_id)
            .join(Listing, Listing.id == Booking.listing_id)
            .where(
                Payment.kind == PaymentKind.SECURITY_HOLD,
                Payment.status == PaymentStatus.AUTHORIZED,
                Payment.released_at.is_(None),
            )
        ).all()
    found = []
    for hold, booking, listing in rows:
        if booking.status in (*HOLDING, BookingStatus.COMPLETED):
            found.append((hold, _departure(booking, listing) + days))
        else:
            found.append((hold, svc.clock.now()))
    return found


def _departure(booking: Booking, listing: Listing) -> datetime:
    from datetime import UTC, time
    from zoneinfo import ZoneInfo

    leaves = listing.check_out_time or time(12)
    return datetime.combine(booking.check_out, leaves, ZoneInfo(listing.time_zone)).astimezone(UTC)
