"""``/admin/webhooks``: the Stripe event inbox. Find events by type, status or object, read
one with its payload and the effects of every run, and replay it, or every dead event of
a type once the bug that killed them is fixed.

A replay only queues the event again (the service's rule): a worker runs its handler from
Stripe's current state, so the page shows it as received until then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper import api
from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.services import Services
from innkeeper.web.admin.common import PAGE_SIZE, Filters, options
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import AdminDep, Viewer
from innkeeper.webhooks import service as inbox
from innkeeper.webhooks.domain import EventStatus
from innkeeper.webhooks.models import EventEffect

router = page_router()
LIST = "/admin/webhooks"


@router.get(LIST, response_class=HTMLResponse)
def event_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    return _list(request, viewer, services)


@router.post(LIST + "/replay", response_class=HTMLResponse)
def replay_dead(
    request: Request, viewer: AdminDep, form: CheckedForm, services: ServicesDep
) -> Response:
    """Every dead event of one type (or a prefix with ``*``) goes back to the queue."""
    reader = FormReader(form)
    type_ = reader.text("replay_type", max_length=100)
    if type_:
        try:
            queued = inbox.replay_matching(
                services, viewer.actor, inbox.Filters(type=type_, status=EventStatus.DEAD)
            )
        except DomainError as error:
            reader.absorb(error)
            return _list(request, viewer, services, reader, status=api.status_for(error))
        count = len(queued)
        return redirect(
            f"{LIST}?type={type_}",
            flash=f"Queued {count} dead {type_} event{'s' if count != 1 else ''} again.",
        )
    return _list(request, viewer, services, reader, status=422)


@router.get(LIST + "/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: str, viewer: AdminDep, services: ServicesDep
               ) -> Response:  # fmt: skip
    found = inbox.detail(services, viewer.actor, event_id)
    return render(
        request, "admin/webhook.html.j2", event=found.event, runs=_runs(found.effects),
        payload=json.dumps(found.event.payload, indent=2, ensure_ascii=False),
    )  # fmt: skip


@router.post(LIST + "/{event_id}/replay")
def replay_one(event_id: str, viewer: AdminDep, form: CheckedForm, services: ServicesDep
               ) -> Response:  # fmt: skip
    queued = inbox.replay(services, viewer.actor, [event_id])
    message = (
        "Replay queued: the handler runs again from Stripe's current state."
        if queued
        else "The event is being processed right now; it was left to its worker."
    )
    return redirect(f"{LIST}/{event_id}", flash=message)


def _list(
    request: Request, viewer: Viewer, services: Services, reader: FormReader | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    filters = Filters(request)
    chosen = inbox.Filters(
        type=filters.text("type", max_length=100), status=filters.choice("status", EventStatus),
        object_id=filters.text("object", max_length=100),
    )  # fmt: skip
    page = inbox.search(services, viewer.actor, chosen, limit=PAGE_SIZE, offset=filters.offset)
    replay_form = reader.values if reader else {"replay_type": chosen.type or ""}
    return render(
        request, "admin/webhooks.html.j2", status=422 if filters.errors else status,
        page=page, base=filters.base(), form=filters.values, errors=filters.errors,
        status_options=options(EventStatus), replay_form=replay_form,
        replay_errors=reader.errors if reader else {},
    )  # fmt: skip


def _runs(effects: Sequence[EventEffect]) -> list[tuple[int, list[EventEffect]]]:
    """The effects by handler run (attempt number, effects), the latest run first. A run
    ends where the attempt number changes or with its ``failed`` effect (a replay starts
    counting attempts again)."""
    runs: list[tuple[int, list[EventEffect]]] = []
    for effect in effects:
        last = runs[-1] if runs else None
        if last is None or last[0] != effect.attempt or last[1][-1].kind == "failed":
            runs.append((effect.attempt, [effect]))
        else:
            last[1].append(effect)
    return list(reversed(runs))
