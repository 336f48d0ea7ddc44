"""Reminders a booking earns with time, sent once each however often the job runs: a
request about to expire (to the host), an offer or payment about to lapse (to the guest),
check-in instructions the day before, check-out instructions the evening before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from innkeeper.bookings.reminders import send_due
from innkeeper.core.clock import FixedClock
from innkeeper.notifications.domain import Channel
from innkeeper.notifications.models import Notification
from innkeeper.services import Services
from tests.e2e.test_api_bookings import act, book, set_rules


def _at(clock: FixedClock, moment: datetime) -> None:
    clock.advance(seconds=(moment - clock.now()).total_seconds())


def _sent(services: Services, template: str) -> list[Notification]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(select(Notification).where(Notification.template == template))
        )


def test_a_request_about_to_expire_reminds_the_host_once(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    set_rules(client, stay, instant_book=False, response_hours=24)
    made = book(client, stay, "2026-12-10", "2026-12-12")
    assert made.status_code == 201, made.text
    clock.advance(hours=20)
    assert send_due(services) == 0  # four hours left: not yet
    clock.advance(hours=1, minutes=1)
    assert send_due(services) > 0
    assert send_due(services) == 0  # the job runs every ten minutes: still once
    reminders = _sent(services, "host.request_expiring")
    assert {r.channel for r in reminders} == {Channel.EMAIL, Channel.IN_APP}  # no host phone
    assert all(r.urgent for r in reminders)


def test_an_offer_about_to_lapse_reminds_the_guest(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    set_rules(client, stay, instant_book=False)
    made = book(client, stay, "2026-12-10", "2026-12-12").json()
    offer = act(
        client, made, "counter-offer", stay["host"], message="Longer?", check_out="2026-12-13"
    )
    assert offer.status_code == 200, offer.text
    clock.advance(hours=46)  # offers last 48 hours
    send_due(services)
    (email,) = [r for r in _sent(services, "booking.expiring") if r.channel is Channel.EMAIL]
    assert email.to_address == "layla@example.com"


def test_a_fifteen_minute_hold_gets_no_reminder(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    assert book(client, stay, "2026-12-10", "2026-12-12").status_code == 201
    clock.advance(minutes=10)
    send_due(services)
    assert _sent(services, "booking.expiring") == []


def test_arrival_and_departure_bring_the_hosts_instructions(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    guide = {"check_in_instructions": "Key box 4321", "check_out_instructions": "Keys on the table"}
    assert client.put(f"{stay['base']}/guide", json=guide, headers=stay["host"]).status_code == 200
    made = book(client, stay, "2026-12-10", "2026-12-12").json()
    assert act(client, made, "confirm-payment", stay["admin"], reason="cash").status_code == 200
    _at(clock, datetime(2026, 12, 9, 8, 0, tzinfo=UTC))  # more than a day before 15:00 Dubai
    send_due(services)
    assert _sent(services, "booking.check_in_reminder") == []
    _at(clock, datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    send_due(services)
    send_due(services)
    arrival = _sent(services, "booking.check_in_reminder")
    assert {r.channel for r in arrival} == {Channel.EMAIL, Channel.SMS, Channel.IN_APP}
    in_app = next(r for r in arrival if r.channel is Channel.IN_APP)
    assert "Key box 4321" in (in_app.body or "")
    _at(clock, datetime(2026, 12, 11, 13, 0, tzinfo=UTC))  # 17:00 in Dubai, the day before
    send_due(services)
    assert _sent(services, "booking.check_out_instructions") == []
    _at(clock, datetime(2026, 12, 11, 15, 0, tzinfo=UTC))  # 19:00 in Dubai
    send_due(services)
    send_due(services)
    departure = _sent(services, "booking.check_out_instructions")
    assert len([r for r in departure if r.channel is Channel.EMAIL]) == 1
    assert "Keys on the table" in (
        next(r for r in departure if r.channel is Channel.IN_APP).body or ""
    )
