"""Acceptance: a Stripe event whose handler failed until it went dead is shown in the admin
inbox; the admin opens it, clicks Replay, and once the worker has run, sees it processed."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from innkeeper.accounts.domain import PlatformRole
from innkeeper.services import Services
from innkeeper.webhooks import processing, registry
from innkeeper.webhooks.domain import EventStatus
from tests.browser.conftest import LiveServer, Screenshots, log_in
from tests.builders import make_user
from tests.webhooks.conftest import SECRET, deliver, drain

EVENT = "evt_browser_flaky"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"stripe_webhook_secret": SECRET, "webhook_max_attempts": 2}


@pytest.fixture
def flaky_type() -> Any:
    """A handler that fails until the bug is fixed (``state["fail"] = False``)."""
    state = {"fail": True}

    def handler(ctx: registry.Context) -> None:
        if state["fail"]:
            raise RuntimeError("the handler is broken")
        ctx.effect("recorded", "fixed at last")

    registry.load()
    registry.REGISTRY["innkeeper.test_flaky"] = registry.Handler("payments", "test", handler)
    yield state
    del registry.REGISTRY["innkeeper.test_flaky"]


def test_an_admin_replays_a_dead_event_and_sees_it_processed(
    live_server: LiveServer, client: TestClient, page: Page, shot: Screenshots,
    flaky_type: dict[str, Any],
) -> None:  # fmt: skip
    services: Services = live_server.services
    event = {
        "id": EVENT, "object": "event", "type": "innkeeper.test_flaky",
        "created": int(time.time()), "api_version": "2026-10-28.endive", "livemode": False,
        "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "cus_not_ours", "object": "customer"}},
    }  # fmt: skip
    assert deliver(client, event).status_code == 200
    assert processing.process(services, EVENT) is EventStatus.RETRYING
    assert processing.process(services, EVENT) is EventStatus.DEAD
    make_user(services, email="ops@example.com", name="Ops Admin", roles=(PlatformRole.ADMIN,))
    log_in(page, live_server, "ops@example.com")

    page.goto(f"{live_server.url}/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform overview")
    shot(page, "overview")
    page.get_by_role("link", name="1", exact=True).click()  # the dead events figure
    expect(page).to_have_url(re.compile(r"/admin/webhooks\?status=dead$"))
    row = page.get_by_role("row").filter(has_text=EVENT)
    expect(row).to_contain_text("dead")
    expect(row).to_contain_text("RuntimeError: the handler is broken")
    shot(page, "inbox-dead")

    row.get_by_role("link", name=EVENT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("innkeeper.test_flaky")
    expect(page.locator("#event-status")).to_have_text("dead")
    expect(page.get_by_role("table").filter(has_text="attempt 2")).to_contain_text("failed")
    expect(page.locator("pre.payload")).to_contain_text('"id": "cus_not_ours"')
    shot(page, "event-dead")

    flaky_type["fail"] = False  # the fix is deployed
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("Replay queued")
    expect(page.locator("#event-status")).to_have_text("received")
    shot(page, "replay-queued")

    drain(services)  # the worker runs the queued job
    page.reload()
    expect(page.locator("#event-status")).to_have_text("processed")
    latest = page.get_by_role("table").filter(has_text="the latest")
    expect(latest).to_contain_text("fixed at last")
    shot(page, "event-processed")

    page.goto(f"{live_server.url}/admin/webhooks?status=dead")
    expect(page.get_by_text("No event matches.")).to_be_visible()
    page.goto(f"{live_server.url}/admin/webhooks?status=processed")
    expect(page.get_by_role("row").filter(has_text=EVENT)).to_contain_text("processed")
    shot(page, "inbox-processed")
