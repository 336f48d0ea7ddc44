"""Who is told what when a booking or viewing changes: a table from transition to message,
and the snapshot the messages are written from. Called inside the transition's own
transaction, so a message exists exactly when the change it announces does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import MemberRole
from innkeeper.accounts.models import Organization, OrganizationMember, User
from innkeeper.bookings.domain import BookingStatus, Event, ViewingStatus
from innkeeper.bookings.models import Booking, Viewing
from innkeeper.catalog.models import ArrivalGuide, Listing
from innkeeper.db.uow import UnitOfWork
from innkeeper.notifications.service import Recipient, notify, recipient


class Audience(StrEnum):
    GUEST = "guest"
    HOST = "host"  # the organization's owners and managers


_S = BookingStatus
_G, _H = Audience.GUEST, Audience.HOST
# (event, state before or None for any) → messages. Checked in that order: the exact
# source first, then the event alone.
NOTICES: Final[Mapping[tuple[Event, BookingStatus | None], tuple[tuple[str, Audience], ...]]] = {
    (Event.BOOK, None): (("booking.held", _G),),
    (Event.REQUEST, None): (("booking.requested", _G), ("host.request_received", _H)),
    (Event.ACCEPT, None): (("booking.accepted", _G),),
    (Event.DECLINE, None): (("booking.declined", _G),),
    (Event.COUNTER_OFFER, None): (("booking.counter_offered", _G),),
    (Event.ACCEPT_OFFER, None): (("booking.held", _G),),
    (Event.DECLINE_OFFER, None): (("host.offer_declined", _H),),
    (Event.PAYMENT_SUCCEEDED, None): (("booking.confirmed", _G), ("host.booking_confirmed", _H)),
    (Event.MODIFY, _S.CONFIRMED): (("booking.modified", _G),),
    (Event.CANCEL, None): (("booking.cancelled", _G), ("host.booking_cancelled", _H)),
    (Event.EXPIRE, _S.REQUESTED): (("booking.expired", _G), ("host.request_expired", _H)),
    (Event.EXPIRE, None): (("booking.expired", _G),),
}
WAS_CONFIRMED: Final = frozenset({_S.CONFIRMED, _S.CHECKED_IN, _S.PAYMENT_ACTION_REQUIRED})


def messages_for(event: Event, before: BookingStatus | None) -> tuple[tuple[str, Audience], ...]:
    found = NOTICES.get((event, before))
    return found if found is not None else NOTICES.get((event, None), ())


def announce(
    uow: UnitOfWork,
    booking: Booking,
    listing: Listing,
    event: Event,
    before: BookingStatus | None,
    *,
    now: datetime,
) -> None:
    """Record the messages ``event`` sends. The key names the booking, the event and the
    state it left, so a retried transition never tells anyone twice; events that may recur
    (a second offer, a second change) add the quote they produced."""
    messages = messages_for(event, before)
    if not messages:
        return
    data = snapshot(uow.session, booking, listing, before=before)
    base = f"booking:{booking.id}:{event}:{before or 'new'}"
    if event is Event.MODIFY:
        base += f":{booking.quote_id}"
    elif event is Event.COUNTER_OFFER and booking.offer:
        base += f":{booking.offer.get('quote_id')}"
    for template, audience in messages:
        notify(
            uow,
            key=f"{base}:{template}",
            template=template,
            recipients=people(uow.session, booking, audience),
            data=data,
            now=now,
            booking_id=booking.id,
        )


def remind(
    uow: UnitOfWork, booking: Booking, listing: Listing, template: str, *, key: str, now: datetime
) -> int:
    """A reminder about ``booking`` (a deadline, an arrival, a departure), once per key."""
    audience = Audience.HOST if template.startswith("host.") else Audience.GUEST
    data = snapshot(uow.session, booking, listing, before=None, guide=True)
    return notify(
        uow,
        key=key,
        template=template,
        recipients=people(uow.session, booking, audience),
        data=data,
        now=now,
        booking_id=booking.id,
    )


def people(session: Session, booking: Booking, audience: Audience) -> list[Recipient]:
    if audience is Audience.GUEST:
        guest = recipient(
            session,
            booking.guest_user_id,
            name=booking.contact_name,
            email=booking.contact_email,
            phone=booking.contact_phone,
        )
        return [] if guest is None else [guest]
    return host_team(session, booking.organization_id)


def host_team(session: Session, organization_id: uuid.UUID) -> list[Recipient]:
    """The owners and managers: the people who answer requests and own the calendar."""
    users = session.scalars(
        select(User)
        .join(OrganizationMember, OrganizationMember.user_id == User.id)
        .where(
            OrganizationMember.organization_id == organization_id,
            OrganizationMember.role.in_([MemberRole.OWNER, MemberRole.MANAGER]),
            User.is_active.is_(True),
        )
        .order_by(User.created_at, User.id)
    ).all()
    return [
        Recipient(u.id, u.name, u.email, u.phone, locale=u.locale, time_zone=u.time_zone)
        for u in users
    ]


def snapshot(
    session: Session,
    booking: Booking,
    listing: Listing,
    *,
    before: BookingStatus | None,
    guide: bool = False,
) -> dict[str, Any]:
    """Everything the messages show, as JSON, frozen at the moment of the event."""
    organization = session.get(Organization, booking.organization_id)
    data: dict[str, Any] = {
        "booking": _booking(booking),
        "listing": _listing(listing),
        "host": {"name": organization.name if organization else listing.title},
        "guest": {"name": booking.contact_name},
        "was": None if before is None else before.value,
        "was_confirmed": before in WAS_CONFIRMED,
        "lines": booking.lines,
        "difference_minor": 0,
    }
    if booking.offer:
        data["offer"] = {k: v for k, v in booking.offer.items() if k != "quote_id"}
    if guide:
        found = session.get(ArrivalGuide, listing.id)
        data["guide"] = {
            "check_in_instructions": found.check_in_instructions if found else "",
            "check_out_instructions": found.check_out_instructions if found else "",
        }
    return data


def _booking(booking: Booking) -> dict[str, Any]:
    return {
        "id": str(booking.id),
        "code": booking.code,
        "status": booking.status.value,
        "kind": booking.kind.value,
        "check_in": booking.check_in.isoformat(),
        "check_out": booking.check_out.isoformat(),
        "nights": (booking.check_out - booking.check_in).days,
        "guests": booking.guests,
        "units": booking.units,
        "currency": booking.currency,
        "total_minor": booking.guest_total_minor,
        "paid_minor": booking.paid_minor,
        "host_payout_minor": booking.host_payout_minor,
        "refund_minor": booking.refund_due_minor,
        "deadline_at": _iso(booking.deadline_at),
        "arrival_at": _iso(booking.arrival_at),
        "reason": booking.reason,
        "ended_by": None if booking.ended_by is None else booking.ended_by.value,
        "message": booking.message,
        "special_requests": booking.special_requests,
        "sequence": int(booking.updated_at.timestamp()) if booking.updated_at else 0,
    }


def _listing(listing: Listing) -> dict[str, Any]:
    return {
        "title": listing.title,
        "kind": listing.kind.value,
        "address": listing.address,
        "city": listing.city,
        "time_zone": listing.time_zone,
        "check_in_time": _iso(listing.check_in_time),
        "check_out_time": _iso(listing.check_out_time),
        "meeting_point": listing.meeting_point,
        "duration_minutes": listing.duration_minutes,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


VIEWING_NOTICES: Final[Mapping[ViewingStatus, tuple[str, Audience]]] = {
    ViewingStatus.REQUESTED: ("viewing.requested", _H),
    ViewingStatus.CONFIRMED: ("viewing.confirmed", _G),
    ViewingStatus.DECLINED: ("viewing.declined", _G),
}


def announce_viewing(uow: UnitOfWork, viewing: Viewing, *, now: datetime) -> None:
    """Tell the host of a new viewing request, the guest of the host's answer."""
    found = VIEWING_NOTICES.get(viewing.status)
    listing = uow.session.get(Listing, viewing.listing_id)
    if found is None or listing is None:
        return
    template, audience = found
    if audience is Audience.HOST:
        people_ = host_team(uow.session, viewing.organization_id)
    else:
        guest = recipient(
            uow.session,
            viewing.guest_user_id,
            name=viewing.contact_name,
            email=viewing.contact_email,
            phone=viewing.contact_phone,
        )
        people_ = [] if guest is None else [guest]
    organization = uow.session.get(Organization, viewing.organization_id)
    data = {
        "viewing": {
            "id": str(viewing.id),
            "starts_at": viewing.starts_at.isoformat(),
            "ends_at": viewing.ends_at.isoformat(),
            "deadline_at": _iso(viewing.deadline_at),
            "party": viewing.party,
            "message": viewing.message,
            "reason": viewing.reason,
            "sequence": int(now.timestamp()),
        },
        "listing": _listing(listing),
        "host": {"name": organization.name if organization else listing.title},
        "guest": {"name": viewing.contact_name},
    }
    notify(
        uow,
        key=f"viewing:{viewing.id}:{viewing.status}:{template}",
        template=template,
        recipients=people_,
        data=data,
        now=now,
    )
