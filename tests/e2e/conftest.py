"""End-to-end fixtures: the app served over real HTTP (with CSRF on) and a headless Chromium driven by Playwright.

`live_server` seeds the demo data into the test database (the root `app` fixture migrated it and empties it after
each test), then serves a second app instance bound to the same database from a background thread. `browser` is
Debian's Chromium; without it the end-to-end tests are skipped rather than failing.
"""

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from crm import create_app
from crm.demo import DEMO_PASSWORD, seed_demo
from crm.extensions import db
from tests.snapshot import kept

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long a check waits for what it expects. A check that holds returns at once, so these only bound a failure;
# CI runs both databases' suites side by side on two cores, where a page can take seconds to settle.
TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 30_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

try:  # Imported lazily so the rest of the suite runs where Playwright is missing.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
except ImportError:  # pragma: no cover
    sync_playwright = None


# How long the end of a test waits for requests the browser left running (a 2,000-row import commit on a loaded
# machine) before the root fixture empties the tables under them.
DRAIN_SECONDS = 300


class InFlight:
    """WSGI middleware counting the requests the app is handling. `server.shutdown()` stops accepting, but the
    threaded server's request threads are daemons it does not wait for: one still committing an import when the
    tables are emptied fails the next test's restore (an enterprise still pointing at a deleted user).

    A request counts until the app returns its response: Flask has run the view and its teardown (the database
    session is closed) by then. Not until the server closes the response: after sending it, werkzeug's server
    reads what the browser may still send on the socket, which blocks while the browser keeps it open."""

    def __init__(self, app: Callable) -> None:
        self.app, self.count, self.idle = app, 0, threading.Condition()

    def __call__(self, environ: dict, start_response: Callable):
        with self.idle:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no request is being served; False if some still were after `timeout` seconds."""
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout)


@pytest.fixture
def live_server(app, now) -> Iterator[str]:
    """Base URL of the app served on a free local port, on the test database filled with the demo data (seeded once
    per run and written back for each test: tests/snapshot.py)."""
    # A fresh app context of our own: its session is removed when the block ends, so the test thread holds no
    # connection (and, on SQLite, no lock) while the browser works against the server.
    with app.app_context():
        kept(f"demo-{now.isoformat()}", lambda: seed_demo(now))

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        WTF_CSRF_ENABLED = True  # the browser goes through the real CSRF checks

    live_app = create_app(LiveConfig)
    in_flight = InFlight(live_app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        drained = in_flight.drain(DRAIN_SECONDS)
        # Close the live app's pooled connections before the root fixture empties the tables.
        with live_app.app_context():
            db.engine.dispose()
        assert drained, f"requests still running {DRAIN_SECONDS} s after the test ended"


@pytest.fixture(scope="session")
def browser():
    if shutil.which("chromium") is None or not Path(CHROMIUM).exists():
        pytest.skip(
            f"chromium not installed: no `chromium` on PATH or no {CHROMIUM} (apt-get install chromium)"
        )
    if sync_playwright is None:
        pytest.skip("playwright not installed: pip install playwright (its browsers are not needed)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """new_page(viewport={...}, **context_options) → a page in a fresh browser context (its own cookies).

    Uncaught JavaScript errors on any page fail the test.
    """
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(
            base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the browser: {errors}"


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """docs/screenshots when UPDATE_SCREENSHOTS=1 (`make screenshots`), else a temporary folder."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return tmp_path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD
