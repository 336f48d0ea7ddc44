"""Mounts the web app on the FastAPI application: static assets, page routers, and the
HTML error pages."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from innkeeper.web import admin, auth_pages, errors, guest, host

PAGE_ROUTERS: list[APIRouter] = [auth_pages.router, *guest.routers, *host.routers, *admin.routers]


def install(app: FastAPI) -> None:
    static = resources.files("innkeeper.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    errors.install(app)
