"""The edges a message leaves by: SMTP for email, a Twilio-compatible HTTP API for SMS.

Both raise ``DeliveryError`` saying whether trying again can help: a refused address is
permanent, a timeout or a 4xx SMTP reply is not. The development mailbox (``mailbox``) is
not here: it writes to the database, inside the delivery's own transaction.

The SMS adapter speaks Twilio's Messages API with the standard library's HTTP client: the
official ``twilio`` package cannot be pointed at another base URL, and Twilio-compatible
providers (and our tests) need exactly that; the call is one form POST.
"""

from __future__ import annotations

import base64
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol

SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# CRLF line ends, and headers folded only past RFC 5322's hard limit: Python's folding of a
# long subject at 78 characters puts it all on a continuation line, which readers then
# show with a leading space.
MESSAGE_POLICY = policy.SMTP.clone(max_line_length=998)


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class File:
    filename: str
    content_type: str  # "text/calendar; method=PUBLISH"
    content: bytes


@dataclass(frozen=True, slots=True)
class Email:
    sender: str
    to: str
    subject: str
    text: str
    html: str | None
    message_id: str  # stable per notification: a resend after a crash carries the same one
    files: tuple[File, ...] = ()


def build(email: Email) -> EmailMessage:
    """The RFC 5322 message: plain text and HTML alternatives, then the attachments."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = email.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    for file in email.files:
        main, _, rest = file.content_type.partition("/")
        subtype, *params = [part.strip() for part in rest.split(";")]
        extra = dict(p.split("=", 1) for p in params if "=" in p)
        message.add_attachment(
            file.content, maintype=main, subtype=subtype, filename=file.filename, params=extra
        )
    return message


def message_id(notification_id: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "innkeeper.invalid"
    return f"<{notification_id}@{domain}>"


class EmailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmsTransport(Protocol):
    def send(self, to: str, body: str) -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    """``smtp://`` (plain, for a local relay), ``smtp+starttls://`` or ``smtps://`` with
    optional ``user:password@``; ``?cafile=/path`` trusts a private CA."""

    url: str
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise DeliveryError(
                "SMTP_URL must be smtp://, smtp+starttls:// or smtps://", permanent=False
            )
        port = parts.port or SMTP_SCHEMES[parts.scheme]
        context = self._tls_context(parts.query)
        try:
            client: smtplib.SMTP
            if parts.scheme == "smtps":
                client = smtplib.SMTP_SSL(
                    parts.hostname, port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(parts.hostname, port, timeout=self.timeout)
            with client:
                if parts.scheme == "smtp+starttls":
                    client.starttls(context=context)
                if parts.username:
                    client.login(
                        urllib.parse.unquote(parts.username),
                        urllib.parse.unquote(parts.password or ""),
                    )
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                f"recipient refused ({codes})", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as error:
            permanent = error.smtp_code >= 500 and not isinstance(
                error, smtplib.SMTPAuthenticationError
            )
            raise DeliveryError(f"SMTP {error.smtp_code}", permanent=permanent) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"SMTP unreachable: {type(error).__name__}", permanent=False
            ) from None

    @staticmethod
    def _tls_context(query: str) -> ssl.SSLContext:
        cafile = urllib.parse.parse_qs(query).get("cafile", [None])[0]
        return ssl.create_default_context(cafile=cafile)


@dataclass(frozen=True, slots=True)
class TwilioSms:
    """``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with To, From and Body."""

    base_url: str
    account_sid: str
    auth_token: str
    from_number: str
    timeout: float = 15.0

    def send(self, to: str, body: str) -> str:
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = urllib.parse.urlencode({"To": to, "From": self.from_number, "Body": body})
        secret = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=form.encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {secret}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            permanent = 400 <= error.code < 500 and error.code not in (401, 403, 408, 429)
            raise DeliveryError(
                f"SMS API {error.code}: {_twilio_error(error)}", permanent=permanent
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise DeliveryError(
                f"SMS API unreachable: {type(error).__name__}", permanent=False
            ) from None
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not isinstance(sid, str):
            raise DeliveryError("SMS API answered without a message sid", permanent=False)
        return sid


def _twilio_error(error: urllib.error.HTTPError) -> str:
    """Twilio's error code and message (never the request, which holds the number)."""
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        return "no details"
    if not isinstance(body, dict):
        return "no details"
    return f"{body.get('code', '?')} {str(body.get('message', ''))[:200]}".strip()
