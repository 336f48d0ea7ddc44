"""FastAPI dependencies shared by every router: services, the caller, paging, client address.

Authentication: ``Authorization: Bearer ikt_...`` for the API, or the ``innkeeper_session``
cookie for pages. A cookie-authenticated request that changes something must also send the
session's CSRF token in ``X-CSRF-Token``: a cookie alone never authorizes a write.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import Actor
from innkeeper.core.errors import Forbidden, Unauthenticated
from innkeeper.services import Services

SESSION_COOKIE = "innkeeper_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def authenticate(request: Request, services: ServicesDep) -> accounts.Authenticated | None:
    """The caller, or None when no credentials were sent. Bad credentials are a 401."""
    cached: accounts.Authenticated | None = getattr(request.state, "authenticated", None)
    if cached is not None:
        return cached
    result = _from_bearer(request, services) or _from_cookie(request, services)
    if result is not None:
        request.state.authenticated = result
        request.state.user_id = str(result.actor.user_id)  # for the access log
    return result


def _from_bearer(request: Request, services: Services) -> accounts.Authenticated | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("use 'Authorization: Bearer <API token>'")
    return accounts.authenticate_token(services, secret.strip())


def _from_cookie(request: Request, services: Services) -> accounts.Authenticated | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    result = accounts.authenticate_session(services, secret)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not result.csrf_token or not secrets.compare_digest(sent, result.csrf_token):
            raise CsrfFailed(f"cookie-authenticated writes need the {CSRF_HEADER} header")
    return result


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def optional_actor(
    auth: Annotated[accounts.Authenticated | None, Depends(authenticate)],
) -> Actor | None:
    return None if auth is None else auth.actor


def require_actor(
    auth: Annotated[accounts.Authenticated | None, Depends(authenticate)],
) -> Actor:
    if auth is None:
        raise Unauthenticated("log in, or send an API token")
    return auth.actor


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(require_actor)]
AuthDep = Annotated[accounts.Authenticated | None, Depends(authenticate)]


def client_ip(request: Request) -> str | None:
    """The peer's IP address, or None when the peer is not an IP (a Unix socket, a test).

    uvicorn resolves X-Forwarded-For from trusted proxies only (``--forwarded-allow-ips``).
    """
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


ClientIp = Annotated[str | None, Depends(client_ip)]


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Items to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=100,
            pattern=r"^[\x21-\x7e]+$",
            description="Send the same key again to get the first answer, never a second charge",
        ),
    ] = None,
) -> str | None:
    """The caller's key for a money-moving POST: a retried request (a timeout, a second
    click) with the same key finds the first one's result instead of moving money again."""
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
