"""The hosted Checkout page a browser opens at ``session.url``.

A plain, accessible HTML form (labelled fields, a table of line items, real buttons) that a
person or ``requests`` can drive: paying completes the session and redirects (303) to
``success_url`` with ``{CHECKOUT_SESSION_ID}`` filled in; a 3-D Secure card goes through the
challenge page first and comes back to ``/checkout/{id}/return``; a decline shows the error
and leaves the session open; Cancel goes to ``cancel_url``. When the session accepts
``sepa_debit`` the form also offers a SEPA Direct Debit choice with IBAN and account holder
fields: the session completes at once, unpaid, and is paid when the debit settles."""

from __future__ import annotations

import html
from decimal import Decimal

from stripe_emulator.context import Ctx
from stripe_emulator.errors import StripeError
from stripe_emulator.params import Params
from stripe_emulator.resources import checkout
from stripe_emulator.routing import Page, Redirect, pages
from stripe_emulator.store import Obj

ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd"}

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>{title}</h1>
{error}
{items}
<form method="post" action="/checkout/{id}">
{email}
{methods}
<button type="submit" name="action" value="pay">{button}</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>
</main>
</body>
</html>
"""

CARD = """<p><label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number"
 value="4242 4242 4242 4242"{required}></p>
<p><small>Test cards: 4242424242424242 (succeeds), 4000000000000002 (declined),
4000002760003184 (3-D Secure).</small></p>
"""

CHOICE = """<fieldset><legend>Payment method</legend>
<p><input type="radio" id="type_card" name="payment_method_type" value="card" checked>
<label for="type_card">Card</label>
<input type="radio" id="type_sepa" name="payment_method_type" value="sepa_debit">
<label for="type_sepa">SEPA Direct Debit</label></p>
</fieldset>
"""

SEPA = """<input type="hidden" name="payment_method_type" value="sepa_debit">
"""

IBAN = """<p><label for="iban">IBAN</label>
<input id="iban" name="iban" autocomplete="off" value="AT61 1904 3002 3457 3201"></p>
<p><label for="account_name">Account holder name</label>
<input id="account_name" name="name" autocomplete="name" value="Jenny Rosen"></p>
<p><small>Test IBANs: AT611904300234573201 (succeeds), AT861904300235473202 (fails).
By paying with SEPA Direct Debit you authorise the debit of your account (mandate).</small></p>
"""

DONE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body>
</html>
"""


def _money(amount: int | None, currency: str | None) -> str:
    code = (currency or "usd").lower()
    if amount is None:
        return ""
    if code in ZERO_DECIMAL:
        return f"{amount} {code.upper()}"
    return f"{Decimal(amount) / 100:.2f} {code.upper()}"


def _items(ctx: Ctx, session: Obj) -> str:
    rows = []
    for item in checkout.line_items(ctx, session):
        recurring = item["price"].get("recurring")
        every = f" / {recurring['interval']}" if recurring else ""
        rows.append(
            f"<tr><td>{html.escape(str(item['description'] or 'Item'))}</td>"
            f"<td>{item['quantity']}</td>"
            f"<td>{html.escape(_money(item['amount_total'], item['currency']))}{every}</td></tr>"
        )
    if not rows:
        return "<p>Save a card for future payments.</p>"
    total = html.escape(_money(session["amount_total"], session["currency"]))
    return (
        "<table><caption>Order summary</caption>"
        "<thead><tr><th scope='col'>Item</th><th scope='col'>Quantity</th>"
        "<th scope='col'>Amount</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody><tfoot><tr><th scope='row' colspan='2'>Total</th><td>{total}</td></tr>"
        "</tfoot></table>"
    )


def _form(ctx: Ctx, session: Obj, error: str | None = None, status: int = 200) -> Page:
    mode = session["mode"]
    button = {"payment": "Pay", "setup": "Save card", "subscription": "Subscribe"}[mode]
    if mode == "payment" and session["amount_total"] is not None:
        button = f"Pay {_money(session['amount_total'], session['currency'])}"
    email = ""
    if not session["customer"]:
        value = html.escape(session["customer_email"] or "")
        email = (
            '<p><label for="email">Email</label> '
            f'<input id="email" name="email" type="email" autocomplete="email" value="{value}">'
            "</p>"
        )
    alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return Page(
        PAGE.format(
            title="Checkout",
            error=alert,
            items=_items(ctx, session),
            id=html.escape(session["id"]),
            email=email,
            methods=_methods(session),
            button=html.escape(button),
        ),
        status=status,
    )


def _methods(session: Obj) -> str:
    """The card field, plus the SEPA choice and IBAN fields when the session allows it."""
    if "sepa_debit" not in session["payment_method_types"]:
        return CARD.format(required=" required")
    if "card" in session["payment_method_types"]:
        return CHOICE + CARD.format(required="") + IBAN
    return SEPA + IBAN


def _closed(session: Obj) -> Page:
    message = {
        "complete": "This Checkout Session is already complete.",
        "expired": "This Checkout Session has expired.",
    }.get(session["status"], "This Checkout Session is not available.")
    return Page(DONE.format(title="Checkout", message=message), status=410)


def _done(session: Obj) -> Page | Redirect:
    target = checkout.success_redirect(session) or session.get("return_url")
    if target:
        return Redirect(target.replace("{CHECKOUT_SESSION_ID}", session["id"]))
    return Page(DONE.format(title="Thank you", message="Your payment is complete."))


def _session(ctx: Ctx, session_id: str) -> tuple[Ctx, Obj] | None:
    try:
        return checkout.owner_ctx(ctx, session_id)
    except StripeError:
        return None


@pages.get("/checkout/{session_id}")
def show(ctx: Ctx, params: Params, session_id: str) -> Page:
    found = _session(ctx, session_id)
    if found is None:
        return Page(DONE.format(title="Checkout", message="Unknown Checkout Session."), 404)
    owner, session = found
    if session["status"] != "open":
        return _closed(session)
    return _form(owner, session)


@pages.post("/checkout/{session_id}")
def submit(ctx: Ctx, params: Params, session_id: str) -> Page | Redirect:
    found = _session(ctx, session_id)
    if found is None:
        return Page(DONE.format(title="Checkout", message="Unknown Checkout Session."), 404)
    owner, session = found
    if session["status"] != "open":
        return _closed(session)
    if params.text("action") == "cancel":
        if session["cancel_url"]:
            return Redirect(session["cancel_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
        return Page(DONE.format(title="Checkout", message="Checkout canceled."))
    sepa = params.text("payment_method_type") == "sepa_debit" or (
        "card" not in session["payment_method_types"]
    )
    number = (params.text("card_number") or "").replace(" ", "")
    iban = (params.text("iban") or "").strip()
    if sepa and not iban:
        return _form(owner, session, "Enter an IBAN.", 400)
    if not sepa and not number:
        return _form(owner, session, "Enter a card number.", 400)
    try:
        challenge = checkout.pay(
            owner,
            session,
            number,
            email=params.text("email"),
            iban=iban if sepa else None,
            name=params.text("name"),
        )
    except StripeError as error:
        return _form(owner, session, error.message, 402)
    if challenge:
        return Redirect(challenge)
    return _done(session)


@pages.get("/checkout/{session_id}/return")
def back_from_challenge(ctx: Ctx, params: Params, session_id: str) -> Page | Redirect:
    """Where 3-D Secure returns: done if the intent succeeded, the form again if not."""
    found = _session(ctx, session_id)
    if found is None:
        return Page(DONE.format(title="Checkout", message="Unknown Checkout Session."), 404)
    owner, session = found
    if session["status"] == "complete":
        return _done(session)
    if session["status"] != "open":
        return _closed(session)
    return _form(
        owner,
        session,
        "We are unable to authenticate your payment method. Please choose a different "
        "payment method and try again.",
        402,
    )
