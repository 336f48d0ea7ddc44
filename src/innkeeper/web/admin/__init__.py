"""Admin pages: overview, organizations, users, fee rules, payments, webhooks, disputes, audit."""

from __future__ import annotations

from fastapi import APIRouter

from innkeeper.web.admin import (
    audit,
    disputes,
    fee_rules,
    organizations,
    overview,
    payments,
    users,
    webhooks,
)

routers: list[APIRouter] = [
    overview.router,
    organizations.router,
    users.router,
    fee_rules.router,
    payments.router,
    webhooks.router,
    disputes.router,
    audit.router,
]
