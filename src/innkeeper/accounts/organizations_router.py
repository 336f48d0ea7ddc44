"""Organizations API: create and edit organizations, manage members; admin listing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from innkeeper.accounts import organizations
from innkeeper.accounts.schemas import (
    MemberAdd,
    MemberOut,
    MemberUpdate,
    MyOrganizationOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
)
from innkeeper.deps import CurrentActor, OptionalActor, PagingDep, ServicesDep
from innkeeper.schemas import Page

router = APIRouter(tags=["organizations"])


@router.post("/organizations", status_code=status.HTTP_201_CREATED, response_model=OrganizationOut)
def create_organization(
    body: OrganizationCreate, services: ServicesDep, actor: OptionalActor
) -> OrganizationOut:
    """Open a host, provider or property-manager organization; the caller becomes its owner."""
    org = organizations.create_organization(
        services, actor, organizations.OrganizationDetails(**body.model_dump())
    )
    return OrganizationOut.model_validate(org)


@router.get("/organizations", response_model=list[MyOrganizationOut])
def my_organizations(services: ServicesDep, actor: CurrentActor) -> list[MyOrganizationOut]:
    """The organizations the caller belongs to, with the caller's role in each."""
    return [
        MyOrganizationOut(**OrganizationOut.model_validate(org).model_dump(), my_role=role)
        for org, role in organizations.list_my_organizations(services, actor)
    ]


@router.get("/organizations/{organization_id}", response_model=OrganizationOut)
def get_organization(
    organization_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> OrganizationOut:
    return OrganizationOut.model_validate(
        organizations.get_organization(services, actor, organization_id)
    )


@router.patch("/organizations/{organization_id}", response_model=OrganizationOut)
def update_organization(
    organization_id: uuid.UUID,
    body: OrganizationUpdate,
    services: ServicesDep,
    actor: OptionalActor,
) -> OrganizationOut:
    changes = body.model_dump(exclude_unset=True)
    org = organizations.update_organization(services, actor, organization_id, changes)
    return OrganizationOut.model_validate(org)


@router.get("/organizations/{organization_id}/members", response_model=list[MemberOut])
def list_members(
    organization_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> list[MemberOut]:
    return [
        MemberOut.model_validate(m)
        for m in organizations.list_members(services, actor, organization_id)
    ]


@router.post(
    "/organizations/{organization_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
)
def add_member(
    organization_id: uuid.UUID, body: MemberAdd, services: ServicesDep, actor: OptionalActor
) -> MemberOut:
    """Owners add an existing user by email, as owner, manager or staff."""
    member = organizations.add_member(services, actor, organization_id, body.email, body.role)
    return MemberOut.model_validate(member)


@router.patch("/organizations/{organization_id}/members/{user_id}", response_model=MemberOut)
def change_member_role(
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    body: MemberUpdate,
    services: ServicesDep,
    actor: OptionalActor,
) -> MemberOut:
    member = organizations.change_member_role(services, actor, organization_id, user_id, body.role)
    return MemberOut.model_validate(member)


@router.delete(
    "/organizations/{organization_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_member(
    organization_id: uuid.UUID, user_id: uuid.UUID, services: ServicesDep, actor: OptionalActor
) -> None:
    """Owners remove members; members may remove themselves. The last owner cannot leave."""
    organizations.remove_member(services, actor, organization_id, user_id)


@router.get("/admin/organizations", response_model=Page[OrganizationOut], tags=["admin"])
def admin_organizations(
    services: ServicesDep,
    actor: CurrentActor,
    paging: PagingDep,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[OrganizationOut]:
    rows, total = organizations.admin_organizations(
        services, actor, name_contains=name, limit=paging.limit, offset=paging.offset
    )
    items = [OrganizationOut.model_validate(org) for org in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
