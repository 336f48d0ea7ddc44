"""Notifications end to end on a real database: recorded in the caller's transaction,
delivered by the worker to the mailbox, a real SMTP server on loopback (aiosmtpd) or a
Twilio-shaped HTTP API; retried, failed for good, skipped when opted out."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import icalendar
import pytest
import trustme
from pydantic import SecretStr
from sqlalchemy import select, text

from innkeeper.accounts.domain import Actor
from innkeeper.bookings import service as bookings
from innkeeper.bookings.domain import Event
from innkeeper.bookings.models import Booking
from innkeeper.core.clock import FixedClock
from innkeeper.jobs import worker
from innkeeper.notifications import preferences
from innkeeper.notifications.domain import Category, Channel, DeliveryStatus, QuietHours
from innkeeper.notifications.models import MailboxAttachment, MailboxMessage, Notification
from innkeeper.notifications.service import Recipient, deliver, notify
from innkeeper.pricing import quotes
from innkeeper.services import Services, build_services
from innkeeper.settings import Settings
from tests.builders import actor_for, make_listing, make_org, make_user
from tests.mail import booking_data, free_port, smtp_server

GUEST_PHONE = "+971501234567"


def _rows(services: Services) -> list[Notification]:
    with services.uow() as uow:
        return list(
            uow.session.scalars(
                select(Notification).order_by(
                    Notification.created_at, Notification.template, Notification.channel
                )
            )
        )


def _jobs(services: Services) -> list[tuple[str, str]]:
    with services.uow() as uow:
        rows = uow.session.execute(
            text("SELECT task_name, status FROM procrastinate_jobs ORDER BY id")
        )
        return [(name, status) for name, status in rows]


def _book(services: Services, *, confirm: bool = True) -> tuple[Booking, Actor, Actor]:
    host = make_user(services, email="host@example.com", name="Host Person")
    org = make_org(services, host)
    listing = make_listing(services, host, org.id, publish=True).listing
    guest = actor_for(services, make_user(services, email="guest@example.com"))
    request = quotes.QuoteRequest(listing.id, date(2026, 12, 1), date(2026, 12, 4), guests=2)
    quote = quotes.create_quote(services, guest, request)
    contact = bookings.Contact("Layla Haddad", "layla@example.com", GUEST_PHONE)
    booking = bookings.book(services, guest, bookings.NewBooking(quote.id, contact))
    if confirm:
        booking = bookings.system_transition(services, booking.id, Event.PAYMENT_SUCCEEDED)
    return booking, guest, actor_for(services, host)


@pytest.fixture
def configured(settings: Settings, database_url: str, clock: FixedClock) -> Iterator[Any]:
    """Services with other settings (SMTP, SMS, retry policy) on the same database."""
    built: list[Services] = []

    def make(**changes: Any) -> Services:
        services = build_services(settings.model_copy(update=changes), database_url, clock=clock)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


def test_a_confirmed_booking_tells_the_guest_and_the_host(services: Services) -> None:
    booking, _, _ = _book(services)
    sent = {(r.template, r.channel, r.to_address or r.recipient_name) for r in _rows(services)}
    assert sent == {
        ("booking.held", Channel.EMAIL, "layla@example.com"),
        ("booking.held", Channel.IN_APP, "Layla Haddad"),
        ("booking.confirmed", Channel.EMAIL, "layla@example.com"),
        ("booking.confirmed", Channel.SMS, GUEST_PHONE),
        ("booking.confirmed", Channel.IN_APP, "Layla Haddad"),
        ("host.booking_confirmed", Channel.EMAIL, "host@example.com"),
        ("host.booking_confirmed", Channel.IN_APP, "Host Person"),
    }
    assert all(r.booking_id == booking.id for r in _rows(services))
    in_app = [r for r in _rows(services) if r.channel is Channel.IN_APP]
    assert all(r.status is DeliveryStatus.SENT and r.title for r in in_app)


def test_the_worker_delivers_each_message_to_the_mailbox_exactly_once(services: Services) -> None:
    _book(services)
    worker.run(services, wait=False)
    worker.run(services, wait=False)  # a second run finds nothing more to do
    rows = [r for r in _rows(services) if r.channel is not Channel.IN_APP]
    assert rows
    assert all(r.status is DeliveryStatus.SENT for r in rows)
    with services.uow() as uow:
        letters = uow.session.scalars(select(MailboxMessage)).all()
        assert sorted(m.notification_id for m in letters) == sorted(r.id for r in rows)
        confirmed = next(m for m in letters if m.subject and m.subject.startswith("Confirmed"))
        files = uow.session.scalars(
            select(MailboxAttachment).where(MailboxAttachment.message_id == confirmed.id)
        ).all()
    assert confirmed.to_address == "Layla Haddad <layla@example.com>"
    assert {f.filename.split("-")[0] for f in files} == {"invite.ics", "receipt"}
    ics = next(f for f in files if f.filename == "invite.ics").content
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart").date() == date(2026, 12, 1)
    sms = next(m for m in letters if m.channel is Channel.SMS)
    assert sms.to_address == GUEST_PHONE
    assert sms.text_body.startswith("Innkeeper:")


def _notify(
    services: Services,
    key: str,
    template: str = "booking.confirmed",
    *,
    user: Any = None,
    commit: bool = True,
) -> int:
    person = Recipient(
        user_id=None if user is None else user.id,
        name="Layla",
        email="layla@example.com",
        phone=GUEST_PHONE,
        time_zone="Asia/Dubai",
    )
    with services.uow() as uow:
        created = notify(
            uow,
            key=key,
            template=template,
            recipients=[person],
            data=booking_data(),
            now=services.clock.now(),
        )
        if commit:
            uow.commit()
    return created


def test_a_rolled_back_transaction_sends_nothing(services: Services) -> None:
    assert _notify(services, "k1", commit=False) == 2  # email and SMS, then rolled back
    assert _rows(services) == []
    assert _jobs(services) == []
    worker.run(services, wait=False)
    with services.uow() as uow:
        assert uow.session.scalar(select(MailboxMessage.id)) is None


def test_an_event_reported_twice_is_one_message(services: Services) -> None:
    assert _notify(services, "booking:1:confirmed") == 2
    assert _notify(services, "booking:1:confirmed") == 0
    assert len(_rows(services)) == 2
    assert [name for name, _ in _jobs(services)] == ["notifications:deliver"] * 2


def test_opted_out_reminders_are_not_sent_but_transactional_messages_are(
    services: Services,
) -> None:
    user = make_user(services, email="layla@example.com")
    me = actor_for(services, user)
    choices = [preferences.Choice(c, Category.REMINDER, False) for c in Channel]
    preferences.change(services, me, choices, quiet_hours=None)
    _notify(services, "r1", "booking.check_in_reminder", user=user)
    _notify(services, "t1", "booking.cancelled", user=user)
    status = {(r.template, r.channel): r.status for r in _rows(services)}
    assert status == {
        ("booking.check_in_reminder", Channel.EMAIL): DeliveryStatus.SKIPPED,
        ("booking.check_in_reminder", Channel.SMS): DeliveryStatus.SKIPPED,
        ("booking.check_in_reminder", Channel.IN_APP): DeliveryStatus.SKIPPED,
        ("booking.cancelled", Channel.EMAIL): DeliveryStatus.PENDING,
        ("booking.cancelled", Channel.SMS): DeliveryStatus.PENDING,
        ("booking.cancelled", Channel.IN_APP): DeliveryStatus.SENT,
    }
    worker.run(services, wait=False)
    with services.uow() as uow:
        subjects = set(uow.session.scalars(select(MailboxMessage.subject)))
    assert any(s and s.startswith("Cancelled") for s in subjects)
    assert not any(s and "Check-in" in s for s in subjects)


def test_a_night_time_sms_waits_for_the_end_of_quiet_hours(
    services: Services, clock: FixedClock
) -> None:
    """START is 09:00 UTC; in Dubai (UTC+4) that is 13:00, inside 12:00-14:00 quiet hours."""
    user = make_user(services, email="layla@example.com")
    preferences.change(services, actor_for(services, user), [], QuietHours(time(12), time(14)))
    with services.uow() as uow:
        uow.session.execute(text("UPDATE user_account SET time_zone = 'Asia/Dubai'"))
        uow.commit()
    _notify(services, "q1", "booking.confirmed", user=user)
    sms = next(r for r in _rows(services) if r.channel is Channel.SMS)
    assert sms.not_before == clock.now() + timedelta(hours=1)
    assert deliver(services, sms.id) is DeliveryStatus.PENDING  # too early: put back
    clock.advance(hours=1)
    assert deliver(services, sms.id) is DeliveryStatus.SENT
    email = next(r for r in _rows(services) if r.channel is Channel.EMAIL)
    assert email.not_before == sms.created_at  # email is never held


def test_smtp_receives_html_text_and_attachments(configured: Any) -> None:
    with smtp_server() as (inbox, port):
        services = configured(smtp_url=SecretStr(f"smtp://127.0.0.1:{port}"))
        _book(services)
        worker.run(services, wait=False)
        emails = [r for r in _rows(services) if r.channel is Channel.EMAIL]
        messages = inbox.wait_for(len(emails))
    by_subject = {m["Subject"]: m for m in messages}
    confirmed = next(m for s, m in by_subject.items() if s.startswith("Confirmed"))
    assert confirmed["To"] == "Layla Haddad <layla@example.com>"
    assert confirmed["From"] == "Innkeeper <notifications@innkeeper.localhost>"
    row = next(r for r in emails if r.template == "booking.confirmed")
    assert (
        confirmed["Message-ID"] == f"<{row.id}@innkeeper.localhost>" == f"<{row.provider_id[1:-1]}>"
    )
    text_part = confirmed.get_body(("plain",))
    html_part = confirmed.get_body(("html",))
    assert text_part is not None
    assert html_part is not None
    assert "Your booking is confirmed" in text_part.get_content()
    assert '<html lang="en" dir="ltr">' in html_part.get_content()
    files = {part.get_filename(): part for part in confirmed.iter_attachments()}
    assert set(files) == {"invite.ics", f"receipt-{row.data['booking']['code']}.html"}
    invite = files["invite.ics"]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "PUBLISH"
    (event,) = icalendar.Calendar.from_ical(invite.get_content()).walk("VEVENT")
    assert str(event["summary"]).endswith(f"({row.data['booking']['code']})")
    assert "Total" in files[f"receipt-{row.data['booking']['code']}.html"].get_content()


def test_smtp_over_starttls_with_a_login(configured: Any, tmp_path: Any) -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    cafile = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(cafile))
    logins: list[tuple[bytes, bytes]] = []

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret p@ss")

    options = {
        "tls_context": context,
        "require_starttls": True,
        "authenticator": check,
        "auth_require_tls": True,
    }
    with smtp_server(**options) as (inbox, port):
        password = urllib.parse.quote("s3cret p@ss", safe="")
        url = f"smtp+starttls://mailer:{password}@127.0.0.1:{port}?cafile={cafile}"
        services = configured(smtp_url=SecretStr(url))
        _notify(services, "tls1")
        worker.run(services, wait=False)
        (message,) = inbox.wait_for(1)
    assert logins == [(b"mailer", b"s3cret p@ss")]
    assert message["Subject"].startswith("Confirmed")


def test_an_unreachable_smtp_server_is_retried_with_backoff_then_fails_for_admins(
    configured: Any, clock: FixedClock
) -> None:
    services = configured(
        smtp_url=SecretStr(f"smtp://127.0.0.1:{free_port()}"),
        notification_max_attempts=3,
        notification_retry_seconds=30,
    )
    _notify(services, "down1")
    email = next(r for r in _rows(services) if r.channel is Channel.EMAIL)
    assert deliver(services, email.id) is DeliveryStatus.PENDING
    (row,) = [r for r in _rows(services) if r.id == email.id]
    assert (row.attempts, row.not_before) == (1, clock.now() + timedelta(seconds=30))
    assert row.last_error is not None
    assert "SMTP unreachable" in row.last_error
    assert deliver(services, email.id) is DeliveryStatus.PENDING  # not due: nothing tried
    clock.advance(seconds=30)
    assert deliver(services, email.id) is DeliveryStatus.PENDING
    (row,) = [r for r in _rows(services) if r.id == email.id]
    assert (row.attempts, row.not_before) == (2, clock.now() + timedelta(seconds=60))
    clock.advance(seconds=60)
    assert deliver(services, email.id) is DeliveryStatus.FAILED
    (row,) = [r for r in _rows(services) if r.id == email.id]
    assert (row.attempts, row.failed_at) == (3, clock.now())
    assert deliver(services, email.id) is DeliveryStatus.FAILED  # final: never tried again


class _Refusing:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: N802
        return "550 5.1.1 no such mailbox"


def test_a_refused_address_fails_at_once(configured: Any) -> None:
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        services = configured(smtp_url=SecretStr(f"smtp://127.0.0.1:{port}"))
        _notify(services, "refused1")
        email = next(r for r in _rows(services) if r.channel is Channel.EMAIL)
        assert deliver(services, email.id) is DeliveryStatus.FAILED
    finally:
        controller.stop()
    (row,) = [r for r in _rows(services) if r.id == email.id]
    assert row.attempts == 1
    assert row.last_error == "recipient refused ([550])"


class _Twilio(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    answer: tuple[int, dict[str, Any]] = (201, {"sid": "SM0123456789abcdef", "status": "queued"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).received.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                **{k: v[0] for k, v in form.items()},
            }
        )
        status, body = type(self).answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def twilio() -> Iterator[str]:
    _Twilio.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Twilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _sms_services(configured: Any, url: str) -> Services:
    services: Services = configured(
        sms_api_url=url,
        twilio_account_sid="AC123",
        twilio_auth_token=SecretStr("token-xyz"),
        twilio_from_number="+15005550006",
    )
    return services


def test_sms_goes_through_the_twilio_shaped_api(configured: Any, twilio: str) -> None:
    services = _sms_services(configured, twilio)
    _notify(services, "sms1")
    sms = next(r for r in _rows(services) if r.channel is Channel.SMS)
    assert deliver(services, sms.id) is DeliveryStatus.SENT
    (call,) = _Twilio.received
    assert call["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert call["auth"] == "Basic " + base64.b64encode(b"AC123:token-xyz").decode()
    assert (call["To"], call["From"]) == (GUEST_PHONE, "+15005550006")
    assert call["Body"].startswith("Innkeeper: booking HM7Q-4KX2-9D")
    (row,) = [r for r in _rows(services) if r.id == sms.id]
    assert row.provider_id == "SM0123456789abcdef"


def test_an_invalid_number_fails_without_retrying(configured: Any, twilio: str) -> None:
    _Twilio.answer = (400, {"code": 21211, "message": "The 'To' number is not valid"})
    try:
        services = _sms_services(configured, twilio)
        _notify(services, "sms2")
        sms = next(r for r in _rows(services) if r.channel is Channel.SMS)
        assert deliver(services, sms.id) is DeliveryStatus.FAILED
    finally:
        _Twilio.answer = (201, {"sid": "SM0123456789abcdef", "status": "queued"})
    (row,) = [r for r in _rows(services) if r.id == sms.id]
    assert row.last_error == "SMS API 400: 21211 The 'To' number is not valid"
    assert "token-xyz" not in (row.last_error or "")
