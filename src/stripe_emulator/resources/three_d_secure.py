"""3-D Secure: the ``next_action`` an intent shows while it waits for the cardholder, the
hosted challenge page behind ``redirect_to_url.url``, and the control endpoints that
complete or fail authentication without a browser.

The page and the control endpoints act for whichever account owns the intent (a direct
charge's intent lives on the connected account), so they look the owner up in the store.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit, urlunsplit

from stripe_emulator import ids
from stripe_emulator.context import Ctx
from stripe_emulator.errors import StripeError, invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import respond
from stripe_emulator.routing import Page, Redirect, control, pages
from stripe_emulator.store import Obj

OUTCOMES = ("succeed", "fail")


def next_action(ctx: Ctx, obj: Obj, return_url: str | None) -> Obj:
    """``redirect_to_url`` when the integration gave a ``return_url``, otherwise the
    ``use_stripe_sdk`` shape Stripe.js finishes (both lead to the same hosted page)."""
    challenge = ctx.url(f"/3ds/{obj['id']}")
    if return_url:
        return {
            "type": "redirect_to_url",
            "redirect_to_url": {"return_url": return_url, "url": challenge},
        }
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {
            "type": "three_d_secure_redirect",
            "stripe_js": challenge,
            "source": ids.new("src"),
        },
    }


def _owned(ctx: Ctx, object_id: str, kind: str, param: str | None) -> tuple[Ctx, Obj]:
    """The intent and a context acting for the account that owns it."""
    found = ctx.store.find(object_id)
    if found is None or found.get("object") != kind:
        raise missing(kind, object_id, param)
    owner = ctx.store.owner(object_id) or ctx.store.platform
    return Ctx(ctx.store, owner, ctx.base_url, ctx.request_id, None, ctx.api_version), found


def _kind(object_id: str) -> str:
    return "setup_intent" if object_id.startswith("seti_") else "payment_intent"


def authenticate(ctx: Ctx, obj: Obj, outcome: str) -> Obj:
    """Finish the pending challenge of a PaymentIntent or SetupIntent."""
    if obj.get("status") != "requires_action":
        noun = "SetupIntent" if obj["object"] == "setup_intent" else "PaymentIntent"
        raise StripeError(
            400,
            "invalid_request_error",
            f"This {noun} is not awaiting authentication: it has a status of {obj['status']}.",
            code=f"{obj['object']}_unexpected_state",
        )
    succeeded = outcome == "succeed"
    if obj["object"] == "setup_intent":
        import stripe_emulator.resources.setup_intents as setup_intents

        return setup_intents.authenticate(ctx, obj, succeeded=succeeded)
    import stripe_emulator.resources.payment_intents as payment_intents

    return payment_intents.authenticate(ctx, obj, succeeded=succeeded)


def _control(ctx: Ctx, params: Params, object_id: str, kind: str) -> Obj:
    outcome = params.text("outcome", required=True, choices=OUTCOMES) or "succeed"
    owner_ctx, obj = _owned(ctx, object_id, kind, "id")
    authenticate(owner_ctx, obj, outcome)
    return respond(owner_ctx, obj, Params({}))


@control.post("/_emulator/payment_intents/{intent}/authenticate")
def authenticate_payment(ctx: Ctx, params: Params, intent: str) -> Obj:
    return _control(ctx, params, intent, "payment_intent")


@control.post("/_emulator/setup_intents/{intent}/authenticate")
def authenticate_setup(ctx: Ctx, params: Params, intent: str) -> Obj:
    return _control(ctx, params, intent, "setup_intent")


def _return_url(obj: Obj, return_url: str) -> str:
    """``return_url`` plus the query parameters Stripe appends after a challenge."""
    prefix = "setup_intent" if obj["object"] == "setup_intent" else "payment_intent"
    status = "succeeded" if obj["status"] in ("succeeded", "requires_capture") else "failed"
    if obj["status"] in ("requires_confirmation", "processing"):
        status = "pending"
    query = urlencode(
        {
            prefix: obj["id"],
            f"{prefix}_client_secret": obj["client_secret"],
            "redirect_status": status,
        }
    )
    parts = urlsplit(return_url)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>3D Secure authentication</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>3D Secure authentication</h1>
<p>{description}</p>
<form method="post" action="/3ds/{id}">
<input type="hidden" name="outcome" value="succeed">
<button type="submit">Complete authentication</button>
</form>
<form method="post" action="/3ds/{id}">
<input type="hidden" name="outcome" value="fail">
<button type="submit">Fail authentication</button>
</form>
</main>
</body>
</html>
"""

DONE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>3D Secure authentication</title></head>
<body><main><h1>{title}</h1><p>You can close this window.</p></main></body>
</html>
"""


@pages.get("/3ds/{intent}")
def challenge_page(ctx: Ctx, params: Params, intent: str) -> Page:
    try:
        _, obj = _owned(ctx, intent, _kind(intent), "id")
    except StripeError:
        return Page(DONE.format(title="Unknown payment"), status=404)
    if obj["status"] != "requires_action":
        return Page(DONE.format(title="This authentication is no longer pending"), status=410)
    amount = obj.get("amount")
    description = (
        f"Authenticate a payment of {amount} {str(obj.get('currency', '')).upper()} (minor "
        "units) with your bank."
        if amount is not None
        else "Authenticate your card with your bank to save it for later payments."
    )
    return Page(PAGE.format(id=html.escape(obj["id"]), description=html.escape(description)))


@pages.post("/3ds/{intent}")
def challenge_answer(ctx: Ctx, params: Params, intent: str) -> Page | Redirect:
    outcome = params.text("outcome", choices=OUTCOMES)
    if outcome is None:
        raise invalid("Choose an outcome: succeed or fail.", "outcome")
    try:
        owner_ctx, obj = _owned(ctx, intent, _kind(intent), "id")
    except StripeError:
        return Page(DONE.format(title="Unknown payment"), status=404)
    if obj["status"] != "requires_action":
        return Page(DONE.format(title="This authentication is no longer pending"), status=410)
    return_url = owner_ctx.private(obj).get("return_url")
    authenticate(owner_ctx, obj, outcome)
    if return_url:
        return Redirect(_return_url(obj, return_url))
    title = "Authentication complete" if outcome == "succeed" else "Authentication failed"
    return Page(DONE.format(title=title))
