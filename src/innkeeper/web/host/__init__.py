"""Host pages: dashboard, bookings, requests, calendar, listings, payouts, earnings."""

from __future__ import annotations

from fastapi import APIRouter

from innkeeper.web.host import (
    bookings,
    calendar,
    dashboard,
    earnings,
    listings,
    onboarding,
    payouts,
    requests,
    settings,
)

routers: list[APIRouter] = []
routers += [dashboard.router, bookings.router, requests.router, payouts.router, earnings.router]
routers += [onboarding.router, listings.router, calendar.router, settings.router]
