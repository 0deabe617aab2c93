"""Browser journeys through the command palette and saved views: a manager opens the palette with Ctrl+K, types a
target's pinyin initials and lands on it with Enter; a member saves a filtered whitelist as a view and reopens it
from the dropdown with the same filter; the palette opened passes axe and gives the focus back on Esc.

Selectors rely on ids, data-testid and href; visible text only the demo data and the vocabulary's labels."""

import re

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.enterprises.models import Enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402
from tests.e2e.test_accessibility import audit  # noqa: E402
from tests.e2e.test_team_journey import DESKTOP, PHONE, log_in  # noqa: E402


def a_target(app) -> tuple[int, str, str]:
    """A demo target (id, enterprise name, its pinyin initials), read before the browser starts."""
    with app.app_context():
        entry_id, name, initials = db.session.execute(
            select(WhitelistEntry.id, Enterprise.name, Enterprise.name_initials)
            .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
            .order_by(WhitelistEntry.id)
            .limit(1)
        ).one()
        db.session.remove()
    return entry_id, name, initials


def test_a_manager_finds_a_target_by_pinyin_initials_with_ctrl_k(app, new_page, demo_password):
    entry_id, name, initials = a_target(app)
    page = new_page(**DESKTOP)
    log_in(page, "manager", demo_password)
    page.goto("/projects/")
    page.keyboard.press("Control+k")
    box = page.get_by_test_id("palette-input")
    expect(box).to_be_focused()
    expect(page.locator("#palette [role=dialog]")).to_be_visible()
    box.fill(initials)
    option = page.locator("#palette-list [role=option][data-kind=entry]", has_text=name).first
    expect(option).to_be_visible()
    # Choose it with the arrow keys: the combobox names the active option.
    while option.get_attribute("aria-selected") != "true":
        page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))


def test_the_palette_on_a_phone_runs_a_page_action_and_closes_with_escape(new_page, demo_password):
    page = new_page(**PHONE)
    log_in(page, "member1", demo_password)
    page.goto("/whitelist/")
    page.get_by_test_id("palette-open").click()
    box = page.get_by_test_id("palette-input")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#palette")).to_be_hidden()
    expect(page.get_by_test_id("palette-open")).to_be_focused()
    page.get_by_test_id("palette-open").click()
    box.fill("提报")
    action = page.locator("#palette-list [role=option][data-kind=action]").first
    expect(action).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/whitelist/propose$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_open_palette_passes_axe(new_page, demo_password, viewport):
    page = new_page(**viewport, bypass_csp=True)
    log_in(page, "lead1", demo_password)
    page.goto("/whitelist/")
    page.get_by_test_id("palette-open").click()
    page.get_by_test_id("palette-input").fill("东昌府")
    expect(page.locator("#palette-list [role=option]").first).to_be_visible()
    assert audit(page) == []


def test_a_member_saves_a_filtered_view_and_reopens_it(new_page, demo_password):
    page = new_page(**DESKTOP)
    log_in(page, "member1", demo_password)
    page.goto("/whitelist/")
    total = int(page.get_by_test_id("result-count").get_attribute("data-total"))
    page.locator('select[name="state"]').select_option(value="contacting")
    page.locator("main form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"state=contacting"))
    filtered = int(page.get_by_test_id("result-count").get_attribute("data-total"))
    assert filtered < total
    page.get_by_test_id("save-view-toggle").click()
    page.locator("[data-testid=save-view-form] input[name=name]").fill("我的对接中")
    page.locator("[data-testid=save-view-form] button[type=submit]").click()
    expect(page.get_by_test_id("saved-views-toggle")).to_contain_text("我的对接中")
    # Back to the whole list, then the view from the dropdown: the same filter, the same rows.
    page.goto("/whitelist/")
    expect(page.locator('select[name="state"]')).to_have_value("")
    page.get_by_test_id("saved-views-toggle").click()
    page.get_by_test_id("saved-view-link").filter(has_text="我的对接中").click()
    expect(page.locator('select[name="state"]')).to_have_value("contacting")
    expect(page.get_by_test_id("result-count")).to_have_attribute("data-total", str(filtered))
    expect(page.get_by_test_id("saved-views-toggle")).to_contain_text("我的对接中")
