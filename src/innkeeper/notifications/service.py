"""One way to send: ``notify`` records messages inside the caller's transaction; the
``notifications:deliver`` job sends each one.

Why it is never lost: the notification row and its delivery job are written on the
caller's connection, so they exist exactly when the business change commits (a rolled-back
booking sends nothing). Why it is never doubled: every message has a unique idempotency
key (the event's key, the channel and the recipient) and is inserted with
``ON CONFLICT DO NOTHING``, so an event reported twice yields one message.

Delivery: a worker claims the row (``sending``, with a lease) in one short transaction,
talks to SMTP or the SMS API outside any transaction, then records the outcome. A failure
is retried with doubling waits until ``notification_max_attempts``, then recorded as
``failed`` for admins. A worker killed mid-send leaves the claim; once its lease is over
the message is sent again with the same Message-ID, which receiving systems use to
discard the copy (ADR 12). Without SMTP or an SMS provider, messages go to the database
mailbox in the same transaction that marks them sent: exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.models import User
from innkeeper.accounts.service import require_admin
from innkeeper.audit.repository import Change, record
from innkeeper.core.errors import Conflict, NotFound, Unauthenticated
from innkeeper.db.uow import UnitOfWork
from innkeeper.jobs.names import JobName
from innkeeper.notifications import adapters, compose, mailbox, preferences
from innkeeper.notifications.adapters import DeliveryError, SmtpTransport, TwilioSms
from innkeeper.notifications.domain import (
    TEMPLATES,
    Channel,
    DeliveryStatus,
    backoff,
    delivery_key,
    not_before,
    wanted,
)
from innkeeper.notifications.models import Notification, NotificationAttempt
from innkeeper.services import Services
from innkeeper.settings import Settings

FINISHED = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED})


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person to tell, with the addresses to use for this event (a guest's booking
    contact may differ from their account's email)."""

    user_id: uuid.UUID | None
    name: str
    email: str | None
    phone: str | None
    locale: str = "en"
    time_zone: str = "UTC"


def recipient(
    session: Session,
    user_id: uuid.UUID,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Recipient | None:
    """The user ``user_id`` as a recipient; ``name``/``email``/``phone`` override theirs."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return Recipient(
        user_id=user.id,
        name=name or user.name,
        email=email or user.email,
        phone=phone or user.phone,
        locale=user.locale,
        time_zone=user.time_zone,
    )


def notify(
    uow: UnitOfWork,
    *,
    key: str,
    template: str,
    recipients: Iterable[Recipient],
    data: dict[str, Any],
    now: datetime,
    booking_id: uuid.UUID | None = None,
) -> int:
    """Record ``template`` for each recipient on each of its channels, in the caller's
    transaction, and queue the deliveries. Returns how many messages are new (a key seen
    before adds nothing). ``data`` is a JSON snapshot: what the templates render."""
    spec = TEMPLATES[template]
    session, created = uow.session, 0
    for person in recipients:
        prefs = preferences.load(session, person.user_id)
        for channel in sorted(spec.channels):
            address = _address(person, channel)
            if address is None and channel is not Channel.IN_APP:
                continue
            if channel is Channel.IN_APP and person.user_id is None:
                continue
            row = _row(person, channel, address, spec.name, data, key=key, now=now)
            row["booking_id"], row["category"], row["urgent"] = (
                booking_id,
                spec.category,
                spec.urgent,
            )
            if not wanted(prefs, channel, spec.category):
                row.update(
                    status=DeliveryStatus.SKIPPED,
                    skipped_reason=f"opted out of {spec.category} by {channel}",
                )
            elif channel is Channel.IN_APP:
                title, body = compose.in_app(
                    spec.name, locale=person.locale, time_zone=person.time_zone, data=row["data"]
                )
                row.update(status=DeliveryStatus.SENT, sent_at=now, title=title[:300], body=body)
            else:
                when = not_before(
                    now, prefs.quiet_hours, person.time_zone, channel=channel, urgent=spec.urgent
                )
                row.update(status=DeliveryStatus.PENDING, not_before=when)
            inserted = session.execute(
                insert(Notification)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(Notification.id)
            ).scalar_one_or_none()
            if inserted is None:
                continue
            created += 1
            if row["status"] is DeliveryStatus.PENDING:
                _queue(uow, inserted, at=row["not_before"], now=now)
    return created


def _address(person: Recipient, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return person.email
    if channel is Channel.SMS:
        return person.phone
    return None


def _row(
    person: Recipient,
    channel: Channel,
    address: str | None,
    template: str,
    data: dict[str, Any],
    *,
    key: str,
    now: datetime,
) -> dict[str, Any]:
    who = str(person.user_id) if person.user_id is not None else str(address)
    return {
        "id": uuid.uuid4(),
        "idempotency_key": delivery_key(key, channel, who),
        "template": template,
        "channel": channel,
        "recipient_user_id": person.user_id,
        "recipient_name": person.name[:200],
        "to_address": address,
        "locale": person.locale,
        "time_zone": person.time_zone,
        "data": {**data, "recipient": {"name": person.name}},
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


def _queue(uow: UnitOfWork, notification_id: uuid.UUID, *, at: datetime, now: datetime) -> None:
    """One delivery job; the lock keeps two jobs of one message from ever running at once."""
    uow.defer(
        JobName.DELIVER_NOTIFICATION,
        lock=f"notification:{notification_id}",
        schedule_at=at if at > now else None,
        notification_id=str(notification_id),
    )


# --- delivery -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    notification_id: uuid.UUID
    attempt: int
    channel: Channel
    email: adapters.Email | None
    sms: compose.Sms | None


def deliver(svc: Services, notification_id: uuid.UUID) -> DeliveryStatus | None:
    """Send one notification if it is due; returns its status afterwards (None: unknown id)."""
    claim = _claim(svc, notification_id)
    if not isinstance(claim, Claim):
        return claim
    try:
        provider_id = _send(svc.settings, claim)
    except DeliveryError as error:
        return _failed(svc, claim, error)
    return _sent(svc, claim, provider_id)


def _claim(svc: Services, notification_id: uuid.UUID) -> Claim | DeliveryStatus | None:
    """Claim the row for one attempt, or finish it right here when it goes to the mailbox."""
    settings, now = svc.settings, svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.get(Notification, notification_id, with_for_update=True)
        if row is None:
            return None
        if row.status in FINISHED:
            return row.status
        if (
            row.status is DeliveryStatus.SENDING
            and row.lease_until is not None
            and row.lease_until > now
        ):
            return _later(uow, row, row.lease_until, now)  # someone is sending it; see then
        if row.not_before > now:
            return _later(uow, row, row.not_before, now)  # quiet hours, or a retry's wait
        row.attempts += 1
        attempt = NotificationAttempt(
            notification_id=row.id, number=_attempt_number(uow.session, row.id), started_at=now
        )
        uow.session.add(attempt)
        try:
            claim = _compose(settings, row, now)
        except Exception as error:  # a template bug must not retry forever, nor hide
            _finish(
                uow.session,
                row,
                attempt,
                now,
                outcome="failed",
                error=f"could not render: {type(error).__name__}: {error}"[:1000],
            )
            uow.commit()
            return row.status
        if _to_mailbox(settings, row.channel):
            mailbox.store(
                uow.session, row, claim.email, claim.sms, sender=settings.mail_from, now=now
            )
            _finish(uow.session, row, attempt, now, outcome="sent", provider_id=f"mailbox:{row.id}")
            uow.commit()
            return row.status
        row.status, row.lease_until = (
            DeliveryStatus.SENDING,
            now + timedelta(seconds=settings.notification_lease_seconds),
        )
        uow.commit()
        return claim


def _attempt_number(session: Session, notification_id: uuid.UUID) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(NotificationAttempt)
        .where(NotificationAttempt.notification_id == notification_id)
    )
    return int(count or 0) + 1


def _later(uow: UnitOfWork, row: Notification, at: datetime, now: datetime) -> DeliveryStatus:
    _queue(uow, row.id, at=at, now=now)
    uow.commit()
    return row.status


def _compose(settings: Settings, row: Notification, now: datetime) -> Claim:
    if row.channel is Channel.EMAIL:
        made = compose.email(row, sender=settings.mail_from, now=now)
        return Claim(row.id, row.attempts, row.channel, made, None)
    return Claim(row.id, row.attempts, row.channel, None, compose.sms(row))


def _to_mailbox(settings: Settings, channel: Channel) -> bool:
    if channel is Channel.EMAIL:
        return settings.smtp_url is None
    return not settings.sms_configured


def _send(settings: Settings, claim: Claim) -> str:
    """The only network call of a delivery, made outside any transaction."""
    if claim.email is not None:
        assert settings.smtp_url is not None
        SmtpTransport(settings.smtp_url.get_secret_value()).send(adapters.build(claim.email))
        return claim.email.message_id
    assert claim.sms is not None
    assert settings.twilio_auth_token is not None
    transport = TwilioSms(
        base_url=settings.sms_api_url,
        account_sid=str(settings.twilio_account_sid),
        auth_token=settings.twilio_auth_token.get_secret_value(),
        from_number=str(settings.twilio_from_number),
    )
    return transport.send(claim.sms.to, claim.sms.body)


def _sent(svc: Services, claim: Claim, provider_id: str) -> DeliveryStatus:
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _own(uow.session, claim)
        if row is None:  # our lease ran out and another worker took over: it records
            return DeliveryStatus.SENDING
        _finish(
            uow.session,
            row,
            _open_attempt(uow.session, row.id),
            now,
            outcome="sent",
            provider_id=provider_id,
        )
        uow.commit()
        return row.status


def _failed(svc: Services, claim: Claim, error: DeliveryError) -> DeliveryStatus:
    settings, now = svc.settings, svc.clock.now()
    with svc.uow() as uow:
        row = _own(uow.session, claim)
        if row is None:
            return DeliveryStatus.SENDING
        attempt = _open_attempt(uow.session, row.id)
        if error.permanent or row.attempts >= settings.notification_max_attempts:
            _finish(uow.session, row, attempt, now, outcome="failed", error=str(error))
        else:
            wait = backoff(
                row.attempts,
                base=timedelta(seconds=settings.notification_retry_seconds),
                cap=timedelta(seconds=settings.notification_retry_cap_seconds),
            )
            row.status, row.not_before = DeliveryStatus.PENDING, now + wait
            _finish(uow.session, row, attempt, now, outcome="retry", error=str(error))
            _queue(uow, row.id, at=row.not_before, now=now)
        uow.commit()
        return row.status


def _own(session: Session, claim: Claim) -> Notification | None:
    """The row, if it is still this claim's: sending, on the same attempt."""
    row = session.get(Notification, claim.notification_id, with_for_update=True)
    if row is None or row.status is not DeliveryStatus.SENDING or row.attempts != claim.attempt:
        return None
    return row


def _open_attempt(session: Session, notification_id: uuid.UUID) -> NotificationAttempt | None:
    return session.scalar(
        select(NotificationAttempt)
        .where(NotificationAttempt.notification_id == notification_id)
        .order_by(NotificationAttempt.number.desc())
        .limit(1)
    )


def _finish(
    session: Session,
    row: Notification,
    attempt: NotificationAttempt | None,
    now: datetime,
    *,
    outcome: str,
    error: str | None = None,
    provider_id: str | None = None,
) -> None:
    if attempt is not None:
        attempt.finished_at, attempt.outcome, attempt.error = now, outcome, error
    row.lease_until, row.last_error = None, error
    if outcome == "sent":
        row.status, row.sent_at, row.provider_id = DeliveryStatus.SENT, now, provider_id
    elif outcome == "failed":
        row.status, row.failed_at = DeliveryStatus.FAILED, now
    session.flush()


# --- people and admins ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[Notification]
    total: int
    unread: int
    limit: int
    offset: int


def inbox(
    svc: Services, actor: Actor | None, *, unread_only: bool, limit: int, offset: int
) -> InboxPage:
    """The caller's in-app notifications, newest first."""
    me = _me(actor)
    mine = (
        (Notification.recipient_user_id == me)
        & (Notification.channel == Channel.IN_APP)
        & (Notification.status == DeliveryStatus.SENT)
    )
    unread = mine & Notification.read_at.is_(None)
    where = unread if unread_only else mine
    with svc.uow() as uow:
        session = uow.session
        items = session.scalars(
            select(Notification)
            .where(where)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(limit)
            .offset(offset)
        ).all()
        total = session.scalar(select(func.count()).select_from(Notification).where(where)) or 0
        count = session.scalar(select(func.count()).select_from(Notification).where(unread)) or 0
        return InboxPage(list(items), total, count, limit, offset)


def mark_read(
    svc: Services, actor: Actor | None, notification_ids: Sequence[uuid.UUID] | None
) -> int:
    """Mark some (or, with None, all) of the caller's in-app notifications read."""
    me = _me(actor)
    now = svc.clock.now()
    with svc.uow() as uow:
        statement = (
            update(Notification)
            .where(
                Notification.recipient_user_id == me,
                Notification.channel == Channel.IN_APP,
                Notification.read_at.is_(None),
            )
            .values(read_at=now)
        )
        if notification_ids is not None:
            statement = statement.where(Notification.id.in_(list(notification_ids)))
        changed = uow.session.execute(statement).rowcount  # type: ignore[attr-defined]
        uow.commit()
        return int(changed)


def one_of_mine(svc: Services, actor: Actor | None, notification_id: uuid.UUID) -> Notification:
    me = _me(actor)
    with svc.uow() as uow:
        row = uow.session.get(Notification, notification_id)
        if row is None or row.recipient_user_id != me or row.channel is not Channel.IN_APP:
            raise NotFound(f"notification {notification_id} not found")
        return row


@dataclass(frozen=True, slots=True)
class Filters:
    status: DeliveryStatus | None = None
    channel: Channel | None = None
    template: str | None = None
    booking_id: uuid.UUID | None = None
    recipient_user_id: uuid.UUID | None = None


def search(
    svc: Services, actor: Actor | None, filters: Filters, *, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """Every notification, for admins: failed ones first of all."""
    _admin(actor)
    where = []
    for column, value in (
        (Notification.status, filters.status),
        (Notification.channel, filters.channel),
        (Notification.template, filters.template),
        (Notification.booking_id, filters.booking_id),
        (Notification.recipient_user_id, filters.recipient_user_id),
    ):
        if value is not None:
            where.append(column == value)
    with svc.uow() as uow:
        items = uow.session.scalars(
            select(Notification)
            .where(*where)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(limit)
            .offset(offset)
        ).all()
        total = (
            uow.session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
        )
        return list(items), total


def detail(
    svc: Services, actor: Actor | None, notification_id: uuid.UUID
) -> tuple[Notification, list[NotificationAttempt]]:
    _admin(actor)
    with svc.uow() as uow:
        row = uow.session.get(Notification, notification_id)
        if row is None:
            raise NotFound(f"notification {notification_id} not found")
        attempts = uow.session.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id == row.id)
            .order_by(NotificationAttempt.number)
        ).all()
        return row, list(attempts)


class NotFailed(Conflict):
    code = "notification_not_failed"


def retry(svc: Services, actor: Actor | None, notification_id: uuid.UUID) -> Notification:
    """An admin sends a failed notification again (after fixing SMTP, or an address), with
    a fresh round of attempts. Only a failed one: a sent message is never sent twice."""
    admin = _admin(actor)
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.session.get(Notification, notification_id, with_for_update=True)
        if row is None:
            raise NotFound(f"notification {notification_id} not found")
        if row.status is not DeliveryStatus.FAILED:
            raise NotFailed(f"only a failed notification can be retried; this one is {row.status}")
        row.status, row.failed_at, row.attempts, row.not_before = (
            DeliveryStatus.PENDING,
            None,
            0,
            now,
        )
        _queue(uow, row.id, at=now, now=now)
        record(
            uow.session,
            Change(
                "notification",
                row.id,
                "notification.retried",
                admin,
                from_state="failed",
                to_state="pending",
            ),
            at=now,
        )
        uow.commit()
        return row


def _me(actor: Actor | None) -> uuid.UUID:
    return preferences.me(actor)


def _admin(actor: Actor | None) -> uuid.UUID:
    """Admins only; others learn nothing, as on every admin route."""
    if actor is None:
        raise Unauthenticated("log in as an admin")
    require_admin(actor)
    return actor.user_id
