"""Guest pages: search, listings, booking and paying, trips, saved cards."""

from __future__ import annotations

from fastapi import APIRouter

from innkeeper.web.guest import booking, browse, cards, trips

routers: list[APIRouter] = [browse.router]
routers += [booking.router, trips.router, cards.router]
