"""What a notification is, who may turn it off, and when it may go: pure rules, no I/O.

Every message the engine sends is one of the ``TEMPLATES`` below. A template names its
category (transactional messages cannot be turned off; reminders and marketing can), the
channels it uses, whether it is urgent (urgent SMS ignore quiet hours: a request that
expires in two hours cannot wait for the morning) and the files it attaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


class Category(StrEnum):
    TRANSACTIONAL = "transactional"  # about something the person did or must do: always sent
    REMINDER = "reminder"
    MARKETING = "marketing"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # recorded; a delivery job is queued
    SENDING = "sending"  # claimed by a worker until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # final: every attempt failed, or the address was refused
    SKIPPED = "skipped"  # the recipient opted out of the category on this channel


class Attachment(StrEnum):
    CALENDAR = "calendar"  # an .ics invite (METHOD:PUBLISH)
    CALENDAR_CANCEL = "calendar_cancel"  # the same event withdrawn (METHOD:CANCEL)
    RECEIPT = "receipt"  # an HTML receipt with every line of the price


OPTIONAL = frozenset({Category.REMINDER, Category.MARKETING})
ALL_CHANNELS = frozenset(Channel)
MESSAGING = frozenset({Channel.EMAIL, Channel.IN_APP})


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    category: Category
    channels: frozenset[Channel]
    urgent: bool = False
    attachments: tuple[Attachment, ...] = ()


def _t(
    name: str,
    category: Category = Category.TRANSACTIONAL,
    channels: frozenset[Channel] = MESSAGING,
    *,
    urgent: bool = False,
    attachments: tuple[Attachment, ...] = (),
) -> Template:
    return Template(name, category, channels, urgent, attachments)


# Each name is a file ``templates/<language>/<name>.j2``; ``host.*`` go to the organization's
# owners and managers, ``payments.*`` to the owners and managers and the platform's admins
# (a failed refund to the admins only), the others to the guest.
TEMPLATES: Mapping[str, Template] = {
    t.name: t
    for t in (
        _t("booking.held"),
        _t("booking.requested"),
        _t(
            "booking.confirmed",
            channels=ALL_CHANNELS,
            attachments=(Attachment.CALENDAR, Attachment.RECEIPT),
        ),
        _t("booking.accepted", channels=ALL_CHANNELS),
        _t("booking.declined"),
        _t("booking.counter_offered", channels=ALL_CHANNELS),
        _t("booking.cancelled", channels=ALL_CHANNELS, attachments=(Attachment.CALENDAR_CANCEL,)),
        _t("booking.expired"),
        _t("booking.expiring", channels=ALL_CHANNELS, urgent=True),
        _t("booking.modified", attachments=(Attachment.CALENDAR,)),
        _t("booking.check_in_reminder", Category.REMINDER, ALL_CHANNELS),
        _t("booking.check_out_instructions", Category.REMINDER),
        _t("booking.payment_action_required", channels=ALL_CHANNELS, urgent=True),
        _t("booking.balance_reminder", Category.REMINDER),
        _t("host.request_received", channels=ALL_CHANNELS),
        _t("host.request_expiring", channels=ALL_CHANNELS, urgent=True),
        _t("host.request_expired"),
        _t("host.booking_confirmed"),
        _t("host.booking_cancelled"),
        _t("host.offer_declined"),
        _t("viewing.requested", channels=ALL_CHANNELS),
        _t("viewing.confirmed", channels=ALL_CHANNELS, attachments=(Attachment.CALENDAR,)),
        _t("viewing.declined"),
        _t("payments.dispute_opened"),
        _t("payments.dispute_closed"),
        _t("payments.fraud_warning"),
        _t("payments.refund_failed"),
    )
}


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times between which non-urgent SMS wait; ``start > end`` spans midnight."""

    start: time
    end: time


DEFAULT_QUIET_HOURS = QuietHours(time(22, 0), time(8, 0))


@dataclass(frozen=True, slots=True)
class Preferences:
    """A person's choices. ``opted_out`` holds (channel, category) pairs; marketing is off
    until asked for (``opted_in``), everything else on until turned off."""

    opted_out: frozenset[tuple[Channel, Category]] = frozenset()
    opted_in: frozenset[tuple[Channel, Category]] = frozenset()
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS


def wanted(prefs: Preferences, channel: Channel, category: Category) -> bool:
    """Whether ``category`` goes out on ``channel``: transactional always does."""
    if category is Category.TRANSACTIONAL:
        return True
    if category is Category.MARKETING:
        return (channel, category) in prefs.opted_in
    return (channel, category) not in prefs.opted_out


def not_before(
    now: datetime, quiet: QuietHours | None, time_zone: str, *, channel: Channel, urgent: bool
) -> datetime:
    """When a message may go: now, or the end of the recipient's quiet hours for an SMS
    that can wait. Computed on the recipient's wall clock, so it follows daylight saving."""
    if channel is not Channel.SMS or urgent or quiet is None or quiet.start == quiet.end:
        return now
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside = quiet.start <= clock < quiet.end
    else:
        inside = clock >= quiet.start or clock < quiet.end
    if not inside:
        return now
    day = local.date() if clock < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(day, quiet.end, zone).astimezone(UTC)


def backoff(attempt: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): doubling from ``base`` to ``cap``."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    wait: timedelta = base * (2 ** (attempt - 1))
    return min(wait, cap)


def delivery_key(key: str, channel: Channel, recipient: str) -> str:
    """The unique key of one message: the caller's key, the channel and the recipient, so
    one event reaches each person once per channel however often it is reported."""
    return f"{key}/{channel}/{recipient}"
