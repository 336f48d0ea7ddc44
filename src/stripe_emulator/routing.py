"""Routes: ``@api.post("/v1/customers/{customer}")`` registers a handler for a Stripe path,
``@control.post(...)`` one under ``/_emulator/`` and ``@pages.get(...)`` a hosted HTML page.

Handlers take ``(ctx, params, **path_values)`` and return the object to send (a dict), a
``Page`` or a ``Redirect``. Paths are matched segment by segment; literal segments win over
placeholders, so ``/v1/customers/search`` is never read as a customer id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Page:
    html: str
    status: int = 200


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    segments: tuple[str, ...]
    handler: Handler

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        if method != self.method or len(segments) != len(self.segments):
            return None
        values: dict[str, str] = {}
        for pattern, segment in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                values[pattern[1:-1]] = segment
            elif pattern != segment:
                return None
        return values

    @property
    def literal_count(self) -> int:
        return sum(1 for segment in self.segments if not segment.startswith("{"))


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> Handler:
        segments = tuple(part for part in template.split("/") if part)
        self.routes.append(Route(method, template, segments, handler))
        self.routes.sort(key=lambda route: -route.literal_count)
        return handler

    def get(self, template: str) -> Callable[[Handler], Handler]:
        return lambda handler: self.add("GET", template, handler)

    def post(self, template: str) -> Callable[[Handler], Handler]:
        return lambda handler: self.add("POST", template, handler)

    def delete(self, template: str) -> Callable[[Handler], Handler]:
        return lambda handler: self.add("DELETE", template, handler)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        segments = [part for part in path.split("/") if part]
        for route in self.routes:
            values = route.match(method, segments)
            if values is not None:
                return route, values
        return None

    def allows_path(self, path: str) -> bool:
        segments = [part for part in path.split("/") if part]
        return any(route.match(route.method, segments) is not None for route in self.routes)


api = Router("api")  # Stripe's /v1 paths, authenticated with a secret key
control = Router("control")  # /_emulator/…: test control, never a Stripe path
pages = Router("pages")  # hosted pages a browser opens (3-D Secure, Checkout, onboarding)
