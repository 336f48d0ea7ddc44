"""Capabilities of connected accounts: ``GET /v1/accounts/{account}/capabilities[/{id}]`` and
``POST …/{id}`` to request or unrequest one. A capability is not stored on its own (its id,
``card_payments``, is only unique within an account): it is built from the account's hidden
``capabilities`` state and the status the requirement engine derived; status changes emit
``capability.updated`` (from ``accounts.refresh``)."""

from __future__ import annotations

from stripe_emulator.context import Ctx
from stripe_emulator.errors import missing
from stripe_emulator.params import Params
from stripe_emulator.render import expand
from stripe_emulator.resources import accounts
from stripe_emulator.routing import api
from stripe_emulator.store import Obj


def build(ctx: Ctx, account: Obj, name: str) -> Obj:
    """The ``capability`` object for ``name`` as the account stands now."""
    state = ctx.private(account).get("capabilities", {}).get(name) or {
        "requested": False,
        "requested_at": None,
    }
    status = "unrequested"
    if state["requested"]:
        status = (account.get("capabilities") or {}).get(name, "inactive")
    requirements = accounts.requirements()
    if status == "inactive":
        account_reqs = account["requirements"]
        rejected = ctx.private(account).get("rejected")
        if rejected:
            requirements = accounts.requirements(disabled_reason="rejected.other")
        else:
            due = account_reqs["currently_due"]
            requirements = accounts.requirements(
                due,
                account_reqs["eventually_due"],
                account_reqs["past_due"],
                "requirements.fields_needed" if due else "pending.onboarding",
                account_reqs["current_deadline"],
            )
    elif status == "active" and account["requirements"]["currently_due"]:
        reqs = account["requirements"]
        requirements = accounts.requirements(
            reqs["currently_due"], reqs["eventually_due"], [], None, reqs["current_deadline"]
        )
    return {
        "id": name,
        "object": "capability",
        "account": account["id"],
        "future_requirements": accounts.requirements(),
        "requested": bool(state["requested"]),
        "requested_at": state["requested_at"],
        "requirements": requirements,
        "status": status,
    }


def _known(name: str) -> None:
    if name not in accounts.CAPABILITIES:
        raise missing("capability", name, "capability")


@api.get("/v1/accounts/{account}/capabilities")
def listing(ctx: Ctx, params: Params, account: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    names = sorted(ctx.private(owner).get("capabilities", {}))
    result = {
        "object": "list",
        "data": [build(ctx, owner, name) for name in names],
        "has_more": False,
        "url": f"/v1/accounts/{owner['id']}/capabilities",
    }
    expanded: Obj = expand(ctx, result, params.expand())
    return expanded


@api.get("/v1/accounts/{account}/capabilities/{capability}")
def retrieve(ctx: Ctx, params: Params, account: str, capability: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    _known(capability)
    expanded: Obj = expand(ctx, build(ctx, owner, capability), params.expand())
    return expanded


@api.post("/v1/accounts/{account}/capabilities/{capability}")
def update(ctx: Ctx, params: Params, account: str, capability: str) -> Obj:
    params.reject_unknown(("requested",))
    owner = accounts.lookup(ctx, account)
    _known(capability)
    requested = params.flag("requested")
    if requested is not None:
        caps = ctx.private(owner).setdefault("capabilities", {})
        entry = caps.setdefault(capability, {"requested": False, "requested_at": None})
        if requested != entry["requested"]:
            entry.update(requested=requested, requested_at=ctx.now() if requested else None)
            ctx.store.bump()
            accounts.refresh(ctx, owner)
    expanded: Obj = expand(ctx, build(ctx, owner, capability), params.expand())
    return expanded
