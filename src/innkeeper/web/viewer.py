"""Who is looking at a page: the session cookie's user, or nobody.

Pages never read bearer tokens: a browser only ever has the cookie. An expired or revoked
session is simply "nobody" here (the page offers to log in) rather than a 401.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from innkeeper.accounts import organizations
from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import Actor, MemberRole
from innkeeper.accounts.models import Organization
from innkeeper.core.errors import DomainError, Forbidden, Unauthenticated
from innkeeper.deps import SESSION_COOKIE, ServicesDep


@dataclass(frozen=True, slots=True)
class Viewer:
    actor: Actor
    name: str
    email: str
    csrf_token: str
    session_secret: str

    @property
    def user_id(self) -> uuid.UUID:
        return self.actor.user_id

    @property
    def is_admin(self) -> bool:
        return self.actor.is_admin

    @property
    def is_host(self) -> bool:
        return bool(self.actor.memberships)


class LoginRequired(DomainError):
    """A page needs a logged-in viewer; the error handler redirects to the login page."""

    code = "login_required"


def current_viewer(request: Request, services: ServicesDep) -> Viewer | None:
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        auth = accounts.authenticate_session(services, secret)
    except Unauthenticated:
        return None
    profile = accounts.get_profile(services, auth.actor)
    viewer = Viewer(
        actor=profile.actor,
        name=profile.user.name,
        email=profile.user.email,
        csrf_token=auth.csrf_token or "",
        session_secret=secret,
    )
    request.state.viewer = viewer
    request.state.user_id = str(viewer.user_id)  # for the access log
    return viewer


def require_viewer(
    request: Request, viewer: Annotated[Viewer | None, Depends(current_viewer)]
) -> Viewer:
    if viewer is None:
        raise LoginRequired("log in to see this page")
    return viewer


def require_admin(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    if not viewer.is_admin:
        raise Forbidden("this page is for platform admins")
    return viewer


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


def host_organizations(
    services: ServicesDep, viewer: Viewer
) -> list[tuple[Organization, MemberRole]]:
    """The organizations the viewer works for, for the host area's switcher."""
    return list(organizations.list_my_organizations(services, viewer.actor))


MaybeViewer = Annotated[Viewer | None, Depends(current_viewer)]
ViewerDep = Annotated[Viewer, Depends(require_viewer)]
AdminDep = Annotated[Viewer, Depends(require_admin)]
