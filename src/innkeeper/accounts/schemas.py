"""Request and response shapes for accounts and organizations. Shape only: meaning is
checked by the domain and services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from innkeeper.accounts.domain import MemberRole, OrganizationKind, PlatformRole
from innkeeper.core.zones import is_time_zone
from innkeeper.schemas import StrictInput

Password = Annotated[str, Field(min_length=1, max_length=256)]
Locale = Literal["en", "ar"]


Strict = StrictInput


def _zone(value: str | None) -> str | None:
    if value is not None and not is_time_zone(value):
        raise ValueError("must be an IANA time zone such as Asia/Dubai")
    return value


class SignUpRequest(Strict):
    email: EmailStr
    password: Password
    name: Annotated[str, Field(min_length=1, max_length=200)]
    phone: Annotated[str | None, Field(max_length=30)] = None
    locale: Locale = "en"
    time_zone: str = "Asia/Dubai"

    _check_zone = field_validator("time_zone")(_zone)


class LoginRequest(Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Password


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    phone: str | None
    locale: str
    time_zone: str
    created_at: datetime


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send as X-CSRF-Token on cookie-authenticated writes")
    expires_at: datetime


class MembershipOut(BaseModel):
    organization_id: uuid.UUID
    role: MemberRole


class ProfileOut(UserOut):
    roles: list[PlatformRole]
    memberships: list[MembershipOut]


class ProfileUpdate(Strict):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    phone: Annotated[str | None, Field(max_length=30)] = None
    locale: Locale | None = None
    time_zone: str | None = None

    _check_zone = field_validator("time_zone")(_zone)


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


class TokenCreate(Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Password
    name: Annotated[str, Field(min_length=1, max_length=100)]
    expires_in_days: Annotated[int | None, Field(ge=1, le=365)] = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    token_prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="The bearer token. Shown once; store it now.")


class OrganizationCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    slug: Annotated[str, Field(min_length=1, max_length=80)]
    kind: OrganizationKind
    contact_email: EmailStr
    contact_phone: Annotated[str | None, Field(max_length=30)] = None
    country: Annotated[str, Field(min_length=2, max_length=2)] = "AE"
    default_currency: Annotated[str, Field(min_length=3, max_length=3)] = "AED"
    time_zone: str = "Asia/Dubai"


class OrganizationUpdate(Strict):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    slug: Annotated[str | None, Field(min_length=1, max_length=80)] = None
    kind: OrganizationKind | None = None
    contact_email: EmailStr | None = None
    contact_phone: Annotated[str | None, Field(max_length=30)] = None
    country: Annotated[str | None, Field(min_length=2, max_length=2)] = None
    default_currency: Annotated[str | None, Field(min_length=3, max_length=3)] = None
    time_zone: str | None = None


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    kind: OrganizationKind
    contact_email: str
    contact_phone: str | None
    country: str
    default_currency: str
    time_zone: str
    created_at: datetime


class MyOrganizationOut(OrganizationOut):
    my_role: MemberRole


class MemberAdd(Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    role: MemberRole


class MemberUpdate(Strict):
    role: MemberRole


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    email: str
    name: str
    role: MemberRole


class AdminUserOut(UserOut):
    is_active: bool
    roles: list[PlatformRole]
