"""Browser tests: Playwright for Python driving Debian's Chromium (``make chromium`` installs
it; Playwright's own browser download is never used) against the app served by uvicorn on
127.0.0.1, with the same ``services`` (database, FixedClock) the test itself holds.

Fixtures
--------
``live_server``
    The app on a free port of 127.0.0.1: ``live_server.url`` (no trailing slash),
    ``live_server.services``, ``live_server.emulator`` (None unless the test asks for it).
``stripe_live_server``
    The same, but Stripe is the session's emulator (reset for the test), as in tests/payments.
    Asking for ``emulator`` next to ``live_server`` does the same.
``page`` / ``phone``
    A fresh browser context and page per test: 1280x900, or 390x844 for responsive checks
    (touch, a phone's user agent). A failing test saves a screenshot of each open page.
``shot``
    ``shot(page, "name")`` saves a full-page PNG to
    ``test-artifacts/screenshots/<test name>/<NN>-<name>.png`` and returns its path.
``settings_overrides``
    A dict of ``Settings`` fields for the test's services; override it in a module (say
    ``{"payments_connect_required": True}``). ``public_url`` is always the live server's, so
    the links the app makes (Checkout's success and cancel pages, 3-D Secure's return,
    onboarding's return) lead the browser back to it.

Clocks (what page tests must know)
----------------------------------
* The app runs on the test's ``clock``: a FixedClock at 2026-11-22 09:00 UTC that only moves
  with ``clock.advance(...)``. However long the browser takes, a 15-minute hold never lapses
  by itself; to expire one, ``clock.advance(minutes=16)`` then ``expire_due(services)``.
* The browser's own clock is the machine's. When a page's script reads today's date, make
  it agree with the server first: ``page.clock.set_fixed_time(clock.now())``.
* The emulator's clock is wall time (plus what ``emulator.advance(seconds)`` added), not the
  app's. Innkeeper creates Checkout Sessions without ``expires_at``, so the emulator gives
  them 24 hours of wall time: the hosted page stays open for the whole test. To see one
  expire, advance the emulator (``emulator.advance(24 * 3600 + 1)``), not ``clock``.
  Timestamps Stripe reports (``created``, ``expires_at``) are wall time, hours or days away
  from the app's 2026-11-22 09:00.
* While Playwright runs, the main thread has a running asyncio loop: ``asyncio.run()`` (the
  job worker, say) fails there. Run such code in another thread:
  ``ThreadPoolExecutor(1).submit(fn).result()``.
* A test that asked for the emulator is reconciled at teardown like every payments test
  (the ledger against Stripe's balance transactions); ``@pytest.mark.reconcile_differs``
  opts out.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from innkeeper.main import create_app
from innkeeper.services import Services
from innkeeper.settings import Settings
from stripe_emulator.server import Emulator
from tests.builders import PASSWORD
from tests.conftest import settings_for

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # the machine's network is closed: without these Chromium keeps calling Google's hosts
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --- marking and reports ------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/browser carries the ``browser`` marker (``-m 'not browser'``)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item: the page fixtures look at "call" on teardown."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


# --- the browser --------------------------------------------------------------------------


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail(
            "Debian's chromium is not installed: run `make chromium` (apt-get install chromium)"
            " or leave the browser tests out with -m 'not browser'",
            pytrace=False,
        )
    return found


# Package scope, not session: while Playwright's sync API is up, the main thread has a
# running asyncio loop, and asyncio.run() there fails ("cannot be called from a running event
# loop"; the job worker's tests do). Playwright stops when the last test of tests/browser ends.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for tests/browser; every test gets its own context."""
    launched = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


def _safe(name: str) -> str:
    """A file name: what is not a letter, digit, ``.``, ``-``, ``[`` or ``]`` becomes ``_``."""
    return re.sub(r"[^\w.\-\[\]]+", "_", name)


class Screenshots:
    """``shot(page, name)``: a full-page PNG, numbered in the order the test took them."""

    def __init__(self, test_name: str) -> None:
        self.folder = SCREENSHOTS / _safe(test_name)
        self.taken = 0
        shutil.rmtree(self.folder, ignore_errors=True)  # only this run's pictures

    def __call__(self, page: Page, name: str) -> Path:
        self.taken += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.taken:02d}-{_safe(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(request.node.name)


def _open(browser: Browser, request: pytest.FixtureRequest, shot: Screenshots,
          **options: Any) -> Iterator[Page]:  # fmt: skip
    context: BrowserContext = browser.new_context(**options)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        call = request.node.stash.get(REPORTS, {}).get("call")
        if call is not None and call.failed:
            for open_page in context.pages:
                try:
                    shot(open_page, "failed")
                except Exception as error:  # the test's own failure matters more
                    request.node.add_report_section("teardown", "screenshot", repr(error))
        context.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, shot: Screenshots) -> Iterator[Page]:
    """A new context (1280x900) and page for the test."""
    yield from _open(browser, request, shot, viewport=DESKTOP)


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest, shot: Screenshots) -> Iterator[Page]:
    """A phone-sized page (390x844, touch, a phone's user agent) for responsive checks."""
    yield from _open(
        browser, request, shot,
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        user_agent=(
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/156.0.0.0 Mobile Safari/537.36"
        ),
    )  # fmt: skip


def log_in(page: Page, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Start a browser session for ``email`` (made with ``tests.builders.make_user``): the
    login API's cookie lands in the page's context."""
    answer = page.request.post(
        f"{server.url}/api/v1/auth/login", data={"email": email, "password": password}
    )
    assert answer.ok, answer.text()


# --- the live server ----------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    services: Services = field(repr=False)
    emulator: Emulator | None = field(repr=False)


@pytest.fixture
def live_socket() -> Iterator[socket.socket]:
    """A listening socket on a free port of 127.0.0.1, bound before the settings are made
    (they need its address) and handed to uvicorn as it is: no race for the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield sock
    sock.close()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Extra ``Settings`` fields for a module's tests: override this fixture."""
    return {}


@pytest.fixture
def settings(
    database_url: str,
    live_socket: socket.socket,
    settings_overrides: dict[str, Any],
    request: pytest.FixtureRequest,
) -> Settings:
    """The usual test settings, with the live server's address as ``public_url``; Stripe is
    the emulator when the test (or a fixture it uses) asks for ``emulator``."""
    emulator = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    host, port = live_socket.getsockname()
    made = settings_for(database_url, emulator, **settings_overrides)
    # settings_for fixes public_url at http://testserver; only its own checks look at it
    return made.model_copy(update={"public_url": f"http://{host}:{port}"})


def _serve(services: Services, sock: socket.socket, emulator: Emulator | None
           ) -> Iterator[LiveServer]:  # fmt: skip
    config = uvicorn.Config(
        create_app(services),
        log_config=None,  # leave logging to the tests (structlog, pytest's capture)
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,  # a context still open keeps its connections alive
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the live server did not start (see the captured log)", pytrace=False)
        time.sleep(0.01)
    try:
        yield LiveServer(services.settings.public_url, services, emulator)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop within 10 s"


@pytest.fixture
def live_server(services: Services, live_socket: socket.socket,
                request: pytest.FixtureRequest) -> Iterator[LiveServer]:  # fmt: skip
    """The app served by uvicorn in a thread, on the test's own ``services``."""
    emulator = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    yield from _serve(services, live_socket, emulator)


@pytest.fixture
def stripe_live_server(emulator: Emulator, live_server: LiveServer) -> LiveServer:
    """``live_server`` whose Stripe is the session's emulator, emptied for this test."""
    assert live_server.emulator is emulator
    return live_server
