"""The development mailbox pages: every email and SMS the server "sent", readable in a
browser at ``/dev/mailbox`` (never in production). The email's own HTML is shown in a
sandboxed frame, so nothing in a message can script the page."""

from __future__ import annotations

import functools
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader

from innkeeper.core.errors import NotFound
from innkeeper.deps import ServicesDep
from innkeeper.notifications import mailbox

router = APIRouter(include_in_schema=False)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; frame-src 'self'",
    "X-Frame-Options": "DENY",
}


@router.get("/dev/mailbox", response_class=HTMLResponse)
def mailbox_page(
    services: ServicesDep,
    to: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    mailbox.require_visible(services)
    items, total = mailbox.recent(services, to=to, limit=limit, offset=offset)
    page = (
        _env()
        .get_template("dev/mailbox.j2")
        .render(items=items, total=total, to=to, limit=limit, offset=offset)
    )
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/dev/mailbox/{message_id}", response_class=HTMLResponse)
def letter_page(message_id: uuid.UUID, services: ServicesDep) -> HTMLResponse:
    mailbox.require_visible(services)
    found = mailbox.letter(services, message_id)
    page = _env().get_template("dev/letter.j2").render(m=found.message, files=found.attachments)
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/dev/mailbox/{message_id}/raw")
def raw_message(message_id: uuid.UUID, services: ServicesDep) -> Response:
    mailbox.require_visible(services)
    found = mailbox.letter(services, message_id).message
    if found.raw is None:
        raise NotFound("an SMS has no email source")
    return Response(
        found.raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{message_id}.eml"'},
    )


@router.get("/dev/mailbox/{message_id}/attachments/{attachment_id}")
def attachment_file(message_id: uuid.UUID, attachment_id: int, services: ServicesDep) -> Response:
    mailbox.require_visible(services)
    found = mailbox.attachment(services, message_id, attachment_id)
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@functools.cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("innkeeper.notifications", "templates"), autoescape=True
    )
