"""CSRF for HTML forms: every POST carries a token in the ``csrf_token`` field.

A logged-in viewer's token is the session's own (the same one the API's ``X-CSRF-Token``
header carries). Before logging in, the login and sign-up forms use a double-submit token:
a random ``innkeeper_csrf`` cookie that the form must repeat. A cross-site page can make the
browser send the cookie but can never read it, so it cannot fill in the field.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from innkeeper.deps import CsrfFailed
from innkeeper.web.viewer import MaybeViewer

ANON_COOKIE = "innkeeper_csrf"
FIELD = "csrf_token"


def token_for(request: Request, viewer: object | None) -> str:
    """The token a form on this page must carry; a new anonymous one is remembered on
    ``request.state`` so ``render`` can set its cookie."""
    session_token = getattr(viewer, "csrf_token", None)
    if session_token:
        return str(session_token)
    existing = request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_csrf", None)
    if existing:
        return str(existing)
    fresh = secrets.token_urlsafe(24)
    request.state.new_csrf = fresh
    return fresh


async def checked_form(request: Request, viewer: MaybeViewer) -> FormData:
    """The submitted form, once its token matches; otherwise a 403 page."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = viewer.csrf_token if viewer is not None else request.cookies.get(ANON_COOKIE, "")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise CsrfFailed("the form expired or came from another site; reload the page and retry")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
