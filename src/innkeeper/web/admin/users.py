"""``/admin/users``: every user, searchable by email or role, and granting or revoking
platform roles."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper import api
from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import PlatformRole
from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.services import Services
from innkeeper.web.admin.common import PAGE_SIZE, Filters, options
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import AdminDep, Viewer

router = page_router()
LIST = "/admin/users"
ROLES = [(role.value, role.value.replace("_", " ")) for role in PlatformRole]


@router.get(LIST, response_class=HTMLResponse)
def user_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    return _list(request, viewer, services)


@router.post(LIST + "/{user_id}/roles", response_class=HTMLResponse)
def grant_role(
    request: Request, user_id: uuid.UUID, viewer: AdminDep, form: CheckedForm,
    services: ServicesDep,
) -> Response:  # fmt: skip
    reader = FormReader(form)
    role = reader.choice("role", [r.value for r in PlatformRole])
    if role is not None:
        try:
            accounts.grant_role(services, viewer.actor, user_id, PlatformRole(role))
        except DomainError as error:
            return _list(request, viewer, services, error=error, back=reader.raw("next"))
        return redirect(_back(reader.raw("next")), flash=f"Granted {role.replace('_', ' ')}.")
    return _list(request, viewer, services, message="Choose a role to grant.", status=422,
                 back=reader.raw("next"))  # fmt: skip


@router.post(LIST + "/{user_id}/roles/{role}/revoke", response_class=HTMLResponse)
def revoke_role(
    request: Request, user_id: uuid.UUID, role: PlatformRole, viewer: AdminDep,
    form: CheckedForm, services: ServicesDep,
) -> Response:  # fmt: skip
    reader = FormReader(form)
    try:
        accounts.revoke_role(services, viewer.actor, user_id, role)
    except DomainError as error:
        return _list(request, viewer, services, error=error, back=reader.raw("next"))
    return redirect(_back(reader.raw("next")), flash=f"Revoked {role.value.replace('_', ' ')}.")


def _list(
    request: Request,
    viewer: Viewer,
    services: Services,
    *,
    error: DomainError | None = None,
    message: str | None = None,
    status: int = 200,
    back: str = "",
) -> Response:
    """The list, filtered by the query string (or, after a refused POST, by the filters
    the list had when the form was sent)."""
    filters = Filters(request, path=LIST, query=_back(back).partition("?")[2] if back else None)
    email = filters.text("email", max_length=320)
    role = filters.choice("role", PlatformRole)
    rows, total = accounts.admin_users(
        services, viewer.actor, email_contains=email, role=role, limit=PAGE_SIZE,
        offset=filters.offset,
    )  # fmt: skip
    errors = dict(filters.errors)
    if error is not None:
        errors[FORM_ERROR] = error.message
        status = api.status_for(error)
    elif message is not None:
        errors[FORM_ERROR] = message
    return render(
        request, "admin/users.html.j2", status=422 if filters.errors else status,
        users=rows, total=total, limit=PAGE_SIZE, offset=filters.offset, base=filters.base(),
        form=filters.values, errors=errors, roles=ROLES, role_options=options(PlatformRole),
        here=filters.base(),
    )  # fmt: skip


def _back(target: str) -> str:
    """Back to the list the form was on; only ever this list."""
    return target if target.startswith(LIST) and "//" not in target else LIST
