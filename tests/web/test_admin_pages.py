"""The platform admin's pages, through the HTML forms: every page renders with data and
filters, only admins get in, forms show their refusals beside the fields, and the buttons
(grant a role, retire a fee rule, refund, replay a webhook event) do what the API does."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.builders import PASSWORD, make_user
from tests.conftest import settings_for
from tests.payments.conftest import book_stay, control, host_world, pay
from tests.web.conftest import Browser, field_error
from tests.webhooks.conftest import SECRET, deliver, drain, inbox_row, stripe_events

from innkeeper.accounts.domain import PlatformRole
from innkeeper.payments.models import Payment, RefundRow
from innkeeper.services import Services
from innkeeper.settings import Settings
from innkeeper.web.render import money
from innkeeper.webhooks import processing, registry
from innkeeper.webhooks.domain import EventStatus

DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.funds_withdrawn")
PAGES = [
    "/admin", "/admin/organizations", "/admin/users", "/admin/fee-rules",
    "/admin/fee-rules/new", "/admin/payments", "/admin/refunds", "/admin/webhooks",
    "/admin/disputes", "/admin/risk-signals", "/admin/audit",
]  # fmt: skip


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """Stripe is the emulator when the test asks for it; webhooks are signed with SECRET."""
    emulator = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    return settings_for(
        database_url, emulator, payments_connect_required=True, stripe_webhook_secret=SECRET
    )


def _admin(browser: Browser, services: Services, email: str = "boss@example.com") -> None:
    make_user(services, email=email, name="Platform Boss", roles=(PlatformRole.ADMIN,))
    browser.log_in(email, password=PASSWORD)


def _world(client: TestClient, services: Services, emulator: Any, card: str = "pm_card_visa"
           ) -> dict[str, Any]:  # fmt: skip
    """A host that takes charges, and a guest's paid two-night booking (AED 1,000 + fees)."""
    hosted = host_world(client, services, emulator)
    booking = book_stay(client, hosted, "2026-12-10", "2026-12-12")
    paid = pay(client, hosted, booking, card)
    assert paid.status_code == 200, paid.text
    return hosted | {"booking": booking, "payment": paid.json()}


def _text(html: str) -> str:
    """The page's words, without tags, on one line: what a person reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- access --------------------------------------------------------------------------------


def test_every_admin_page_is_refused_to_others(browser_client: Browser) -> None:
    first = browser_client.client.get("/admin", headers={"accept": "text/html"},
                                      follow_redirects=False)  # fmt: skip
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fadmin"
    browser_client.sign_up("nosy@example.com")
    for path in PAGES:
        page = browser_client.get(path)
        assert page.status_code == 403, path
        assert "this page is for platform admins" in page.text
    page = browser_client.submit("/admin/fee-rules", {"side": "guest", "scope": "global"})
    assert page.status_code == 403


def test_every_admin_page_renders_empty(browser_client: Browser, services: Services) -> None:
    _admin(browser_client, services)
    for path in PAGES:
        page = browser_client.get(path)
        assert page.status_code == 200, (path, page.text[:3000])
        assert page.text.count("<h1") == 1, path
        assert 'aria-label="Admin"' in page.text  # the admin sub-navigation


# --- overview ------------------------------------------------------------------------------


def test_the_overview_shows_figures_from_the_ledger_and_charts(
    browser_client: Browser, client: TestClient, services: Services, emulator: Any
) -> None:
    world = _world(client, services, emulator)
    _admin(browser_client, services)
    page = browser_client.get("/admin")
    assert page.status_code == 200, page.text[:3000]
    words = _text(page.text)
    paid = world["payment"]["amount"]["amount_minor"]
    assert money(paid, "AED") in words  # GMV: what the guest paid
    assert "1 Bookings made (1 with money received)" in words
    assert page.text.count('<svg class="chart"') == 3
    for chart in ("chart-bookings", "chart-gmv", "chart-fees"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page.text
    assert "Bookings made per day as a table" in words
    assert '<polyline class="line"' in page.text  # fee revenue is a line

    year = {"from": "2026-01-01", "to": "2026-11-30", "by": "month"}
    by_month = browser_client.get("/admin", **year)
    assert by_month.status_code == 200
    assert "Bookings made per month" in by_month.text
    assert by_month.text.count('<rect class="bar"') == 2 * 11  # bookings and GMV, 11 months
    before = browser_client.get("/admin", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert "0 Bookings made" in _text(before.text)
    bad = browser_client.get("/admin", **{"from": "2026-05-01", "to": "2026-04-01"})
    assert bad.status_code == 422
    assert field_error(bad.text, "to") == "must not be before the start date"


# --- organizations and users -------------------------------------------------------------


def test_organizations_list_search_and_detail(
    browser_client: Browser, client: TestClient, services: Services, emulator: Any
) -> None:
    world = _world(client, services, emulator)
    _admin(browser_client, services)
    listed = browser_client.get("/admin/organizations")
    assert f'href="/admin/organizations/{world["org"]}"' in listed.text
    org_name = re.search(rf'href="/admin/organizations/{world["org"]}">([^<]+)<', listed.text)
    assert org_name is not None
    found = browser_client.get("/admin/organizations", name=org_name.group(1)[:4].lower())
    assert world["org"] in found.text
    none = browser_client.get("/admin/organizations", name="no such name at all")
    assert "No organization matches." in none.text
    detail = browser_client.get(f"/admin/organizations/{world['org']}")
    words = _text(detail.text)
    assert "host@example.com" in words
    assert "owner" in words
    assert "1 Listings" in words
    assert "enabled" in words
    assert world["account"] in words
    assert browser_client.get(f"/admin/organizations/{world['booking']['id']}").status_code == 404


def test_users_search_grant_and_revoke_roles(browser_client: Browser, services: Services) -> None:
    expert = make_user(services, email="expert@example.com", name="Expert Person")
    make_user(services, email="other@example.com")
    _admin(browser_client, services)
    found = browser_client.get("/admin/users", email="expert")
    assert "expert@example.com" in found.text
    assert "other@example.com" not in found.text
    page = browser_client.submit(
        f"/admin/users/{expert.id}/roles",
        {"role": "local_expert", "next": "/admin/users?email=expert"},
    )
    assert page.status_code == 200
    assert page.url.path == "/admin/users"
    assert "email=expert" in str(page.url)
    assert "Granted local expert." in page.text
    experts = browser_client.get("/admin/users", role="local_expert")
    assert "expert@example.com" in experts.text
    assert "boss@example.com" not in experts.text
    page = browser_client.submit(
        f"/admin/users/{expert.id}/roles/local_expert/revoke", {"next": "/admin/users"}
    )
    assert "Revoked local expert." in page.text
    assert "expert@example.com" not in browser_client.get("/admin/users", role="local_expert").text

    boss = browser_client.get("/admin/users", email="boss")
    boss_id = re.search(r'action="/admin/users/([0-9a-f-]+)/roles/admin/revoke"', boss.text)
    assert boss_id is not None
    refused = browser_client.submit(f"/admin/users/{boss_id.group(1)}/roles/admin/revoke",
                                    {"next": "/admin/users?email=boss"})  # fmt: skip
    assert refused.status_code == 403
    assert "admins cannot remove their own admin role" in refused.text
    assert "boss@example.com" in refused.text  # the list, as it was
    bad = browser_client.submit(f"/admin/users/{expert.id}/roles", {"role": "emperor"})
    assert bad.status_code == 422
    assert "Choose a role to grant." in bad.text


# --- fee rules -----------------------------------------------------------------------------


def test_fee_rules_create_edit_and_retire_with_messages_beside_fields(
    browser_client: Browser, services: Services
) -> None:
    _admin(browser_client, services)
    browser_client.get("/admin/fee-rules/new")
    bad = browser_client.submit("/admin/fee-rules", {
        "side": "guest", "scope": "category", "scope_value": "spaceships", "percent": "150",
        "priority": "1", "fixed": "2.50", "currency": "", "active": "on",
    })  # fmt: skip
    assert bad.status_code == 422
    assert field_error(bad.text, "currency") == (
        "is required with a fixed amount, minimum or maximum"
    )
    assert 'value="spaceships"' in bad.text  # what was typed stays
    bad = browser_client.submit("/admin/fee-rules", {
        "side": "guest", "scope": "category", "scope_value": "spaceships", "percent": "150",
        "priority": "1", "min_amount": "5", "max_amount": "1", "currency": "aed",
        "active": "on",
    })  # fmt: skip
    assert bad.status_code == 422
    assert field_error(bad.text, "percent") == "must be between 0 and 100"
    assert field_error(bad.text, "scope_value").startswith("must be one of accommodation")
    assert field_error(bad.text, "max_amount") == "must not be below min_minor"
    assert field_error(bad.text, "priority") == ""

    made = browser_client.submit("/admin/fee-rules", {
        "side": "guest", "scope": "category", "scope_value": "tour", "percent": "12.5",
        "priority": "3", "fixed": "2.50", "currency": "aed", "description": "Tours",
        "active": "on",
    })  # fmt: skip
    assert made.status_code == 200, made.text[:3000]
    assert "Fee rule added." in made.text
    words = _text(made.text)
    assert "12.5%" in words
    assert money(250, "AED") in words
    assert "Tours" in words
    rule_id = re.search(r'href="/admin/fee-rules/([0-9a-f-]{36})"', made.text)
    assert rule_id is not None
    edit = browser_client.get(f"/admin/fee-rules/{rule_id.group(1)}")
    assert 'value="2.50"' in edit.text
    assert 'value="12.5"' in edit.text
    saved = browser_client.submit(f"/admin/fee-rules/{rule_id.group(1)}", {
        "side": "guest", "scope": "category", "scope_value": "tour", "percent": "10",
        "priority": "3", "fixed": "2.50", "currency": "AED", "description": "Tours, cheaper",
        "active": "on",
    })  # fmt: skip
    assert "Fee rule saved." in saved.text
    assert "Tours, cheaper" in saved.text
    retired = browser_client.submit(f"/admin/fee-rules/{rule_id.group(1)}/retire")
    assert "Fee rule retired" in retired.text
    assert "retired" in _text(browser_client.get("/admin/fee-rules", active="false").text)
    assert rule_id.group(1) not in browser_client.get("/admin/fee-rules", active="true").text
    wrong = browser_client.get("/admin/fee-rules", side="sideways")
    assert wrong.status_code == 422
    assert field_error(wrong.text, "side") == "is not one of the choices"


# --- payments and refunds ------------------------------------------------------------------


def test_payments_filters_detail_and_an_idempotent_refund(
    browser_client: Browser, client: TestClient, services: Services, emulator: Any
) -> None:
    world = _world(client, services, emulator)
    _admin(browser_client, services)
    payment_id = world["payment"]["id"]
    listed = browser_client.get("/admin/payments")
    assert f'href="/admin/payments/{payment_id}"' in listed.text
    for params, shown in [
        ({"status": "succeeded"}, True), ({"status": "canceled"}, False),
        ({"organization": world["org"]}, True), ({"from": "2026-11-23"}, False),
        ({"from": "2026-11-22", "to": "2026-11-22"}, True), ({"kind": "extra"}, False),
    ]:  # fmt: skip
        page = browser_client.get("/admin/payments", **params)
        assert page.status_code == 200
        assert (payment_id in page.text) is shown, params
    bad = browser_client.get("/admin/payments", organization="not-an-id", status="nope")
    assert bad.status_code == 422
    assert field_error(bad.text, "organization") == "is not an id"
    assert field_error(bad.text, "status") == "is not one of the choices"

    detail = browser_client.get(f"/admin/payments/{payment_id}")
    assert "No refund yet." in detail.text
    assert "guest charge" in detail.text  # its ledger postings
    key = re.search(r'name="idempotency_key" value="([^"]+)"', detail.text)
    assert key is not None
    again = browser_client.get(f"/admin/payments/{payment_id}")
    assert key.group(1) not in again.text  # a new key for every rendered form
    browser_client.last = detail
    refused = browser_client.submit(
        f"/admin/payments/{payment_id}/refunds",
        {"amount": "999999", "reason": "", "idempotency_key": key.group(1)},
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "reason") == "is required"
    assert f'value="{key.group(1)}"' in refused.text  # the refused form keeps its key
    too_much = browser_client.submit(f"/admin/payments/{payment_id}/refunds", {
        "amount": "999999", "reason": "goodwill", "idempotency_key": key.group(1)})  # fmt: skip
    assert too_much.status_code == 422
    assert field_error(too_much.text, "amount").startswith("must be between 1 and")
    form = {"amount": "100.00", "reason": "goodwill", "idempotency_key": key.group(1)}
    done = browser_client.submit(f"/admin/payments/{payment_id}/refunds", form)
    assert done.status_code == 200, done.text[:3000]
    assert f"Refund of {money(100_00, 'AED')}: succeeded." in done.text
    browser_client.submit(f"/admin/payments/{payment_id}/refunds", form)  # sent twice
    with services.uow() as uow:
        rows = uow.session.scalars(select(RefundRow)).all()
        payment = uow.session.get(Payment, rows[0].payment_id)
        assert payment is not None
    assert [(r.amount_minor, r.initiated_by) for r in rows] == [(100_00, "admin")]
    assert payment.refunded_minor == 100_00

    refunds = browser_client.get("/admin/refunds")
    assert "goodwill" in refunds.text
    assert "goodwill" in browser_client.get("/admin/refunds", status="succeeded").text
    assert "goodwill" not in browser_client.get("/admin/refunds", status="failed").text
    assert "goodwill" in browser_client.get("/admin/refunds", organization=world["org"]).text
    overview = _text(browser_client.get("/admin").text)
    assert money(100_00, "AED") in overview  # refunds on the overview


# --- disputes ------------------------------------------------------------------------------


def test_disputes_list_filter_and_detail(
    browser_client: Browser, client: TestClient, services: Services, emulator: Any
) -> None:
    world = _world(client, services, emulator)
    intent = services.stripe.v1.payment_intents.retrieve(world["payment"]["stripe_payment_intent"])
    control(emulator, f"/_emulator/charges/{intent.latest_charge}/dispute", reason="fraudulent")
    for event in stripe_events(emulator, services, types=DISPUTE_EVENTS):
        assert deliver(client, event).status_code == 200
    drain(services)
    _admin(browser_client, services)
    listed = browser_client.get("/admin/disputes")
    assert listed.status_code == 200
    dispute = re.search(r'href="/admin/disputes/([0-9a-f-]{36})"', listed.text)
    assert dispute is not None, listed.text[:4000]
    assert "(open)" in listed.text
    assert dispute.group(1) in browser_client.get("/admin/disputes", status="open").text
    assert dispute.group(1) not in browser_client.get("/admin/disputes", status="won").text
    detail = browser_client.get(f"/admin/disputes/{dispute.group(1)}")
    words = _text(detail.text)
    assert "Evidence due" in words
    assert "fraudulent" in words
    assert "Stripe dispute" in words
    assert "1 Open disputes" in _text(browser_client.get("/admin").text)


# --- webhooks ------------------------------------------------------------------------------


@pytest.fixture
def flaky_type() -> Any:
    """A handler that fails until told otherwise (a bug, fixed later)."""
    state = {"fail": True}

    def handler(ctx: registry.Context) -> None:
        if state["fail"]:
            raise RuntimeError("the handler is broken")
        ctx.effect("recorded", "fixed at last")

    registry.load()
    registry.REGISTRY["innkeeper.test_flaky"] = registry.Handler("payments", "test", handler)
    yield state
    del registry.REGISTRY["innkeeper.test_flaky"]


def flaky_event(event_id: str, type_: str = "innkeeper.test_flaky") -> dict[str, Any]:
    return {
        "id": event_id, "object": "event", "type": type_, "created": int(time.time()),
        "api_version": "2026-10-28.endive", "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "cus_not_ours", "object": "customer"}},
    }  # fmt: skip


def dead_letter(client: TestClient, services: Services, event_id: str) -> None:
    """Deliver the flaky event and run it until it is dead (one attempt allowed)."""
    services.settings = services.settings.model_copy(update={"webhook_max_attempts": 1})
    assert deliver(client, flaky_event(event_id)).status_code == 200
    assert processing.process(services, event_id) is EventStatus.DEAD


def test_webhook_inbox_filters_detail_and_replay(
    browser_client: Browser, client: TestClient, services: Services, flaky_type: dict[str, Any]
) -> None:
    dead_letter(client, services, "evt_flaky_1")
    assert deliver(client, flaky_event("evt_fine", "customer.updated")).status_code == 200
    drain(services)
    _admin(browser_client, services)
    listed = browser_client.get("/admin/webhooks")
    assert "evt_flaky_1" in listed.text
    assert "evt_fine" in listed.text
    dead = browser_client.get("/admin/webhooks", status="dead")
    assert "evt_flaky_1" in dead.text
    assert "evt_fine" not in dead.text
    assert "evt_fine" in browser_client.get("/admin/webhooks", type="customer.*").text
    assert "evt_fine" not in browser_client.get("/admin/webhooks", type="charge.*").text
    assert "2 events" in _text(browser_client.get("/admin/webhooks", object="cus_not_ours").text)
    assert "1 Dead webhook events" in _text(browser_client.get("/admin").text)

    detail = browser_client.get("/admin/webhooks/evt_flaky_1")
    assert detail.status_code == 200
    assert "RuntimeError: the handler is broken" in detail.text
    assert '<pre class="payload"' in detail.text
    assert "&#34;cus_not_ours&#34;" in detail.text
    assert "badge-dead" in detail.text
    flaky_type["fail"] = False
    queued = browser_client.submit("/admin/webhooks/evt_flaky_1/replay")
    assert "Replay queued" in queued.text
    assert "badge-received" in queued.text
    drain(services)  # the worker
    processed = browser_client.get("/admin/webhooks/evt_flaky_1")
    assert "badge-processed" in processed.text
    assert "fixed at last" in processed.text
    assert "Run 2 (attempt 1), the latest" in _text(processed.text)
    assert browser_client.get("/admin/webhooks/evt_missing").status_code == 404
    audit = browser_client.get("/admin/audit", type="stripe_event", action="replayed")
    assert "evt_flaky_1" in audit.text
    assert "boss@example.com" in audit.text


def test_replay_every_dead_event_of_a_type(
    browser_client: Browser, client: TestClient, services: Services, flaky_type: dict[str, Any]
) -> None:
    dead_letter(client, services, "evt_dead_a")
    dead_letter(client, services, "evt_dead_b")
    _admin(browser_client, services)
    browser_client.get("/admin/webhooks")
    none = browser_client.submit("/admin/webhooks/replay", {"replay_type": "charge.refunded"})
    assert none.status_code == 422
    assert "no event matches" in none.text
    blank = browser_client.submit("/admin/webhooks/replay", {"replay_type": ""})
    assert field_error(blank.text, "replay_type") == "is required"
    flaky_type["fail"] = False
    done = browser_client.submit("/admin/webhooks/replay", {"replay_type": "innkeeper.test_*"})
    assert "Queued 2 dead innkeeper.test_* events again." in done.text
    drain(services)
    for event_id in ("evt_dead_a", "evt_dead_b"):
        assert inbox_row(services, event_id).status is EventStatus.PROCESSED


# --- audit ---------------------------------------------------------------------------------


def test_audit_log_filters_and_paging(browser_client: Browser, services: Services) -> None:
    users = [make_user(services, email=f"u{n}@example.com") for n in range(14)]
    _admin(browser_client, services)
    browser_client.get("/admin/users")
    for user in users:
        browser_client.submit(f"/admin/users/{user.id}/roles", {"role": "local_expert"})
        browser_client.submit(f"/admin/users/{user.id}/roles/local_expert/revoke")
    everything = browser_client.get("/admin/audit")
    counted = re.search(r"([0-9,]+) entries\.", _text(everything.text))
    assert counted is not None
    total = int(counted.group(1).replace(",", ""))
    assert total >= 28
    assert 'rel="next"' in everything.text
    second = browser_client.get("/admin/audit", offset="25", type="user")
    assert re.search(r'href="/admin/audit\?type=user&(amp;)?offset=0" rel="prev"', second.text)
    assert "26–" in second.text  # the second page keeps the filter
    granted = browser_client.get("/admin/audit", action="role_granted", actor="BOSS@example.com")
    assert "14 entries." in _text(granted.text)
    one = browser_client.get("/admin/audit", action="role_revoked", object=str(users[0].id))
    assert "1 entry." in _text(one.text)
    early = {"action": "role_granted", "to": "2026-11-21"}
    assert "0 entries." in _text(browser_client.get("/admin/audit", **early).text)
    today = {"action": "role_granted", "from": "2026-11-22", "to": "2026-11-22"}
    assert "14 entries." in _text(browser_client.get("/admin/audit", **today).text)
    nobody = browser_client.get("/admin/audit", actor="ghost@example.com")
    assert nobody.status_code == 422
    assert field_error(nobody.text, "actor") == "no user has this email address or id"
