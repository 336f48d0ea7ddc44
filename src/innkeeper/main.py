"""The application factory. Nothing here runs at import time: ``create_app(services)``
builds an app around services built once by the caller (CLI, tests, uvicorn factory)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI

from innkeeper import __doc__ as package_doc
from innkeeper import api, health
from innkeeper.accounts import organizations_router
from innkeeper.accounts import router as accounts_router
from innkeeper.admin import router as admin_router
from innkeeper.audit import router as audit_router
from innkeeper.availability import router as availability_router
from innkeeper.bookings import router as bookings_router
from innkeeper.catalog import router as catalog_router
from innkeeper.demo import media as demo_media
from innkeeper.notifications import pages as notification_pages
from innkeeper.notifications import router as notifications_router
from innkeeper.observability import RequestContext, configure_logging
from innkeeper.payments import connect_router, disputes_router, refunds_router, schedules_router
from innkeeper.payments import router as payments_router
from innkeeper.pricing import router as pricing_router
from innkeeper.schemas import ErrorResponse
from innkeeper.services import Services, build_services
from innkeeper.settings import Settings
from innkeeper.web import app as web_app
from innkeeper.webhooks import admin_router as webhooks_admin_router
from innkeeper.webhooks import router as webhooks_router

API_PREFIX = "/api/v1"


def create_app(services: Services, *, close_services: bool = False) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_services:
            services.close()

    app = FastAPI(
        title="Innkeeper",
        version="0.1.0",
        description=(package_doc or "").strip(),
        lifespan=lifespan,
        responses={422: {"model": ErrorResponse, "description": "Invalid input"}},
    )
    app.state.services = services
    api.install_error_handlers(app)
    app.add_middleware(RequestContext)
    app.include_router(health.router)
    app.include_router(demo_media.router)
    app.include_router(_api_v1())
    app.include_router(notification_pages.router)
    app.include_router(webhooks_router.router)
    web_app.install(app)
    return app


def _api_v1() -> APIRouter:
    v1 = APIRouter(
        prefix=API_PREFIX, responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}
    )
    for router in (
        accounts_router.router,
        organizations_router.router,
        catalog_router.router,
        audit_router.router,
        admin_router.router,
        availability_router.router,
        pricing_router.router,
        bookings_router.router,
        notifications_router.router,
        payments_router.router,
        refunds_router.router,
        schedules_router.router,
        connect_router.router,
        disputes_router.router,
        webhooks_admin_router.router,
    ):
        v1.include_router(router)
    return v1


def app_from_environment() -> FastAPI:
    """For ``uvicorn --factory innkeeper.main:app_from_environment`` (several workers).

    The parent (``innkeeper serve``) resolves the database first and passes it down in
    ``DATABASE_URL``, so workers never race to start an embedded server.
    """
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if settings.database_url is None:
        raise RuntimeError("app_from_environment needs DATABASE_URL; use `innkeeper serve`")
    services = build_services(settings, settings.database_url.get_secret_value())
    return create_app(services, close_services=True)
