"""Notifications API: a person's in-app list and settings; every message for admins, with
retry; and the development mailbox as JSON (its pages are in ``pages``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from innkeeper.deps import OptionalActor, PagingDep, ServicesDep
from innkeeper.notifications import mailbox, preferences, service
from innkeeper.notifications.domain import OPTIONAL, Channel, DeliveryStatus, QuietHours
from innkeeper.notifications.models import Notification
from innkeeper.notifications.schemas import (
    AdminNotificationDetail,
    AdminNotificationOut,
    AttemptOut,
    ChoiceOut,
    InboxOut,
    MailboxAttachmentOut,
    MailboxLetterOut,
    MailboxMessageOut,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    QuietHoursIO,
    ReadIn,
    ReadOut,
)
from innkeeper.schemas import Page

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications", response_model=InboxOut)
def my_notifications(
    services: ServicesDep, actor: OptionalActor, paging: PagingDep, unread: bool = False
) -> InboxOut:
    """The caller's in-app notifications, newest first, with the unread count."""
    page = service.inbox(
        services, actor, unread_only=unread, limit=paging.limit, offset=paging.offset
    )
    return InboxOut(
        items=[_inbox_item(row) for row in page.items],
        total=page.total,
        unread=page.unread,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/me/notifications/read", response_model=ReadOut)
def mark_read(body: ReadIn, services: ServicesDep, actor: OptionalActor) -> ReadOut:
    """Mark the listed notifications read, or all of them when ``ids`` is omitted."""
    return ReadOut(marked=service.mark_read(services, actor, body.ids))


@router.get("/me/notifications/{notification_id}", response_model=NotificationOut)
def my_notification(
    notification_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> NotificationOut:
    return _inbox_item(service.one_of_mine(services, actor, notification_id))


@router.get("/me/notification-preferences", response_model=PreferencesOut)
def my_preferences(services: ServicesDep, actor: OptionalActor) -> PreferencesOut:
    """Every channel and category with its switch, and the quiet hours for SMS."""
    return _preferences_out(preferences.get(services, actor))


@router.patch("/me/notification-preferences", response_model=PreferencesOut)
def change_preferences(
    body: PreferencesIn, services: ServicesDep, actor: OptionalActor
) -> PreferencesOut:
    """Turn reminders or marketing on or off per channel; set or clear quiet hours.
    Transactional messages cannot be turned off (422)."""
    choices = [preferences.Choice(c.channel, c.category, c.enabled) for c in body.choices]
    quiet: QuietHours | None | bool = True  # unchanged unless sent
    if "quiet_hours" in body.model_fields_set:
        quiet = None if body.quiet_hours is None else _quiet_in(body.quiet_hours)
    return _preferences_out(preferences.change(services, actor, choices, quiet))


@router.get("/admin/notifications", response_model=Page[AdminNotificationOut], tags=["admin"])
def all_notifications(
    services: ServicesDep,
    actor: OptionalActor,
    paging: PagingDep,
    status: DeliveryStatus | None = None,
    channel: Channel | None = None,
    template: str | None = None,
    booking_id: uuid.UUID | None = None,
    recipient_user_id: uuid.UUID | None = None,
) -> Page[AdminNotificationOut]:
    """Every message, newest first; ``status=failed`` lists what never arrived."""
    filters = service.Filters(status, channel, template, booking_id, recipient_user_id)
    rows, total = service.search(services, actor, filters, limit=paging.limit, offset=paging.offset)
    return Page(
        items=[_admin_out(row) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/admin/notifications/{notification_id}",
    response_model=AdminNotificationDetail,
    tags=["admin"],
)
def notification_detail(
    notification_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> AdminNotificationDetail:
    """One message with its data and every delivery attempt."""
    row, attempts = service.detail(services, actor, notification_id)
    return AdminNotificationDetail(
        **_admin_out(row).model_dump(),
        data=row.data,
        attempt_log=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
    )


@router.post(
    "/admin/notifications/{notification_id}/retry",
    response_model=AdminNotificationOut,
    tags=["admin"],
)
def retry_notification(
    notification_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> AdminNotificationOut:
    """Send a failed message again with a fresh round of attempts (409 unless failed)."""
    return _admin_out(service.retry(services, actor, notification_id))


@router.get("/dev/mailbox", response_model=Page[MailboxMessageOut], tags=["development"])
def mailbox_messages(
    services: ServicesDep, paging: PagingDep, to: str | None = None
) -> Page[MailboxMessageOut]:
    """Messages kept in the development mailbox (not in production)."""
    mailbox.require_visible(services)
    rows, total = mailbox.recent(services, to=to, limit=paging.limit, offset=paging.offset)
    return Page(
        items=[MailboxMessageOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/dev/mailbox/{message_id}", response_model=MailboxLetterOut, tags=["development"])
def mailbox_message(message_id: uuid.UUID, services: ServicesDep) -> MailboxLetterOut:
    mailbox.require_visible(services)
    found = mailbox.letter(services, message_id)
    return MailboxLetterOut(
        **MailboxMessageOut.model_validate(found.message, from_attributes=True).model_dump(),
        html_body=found.message.html_body,
        attachments=[
            MailboxAttachmentOut.model_validate(a, from_attributes=True) for a in found.attachments
        ],
    )


def _inbox_item(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        template=row.template,
        title=row.title or "",
        body=row.body or "",
        booking_id=row.booking_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


def _admin_out(row: Notification) -> AdminNotificationOut:
    return AdminNotificationOut.model_validate(row, from_attributes=True)


def _quiet_in(body: QuietHoursIO) -> QuietHours:
    return QuietHours(body.start, body.end)


def _preferences_out(found: preferences.Settings) -> PreferencesOut:
    quiet = found.quiet_hours
    return PreferencesOut(
        choices=[
            ChoiceOut(
                channel=c.channel,
                category=c.category,
                enabled=c.enabled,
                locked=c.category not in OPTIONAL,
            )
            for c in found.choices
        ],
        quiet_hours=None if quiet is None else QuietHoursIO(start=quiet.start, end=quiet.end),
    )
