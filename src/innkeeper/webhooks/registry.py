"""Which handler takes which Stripe event type, and what it does, in one table.

Handler modules (``webhooks.handlers.*``) register with ``@handles``. The registry is the
documentation too: ``render_table`` writes the Markdown table in ``docs/webhooks.md``, and a
test keeps the two equal, so every type's effect is written down, even "recorded only".
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from innkeeper.services import Services


@dataclass(frozen=True, slots=True)
class Effect:
    kind: str
    detail: str
    booking_id: uuid.UUID | None = None


@dataclass
class Context:
    """What a handler gets: the services, the event (an SDK ``stripe.Event``) and a place to
    say what it did. Handlers are idempotent: they decide from Stripe's current state and
    call services that apply each change once, so any run may be a repeat."""

    svc: Services
    event: Any
    attempt: int
    effects: list[Effect] = field(default_factory=list)
    booking_id: uuid.UUID | None = None

    @property
    def object(self) -> Any:
        return self.event.data.object

    @property
    def account(self) -> str | None:
        """The connected account the event happened on (Connect events), else None."""
        value = getattr(self.event, "account", None)  # StripeObjects have no .get()
        return str(value) if value else None

    @property
    def options(self) -> dict[str, Any]:
        """Request options for reading the event's objects where they live."""
        return {"stripe_account": self.account} if self.account else {}

    def effect(self, kind: str, detail: str, *, booking_id: uuid.UUID | None = None) -> None:
        if booking_id is not None and self.booking_id is None:
            self.booking_id = booking_id
        self.effects.append(Effect(kind, detail, booking_id or self.booking_id))


HandlerFn = Callable[[Context], None]


@dataclass(frozen=True, slots=True)
class Handler:
    group: str  # the customer's phase: payments, disputes and fraud, Connect, ...
    effect: str  # one sentence for the table
    fn: HandlerFn


REGISTRY: dict[str, Handler] = {}
GROUPS = (
    "payments",
    "checkout",
    "refunds",
    "disputes and fraud",
    "connect",
    "customers and payment methods",
    "billing",
    "transfers and payouts",
)


def handles(*types: str, group: str, effect: str) -> Callable[[HandlerFn], HandlerFn]:
    """Register ``fn`` for ``types``; registering one type twice is a bug, caught at import."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")

    def register(fn: HandlerFn) -> HandlerFn:
        for event_type in types:
            if event_type in REGISTRY:
                raise ValueError(f"{event_type} has two handlers")
            REGISTRY[event_type] = Handler(group, effect, fn)
        return fn

    return register


def load() -> dict[str, Handler]:
    """Import every handler module once; returns the filled registry."""
    from innkeeper.webhooks import handlers

    for module in pkgutil.iter_modules(handlers.__path__):
        importlib.import_module(f"{handlers.__name__}.{module.name}")
    return REGISTRY


def handler_for(event_type: str) -> Handler | None:
    return load().get(event_type)


def render_table() -> str:
    """The Markdown table of every handled type, grouped, for ``docs/webhooks.md``."""
    rows = ["| event type | group | effect |", "| --- | --- | --- |"]
    registry = load()
    for group in GROUPS:
        for event_type in sorted(t for t, h in registry.items() if h.group == group):
            rows.append(f"| `{event_type}` | {group} | {registry[event_type].effect} |")
    return "\n".join(rows) + "\n"
