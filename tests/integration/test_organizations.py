"""Organizations and members: owners manage members, an organization never loses its last
owner, and roles decide what a member may do."""

from __future__ import annotations

import pytest

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole, OrganizationKind
from innkeeper.core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from innkeeper.services import Services
from tests.builders import actor_for, make_org, make_user


def test_the_creator_owns_the_organization(services: Services) -> None:
    owner = make_user(services)
    org = make_org(services, owner, slug="marina-stays")
    assert actor_for(services, owner).memberships == {org.id: MemberRole.OWNER}
    listed = organizations.list_my_organizations(services, actor_for(services, owner))
    assert [(o.slug, role) for o, role in listed] == [("marina-stays", MemberRole.OWNER)]


def test_anonymous_callers_cannot_create_organizations(services: Services) -> None:
    details = organizations.OrganizationDetails(
        "X", "x", OrganizationKind.HOST, "a@example.com", "AE", "AED", "Asia/Dubai"
    )
    with pytest.raises(Unauthenticated):
        organizations.create_organization(services, None, details)


def test_slugs_are_unique(services: Services) -> None:
    owner = make_user(services)
    make_org(services, owner, slug="marina-stays")
    with pytest.raises(organizations.SlugTaken):
        make_org(services, owner, slug="marina-stays")


def test_bad_details_name_each_field(services: Services) -> None:
    owner = make_user(services)
    details = organizations.OrganizationDetails(
        " ", "Bad Slug", OrganizationKind.HOST, "a@example.com", "UAE", "XXX", "Dubai"
    )
    with pytest.raises(InvalidInput) as refused:
        organizations.create_organization(services, actor_for(services, owner), details)
    assert {p.field for p in refused.value.fields} == {
        "name",
        "slug",
        "country",
        "default_currency",
        "time_zone",
    }


def test_owner_adds_changes_and_removes_members(services: Services) -> None:
    owner, manager = make_user(services), make_user(services, email="manager@example.com")
    org = make_org(services, owner)
    boss = actor_for(services, owner)
    organizations.add_member(services, boss, org.id, "Manager@Example.com", MemberRole.STAFF)
    with pytest.raises(organizations.AlreadyMember):
        organizations.add_member(services, boss, org.id, "manager@example.com", MemberRole.STAFF)
    organizations.change_member_role(services, boss, org.id, manager.id, MemberRole.MANAGER)
    members = {m.email: m.role for m in organizations.list_members(services, boss, org.id)}
    assert members[manager.email] is MemberRole.MANAGER
    organizations.remove_member(services, boss, org.id, manager.id)
    assert actor_for(services, manager).memberships == {}


def test_unknown_users_cannot_be_added(services: Services) -> None:
    owner = make_user(services)
    org = make_org(services, owner)
    with pytest.raises(InvalidInput) as refused:
        organizations.add_member(
            services, actor_for(services, owner), org.id, "ghost@example.com", MemberRole.STAFF
        )
    assert refused.value.fields[0].field == "email"


def test_the_last_owner_cannot_leave_or_be_demoted(services: Services) -> None:
    owner = make_user(services)
    org = make_org(services, owner)
    boss = actor_for(services, owner)
    with pytest.raises(organizations.LastOwner):
        organizations.change_member_role(services, boss, org.id, owner.id, MemberRole.MANAGER)
    with pytest.raises(organizations.LastOwner):
        organizations.remove_member(services, boss, org.id, owner.id)
    second = make_user(services, email="second@example.com")
    organizations.add_member(services, boss, org.id, second.email, MemberRole.OWNER)
    organizations.remove_member(services, boss, org.id, owner.id)  # now allowed


def test_members_may_leave_but_not_remove_others(services: Services) -> None:
    owner, staff, other = make_user(services), make_user(services), make_user(services)
    org = make_org(services, owner)
    boss = actor_for(services, owner)
    organizations.add_member(services, boss, org.id, staff.email, MemberRole.STAFF)
    organizations.add_member(services, boss, org.id, other.email, MemberRole.STAFF)
    with pytest.raises(Forbidden):
        organizations.remove_member(services, actor_for(services, staff), org.id, other.id)
    organizations.remove_member(services, actor_for(services, staff), org.id, staff.id)
    assert actor_for(services, staff).memberships == {}


def test_managers_cannot_manage_members_or_edit_the_organization(services: Services) -> None:
    owner, manager = make_user(services), make_user(services)
    org = make_org(services, owner)
    organizations.add_member(
        services, actor_for(services, owner), org.id, manager.email, MemberRole.MANAGER
    )
    as_manager = actor_for(services, manager)
    with pytest.raises(Forbidden):
        organizations.add_member(services, as_manager, org.id, owner.email, MemberRole.STAFF)
    with pytest.raises(Forbidden):
        organizations.update_organization(services, as_manager, org.id, {"name": "Mine now"})


def test_outsiders_are_told_nothing(services: Services) -> None:
    owner, outsider = make_user(services), make_user(services)
    org = make_org(services, owner)
    with pytest.raises(NotFound):
        organizations.get_organization(services, actor_for(services, outsider), org.id)
    with pytest.raises(NotFound):
        organizations.list_members(services, actor_for(services, outsider), org.id)


def test_owner_edits_the_organization(services: Services) -> None:
    owner = make_user(services)
    org = make_org(services, owner, slug="old-name")
    updated = organizations.update_organization(
        services, actor_for(services, owner), org.id, {"name": "New Name", "slug": "new-name"}
    )
    assert (updated.name, updated.slug) == ("New Name", "new-name")
    with pytest.raises(InvalidInput):
        organizations.update_organization(
            services, actor_for(services, owner), org.id, {"time_zone": "Nowhere"}
        )


def test_a_demoted_owner_cannot_act_on_a_stale_role(services: Services) -> None:
    first, second, newcomer = make_user(services), make_user(services), make_user(services)
    org = make_org(services, first)
    organizations.add_member(
        services, actor_for(services, first), org.id, second.email, MemberRole.OWNER
    )
    stale = actor_for(services, first)  # read while still an owner
    organizations.change_member_role(
        services, actor_for(services, second), org.id, first.id, MemberRole.STAFF
    )
    with pytest.raises(Forbidden):
        organizations.add_member(services, stale, org.id, newcomer.email, MemberRole.OWNER)
