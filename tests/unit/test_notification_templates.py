"""Every template renders in every language, with money and dates in the reader's locale,
right-to-left for Arabic, and calendar invites that calendar software can read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from innkeeper.notifications import calendar
from innkeeper.notifications.domain import TEMPLATES
from innkeeper.notifications.rendering import (
    LANGUAGES,
    language_of,
    render,
    render_document,
    render_sms,
)
from tests.mail import booking_data, sample_for, viewing_data

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
VARIANTS = [
    {},
    {"kind": "experience", "ended_by": "host", "refund_minor": 0, "status": "counter_offered"},
    {"ended_by": "system", "paid_minor": 0, "refund_minor": 0, "reason": None, "deadline_at": None},
]


@pytest.mark.parametrize("locale", ["en", "ar", "ar_AE", "en_GB", "fr"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_every_channel(name: str, locale: str) -> None:
    variants = (
        [sample_for(name)] if name.startswith("viewing.") else [booking_data(**v) for v in VARIANTS]
    )
    for data in variants:
        if (
            name
            in (
                "booking.held",
                "booking.requested",
                "host.request_received",
                "booking.expiring",
                "host.request_expiring",
                "booking.counter_offered",
            )
            and data["booking"]["deadline_at"] is None
        ):
            continue  # these are only sent while something waits, which always has a deadline
        data["recipient"] = {"name": "Layla"}
        made = render(name, locale=locale, time_zone="Europe/London", data=data)
        assert made.subject
        assert "\n" not in made.subject
        assert made.title
        assert "Layla" in made.text
        assert made.html is not None
        assert made.html.startswith("<!doctype html>")
        sms = render_sms(name, locale=locale, time_zone="Europe/London", data=data)
        assert sms.startswith("Innkeeper:")
        assert len(sms) <= 320


def test_english_email_says_what_happened_with_money_and_dates() -> None:
    data = booking_data(refund_minor=61725)
    data["recipient"] = {"name": "Layla"}
    made = render("booking.cancelled", locale="en", time_zone="UTC", data=data)
    assert "HM7Q-4KX2-9D" in made.subject
    assert "You will be refunded AED617.25" in made.text
    assert "Thu, Dec 3, 2026 – Sun, Dec 6, 2026 (3 nights)" in made.text
    assert '<html lang="en" dir="ltr">' in (made.html or "")


def test_arabic_is_right_to_left_with_arabic_money_and_dates() -> None:
    data = booking_data()
    data["recipient"] = {"name": "ليلى"}
    made = render("booking.confirmed", locale="ar", time_zone="UTC", data=data)
    assert '<html lang="ar" dir="rtl">' in (made.html or "")
    assert "د.إ." in made.text  # dirham in Arabic
    assert "ديسمبر" in made.text  # December in Arabic


def test_times_are_shown_on_the_listings_clock() -> None:
    """Arrival at 11:00 UTC is 15:00 in Dubai, whatever zone the reader lives in."""
    data = booking_data()
    data["recipient"] = {"name": "Layla"}
    made = render(
        "booking.check_in_reminder", locale="en_GB", time_zone="America/New_York", data=data
    )
    assert "15:00" in made.text


def test_html_escapes_what_people_typed() -> None:
    data = booking_data(message="<script>alert(1)</script>")
    data["recipient"] = {"name": "Host"}
    made = render("host.request_received", locale="en", time_zone="UTC", data=data)
    assert "<script>" not in (made.html or "")
    assert "&lt;script&gt;" in (made.html or "")
    assert "<script>alert(1)</script>" in made.text  # plain text is shown as typed


def test_unknown_locales_fall_back_to_english() -> None:
    assert language_of("fr_FR") == "en"
    assert language_of("ar-AE") == "ar"
    assert LANGUAGES[0] == "en"


def test_the_receipt_lists_every_line_and_the_total() -> None:
    data = booking_data(paid_minor=30000)
    data.update(recipient={"name": "Layla"}, issued_at=NOW.isoformat())
    receipt = render_document("receipt", locale="en", time_zone="UTC", data=data)
    for text in ("3 nights", "Cleaning", "AED1,050.00", "AED1,234.50", "Still due", "AED934.50"):
        assert text in receipt


def _events(ics: bytes) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(ics)
    return list(parsed.walk("VEVENT"))


def test_a_stay_invite_runs_from_check_in_to_check_out_time_in_the_listings_zone() -> None:
    ics = calendar.invite(booking_data(), now=NOW)
    parsed = icalendar.Calendar.from_ical(ics)
    assert parsed["method"] == "PUBLISH"
    (event,) = _events(ics)
    assert event["uid"] == "booking-6f1c2a5e-0b7d-4c1e-9a53-2f5b7c1d9e01@innkeeper"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start.hour, str(start.tzinfo)) == (15, "Asia/Dubai")
    assert (end.date(), end.hour) == (date(2026, 12, 6), 11)
    assert event["location"] == "12 Marina Walk, Dubai"
    assert list(parsed.walk("VTIMEZONE"))  # readers without the zone database still agree


def test_a_cancellation_withdraws_the_same_event() -> None:
    ics = calendar.invite(booking_data(), now=NOW, cancel=True)
    assert icalendar.Calendar.from_ical(ics)["method"] == "CANCEL"
    (event,) = _events(ics)
    assert event["status"] == "CANCELLED"
    assert event["uid"].startswith("booking-6f1c2a5e")


def test_experience_and_viewing_invites_last_as_long_as_they_do() -> None:
    data = booking_data(kind="experience")
    data["listing"]["duration_minutes"] = 90
    (event,) = _events(calendar.invite(data, now=NOW))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    (viewing,) = _events(calendar.invite(viewing_data(), now=NOW))
    assert viewing["summary"] == "Viewing: Marina loft"


def test_a_stay_without_times_is_whole_days() -> None:
    data = booking_data()
    data["listing"]["check_out_time"] = None
    (event,) = _events(calendar.invite(data, now=NOW))
    assert event.decoded("dtstart") == date(2026, 12, 3)
    assert event.decoded("dtend") == date(2026, 12, 6)
