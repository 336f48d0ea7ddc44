"""Calendar invites (.ics, RFC 5545) for confirmed stays, experiences and viewings.

One booking is one event with a stable UID, so a calendar updates it in place: a change
sends the same UID with a higher SEQUENCE, a cancellation the same UID with METHOD:CANCEL.
Times carry the listing's time zone (with its VTIMEZONE), so "check-in 15:00" stays 15:00
in Dubai whatever the reader's own zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

PRODUCT = "-//Innkeeper//Bookings//EN"


def invite(data: Mapping[str, Any], *, now: datetime, cancel: bool = False) -> bytes:
    """The .ics for the booking or viewing in ``data`` (a notification's snapshot)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    calendar.add_component(_event(data, now=now, cancel=cancel))
    calendar.add_missing_timezones()
    result: bytes = calendar.to_ical()
    return result


def _event(data: Mapping[str, Any], *, now: datetime, cancel: bool) -> icalendar.Event:
    listing = data["listing"]
    zone = ZoneInfo(listing["time_zone"])
    event = icalendar.Event()
    if "viewing" in data:
        viewing = data["viewing"]
        event.add("uid", f"viewing-{viewing['id']}@innkeeper")
        event.add("summary", f"Viewing: {listing['title']}")
        event.add("dtstart", _local(viewing["starts_at"], zone))
        event.add("dtend", _local(viewing["ends_at"], zone))
        sequence = viewing["sequence"]
    else:
        booking = data["booking"]
        event.add("uid", f"booking-{booking['id']}@innkeeper")
        event.add("summary", f"{listing['title']} ({booking['code']})")
        start, end = _span(booking, listing, zone)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("description", f"Confirmation code {booking['code']}")
        sequence = booking["sequence"]
    event.add("dtstamp", now)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    where = listing.get("meeting_point") or listing.get("address")
    if where:
        event.add("location", where)
    return event


def _span(
    booking: Mapping[str, Any], listing: Mapping[str, Any], zone: ZoneInfo
) -> tuple[date | datetime, date | datetime]:
    """An experience runs for its duration from its start; a stay from check-in time to
    check-out time, or whole days when the listing has no times."""
    start = _local(booking["arrival_at"], zone)
    if booking["kind"] == "experience":
        return start, start + timedelta(minutes=listing.get("duration_minutes") or 60)
    check_out = date.fromisoformat(booking["check_out"])
    if listing.get("check_out_time"):
        leave = time.fromisoformat(listing["check_out_time"])
        return start, datetime.combine(check_out, leave, zone)
    return date.fromisoformat(booking["check_in"]), check_out


def _local(value: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(value).astimezone(zone)
