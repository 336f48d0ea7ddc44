"""The organization's settings: its profile, and its team (add by email, change a role,
remove or leave), with the permission rules of the organizations API."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole, Permission
from innkeeper.accounts.schemas import MemberAdd, OrganizationUpdate
from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.host.listings import absorb, shaped
from innkeeper.web.host.onboarding import ORGANIZATION_FIELDS, ORGANIZATION_KINDS, organization_body
from innkeeper.web.render import redirect, render

router = page_router()
ROLES = [
    (MemberRole.OWNER.value, "Owner: everything, including the team and payouts"),
    (MemberRole.MANAGER.value, "Manager: listings, prices and bookings"),
    (MemberRole.STAFF.value, "Staff: sees bookings, checks guests in and out"),
]


@router.get("/host/{org_id}/settings", response_class=HTMLResponse)
def settings_page(request: Request, host: HostDep, services: ServicesDep) -> Response:
    return _page(request, services, host)


@router.post("/host/{org_id}/settings", response_class=HTMLResponse)
def update_profile(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    body = organization_body(reader)
    if reader.ok:
        shape = shaped(reader, OrganizationUpdate, body, ORGANIZATION_FIELDS)
        if shape is not None:
            changes = shape.model_dump()
            try:
                organizations.update_organization(services, host.viewer.actor, host.org_id, changes)
            except DomainError as error:
                absorb(reader, error, ORGANIZATION_FIELDS)
            else:
                return redirect(
                    f"{host.base}/settings", flash="The organization's profile is saved."
                )
    return _page(request, services, host, reader, "profile")


@router.post("/host/{org_id}/settings/members", response_class=HTMLResponse)
def add_member(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    body = {
        "email": reader.email("email"),
        "role": reader.choice("role", [r for r, _ in ROLES]),
    }
    if reader.ok:
        shape = shaped(reader, MemberAdd, body, {"email": "email", "role": "role"})
        if shape is not None:
            try:
                member = organizations.add_member(
                    services, host.viewer.actor, host.org_id, shape.email, shape.role
                )
            except DomainError as error:
                absorb(reader, error, {"email": "email", "role": "role"})
            else:
                return redirect(
                    f"{host.base}/settings#team",
                    flash=f"{member.name} joined the team as {member.role}.",
                )
    return _page(request, services, host, reader, "add")


@router.post("/host/{org_id}/settings/members/{user_id}", response_class=HTMLResponse)
def change_role(
    request: Request,
    user_id: uuid.UUID,
    host: HostDep,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    reader = FormReader(form)
    role = reader.choice("role", [r for r, _ in ROLES])
    if reader.ok and role is not None:
        try:
            member = organizations.change_member_role(
                services, host.viewer.actor, host.org_id, user_id, MemberRole(role)
            )
        except DomainError as error:
            absorb(reader, error)
        else:
            return redirect(
                f"{host.base}/settings#team", flash=f"{member.name} is now {member.role}."
            )
    return _page(request, services, host, reader, f"member-{user_id}")


@router.post("/host/{org_id}/settings/members/{user_id}/remove", response_class=HTMLResponse)
def remove_member(
    request: Request,
    user_id: uuid.UUID,
    host: HostDep,
    form: CheckedForm,
    services: ServicesDep,
) -> Response:
    reader = FormReader(form)
    try:
        organizations.remove_member(services, host.viewer.actor, host.org_id, user_id)
    except DomainError as error:
        absorb(reader, error)
        return _page(request, services, host, reader, f"member-{user_id}")
    if user_id == host.viewer.user_id:
        return redirect("/host", flash=f"You left {host.org.name}.")
    return redirect(f"{host.base}/settings#team", flash="Removed from the team.")


def _page(
    request: Request,
    services: Services,
    host: HostContext,
    reader: FormReader | None = None,
    section: str = "",
) -> Response:
    org = host.org
    members = organizations.list_members(services, host.viewer.actor, host.org_id)
    profile: dict[str, Any] = {
        "name": org.name,
        "slug": org.slug,
        "kind": org.kind.value,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone or "",
        "country": org.country,
        "default_currency": org.default_currency,
        "time_zone": org.time_zone,
    }
    return render(
        request,
        "host/settings.html.j2",
        status=422 if reader is not None else 200,
        profile=reader.values if reader and section == "profile" else profile,
        profile_errors=reader.errors if reader and section == "profile" else {},
        form=reader.values if reader and section != "profile" else {},
        errors=reader.errors if reader and section != "profile" else {},
        section=section,
        members=members,
        roles=ROLES,
        kinds=ORGANIZATION_KINDS,
        may_edit=host.may(Permission.EDIT_ORGANIZATION),
        may_manage=host.may(Permission.MANAGE_MEMBERS),
        me=host.viewer.user_id,
        **host.layout(),
    )
