"""Account links (``POST /v1/account_links``) and Express Dashboard login links
(``POST /v1/accounts/{account}/login_links``).

An account link is a single-use URL to the emulator's hosted onboarding page
(``onboarding.py``), valid for 300 seconds of the emulator clock. Links are not retrievable
objects in Stripe, so their state lives in the account's private ``links`` (keyed by the
link's token): account, type, URLs, ``expires_at`` and whether it was visited."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import invalid
from stripe_emulator.params import Params
from stripe_emulator.render import respond
from stripe_emulator.resources import accounts
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

LIFETIME = 300


def _url(params: Params, key: str) -> str:
    value = params.text(key, required=True) or ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(f"Not a valid URL: {value}", key, code="url_invalid")
    return value


def link_state(ctx: Ctx, account: Obj, token: str) -> dict[str, Any] | None:
    links: dict[str, dict[str, Any]] = ctx.private(account).get("links", {})
    return links.get(token)


@api.post("/v1/account_links")
def create(ctx: Ctx, params: Params) -> Obj:
    params.reject_unknown(
        ("account", "type", "refresh_url", "return_url", "collect", "collection_options")
    )
    account_id = params.text("account", required=True) or ""
    kind = params.text("type", required=True, choices=("account_onboarding", "account_update"))
    refresh_url = _url(params, "refresh_url")
    return_url = _url(params, "return_url")
    fields = params.text("collect", choices=("currently_due", "eventually_due"))
    options = params.child("collection_options")
    options.reject_unknown(("fields", "future_requirements"))
    if fields is not None and params.has("collection_options"):
        raise invalid(
            "You may only specify one of these parameters: collect, collection_options.",
            "collect",
        )
    fields = fields or options.text("fields", choices=("currently_due", "eventually_due"))
    future = options.text("future_requirements", choices=("include", "omit")) or "omit"
    account = accounts.lookup(ctx, account_id)
    if ctx.private(account).get("platform"):
        raise invalid("You cannot create an account link for your own account.", "account")
    if (
        kind == "account_update"
        and account["controller"].get("requirement_collection") != "application"
    ):
        raise invalid(
            "You cannot create `account_update` type Account Links for accounts where "
            "`controller.requirement_collection` is `stripe`, which includes Standard and "
            "Express accounts. Use `account_onboarding` instead.",
            "type",
        )
    token = ids.token(24)
    now = ctx.now()
    ctx.private(account).setdefault("links", {})[token] = {
        "type": kind,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "fields": fields or "currently_due",
        "future_requirements": future,
        "created": now,
        "expires_at": now + LIFETIME,
        "visited": False,
        "session": None,
        "done": False,
    }
    ctx.store.bump()
    link = {
        "object": "account_link",
        "created": now,
        "expires_at": now + LIFETIME,
        "url": ctx.url(f"/onboarding/{account['id']}/{token}"),
    }
    return respond(ctx, link, params)


@api.post("/v1/accounts/{account}/login_links")
def login_link(ctx: Ctx, params: Params, account: str) -> Obj:
    params.reject_unknown(())
    owner = accounts.lookup(ctx, account)
    dashboard = (owner["controller"].get("stripe_dashboard") or {}).get("type")
    if dashboard != "express":
        raise invalid(
            "Cannot create a login link for an account that is not an Express account "
            "(`controller.stripe_dashboard.type` must be `express`).",
            "account",
        )
    if not owner["details_submitted"]:
        raise invalid(
            "Cannot create a login link for an account that has not completed onboarding.",
            "account",
        )
    token = ids.token(12)
    ctx.private(owner).setdefault("login_links", {})[token] = {"created": ctx.now(), "used": False}
    ctx.store.bump()
    link = {
        "object": "login_link",
        "created": ctx.now(),
        "url": ctx.url(f"/express/{owner['id']}/{token}"),
    }
    return respond(ctx, link, params)
