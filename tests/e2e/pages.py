"""What the browser journeys share: the screens they use, logging in as a demo user, and the checks every journey
makes of a page (no sideways scrolling, no console error, a list's total)."""

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from crm.demo import USERS  # noqa: E402
from crm.demo_teams import TEAM_USERS  # noqa: E402

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DEMO_NAMES = {username: full_name for username, full_name, _role, _region in USERS + TEAM_USERS}


def log_in(page: Page, username: str, password: str, full_name: str | None = None) -> None:
    """Log in through the form; the top bar then names the user (a demo user's name unless `full_name` is given;
    on a phone the name is in the collapsed menu, so it is only required to be there)."""
    page.goto("/auth/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(full_name or DEMO_NAMES[username])


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def console_errors(page: Page) -> list[str]:
    """Console messages of type error on `page` from now on, on every page it opens (the list fills as the page
    runs). The browser's own request for a missing /favicon.ico is not the page's error."""
    errors: list[str] = []

    def seen(msg) -> None:
        source = (msg.location or {}).get("url", "")
        if msg.type == "error" and not source.endswith("/favicon.ico"):
            errors.append(f"{page.url}: {msg.text} ({source})")

    page.on("console", seen)
    return errors


def list_total(page: Page) -> int:
    """The total a list page reports (the project list repeats its count under the table: the first one)."""
    count = page.get_by_test_id("result-count").first
    expect(count).to_be_visible()
    return int(count.get_attribute("data-total"))
