"""The pure rules of notifications: who may turn what off, when an SMS may go, how long
a failed delivery waits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.notifications.domain import (
    OPTIONAL,
    TEMPLATES,
    Category,
    Channel,
    Preferences,
    QuietHours,
    backoff,
    delivery_key,
    not_before,
    wanted,
)
from innkeeper.notifications.rendering import has_template

NIGHT = QuietHours(time(22, 0), time(8, 0))
DUBAI = "Asia/Dubai"  # UTC+4, no daylight saving


def test_transactional_messages_cannot_be_turned_off() -> None:
    everything_off = Preferences(opted_out=frozenset((c, k) for c in Channel for k in Category))
    for channel in Channel:
        assert wanted(everything_off, channel, Category.TRANSACTIONAL)
        for category in OPTIONAL:
            assert not wanted(everything_off, channel, category)


def test_reminders_are_on_and_marketing_off_until_someone_asks() -> None:
    defaults = Preferences()
    assert wanted(defaults, Channel.SMS, Category.REMINDER)
    assert not wanted(defaults, Channel.EMAIL, Category.MARKETING)
    asked = Preferences(opted_in=frozenset({(Channel.EMAIL, Category.MARKETING)}))
    assert wanted(asked, Channel.EMAIL, Category.MARKETING)
    assert not wanted(asked, Channel.SMS, Category.MARKETING)


def test_an_sms_at_night_waits_for_the_morning_on_the_recipients_clock() -> None:
    at_23_dubai = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    when = not_before(at_23_dubai, NIGHT, DUBAI, channel=Channel.SMS, urgent=False)
    assert when == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 08:00 in Dubai
    at_3_dubai = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert not_before(at_3_dubai, NIGHT, DUBAI, channel=Channel.SMS, urgent=False) == when


def test_urgent_sms_email_and_daytime_messages_go_now() -> None:
    at_23_dubai = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert not_before(at_23_dubai, NIGHT, DUBAI, channel=Channel.SMS, urgent=True) == at_23_dubai
    assert not_before(at_23_dubai, NIGHT, DUBAI, channel=Channel.EMAIL, urgent=False) == at_23_dubai
    at_noon = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert not_before(at_noon, NIGHT, DUBAI, channel=Channel.SMS, urgent=False) == at_noon
    assert not_before(at_23_dubai, None, DUBAI, channel=Channel.SMS, urgent=False) == at_23_dubai


def test_quiet_hours_follow_daylight_saving() -> None:
    """London, the night the clocks go back (25 October 2026): 08:00 is 08:00 GMT."""
    at_1_bst = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    when = not_before(at_1_bst, NIGHT, "Europe/London", channel=Channel.SMS, urgent=False)
    assert when == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0))
    at_13 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert not_before(at_13, lunch, DUBAI, channel=Channel.SMS, urgent=False) == datetime(
        2026, 12, 1, 10, 0, tzinfo=UTC
    )


@given(
    st.datetimes(  # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2028, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.sampled_from([DUBAI, "Europe/London", "America/New_York", "Asia/Kolkata"]),
)
def test_a_held_sms_goes_at_the_first_moment_outside_quiet_hours(now: datetime, zone: str) -> None:
    when = not_before(now, NIGHT, zone, channel=Channel.SMS, urgent=False)
    assert now <= when <= now + timedelta(hours=11)
    assert not_before(when, NIGHT, zone, channel=Channel.SMS, urgent=False) == when


def test_backoff_doubles_up_to_its_cap() -> None:
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    waits = [backoff(n, base=base, cap=cap) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == cap
    assert waits == sorted(waits)
    with pytest.raises(ValueError, match="from 1"):
        backoff(0, base=base, cap=cap)


def test_one_event_is_one_message_per_person_and_channel() -> None:
    keys = {
        delivery_key("booking:1:confirmed", channel, person)
        for channel in Channel
        for person in ("u1", "u2")
    }
    assert len(keys) == len(Channel) * 2


def test_every_template_has_a_file_in_every_language() -> None:
    for name in TEMPLATES:
        assert has_template(name), name
