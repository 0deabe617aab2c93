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

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 15_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

try:  # Imported lazily so the rest of the suite runs where Playwright is missing.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
except ImportError:  # pragma: no cover
    sync_playwright = None


@pytest.fixture
def live_server(app, now) -> Iterator[str]:
    """Base URL of the app served on a free local port, on the test database filled with the demo data."""
    # A fresh app context of our own: its session is removed when the block ends, so the test thread holds no
    # connection (and, on SQLite, no lock) while the browser works against the server.
    with app.app_context():
        seed_demo(now)

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        WTF_CSRF_ENABLED = True  # the browser goes through the real CSRF checks

    live_app = create_app(LiveConfig)
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        # Close the live app's pooled connections before the root fixture empties the tables.
        with live_app.app_context():
            db.engine.dispose()


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
