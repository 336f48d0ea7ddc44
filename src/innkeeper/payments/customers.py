"""Stripe customers and saved cards. Card numbers never reach us: the browser turns them
into a PaymentMethod with Stripe.js (or the hosted Checkout page), and we keep only ids,
brand, last four digits and expiry, read from Stripe when asked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.models import User
from innkeeper.audit.repository import Change, record
from innkeeper.core.errors import NotFound, Unauthenticated
from innkeeper.payments import operations
from innkeeper.payments.gateway import raise_for
from innkeeper.payments.models import Operation, StripeCustomer
from innkeeper.payments.operations import Call
from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


@dataclass(frozen=True, slots=True)
class Setup:
    id: str
    client_secret: str
    status: str
    payment_method: str | None
    next_action_url: str | None


def customer_for(svc: Services, user_id: uuid.UUID) -> str:
    """The user's Stripe customer id, created once (one operation per user, ever)."""
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id)
        user = uow.session.get(User, user_id)
    if row is not None:
        return row.customer_id
    if user is None:
        raise NotFound(f"user {user_id} not found")
    customer = operations.run(
        svc,
        Call(
            "create_customer",
            {"email": user.email, "name": user.name, "metadata": {"user_id": str(user_id)}},
            purpose=f"customer:{user_id}",
        ),
        lambda params, options: svc.stripe.v1.customers.create(params, options),
        fetch=lambda found: svc.stripe.v1.customers.retrieve(found),
    )
    with svc.uow() as uow:
        uow.session.execute(
            insert(StripeCustomer)
            .values(user_id=user_id, customer_id=customer.id, created_at=svc.clock.now())
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        uow.commit()
        row = uow.session.get(StripeCustomer, user_id)
    assert row is not None
    return row.customer_id


def start_setup(svc: Services, actor: Actor | None) -> Setup:
    """A SetupIntent that saves a card for later off-session charges (balances, extras,
    bookings a concierge or an assistant makes)."""
    user_id = _user(actor)
    customer = customer_for(svc, user_id)
    intent = operations.run(
        svc,
        Call(
            "create_setup_intent",
            {
                "customer": customer,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": {"user_id": str(user_id)},
            },
        ),
        lambda params, options: svc.stripe.v1.setup_intents.create(params, options),
    )
    return _setup(intent)


def confirm_setup(
    svc: Services,
    actor: Actor | None,
    setup_intent_id: str,
    *,
    payment_method: str,
    return_url: str | None = None,
) -> Setup:
    """Confirm a SetupIntent with a PaymentMethod made by Stripe.js; the first saved card
    becomes the default."""
    user_id = _user(actor)
    customer = customer_for(svc, user_id)
    try:
        intent = svc.stripe.v1.setup_intents.retrieve(setup_intent_id)
    except stripe.InvalidRequestError:
        raise NotFound(f"setup intent {setup_intent_id} not found") from None
    if intent.customer != customer:
        raise NotFound(f"setup intent {setup_intent_id} not found")
    if intent.status != "succeeded":
        intent = operations.run(
            svc,
            Call(
                "confirm_setup_intent",
                {
                    "payment_method": payment_method,
                    "return_url": return_url or f"{svc.settings.public_url}/account/cards",
                },
            ),
            lambda params, options: svc.stripe.v1.setup_intents.confirm(
                setup_intent_id, params, options
            ),
        )
    if intent.status == "succeeded" and intent.payment_method:
        _default_if_none(svc, user_id, _id(intent.payment_method))
    return _setup(intent)


def list_cards(svc: Services, actor: Actor | None) -> list[SavedCard]:
    user_id = _user(actor)
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id)
    if row is None:
        return []
    try:
        methods = svc.stripe.v1.payment_methods.list(
            {"customer": row.customer_id, "type": "card", "limit": 100}
        )
    except stripe.StripeError as error:
        raise_for(error)
    return [
        SavedCard(
            id=m.id,
            brand=str(m.card.brand),
            last4=str(m.card.last4),
            exp_month=int(m.card.exp_month),
            exp_year=int(m.card.exp_year),
            is_default=m.id == row.default_payment_method,
        )
        for m in methods.data
        if m.card is not None
    ]


def set_default(svc: Services, actor: Actor | None, payment_method: str) -> list[SavedCard]:
    user_id = _user(actor)
    customer = _own_card(svc, user_id, payment_method)
    operations.run(
        svc,
        Call(
            "set_default_card",
            {"invoice_settings": {"default_payment_method": payment_method}},
        ),
        lambda params, options: svc.stripe.v1.customers.update(customer, params, options),
    )
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id, with_for_update=True)
        assert row is not None
        row.default_payment_method = payment_method
        uow.commit()
    return list_cards(svc, actor)


def delete_card(svc: Services, actor: Actor | None, payment_method: str) -> None:
    """Detach a saved card; if it was the default, the most recent other card becomes it."""
    user_id = _user(actor)
    _own_card(svc, user_id, payment_method)
    operations.run(
        svc,
        Call("detach_card", {}, purpose=f"detach:{payment_method}"),
        lambda params, options: svc.stripe.v1.payment_methods.detach(
            payment_method, params, options
        ),
        fetch=lambda found: svc.stripe.v1.payment_methods.retrieve(found),
    )
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id, with_for_update=True)
        if row is not None and row.default_payment_method == payment_method:
            row.default_payment_method = None
        uow.commit()
    remaining = list_cards(svc, actor)
    if remaining:
        _default_if_none(svc, user_id, remaining[0].id)


def default_card(svc: Services, user_id: uuid.UUID) -> str | None:
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id)
    return None if row is None else row.default_payment_method


def owns_card(svc: Services, user_id: uuid.UUID, payment_method: str) -> bool:
    """Whether ``payment_method`` is one of the user's saved cards."""
    try:
        _own_card(svc, user_id, payment_method)
    except NotFound:
        return False
    return True


def _own_card(svc: Services, user_id: uuid.UUID, payment_method: str) -> str:
    """The user's customer id if ``payment_method`` is saved on it; otherwise not found."""
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id)
    try:
        method = svc.stripe.v1.payment_methods.retrieve(payment_method)
    except stripe.InvalidRequestError:
        method = None
    if row is None or method is None or method.customer != row.customer_id:
        raise NotFound(f"saved card {payment_method} not found")
    return row.customer_id


def _default_if_none(svc: Services, user_id: uuid.UUID, payment_method: str) -> None:
    with svc.uow() as uow:
        row = uow.session.get(StripeCustomer, user_id, with_for_update=True)
        if row is not None and row.default_payment_method is None:
            row.default_payment_method = payment_method
        uow.commit()


def _setup(intent: Any) -> Setup:
    action = intent.next_action
    redirect = getattr(action, "redirect_to_url", None) if action is not None else None
    return Setup(
        id=intent.id,
        client_secret=str(intent.client_secret),
        status=str(intent.status),
        payment_method=None if intent.payment_method is None else _id(intent.payment_method),
        next_action_url=getattr(redirect, "url", None),
    )


def _user(actor: Actor | None) -> uuid.UUID:
    if actor is None:
        raise Unauthenticated("log in to manage saved cards")
    return actor.user_id


def _id(value: Any) -> str:
    return value if isinstance(value, str) else str(value.id)


# --- what Stripe tells us (webhooks) -------------------------------------------------------


def owner_of(svc: Services, customer_id: str) -> uuid.UUID | None:
    """The user whose Stripe customer this is, if it is one of ours."""
    with svc.uow() as uow:
        return uow.session.scalar(
            select(StripeCustomer.user_id).where(StripeCustomer.customer_id == customer_id)
        )


def forget_customer(svc: Services, customer_id: str) -> uuid.UUID | None:
    """The customer was deleted at Stripe (its saved cards went with it): drop our row, and
    free the ``customer:{user}`` purpose so the user's next payment makes a new customer
    instead of finding the deleted one. Returns the user, or None if it was not ours (or
    already forgotten)."""
    with svc.uow() as uow:
        user_id = uow.session.scalar(
            delete(StripeCustomer)
            .where(StripeCustomer.customer_id == customer_id)
            .returning(StripeCustomer.user_id)
        )
        if user_id is not None:
            uow.session.execute(
                update(Operation)
                .where(Operation.purpose == f"customer:{user_id}")
                .values(purpose=f"customer:{user_id}:deleted:{customer_id}")
            )
            record(
                uow.session,
                Change("stripe_customer", user_id, "forgotten", None,
                       changes={"customer": customer_id}),
                at=svc.clock.now(),
            )  # fmt: skip
        uow.commit()
    return user_id


def adopt_default(svc: Services, customer_id: str, payment_method: str) -> bool:
    """Make ``payment_method`` the default card of our customer if it has none (a card saved
    through Stripe.js, Checkout or the Dashboard); True if it became the default."""
    with svc.uow() as uow:
        row = uow.session.scalars(
            select(StripeCustomer)
            .where(StripeCustomer.customer_id == customer_id)
            .with_for_update()
        ).one_or_none()
        adopted = row is not None and row.default_payment_method is None
        if row is not None and adopted:
            row.default_payment_method = payment_method
        uow.commit()
    return adopted


@dataclass(frozen=True, slots=True)
class Replaced:
    user_id: uuid.UUID
    new_default: str | None


def drop_default(svc: Services, payment_method: str) -> Replaced | None:
    """A card was detached at Stripe: if it was someone's default, the newest card they still
    have (as Stripe lists them) becomes the default, or none. None if it was no default."""
    with svc.uow() as uow:
        row = uow.session.scalars(
            select(StripeCustomer).where(StripeCustomer.default_payment_method == payment_method)
        ).one_or_none()
    if row is None:
        return None
    remaining = [m for m in _cards_of(svc, row.customer_id) if m != payment_method]
    with svc.uow() as uow:
        locked = uow.session.get(StripeCustomer, row.user_id, with_for_update=True)
        if locked is None or locked.default_payment_method != payment_method:
            return None  # forgotten, or another run already replaced it
        locked.default_payment_method = remaining[0] if remaining else None
        uow.commit()
    return Replaced(row.user_id, remaining[0] if remaining else None)


def _cards_of(svc: Services, customer_id: str) -> list[str]:
    """The customer's cards at Stripe, newest first; none if the customer is gone."""
    try:
        methods = svc.stripe.v1.payment_methods.list(
            {"customer": customer_id, "type": "card", "limit": 100}
        )
    except stripe.InvalidRequestError:
        return []
    except stripe.StripeError as error:
        raise_for(error)
    return [m.id for m in methods.data]
