"""Request and response bodies of the notifications API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from innkeeper.notifications.domain import Category, Channel, DeliveryStatus
from innkeeper.schemas import LocalTime, Page, StrictInput


class NotificationOut(BaseModel):
    """An in-app notification as its recipient sees it."""

    id: uuid.UUID
    template: str
    title: str
    body: str
    booking_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class InboxOut(Page[NotificationOut]):
    unread: int = Field(description="Unread notifications in all, whatever the page")


class ReadIn(StrictInput):
    ids: list[uuid.UUID] | None = Field(
        default=None, max_length=500, description="Which to mark read; omit for all"
    )


class ReadOut(BaseModel):
    marked: int


class ChoiceIn(StrictInput):
    channel: Channel
    category: Category
    enabled: bool


class ChoiceOut(ChoiceIn):
    locked: bool = Field(description="Transactional messages cannot be turned off")


class QuietHoursIO(StrictInput):
    start: LocalTime = Field(description="Local time in the person's own time zone")
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("quiet hours must end at another time than they start")
        return self


class PreferencesIn(StrictInput):
    choices: list[ChoiceIn] = Field(default_factory=list, max_length=20)
    quiet_hours: QuietHoursIO | None = Field(
        default=None, description="Send null to turn quiet hours off; omit to keep them"
    )


class PreferencesOut(BaseModel):
    choices: list[ChoiceOut]
    quiet_hours: QuietHoursIO | None


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error: str | None


class AdminNotificationOut(BaseModel):
    id: uuid.UUID
    idempotency_key: str
    template: str
    channel: Channel
    category: Category
    urgent: bool
    status: DeliveryStatus
    recipient_user_id: uuid.UUID | None
    recipient_name: str
    to_address: str | None
    locale: str
    booking_id: uuid.UUID | None
    attempts: int
    last_error: str | None
    skipped_reason: str | None
    not_before: datetime
    provider_id: str | None
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None


class AdminNotificationDetail(AdminNotificationOut):
    data: dict[str, object]
    attempt_log: list[AttemptOut]


class MailboxMessageOut(BaseModel):
    id: uuid.UUID
    notification_id: uuid.UUID
    channel: Channel
    from_address: str
    to_address: str
    subject: str | None
    text_body: str
    created_at: datetime


class MailboxAttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class MailboxLetterOut(MailboxMessageOut):
    html_body: str | None
    attachments: list[MailboxAttachmentOut]
