"""The notifications API: a person's in-app list and settings, every message for admins
with retry of failures, the development mailbox, and the private arrival guide."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import icalendar
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from innkeeper.core.clock import FixedClock
from innkeeper.jobs import worker
from innkeeper.main import create_app
from innkeeper.notifications.domain import Channel, DeliveryStatus
from innkeeper.notifications.models import Notification
from innkeeper.notifications.service import deliver
from innkeeper.services import Services, build_services
from innkeeper.settings import Environment, Settings
from tests.e2e.test_api_bookings import act, book, set_rules

API = "/api/v1"


def _inbox(client: TestClient, headers: Any, **params: Any) -> Any:
    response = client.get(f"{API}/me/notifications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_people_read_their_in_app_notifications_and_only_theirs(
    client: TestClient, stay: dict[str, Any]
) -> None:
    set_rules(client, stay, instant_book=False)
    made = book(client, stay, "2026-12-01", "2026-12-04", message="We arrive late")
    assert made.status_code == 201, made.text
    guest = _inbox(client, stay["guest"])
    assert guest["unread"] == 1
    (item,) = guest["items"]
    assert (item["template"], item["title"]) == (
        "booking.requested",
        "Your request is with the host",
    )
    assert "Hello Layla Haddad" in item["body"]
    assert item["booking_id"] == made.json()["id"]
    host = _inbox(client, stay["host"])
    assert [i["title"] for i in host["items"]] == ["A guest asks to book"]
    assert "We arrive late" in host["items"][0]["body"]
    assert (
        client.get(f"{API}/me/notifications/{item['id']}", headers=stay["other"]).status_code == 404
    )
    assert (
        client.get(f"{API}/me/notifications/{item['id']}", headers=stay["guest"]).status_code == 200
    )
    marked = client.post(
        f"{API}/me/notifications/read", json={"ids": [item["id"]]}, headers=stay["other"]
    )
    assert marked.json() == {"marked": 0}  # someone else's: untouched
    marked = client.post(f"{API}/me/notifications/read", json={}, headers=stay["guest"])
    assert marked.json() == {"marked": 1}
    after = _inbox(client, stay["guest"])
    assert after["unread"] == 0
    assert after["items"][0]["read_at"] is not None
    assert _inbox(client, stay["guest"], unread=True)["items"] == []
    assert client.get(f"{API}/me/notifications").status_code == 401


def test_the_guest_hears_every_answer_of_the_host(client: TestClient, stay: dict[str, Any]) -> None:
    set_rules(client, stay, instant_book=False)
    first = book(client, stay, "2026-12-01", "2026-12-04").json()
    act(client, first, "decline", stay["host"], reason="We are away")
    second = book(client, stay, "2026-12-10", "2026-12-12").json()
    offer = act(
        client,
        second,
        "counter-offer",
        stay["host"],
        message="Stay a night longer?",
        check_out="2026-12-13",
    )
    assert offer.status_code == 200, offer.text
    titles = [i["title"] for i in _inbox(client, stay["guest"])["items"]]
    assert sorted(titles) == [
        "The host suggests other terms",
        "Your request is with the host",
        "Your request is with the host",
        "Your request was declined",
    ]
    declined = next(
        i for i in _inbox(client, stay["guest"])["items"] if i["template"] == "booking.declined"
    )
    assert "We are away" in declined["body"]


def test_settings_switch_reminders_not_transactional_messages(
    client: TestClient, stay: dict[str, Any]
) -> None:
    url, me = f"{API}/me/notification-preferences", stay["guest"]
    found = client.get(url, headers=me).json()
    assert found["quiet_hours"] == {"start": "22:00:00", "end": "08:00:00"}
    switches = {
        (c["channel"], c["category"]): (c["enabled"], c["locked"]) for c in found["choices"]
    }
    assert switches[("email", "transactional")] == (True, True)
    assert switches[("sms", "reminder")] == (True, False)
    assert switches[("email", "marketing")] == (False, False)
    refused = client.patch(
        url,
        json={"choices": [{"channel": "email", "category": "transactional", "enabled": False}]},
        headers=me,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "choices.0.category"
    body = {
        "choices": [
            {"channel": "sms", "category": "reminder", "enabled": False},
            {"channel": "email", "category": "marketing", "enabled": True},
        ],
        "quiet_hours": {"start": "23:30", "end": "07:00"},
    }
    changed = client.patch(url, json=body, headers=me).json()
    switches = {(c["channel"], c["category"]): c["enabled"] for c in changed["choices"]}
    assert switches[("sms", "reminder")] is False
    assert switches[("email", "marketing")] is True
    assert changed["quiet_hours"] == {"start": "23:30:00", "end": "07:00:00"}
    kept = client.patch(url, json={"choices": []}, headers=me).json()
    assert kept["quiet_hours"] == {"start": "23:30:00", "end": "07:00:00"}  # omitted: unchanged
    off = client.patch(url, json={"quiet_hours": None}, headers=me).json()
    assert off["quiet_hours"] is None
    empty = client.patch(url, json={"quiet_hours": {"start": "22:00", "end": "22:00"}}, headers=me)
    assert empty.status_code == 422
    assert "quiet_hours" in empty.text
    assert client.get(url).status_code == 401


def test_admins_see_failures_and_retry_them(
    client: TestClient,
    stay: dict[str, Any],
    services: Services,
    settings: Settings,
    database_url: str,
    clock: FixedClock,
) -> None:
    made = book(client, stay, "2026-12-01", "2026-12-04").json()
    broken = build_services(
        settings.model_copy(
            update={"smtp_url": SecretStr("smtp://127.0.0.1:9"), "notification_max_attempts": 1}
        ),
        database_url,
        clock=clock,
    )
    try:
        with services.uow() as uow:
            email = uow.session.scalars(
                select(Notification).where(Notification.channel == Channel.EMAIL)
            ).one()
        assert deliver(broken, email.id) is DeliveryStatus.FAILED
    finally:
        broken.close()
    url = f"{API}/admin/notifications"
    assert client.get(url, headers=stay["guest"]).status_code == 404  # admin routes hide
    failed = client.get(url, params={"status": "failed"}, headers=stay["admin"]).json()
    assert failed["total"] == 1
    (row,) = failed["items"]
    assert (row["id"], row["booking_id"], row["attempts"]) == (str(email.id), made["id"], 1)
    assert row["last_error"].startswith("SMTP unreachable")
    detail = client.get(f"{url}/{row['id']}", headers=stay["admin"]).json()
    assert [a["outcome"] for a in detail["attempt_log"]] == ["failed"]
    assert detail["data"]["booking"]["code"] == made["code"]
    retried = client.post(f"{url}/{row['id']}/retry", headers=stay["admin"])
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending"
    again = client.post(f"{url}/{row['id']}/retry", headers=stay["admin"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "notification_not_failed"
    worker.run(services, wait=False)  # no SMTP here: the mailbox takes it
    detail = client.get(f"{url}/{row['id']}", headers=stay["admin"]).json()
    assert detail["status"] == "sent"
    assert [a["outcome"] for a in detail["attempt_log"]] == ["failed", "sent"]
    by_booking = client.get(
        url, params={"booking_id": made["id"], "channel": "in_app"}, headers=stay["admin"]
    ).json()
    assert {i["template"] for i in by_booking["items"]} == {"booking.held"}


def test_the_development_mailbox_shows_every_message(
    client: TestClient, stay: dict[str, Any], services: Services
) -> None:
    made = book(client, stay, "2026-12-01", "2026-12-04").json()
    assert (
        act(client, made, "confirm-payment", stay["admin"], reason="bank transfer").status_code
        == 200
    )
    worker.run(services, wait=False)
    listed = client.get(f"{API}/dev/mailbox", params={"to": "layla"}).json()
    subjects = [m["subject"] for m in listed["items"]]
    assert any(s and s.startswith("Confirmed") for s in subjects)
    confirmed = next(m for m in listed["items"] if (m["subject"] or "").startswith("Confirmed"))
    letter = client.get(f"{API}/dev/mailbox/{confirmed['id']}").json()
    assert {a["filename"].split("-")[0] for a in letter["attachments"]} == {"invite.ics", "receipt"}
    page = client.get("/dev/mailbox", params={"to": "layla"})
    assert page.status_code == 200
    assert confirmed["subject"] in page.text
    one = client.get(f"/dev/mailbox/{confirmed['id']}")
    assert one.status_code == 200
    assert "<iframe" in one.text
    assert "sandbox" in one.text
    invite = next(a for a in letter["attachments"] if a["filename"] == "invite.ics")
    ics = client.get(f"/dev/mailbox/{confirmed['id']}/attachments/{invite['id']}")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    raw = client.get(f"/dev/mailbox/{confirmed['id']}/raw")
    parsed = message_from_bytes(raw.content, policy=policy.default)
    assert parsed["Subject"] == confirmed["subject"]
    sms = next(m for m in client.get(f"{API}/dev/mailbox").json()["items"] if m["channel"] == "sms")
    assert client.get(f"/dev/mailbox/{sms['id']}/raw").status_code == 404


def test_there_is_no_mailbox_in_production(settings: Settings, database_url: str) -> None:
    production = settings.model_copy(
        update={
            "environment": Environment.PRODUCTION,
            "public_url": "https://example.com",
            "smtp_url": SecretStr("smtp://mail.example.com"),
        }
    )
    services = build_services(production, database_url)
    try:
        with TestClient(create_app(services)) as client:
            assert client.get("/dev/mailbox").status_code == 404
            assert client.get(f"{API}/dev/mailbox").status_code == 404
    finally:
        services.close()


def test_the_arrival_guide_is_private_to_the_host(client: TestClient, stay: dict[str, Any]) -> None:
    url = f"{stay['base']}/guide"
    assert client.get(url, headers=stay["host"]).json() == {
        "check_in_instructions": "",
        "check_out_instructions": "",
        "updated_at": None,
    }
    body = {
        "check_in_instructions": "Key box 4321 by the door",
        "check_out_instructions": "Leave the keys inside",
    }
    saved = client.put(url, json=body, headers=stay["host"])
    assert saved.status_code == 200
    assert saved.json()["check_in_instructions"] == body["check_in_instructions"]
    assert client.get(url, headers=stay["guest"]).status_code == 404
    assert "4321" not in client.get(f"{API}/listings/{stay['id']}").text
    too_long = client.put(url, json={"check_in_instructions": "x" * 5001}, headers=stay["host"])
    assert too_long.status_code == 422
    assert too_long.json()["error"]["fields"][0]["field"] == "check_in_instructions"
