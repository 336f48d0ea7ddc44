"""Becoming a host: open an organization (the viewer becomes its owner), then add a listing."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import OrganizationKind
from innkeeper.accounts.schemas import OrganizationCreate
from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.listings import absorb, shaped
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import ViewerDep

router = page_router()

ORGANIZATION_KINDS = [
    (OrganizationKind.HOST.value, "A host: my own homes"),
    (OrganizationKind.PROPERTY_MANAGER.value, "A property manager: homes for their owners"),
    (OrganizationKind.PROVIDER.value, "A provider: experiences, tours, transport"),
]
ORGANIZATION_FIELDS = {
    name: name
    for name in (
        "name", "slug", "kind", "contact_email", "contact_phone", "phone", "country",
        "default_currency", "time_zone",
    )
} | {"phone": "contact_phone"}  # fmt: skip


def organization_body(reader: FormReader) -> dict[str, object]:
    """The organization form as ``POST /organizations`` takes it."""
    return {
        "name": reader.text("name", max_length=200),
        "slug": (reader.text("slug", max_length=80) or "").lower(),
        "kind": reader.choice("kind", [k for k, _ in ORGANIZATION_KINDS]),
        "contact_email": reader.email("contact_email"),
        "contact_phone": reader.text("contact_phone", required=False, max_length=30),
        "country": (reader.text("country", max_length=2) or "").upper(),
        "default_currency": (reader.text("default_currency", max_length=3) or "").upper(),
        "time_zone": reader.text("time_zone", max_length=64),
    }


@router.get("/host/new", response_class=HTMLResponse)
def new_host_page(request: Request, viewer: ViewerDep) -> Response:
    form = {
        "kind": OrganizationKind.HOST.value,
        "contact_email": viewer.email,
        "country": "AE",
        "default_currency": "AED",
        "time_zone": "Asia/Dubai",
    }
    return render(request, "host/new.html.j2", form=form, kinds=ORGANIZATION_KINDS)


@router.post("/host/new", response_class=HTMLResponse)
def become_host(
    request: Request, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    body = organization_body(reader)
    if reader.ok:
        shape = shaped(reader, OrganizationCreate, body, ORGANIZATION_FIELDS)
        if shape is not None:
            details = organizations.OrganizationDetails(**shape.model_dump())
            try:
                org = organizations.create_organization(services, viewer.actor, details)
            except DomainError as error:
                absorb(reader, error, ORGANIZATION_FIELDS)
            else:
                return redirect(
                    f"/host/{org.id}/listings/new",
                    flash=f"{org.name} is open, and you are its owner. Now add your first listing.",
                )
    return render(
        request,
        "host/new.html.j2",
        status=422,
        form=reader.values,
        errors=reader.errors,
        kinds=ORGANIZATION_KINDS,
    )
