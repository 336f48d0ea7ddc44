"""A stored notification made into what leaves: an email with its attachments, or an SMS.

Composed at delivery time from the snapshot recorded with the event, so a retry an hour
later says exactly what the first attempt would have said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address

from innkeeper.notifications import adapters, calendar, rendering
from innkeeper.notifications.adapters import Email, File
from innkeeper.notifications.domain import TEMPLATES, Attachment
from innkeeper.notifications.models import Notification


@dataclass(frozen=True, slots=True)
class Sms:
    to: str
    body: str


def email(row: Notification, *, sender: str, now: datetime) -> Email:
    assert row.to_address is not None  # a CHECK: every email has an address
    made = rendering.render(row.template, locale=row.locale, time_zone=row.time_zone, data=row.data)
    return Email(
        sender=sender,
        to=_address(row.recipient_name, row.to_address),
        subject=made.subject,
        text=made.text,
        html=made.html,
        message_id=adapters.message_id(str(row.id), sender),
        files=tuple(_files(row, now)),
    )


def sms(row: Notification) -> Sms:
    assert row.to_address is not None
    body = rendering.render_sms(
        row.template, locale=row.locale, time_zone=row.time_zone, data=row.data
    )
    return Sms(row.to_address, body)


def in_app(
    template: str, *, locale: str, time_zone: str, data: dict[str, object]
) -> tuple[str, str]:
    """The title and text shown in the person's notification list."""
    made = rendering.render(template, locale=locale, time_zone=time_zone, data=data)
    body = made.text.split("\n", 1)[1].strip() if "\n" in made.text else made.text
    return made.title, body


def _files(row: Notification, now: datetime) -> list[File]:
    files: list[File] = []
    for attachment in TEMPLATES[row.template].attachments:
        if attachment is Attachment.CALENDAR:
            content = calendar.invite(row.data, now=now)
            files.append(File("invite.ics", "text/calendar; method=PUBLISH", content))
        elif attachment is Attachment.CALENDAR_CANCEL and row.data.get("was_confirmed"):
            content = calendar.invite(row.data, now=now, cancel=True)
            files.append(File("cancelled.ics", "text/calendar; method=CANCEL", content))
        elif attachment is Attachment.RECEIPT and row.data.get("lines"):
            document = rendering.render_document(
                "receipt",
                locale=row.locale,
                time_zone=row.time_zone,
                data={**row.data, "issued_at": now.isoformat()},
            )
            code = str(_booking_code(row))
            files.append(
                File(f"receipt-{code}.html", "text/html; charset=utf-8", document.encode())
            )
    return files


def _booking_code(row: Notification) -> object:
    booking = row.data.get("booking")
    return booking.get("code", row.id) if isinstance(booking, dict) else row.id


def _address(name: str, address: str) -> str:
    user, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=user, domain=domain))
