"""The development mailbox: where email and SMS land when no SMTP server or SMS provider is
configured, so ``make run`` shows every message a person would get (``/dev/mailbox``).

A message is stored in the transaction that marks its notification sent, under a unique
``notification_id``: it exists exactly once, however often delivery was attempted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from innkeeper.core.errors import NotFound
from innkeeper.notifications import adapters
from innkeeper.notifications.adapters import Email
from innkeeper.notifications.compose import Sms
from innkeeper.notifications.models import MailboxAttachment, MailboxMessage, Notification
from innkeeper.services import Services


def store(
    session: Session,
    row: Notification,
    email: Email | None,
    sms: Sms | None,
    *,
    sender: str,
    now: datetime,
) -> MailboxMessage:
    if email is not None:
        message = MailboxMessage(
            notification_id=row.id,
            channel=row.channel,
            from_address=email.sender,
            to_address=email.to,
            subject=email.subject,
            text_body=email.text,
            html_body=email.html,
            raw=adapters.build(email).as_bytes(),
            created_at=now,
        )
        session.add(message)
        session.flush()
        for file in email.files:
            session.add(
                MailboxAttachment(
                    message_id=message.id,
                    filename=file.filename,
                    content_type=file.content_type,
                    size=len(file.content),
                    content=file.content,
                )
            )
        return message
    assert sms is not None
    message = MailboxMessage(
        notification_id=row.id,
        channel=row.channel,
        from_address="SMS",
        to_address=sms.to,
        subject=None,
        text_body=sms.body,
        html_body=None,
        raw=None,
        created_at=now,
    )
    session.add(message)
    return message


@dataclass(frozen=True, slots=True)
class Letter:
    message: MailboxMessage
    attachments: list[MailboxAttachment]


def recent(
    svc: Services, *, to: str | None, limit: int, offset: int
) -> tuple[list[MailboxMessage], int]:
    """Newest first; ``to`` narrows to one address (part of it matches)."""
    where = [] if not to else [MailboxMessage.to_address.ilike(f"%{_escape(to)}%")]
    with svc.uow() as uow:
        items = uow.session.scalars(
            select(MailboxMessage)
            .where(*where)
            .order_by(MailboxMessage.created_at.desc(), MailboxMessage.id)
            .limit(limit)
            .offset(offset)
        ).all()
        total = uow.session.scalar(select(func.count()).select_from(MailboxMessage).where(*where))
        return list(items), int(total or 0)


def letter(svc: Services, message_id: uuid.UUID) -> Letter:
    with svc.uow() as uow:
        message = uow.session.get(MailboxMessage, message_id)
        if message is None:
            raise NotFound(f"message {message_id} not found")
        files = uow.session.scalars(
            select(MailboxAttachment)
            .where(MailboxAttachment.message_id == message.id)
            .order_by(MailboxAttachment.id)
        ).all()
        return Letter(message, list(files))


def attachment(svc: Services, message_id: uuid.UUID, attachment_id: int) -> MailboxAttachment:
    with svc.uow() as uow:
        found = uow.session.get(MailboxAttachment, attachment_id)
        if found is None or found.message_id != message_id:
            raise NotFound(f"attachment {attachment_id} not found")
        return found


def require_visible(svc: Services) -> None:
    """The mailbox holds everyone's messages: it does not exist in production."""
    if not svc.settings.mailbox_visible:
        raise NotFound("there is no development mailbox in production")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
