"""Hosted Connect onboarding: the page an account link's ``url`` opens, the Express Dashboard
page a login link opens, and the control endpoint that forces an onboarding outcome.

The page follows Stripe's link rules: a link works once (the first visit opens the page, any
later visit or a visit after ``expires_at`` redirects to ``refresh_url``); "Submit and return"
provides everything due (``finish_onboarding(…, "complete")``) and redirects (303) to
``return_url``; "Leave" returns without changes. ``POST /_emulator/accounts/{id}/onboarding``
with ``state`` = complete | restricted | past_due | rejected sets the outcome directly."""

from __future__ import annotations

import html

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import missing
from stripe_emulator.params import Params
from stripe_emulator.resources import accounts
from stripe_emulator.resources.account_links import link_state
from stripe_emulator.routing import Page, Redirect, control, pages
from stripe_emulator.store import Obj

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1a1f36}"
    "button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}"
    "li{font-family:monospace}"
)


def _page(title: str, body: str, status: int = 200) -> Page:
    return Page(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status,
    )


def _account(ctx: Ctx, account_id: str) -> Obj | None:
    found = ctx.store.find(account_id, ctx.store.platform)
    if found is None or found.get("object") != "account" or found.get("deleted"):
        return None
    return found


def _invalid() -> Page:
    return _page("Link not valid", "<p>This onboarding link does not exist.</p>", 404)


@pages.get("/onboarding/{account}/{token}")
def show(ctx: Ctx, params: Params, account: str, token: str) -> Page | Redirect:
    obj = _account(ctx, account)
    state = link_state(ctx, obj, token) if obj else None
    if obj is None or state is None:
        return _invalid()
    if state["visited"] or ctx.now() > state["expires_at"]:
        return Redirect(state["refresh_url"])
    session = ids.token(24)
    state.update(visited=True, session=session)
    ctx.store.bump()
    requirements = obj["requirements"]
    due = list(requirements["currently_due"])
    if state["fields"] == "eventually_due":
        due = sorted({*due, *requirements["eventually_due"]})
    items = "".join(f"<li>{html.escape(field)}</li>" for field in due) or "<li>nothing</li>"
    name = obj["business_profile"].get("name") or obj.get("email") or obj["id"]
    body = (
        f"<p>Account <code>{html.escape(obj['id'])}</code> ({html.escape(str(name))}), "
        f"{html.escape(state['type'].replace('_', ' '))}.</p>"
        f"<p>Information due:</p><ul>{items}</ul>"
        f"<form method='post' action='/onboarding/{html.escape(obj['id'])}/{html.escape(token)}'>"
        f"<input type='hidden' name='session' value='{session}'>"
        "<button name='action' value='submit'>Submit and return</button>"
        "<button name='action' value='leave'>Leave</button></form>"
    )
    return _page("Stripe Connect onboarding (emulator)", body)


@pages.post("/onboarding/{account}/{token}")
def submit(ctx: Ctx, params: Params, account: str, token: str) -> Page | Redirect:
    obj = _account(ctx, account)
    state = link_state(ctx, obj, token) if obj else None
    if obj is None or state is None:
        return _invalid()
    session = params.text("session")
    if not state["visited"] or state["done"] or session != state["session"]:
        return Redirect(state["refresh_url"])
    action = params.text("action")
    if action not in ("submit", "leave"):
        return _page("Choose an action", "<p>Submit or leave.</p>", 400)
    state["done"] = True
    ctx.store.bump()
    if action == "submit" and not ctx.private(obj).get("rejected"):
        accounts.finish_onboarding(ctx, obj, "complete")
    return Redirect(state["return_url"])


@pages.get("/express/{account}/{token}")
def express_dashboard(ctx: Ctx, params: Params, account: str, token: str) -> Page:
    obj = _account(ctx, account)
    links = ctx.private(obj).get("login_links", {}) if obj else {}
    state = links.get(token)
    if obj is None or state is None:
        return _page("Link not valid", "<p>This login link does not exist.</p>", 404)
    if state["used"]:
        return _page(
            "Link expired",
            "<p>This login link was already used. Ask the platform for a new one.</p>",
            410,
        )
    state["used"] = True
    ctx.store.bump()
    flags = f"charges enabled: {obj['charges_enabled']}, payouts enabled: {obj['payouts_enabled']}"
    banks = "".join(
        f"<li>{html.escape(str(b['bank_name']))} ****{html.escape(b['last4'])} "
        f"({html.escape(b['currency'])})</li>"
        for b in obj["external_accounts"]["data"]
    )
    body = (
        f"<p>Account <code>{html.escape(obj['id'])}</code> ({html.escape(flags)})</p>"
        f"<p>Payout accounts:</p><ul>{banks or '<li>none</li>'}</ul>"
    )
    return _page("Express Dashboard (emulator)", body)


@control.post("/_emulator/accounts/{account}/onboarding")
def force(ctx: Ctx, params: Params, account: str) -> Obj:
    obj = _account(ctx, account)
    if obj is None or ctx.private(obj).get("platform"):
        raise missing("account", account, "account")
    state = params.text(
        "state", required=True, choices=("complete", "restricted", "past_due", "rejected")
    )
    return accounts.finish_onboarding(ctx, obj, state or "complete")
