"""Saved cards: the list (brand, last four digits, expiry, the default), adding one on
Stripe's hosted page (Checkout in setup mode, then back here), choosing the default and
removing one. Card numbers never reach Innkeeper."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from innkeeper.core.errors import DomainError
from innkeeper.deps import ServicesDep
from innkeeper.payments import card_checkout, customers
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import ViewerDep

router = page_router()
CARDS = "/account/cards"
CARD_ID = re.compile(r"^[A-Za-z0-9_]{3,64}$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_]{3,255}$")


@router.get(CARDS, response_class=HTMLResponse)
def cards_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    return render(
        request, "guest/cards.html.j2", cards=customers.list_cards(services, viewer.actor)
    )


@router.post(CARDS + "/add")
def add_card(viewer: ViewerDep, form: CheckedForm, services: ServicesDep) -> Response:
    """Off to Stripe's page to type the card; it comes back to ``added``."""
    public = services.settings.public_url
    url = card_checkout.start(
        services,
        viewer.actor,
        success_url=f"{public}{CARDS}/added?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{public}{CARDS}",
    )
    return redirect(url)


@router.get(CARDS + "/added")
def card_added(viewer: ViewerDep, services: ServicesDep, session_id: str = "") -> Response:
    if not SESSION_ID.match(session_id):
        return redirect(CARDS, flash="No card was saved.")
    saved = card_checkout.finish(services, viewer.actor, session_id)
    if saved is None:
        return redirect(CARDS, flash="No card was saved.")
    return redirect(CARDS, flash="Your card is saved.")


@router.post(CARDS + "/default", response_class=HTMLResponse)
def make_default(
    request: Request, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    card = _card(reader)
    if card is not None:
        try:
            customers.set_default(services, viewer.actor, card)
        except DomainError as error:
            reader.absorb(error)
        else:
            return redirect(CARDS, flash="Your default card is changed.")
    return _again(request, viewer, services, reader)


@router.post(CARDS + "/remove", response_class=HTMLResponse)
def remove(
    request: Request, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    card = _card(reader)
    if card is not None:
        try:
            customers.delete_card(services, viewer.actor, card)
        except DomainError as error:
            reader.absorb(error)
        else:
            return redirect(CARDS, flash="The card is removed.")
    return _again(request, viewer, services, reader)


def _card(reader: FormReader) -> str | None:
    card = reader.text("card", max_length=64)
    if card is not None and not CARD_ID.match(card):
        reader.error("card", "is not one of your saved cards")
        return None
    return card


def _again(
    request: Request, viewer: ViewerDep, services: ServicesDep, reader: FormReader
) -> Response:
    errors = dict(reader.errors)
    if "card" in errors:  # one form per card: the message goes above the list
        errors.setdefault("_form", f"That card: {errors.pop('card')}")
    return render(
        request,
        "guest/cards.html.j2",
        status=422,
        cards=customers.list_cards(services, viewer.actor),
        errors=errors,
    )
