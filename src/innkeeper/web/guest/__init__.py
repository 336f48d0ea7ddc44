"""Guest pages: search, listings, booking and paying, trips, saved cards."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
