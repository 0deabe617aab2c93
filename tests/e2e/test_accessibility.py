"""An accessibility audit in the browser: axe-core (vendored from the npm registry, tests/e2e/vendor/axe-core) runs
on every page reachable from the navigation, for the administrator, a manager, a county head, a team lead and a
member, at a phone's width and a desktop's, and fails on any critical or serious violation of WCAG 2.1 A/AA.

Pages: the start page, each link of the top bar, and the first target of the whitelist (the page a member works
in); the login page for a visitor. Each page is audited as it first shows (collapsed menus stay collapsed)."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page  # noqa: E402

from tests.e2e.test_team_journey import DESKTOP, PHONE, log_in  # noqa: E402

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = {"critical", "serious"}
ROLES = ["admin", "manager", "head_dcf", "lead1", "member1"]
# bypass_csp: the page's Content-Security-Policy (script-src 'self') would refuse the injected axe script.
WIDTHS = {"phone": {**PHONE, "bypass_csp": True}, "desktop": {**DESKTOP, "bypass_csp": True}}
ENTRY_HREF = re.compile(r"^/whitelist/\d+$")


# Rules outside WCAG's tags that fail at any impact: a header cell a screen reader would announce as nothing.
ALSO = ["empty-table-header"]


def audit(page: Page) -> list[str]:
    """The critical and serious WCAG violations on the page as it stands, and any of ALSO, one line per rule and
    element."""
    page.add_script_tag(path=str(AXE))
    run = "async (only) => await axe.run(document, {runOnly: only, resultTypes: ['violations']})"
    wcag = page.evaluate(run, {"type": "tag", "values": WCAG})["violations"]
    also = page.evaluate(run, {"type": "rule", "values": ALSO})["violations"]
    found = []
    for violation in wcag + also:
        if violation["impact"] not in FAILING and violation["id"] not in ALSO:
            continue
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:160]
            found.append(f"{violation['id']} ({violation['impact']}): {node['target']} {summary}")
    return found


def pages_of(page: Page) -> list[str]:
    """The start page, the top bar's links and the whitelist's first target, as paths."""
    page.goto("/")
    links = page.eval_on_selector_all("nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    paths = ["/"] + [urlsplit(href).path for href in links if href.startswith("/")]
    page.goto("/whitelist/")
    entries = page.eval_on_selector_all(
        "main a[href^='/whitelist/']", "links => links.map(a => a.getAttribute('href'))"
    )
    paths += [href for href in entries if ENTRY_HREF.match(href)][:1]
    return list(dict.fromkeys(paths))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_navigation_passes_axe(new_page, demo_password, username, width):
    page = new_page(**WIDTHS[width])
    log_in(page, username, demo_password)
    paths = pages_of(page)
    assert len(paths) >= 5, paths  # the start page, the bar's links and a target: the audit saw the pages
    violations = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations += [f"{path}: {line}" for line in audit(page)]
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_login_page_passes_axe(new_page, width):
    page = new_page(**WIDTHS[width])
    page.goto("/auth/login")
    assert audit(page) == []


def reachable_by_tab(page: Page) -> list[str]:
    """The visible links, buttons and fields of the page's main part that pressing Tab never reaches."""
    marked = page.evaluate(
        """() => {
            const controls = [...document.querySelectorAll('main a[href], main button, main input, main select, main textarea')]
                .filter(el => el.offsetParent !== null && !el.disabled && el.type !== 'hidden')
                // inside a closed <details> only its summary is shown (Chromium still gives the rest an
                // offsetParent); the summary is the control that opens it
                .filter(el => { const d = el.closest('details'); return !d || d.open || el.closest('summary'); })
                // a tab list is one Tab stop: its other tabs are reached with the arrow keys (roving tabindex)
                .filter(el => !(el.getAttribute('role') === 'tab' && el.getAttribute('aria-selected') === 'false'));
            controls.forEach((el, i) => el.dataset.a11yControl = i);
            return controls.length;
        }"""
    )
    reached = set()
    page.locator("body").focus()
    for _ in range(marked * 2 + 40):
        page.keyboard.press("Tab")
        mark = page.evaluate("document.activeElement && document.activeElement.dataset.a11yControl")
        if mark is not None:
            reached.add(int(mark))
        if len(reached) == marked:
            break
    missed = sorted(set(range(marked)) - reached)
    return page.evaluate(
        "(missed) => missed.map(i => document.querySelector(`[data-a11y-control='${i}']`).outerHTML.slice(0, 160))",
        missed,
    )


@pytest.mark.parametrize("username", ROLES)
def test_every_control_of_the_main_pages_is_reachable_by_keyboard(new_page, demo_password, username):
    page = new_page(**WIDTHS["desktop"])
    log_in(page, username, demo_password)
    page.goto("/")
    page.keyboard.press("Tab")  # the first stop is the skip link, which leads past the top bar
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    missed = []
    for path in pages_of(page)[:6]:
        page.goto(path)
        missed += [f"{path}: {html}" for html in reachable_by_tab(page)]
    assert missed == [], "\n".join(missed)
