"""Host pages: dashboard, bookings, requests, calendar, listings, payouts, earnings."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
