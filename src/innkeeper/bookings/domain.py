"""The booking state machine as data: one table says which event moves a booking from which
state to which, who may fire it, and what it sets in motion. Pure: no database, no clock.

Services never test states themselves; they ask ``decide`` and carry out the transition's
effects. The exhaustive test walks every state x event x role against this table, and
``docs/bookings.md`` renders it as a diagram (``python -m innkeeper.bookings.diagram``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from innkeeper.core.errors import Conflict, Forbidden


class BookingStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the host (request to book)
    COUNTER_OFFERED = "counter_offered"  # waiting for the guest to take the host's offer
    PENDING_PAYMENT = "pending_payment"  # a hold: inventory taken, waiting for payment
    PAYMENT_ACTION_REQUIRED = "payment_action_required"  # 3-D Secure or a failed charge
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Event(StrEnum):
    BOOK = "book"  # instant booking: a hold from a quote
    REQUEST = "request"  # request to book
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER_OFFER = "counter_offer"
    ACCEPT_OFFER = "accept_offer"
    DECLINE_OFFER = "decline_offer"
    PAYMENT_SUCCEEDED = "payment_succeeded"  # payments (or an admin, until they exist)
    PAYMENT_ACTION_NEEDED = "payment_action_needed"
    LATE_PAYMENT = "late_payment"  # paid after the hold expired: re-acquire if still free
    WAIVE_PAYMENT = "waive_payment"  # a failed balance kept by policy (or an admin)
    MODIFY = "modify"
    CANCEL = "cancel"
    EXPIRE = "expire"  # a deadline passed
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    NO_SHOW = "no_show"
    COMPLETE = "complete"  # the stay or session is over without a check-out


class Role(StrEnum):
    """Who fires an event, relative to the booking: its guest, a member of the host
    organization, a platform admin, the local expert who booked it, or the engine itself."""

    GUEST = "guest"
    HOST = "host"
    ADMIN = "admin"
    EXPERT = "expert"
    SYSTEM = "system"


class Effect(StrEnum):
    """What a transition sets in motion, carried out by the service in the same transaction."""

    ALLOCATE = "allocate"  # take the inventory (units, places), or refuse with 409
    REALLOCATE = "reallocate"  # swap the allocation for the new dates; the old stays on failure
    RELEASE = "release"  # give the inventory back
    DECLINE_CONFLICTS = "decline_conflicts"  # requests the new allocation makes impossible
    REFUND_BY_POLICY = "refund_by_policy"  # the policy for the guest; in full for anyone else
    RECORD_DIFFERENCE = "record_difference"  # a booking_change row (written by changes.modify)
    MARK_PAID = "mark_paid"


class Deadline(StrEnum):
    """Why a waiting state ends on its own; the duration comes from settings or the listing."""

    HOLD = "hold"  # an instant booking's unpaid hold (15 minutes by default)
    PAYMENT_AFTER_ACCEPT = "payment_after_accept"  # the guest pays an accepted request
    HOST_RESPONSE = "host_response"  # the host answers a request (24 hours by default)
    OFFER_RESPONSE = "offer_response"  # the guest answers a counter-offer
    PAYMENT_GRACE = "payment_grace"  # the guest completes 3-D Secure or a new card


BLOCKING: Final = frozenset(
    {
        BookingStatus.PENDING_PAYMENT,
        BookingStatus.PAYMENT_ACTION_REQUIRED,
        BookingStatus.CONFIRMED,
        BookingStatus.CHECKED_IN,
        BookingStatus.COMPLETED,
    }
)  # states that hold inventory; a booking in any other state holds none
TERMINAL: Final = frozenset(
    {
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
        BookingStatus.DECLINED,
        BookingStatus.EXPIRED,
        BookingStatus.CANCELLED,
    }
)
WAITING: Final[Mapping[BookingStatus, Deadline]] = {
    BookingStatus.REQUESTED: Deadline.HOST_RESPONSE,
    BookingStatus.COUNTER_OFFERED: Deadline.OFFER_RESPONSE,
    BookingStatus.PENDING_PAYMENT: Deadline.HOLD,
    BookingStatus.PAYMENT_ACTION_REQUIRED: Deadline.PAYMENT_GRACE,
}  # every state that waits for someone ends by itself at its deadline


@dataclass(frozen=True, slots=True)
class Transition:
    source: BookingStatus | None  # None: the booking is being created
    event: Event
    target: BookingStatus
    roles: frozenset[Role]
    effects: tuple[Effect, ...] = ()
    deadline: Deadline | None = None  # the new state's deadline, when it waits


_S = BookingStatus
_E = Event
GUEST: Final = frozenset({Role.GUEST})
BOOKERS: Final = frozenset({Role.GUEST, Role.EXPERT, Role.ADMIN})
HOST: Final = frozenset({Role.HOST, Role.ADMIN})
PEOPLE: Final = frozenset({Role.GUEST, Role.HOST, Role.ADMIN, Role.EXPERT})
SYSTEM: Final = frozenset({Role.SYSTEM})
PAYMENTS: Final = frozenset({Role.SYSTEM, Role.ADMIN})
ANYONE: Final = PEOPLE | SYSTEM
_A, _RA, _RL = Effect.ALLOCATE, Effect.REALLOCATE, Effect.RELEASE
_REFUND = (Effect.RELEASE, Effect.REFUND_BY_POLICY)

TRANSITIONS: Final[tuple[Transition, ...]] = (
    Transition(None, _E.BOOK, _S.PENDING_PAYMENT, BOOKERS, (_A,), Deadline.HOLD),
    Transition(None, _E.REQUEST, _S.REQUESTED, BOOKERS, (), Deadline.HOST_RESPONSE),
    # request to book
    Transition(
        _S.REQUESTED,
        _E.ACCEPT,
        _S.PENDING_PAYMENT,
        HOST,
        (_A, Effect.DECLINE_CONFLICTS),
        Deadline.PAYMENT_AFTER_ACCEPT,
    ),
    Transition(_S.REQUESTED, _E.DECLINE, _S.DECLINED, HOST | SYSTEM),
    Transition(
        _S.REQUESTED, _E.COUNTER_OFFER, _S.COUNTER_OFFERED, HOST, (), Deadline.OFFER_RESPONSE
    ),
    Transition(_S.REQUESTED, _E.CANCEL, _S.CANCELLED, BOOKERS),
    Transition(_S.REQUESTED, _E.EXPIRE, _S.EXPIRED, SYSTEM),
    Transition(
        _S.COUNTER_OFFERED,
        _E.ACCEPT_OFFER,
        _S.PENDING_PAYMENT,
        BOOKERS,
        (_A, Effect.DECLINE_CONFLICTS),
        Deadline.PAYMENT_AFTER_ACCEPT,
    ),
    Transition(_S.COUNTER_OFFERED, _E.DECLINE_OFFER, _S.DECLINED, BOOKERS),
    Transition(_S.COUNTER_OFFERED, _E.CANCEL, _S.CANCELLED, PEOPLE),
    Transition(_S.COUNTER_OFFERED, _E.EXPIRE, _S.EXPIRED, SYSTEM),
    # holds and payment
    Transition(
        _S.PENDING_PAYMENT, _E.PAYMENT_SUCCEEDED, _S.CONFIRMED, PAYMENTS, (Effect.MARK_PAID,)
    ),
    Transition(
        _S.PENDING_PAYMENT,
        _E.PAYMENT_ACTION_NEEDED,
        _S.PAYMENT_ACTION_REQUIRED,
        SYSTEM,
        (),
        Deadline.PAYMENT_GRACE,
    ),
    Transition(_S.PENDING_PAYMENT, _E.MODIFY, _S.PENDING_PAYMENT, PEOPLE, (_RA,), Deadline.HOLD),
    Transition(_S.PENDING_PAYMENT, _E.CANCEL, _S.CANCELLED, ANYONE, (_RL,)),
    Transition(_S.PENDING_PAYMENT, _E.EXPIRE, _S.EXPIRED, SYSTEM, (_RL,)),
    Transition(
        _S.PAYMENT_ACTION_REQUIRED,
        _E.PAYMENT_SUCCEEDED,
        _S.CONFIRMED,
        PAYMENTS,
        (Effect.MARK_PAID,),
    ),
    Transition(_S.PAYMENT_ACTION_REQUIRED, _E.WAIVE_PAYMENT, _S.CONFIRMED, PAYMENTS),
    Transition(_S.PAYMENT_ACTION_REQUIRED, _E.CANCEL, _S.CANCELLED, ANYONE, _REFUND),
    Transition(_S.PAYMENT_ACTION_REQUIRED, _E.EXPIRE, _S.EXPIRED, SYSTEM, _REFUND),
    # a payment that lands after its hold expired takes the inventory back if it is free
    # (otherwise payments refund it): the only way out of a terminal state
    Transition(_S.EXPIRED, _E.LATE_PAYMENT, _S.CONFIRMED, SYSTEM, (_A, Effect.MARK_PAID)),
    # confirmed bookings
    Transition(
        _S.CONFIRMED,
        _E.PAYMENT_ACTION_NEEDED,
        _S.PAYMENT_ACTION_REQUIRED,
        SYSTEM,
        (),
        Deadline.PAYMENT_GRACE,
    ),
    Transition(_S.CONFIRMED, _E.MODIFY, _S.CONFIRMED, PEOPLE, (_RA, Effect.RECORD_DIFFERENCE)),
    Transition(_S.CONFIRMED, _E.CANCEL, _S.CANCELLED, ANYONE, _REFUND),
    Transition(_S.CONFIRMED, _E.CHECK_IN, _S.CHECKED_IN, HOST),
    Transition(_S.CONFIRMED, _E.NO_SHOW, _S.NO_SHOW, HOST, (_RL,)),
    Transition(_S.CONFIRMED, _E.COMPLETE, _S.COMPLETED, SYSTEM | HOST),
    Transition(_S.CHECKED_IN, _E.CHECK_OUT, _S.COMPLETED, HOST),
    Transition(_S.CHECKED_IN, _E.COMPLETE, _S.COMPLETED, SYSTEM | HOST),
)
TABLE: Final[Mapping[tuple[BookingStatus | None, Event], Transition]] = {
    (t.source, t.event): t for t in TRANSITIONS
}


class IllegalTransition(Conflict):
    """The event does not apply to the booking's current state (it moved on, or never could)."""

    code = "illegal_transition"


def transition_for(state: BookingStatus | None, event: Event) -> Transition:
    """The transition ``event`` fires from ``state``, whoever asks, or why there is none."""
    transition = TABLE.get((state, event))
    if transition is None:
        where = "a new booking" if state is None else f"a booking that is {state}"
        raise IllegalTransition(f"cannot {event.replace('_', ' ')} {where}")
    return transition


def decide(state: BookingStatus | None, event: Event, role: Role) -> Transition:
    """The transition ``event`` fires from ``state`` for ``role``, or why it cannot."""
    transition = transition_for(state, event)
    if role not in transition.roles:
        raise Forbidden(f"the {role} may not {event.replace('_', ' ')} this booking")
    return transition


def refund_in_full(transition: Transition, role: Role) -> bool:
    """A cancellation by anyone but the guest (or the expert acting for them) refunds in full:
    the guest did nothing wrong."""
    return Effect.REFUND_BY_POLICY in transition.effects and role not in (Role.GUEST, Role.EXPERT)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """How long each waiting state lasts. Defaults here; settings and listings override."""

    hold: timedelta = timedelta(minutes=15)
    payment_after_accept: timedelta = timedelta(hours=24)
    host_response: timedelta = timedelta(hours=24)
    offer_response: timedelta = timedelta(hours=48)
    payment_grace: timedelta = timedelta(hours=24)

    def of(self, deadline: Deadline) -> timedelta:
        return {
            Deadline.HOLD: self.hold,
            Deadline.PAYMENT_AFTER_ACCEPT: self.payment_after_accept,
            Deadline.HOST_RESPONSE: self.host_response,
            Deadline.OFFER_RESPONSE: self.offer_response,
            Deadline.PAYMENT_GRACE: self.payment_grace,
        }[deadline]


class BookingSource(StrEnum):
    WEB = "web"
    API = "api"
    CONCIERGE = "concierge"
    EXPERT = "expert"
    IMPORT = "import"


# Confirmation codes: Crockford's base32 without the letters people misread (I, L, O, U).
CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 10  # 32**10 ~ 1.1e15: unguessable at any booking volume


def confirmation_code() -> str:
    """An unguessable code a guest can read over the phone, like ``HM7Q-4KX2-9D``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class ViewingStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ViewingEvent(StrEnum):
    CONFIRM = "confirm"
    DECLINE = "decline"
    CANCEL = "cancel"
    EXPIRE = "expire"


VIEWING_TRANSITIONS: Final[
    Mapping[tuple[ViewingStatus, ViewingEvent], tuple[ViewingStatus, frozenset[Role]]]
] = {
    (ViewingStatus.REQUESTED, ViewingEvent.CONFIRM): (ViewingStatus.CONFIRMED, HOST),
    (ViewingStatus.REQUESTED, ViewingEvent.DECLINE): (ViewingStatus.DECLINED, HOST),
    (ViewingStatus.REQUESTED, ViewingEvent.CANCEL): (ViewingStatus.CANCELLED, PEOPLE),
    (ViewingStatus.REQUESTED, ViewingEvent.EXPIRE): (ViewingStatus.EXPIRED, SYSTEM),
    (ViewingStatus.CONFIRMED, ViewingEvent.CANCEL): (ViewingStatus.CANCELLED, PEOPLE),
}


def decide_viewing(state: ViewingStatus, event: ViewingEvent, role: Role) -> ViewingStatus:
    found = VIEWING_TRANSITIONS.get((state, event))
    if found is None:
        raise IllegalTransition(f"cannot {event} a viewing that is {state}")
    target, roles = found
    if role not in roles:
        raise Forbidden(f"the {role} may not {event} this viewing")
    return target
