"""Accounts API: sign-up, sessions, API tokens, the caller's profile, and admin user tools."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from innkeeper.accounts import service
from innkeeper.accounts.domain import PlatformRole
from innkeeper.accounts.schemas import (
    AdminUserOut,
    LoginRequest,
    MembershipOut,
    PasswordChange,
    ProfileOut,
    ProfileUpdate,
    SessionOut,
    SignUpRequest,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserOut,
)
from innkeeper.deps import SESSION_COOKIE, AuthDep, ClientIp, CurrentActor, PagingDep, ServicesDep
from innkeeper.schemas import Page
from innkeeper.services import Services

router = APIRouter(tags=["accounts"])


def _set_session_cookie(
    response: Response, services: Services, issued: service.IssuedSession
) -> SessionOut:
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=services.settings.session_days * 86400,
        httponly=True,
        secure=services.settings.session_cookie_secure,
        samesite="lax",
        path="/",
    )
    return SessionOut(
        user=UserOut.model_validate(issued.user),
        csrf_token=issued.csrf_token,
        expires_at=issued.expires_at,
    )


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=SessionOut)
def sign_up(body: SignUpRequest, response: Response, services: ServicesDep) -> SessionOut:
    """Create an account (every user is a guest) and start a browser session."""
    issued = service.sign_up(services, service.SignUp(**body.model_dump()))
    return _set_session_cookie(response, services, issued)


@router.post("/auth/login", response_model=SessionOut)
def log_in(
    body: LoginRequest, response: Response, services: ServicesDep, ip: ClientIp
) -> SessionOut:
    """Start a browser session (an HttpOnly cookie). Throttled per email and per address."""
    issued = service.log_in(services, body.email, body.password, ip_address=ip)
    return _set_session_cookie(response, services, issued)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def log_out(request: Request, services: ServicesDep, auth: AuthDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and auth is not None:  # authenticate() already checked the CSRF token
        service.log_out(services, secret)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(body: TokenCreate, services: ServicesDep, ip: ClientIp) -> TokenCreated:
    """Exchange email and password for a bearer token, for scripts and integrations."""
    issued = service.create_api_token(
        services,
        body.email,
        body.password,
        name=body.name,
        expires_in_days=body.expires_in_days,
        ip_address=ip,
    )
    return TokenCreated(**TokenOut.model_validate(issued.token).model_dump(), token=issued.secret)


@router.get("/me", response_model=ProfileOut)
def me(services: ServicesDep, actor: CurrentActor) -> ProfileOut:
    return _profile(service.get_profile(services, actor))


@router.patch("/me", response_model=ProfileOut)
def update_me(body: ProfileUpdate, services: ServicesDep, actor: CurrentActor) -> ProfileOut:
    sent = body.model_dump(exclude_unset=True)
    changes = service.ProfileChanges(
        name=sent.get("name"),
        phone=sent.get("phone"),
        locale=sent.get("locale"),
        time_zone=sent.get("time_zone"),
        clear_phone="phone" in sent and sent["phone"] is None,
    )
    return _profile(service.update_profile(services, actor, changes))


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, services: ServicesDep, auth: AuthDep, actor: CurrentActor
) -> None:
    """Change the password; every other browser session is signed out."""
    keep = auth.session_id if auth is not None else None
    service.change_password(
        services, actor, body.current_password, body.new_password, keep_session=keep
    )


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(services: ServicesDep, actor: CurrentActor) -> list[TokenOut]:
    return [TokenOut.model_validate(token) for token in service.list_api_tokens(services, actor)]


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: uuid.UUID, services: ServicesDep, actor: CurrentActor) -> None:
    service.revoke_api_token(services, actor, token_id)


@router.get("/admin/users", response_model=Page[AdminUserOut], tags=["admin"])
def admin_users(
    services: ServicesDep,
    actor: CurrentActor,
    paging: PagingDep,
    email: Annotated[str | None, Query(max_length=320, description="Part of the email")] = None,
    role: PlatformRole | None = None,
) -> Page[AdminUserOut]:
    rows, total = service.admin_users(
        services, actor, email_contains=email, role=role, limit=paging.limit, offset=paging.offset
    )
    items = [
        AdminUserOut(
            **UserOut.model_validate(row.user).model_dump(),
            is_active=row.user.is_active,
            roles=row.roles,
        )
        for row in rows
    ]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.put(
    "/admin/users/{user_id}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, tags=["admin"]
)
def grant_role(
    user_id: uuid.UUID, role: PlatformRole, services: ServicesDep, actor: CurrentActor
) -> None:
    service.grant_role(services, actor, user_id, role)


@router.delete(
    "/admin/users/{user_id}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, tags=["admin"]
)
def revoke_role(
    user_id: uuid.UUID, role: PlatformRole, services: ServicesDep, actor: CurrentActor
) -> None:
    service.revoke_role(services, actor, user_id, role)


def _profile(profile: service.Profile) -> ProfileOut:
    return ProfileOut(
        **UserOut.model_validate(profile.user).model_dump(),
        roles=profile.roles,
        memberships=[
            MembershipOut(organization_id=org_id, role=role)
            for org_id, role in profile.actor.memberships.items()
        ],
    )
