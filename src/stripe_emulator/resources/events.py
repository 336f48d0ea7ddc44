"""Events: ``GET /v1/events`` (filters ``type``, ``types[]``, ``created``,
``delivery_success``) and ``GET /v1/events/{id}``."""

from __future__ import annotations

import fnmatch

from stripe_emulator.context import Ctx
from stripe_emulator.params import Params
from stripe_emulator.render import created_filter, page, respond
from stripe_emulator.routing import api
from stripe_emulator.store import Obj


@api.get("/v1/events")
def listing(ctx: Ctx, params: Params) -> Obj:
    wanted = [params.text("type")] if params.text("type") else params.strings("types")
    created = created_filter(params)
    success = params.flag("delivery_success")

    def accept(event: Obj) -> bool:
        if wanted and not any(fnmatch.fnmatchcase(event["type"], w or "") for w in wanted):
            return False
        if success is not None and (event["pending_webhooks"] == 0) != success:
            return False
        return bool(created(event))

    return page(ctx, ctx.store.objects("event", ctx.account, accept), params, "/v1/events")


@api.get("/v1/events/{event}")
def retrieve(ctx: Ctx, params: Params, event: str) -> Obj:
    return respond(ctx, ctx.get(event, "event"), params)
