"""Races between OS processes, each with its own engine; only PostgreSQL is shared, as with
several app servers on several machines."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import func, select

from innkeeper.accounts import organizations, service
from innkeeper.accounts.domain import Actor, MemberRole
from innkeeper.accounts.models import OrganizationMember, User
from innkeeper.core.errors import DomainError
from innkeeper.services import Services, build_services
from innkeeper.settings import Settings
from tests.builders import PASSWORD, actor_for, make_org, make_user

PROCESSES = 6


def _in_process(
    settings: Settings, url: str, barrier: Barrier, results: Any, job: str, arg: Any
) -> None:
    services = build_services(settings, url)
    try:
        barrier.wait(timeout=60)
        if job == "sign_up":
            service.sign_up(services, service.SignUp("Race@Example.com", PASSWORD, "Racer"))
        else:
            org_id, user_id, target = arg
            organizations.change_member_role(
                services,
                Actor(user_id, memberships={org_id: MemberRole.OWNER}),
                org_id,
                target,
                MemberRole.STAFF,
            )
        results.put("ok")
    except DomainError as exc:
        results.put(exc.code)
    except Exception as exc:  # anything else is a bug the test must show
        results.put(f"crash: {exc!r}")
    finally:
        services.close()


def _race(settings: Settings, url: str, jobs: list[tuple[str, Any]]) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(jobs)), context.Queue()
    processes = [
        context.Process(target=_in_process, args=(settings, url, barrier, results, job, arg))
        for job, arg in jobs
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    return outcomes


def test_simultaneous_sign_ups_for_one_email_make_one_account(
    settings: Settings, database_url: str, services: Services
) -> None:
    outcomes = _race(settings, database_url, [("sign_up", None)] * PROCESSES)
    assert outcomes == ["email_taken"] * (PROCESSES - 1) + ["ok"]
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(User)) == 1


def test_two_owners_demoting_each_other_leave_one_owner(
    settings: Settings, database_url: str, services: Services
) -> None:
    first, second = make_user(services), make_user(services)
    org = make_org(services, first)
    organizations.add_member(
        services, actor_for(services, first), org.id, second.email, MemberRole.OWNER
    )
    outcomes = _race(
        settings,
        database_url,
        [("demote", (org.id, first.id, second.id)), ("demote", (org.id, second.id, first.id))],
    )
    assert outcomes == ["forbidden", "ok"]  # the loser is no longer an owner when its turn comes
    with services.uow() as uow:
        owners = uow.session.scalar(
            select(func.count()).where(
                OrganizationMember.organization_id == org.id,
                OrganizationMember.role == MemberRole.OWNER,
            )
        )
    assert owners == 1
