"""Admin pages: overview, organizations, users, fee rules, payments, webhooks, disputes, audit."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
