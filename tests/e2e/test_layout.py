"""Every page fits the screen, from a 360-px phone to a 1,920-px desktop, for every role (issue 19).

For each role the test visits the start page, every link of the top bar (those under 更多 too), and the first few
records the lists link to (a target, a project, an enterprise, a team, a chain), at each width, and checks that the
page never scrolls sideways (document.documentElement.scrollWidth <= window.innerWidth). On the start page it
checks that 退出登录 is on the screen: in the bar from 1,200 px (which then stays one line high), behind the menu
button below that. The whitelist's filters fold behind a 筛选 button on a phone that says how many are set and
opens from the keyboard; on a desktop they are always shown.

Selectors rely on data-testid, ids and hrefs, never on button labels."""

import re
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.test_team_journey import PHONE, log_in  # noqa: E402

ROLES = ["admin", "manager", "head_dcf", "lead1", "member1"]
WIDTHS = [360, 390, 768, 1280, 1366, 1920]
EXPANDED_FROM = 1200  # navbar-expand-xl: the bar shows its links from this width
ONE_LINE = 64  # px: the bar's height when its links sit on one line (56 px with Bootstrap's defaults)
RECORDS = {  # list page → the records it links to, a few of which are visited too
    "/whitelist/": re.compile(r"^/whitelist/\d+$"),
    "/projects/": re.compile(r"^/projects/\d+$"),
    "/enterprises/": re.compile(r"^/enterprises/\d+$"),
    "/teams/": re.compile(r"^/teams/\d+$"),
    "/chains/": re.compile(r"^/chains/\d+$"),
}
PER_LIST = 2

OVERFLOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const wide = [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width + 1 && el.getBoundingClientRect().width > 0)
        .slice(0, 3).map(el => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`);
    return `${document.documentElement.scrollWidth} px wide: ${wide.join(', ')}`;
}"""


def main_pages(page: Page) -> list[str]:
    """The start page, the top bar's links (更多's included) and a few records of each list, as paths."""
    page.goto("/")
    links = page.eval_on_selector_all("nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    paths = ["/"] + [urlsplit(href).path for href in links if href.startswith("/")]
    for listing, record in RECORDS.items():
        if listing not in paths:
            continue
        page.goto(listing)
        hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
        paths += [href for href in dict.fromkeys(hrefs) if record.match(href)][:PER_LIST]
    return list(dict.fromkeys(paths))


def in_viewport(page: Page, testid: str) -> bool:
    box = page.get_by_test_id(testid).bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def check_logout(page: Page, width: int) -> None:
    """退出登录 is on the screen: in a one-line bar from 1,200 px, in the opened menu below."""
    page.goto("/")
    logout, toggler = page.get_by_test_id("logout"), page.locator("nav .navbar-toggler")
    if width >= EXPANDED_FROM:
        expect(toggler).to_be_hidden()
        expect(logout).to_be_visible()
        assert page.locator("nav.navbar").bounding_box()["height"] <= ONE_LINE, f"the bar wraps at {width} px"
    else:
        expect(logout).to_be_hidden()
        toggler.click()
        expect(logout).to_be_visible()
    assert in_viewport(page, "logout"), f"退出登录 is off the screen at {width} px"
    assert in_viewport(page, "whoami"), f"the user's name is off the screen at {width} px"


@pytest.mark.parametrize("username", ROLES)
def test_every_main_page_fits_every_width_without_sideways_scrolling(new_page, demo_password, username):
    page = new_page(viewport={"width": WIDTHS[-1], "height": 900})
    log_in(page, username, demo_password)
    paths = main_pages(page)
    assert len(paths) >= 5, paths  # the start page, the bar's links and records: the test saw the pages
    overflowing = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_logout(page, width)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            found = page.evaluate(OVERFLOW)
            if found:
                overflowing.append(f"{width} px {path}: {found}")
    assert overflowing == [], "\n".join(overflowing)


def test_the_less_used_links_sit_under_more_on_a_desktop_and_in_the_phone_menu(new_page, demo_password):
    desktop = new_page(viewport={"width": 1280, "height": 900})
    log_in(desktop, "manager", demo_password)
    teams = desktop.locator('#mainnav a[href="/teams/"]')
    expect(teams).to_be_hidden()
    desktop.get_by_test_id("nav-more").click()
    expect(teams).to_be_visible()
    teams.click()
    expect(desktop).to_have_url(re.compile(r"/teams/$"))
    # The page it opened is marked as the current one, under 更多 as well.
    expect(teams).to_have_attribute("aria-current", "page")

    phone = new_page(**PHONE)
    log_in(phone, "manager", demo_password)
    phone.locator("nav .navbar-toggler").tap()
    expect(
        phone.locator('#mainnav a[href="/teams/"]')
    ).to_be_visible()  # listed with the others, no second tap
    expect(phone.get_by_test_id("nav-more")).to_be_hidden()


def test_the_whitelist_filters_fold_behind_a_button_on_a_phone(new_page, demo_password):
    phone = new_page(**PHONE)
    log_in(phone, "manager", demo_password)
    phone.goto("/whitelist/?light=red&state=negotiating")
    panel, toggle = phone.get_by_test_id("list-filters"), phone.get_by_test_id("filters-toggle")
    expect(panel).to_be_hidden()
    expect(phone.get_by_test_id("whitelist-table")).to_be_in_viewport()  # results on the first screen
    expect(phone.get_by_test_id("active-filters")).to_have_text("2")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    phone.keyboard.press("Enter")  # opens from the keyboard
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.locator("#light")).to_have_value("red")
    phone.locator("#light").select_option("")
    phone.locator("form.filters button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"state=negotiating"))
    expect(phone.get_by_test_id("active-filters")).to_have_text("1")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desktop = new_page(viewport={"width": 1366, "height": 900})
    log_in(desktop, "manager", demo_password)
    desktop.goto("/whitelist/")
    expect(desktop.get_by_test_id("filters-toggle")).to_be_hidden()
    expect(desktop.locator("#region")).to_be_visible()
    expect(desktop.locator("#sort")).to_be_in_viewport()
    assert desktop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
