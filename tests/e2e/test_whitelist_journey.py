"""Browser journeys through the whitelist workflow, against the live app with CSRF on and the demo data loaded.

Selectors rely on name/id attributes, data-testid and formaction; visible-text checks use only the fixed Chinese
vocabulary (state labels from crm/vocab.py) and the demo users' full names, never button labels.
"""

import re
import secrets

import pytest
from stdnum.cn import uscc as stdnum_uscc

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from crm.vocab import REVIEW_STAGE_LABELS, STATE_LABELS, ReviewStage, State  # noqa: E402
from tests.e2e.pages import DEMO_NAMES, PHONE, log_in, no_horizontal_scroll  # noqa: E402

PROPOSED = STATE_LABELS[State.PROPOSED]  # 拟入库
WHITELISTED = STATE_LABELS[State.WHITELISTED]  # 已入库
COUNTY_STAGE = REVIEW_STAGE_LABELS[ReviewStage.COUNTY]  # 待县级审核
CITY_STAGE = REVIEW_STAGE_LABELS[ReviewStage.CITY]  # 待市级审核

DESKTOP = {"viewport": {"width": 1280, "height": 900}}

ENTRY_URL = re.compile(r"/whitelist/(\d+)$")


def fictional_uscc(region_code: str = "371502") -> str:
    """A check-valid but invented 统一社会信用代码 for a company registered in `region_code`."""
    body = "91" + region_code + "".join(secrets.choice("0123456789") for _ in range(9))
    code = body + stdnum_uscc.calc_check_digit(body)
    assert stdnum_uscc.is_valid(code)
    return code


# --- page helpers ----------------------------------------------------------------------------------------------


def log_out(page: Page) -> None:
    page.locator('nav form[action$="/auth/logout"] button[type=submit]').click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def select_by_text(page: Page, name: str, text: str) -> str:
    """Pick the option of select[name=...] whose text (indentation stripped) is `text`; return its value."""
    value = page.locator(f'select[name="{name}"]').evaluate(
        "(s, t) => { const o = [...s.options].find(o => o.textContent.trim() === t); return o ? o.value : null; }",
        text,
    )
    assert value, f"no option {text!r} in select[name={name}]"
    page.locator(f'select[name="{name}"]').select_option(value=value)
    return value


def fill_proposal(page: Page, name: str, uscc: str) -> None:
    page.locator("#name").fill(name)
    page.locator("#uscc").fill(uscc)
    page.locator("#hq").fill("青岛市")
    select_by_text(page, "ent_industry_id", "未来材料")
    # The county defaults to the member's own; choose it explicitly all the same.
    select_by_text(page, "region_id", "东昌府区")
    select_by_text(page, "industry_id", "未来材料")
    page.locator('select[name="campaign"]').select_option(value="jinwei")
    page.locator('select[name="mode"]').select_option(value="tech")
    page.locator('select[name="priority"]').select_option(value="1")
    page.locator("#planned_investment").fill("56000")
    page.locator("#summary").fill(f"{name}拟在东昌府区建设高性能复合材料生产基地（演示数据）。")


def submit_proposal(page: Page) -> None:
    """Submit the propose form; if possible duplicates are shown, confirm it is a new enterprise and resubmit."""
    # The main submit button is a direct child of the form; the duplicate list's buttons are nested deeper.
    page.locator("main form > button[type=submit]").click()
    outcome = page.locator('[data-testid="state"], [data-testid="duplicates"], .is-invalid').first
    expect(outcome).to_be_visible()
    if page.get_by_test_id("duplicates").count():
        page.locator("#confirm_new").check()
        page.locator("main form > button[type=submit]").click()


def entry_id_of(page: Page) -> int:
    expect(page).to_have_url(ENTRY_URL)
    return int(ENTRY_URL.search(page.url).group(1))


# --- journeys --------------------------------------------------------------------------------------------------


def test_propose_review_approve_journey(new_page, demo_password, screenshot_dir):
    page = new_page(**DESKTOP)
    name = "鸿远示范新材料有限公司"
    uscc = fictional_uscc()

    # A team member of 东昌府区 proposes a new enterprise.
    log_in(page, "member1", demo_password)
    page.locator('nav a[href="/whitelist/propose"]').click()
    expect(page).to_have_url(re.compile(r"/whitelist/propose$"))
    expect(page.locator('select[name="region_id"] option:checked')).to_have_text("东昌府区")
    fill_proposal(page, name, uscc)
    submit_proposal(page)

    entry_id = entry_id_of(page)
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_test_id("state")).to_have_text(PROPOSED)
    expect(page.get_by_test_id("state").locator("..")).to_contain_text(COUNTY_STAGE)
    expect(page.locator("main")).to_contain_text(uscc)
    # Maker-checker: the proposer gets no approve button for their own proposal.
    expect(page.locator('button[formaction$="/approve"]')).to_have_count(0)
    log_out(page)

    # The county head sees it in the review queue and passes the county review.
    log_in(page, "head_dcf", demo_password)
    page.goto("/whitelist/review")
    item = page.get_by_test_id("review-item").filter(has_text=name)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(DEMO_NAMES["member1"])
    expect(item.get_by_test_id("state")).to_have_text(PROPOSED)
    page.screenshot(path=screenshot_dir / "review-queue.png", full_page=True)
    item.locator(f'h2 a[href="/whitelist/{entry_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))
    page.locator(f'button[formaction="/whitelist/{entry_id}/approve"]').click()

    expect(page).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text(PROPOSED)
    expect(page.get_by_test_id("state").locator("..")).to_contain_text(CITY_STAGE)
    expect(page.get_by_test_id("state").locator("..")).not_to_contain_text(COUNTY_STAGE)
    # The county stage is done: the head can no longer decide, and the item left the head's queue.
    expect(page.locator('button[formaction$="/approve"]')).to_have_count(0)
    page.goto("/whitelist/review")
    expect(page.get_by_test_id("review-item").filter(has_text=name)).to_have_count(0)
    log_out(page)

    # The city bureau confirms it onto the whitelist.
    log_in(page, "manager", demo_password)
    page.goto("/whitelist/review")
    expect(page.get_by_test_id("review-item").filter(has_text=name)).to_have_count(1)
    page.goto(f"/whitelist/{entry_id}")
    expect(page.get_by_test_id("state").locator("..")).to_contain_text(CITY_STAGE)
    page.locator(f'button[formaction="/whitelist/{entry_id}/approve"]').click()

    expect(page).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text(WHITELISTED)
    expect(page.get_by_test_id("state").locator("..")).not_to_contain_text(CITY_STAGE)
    expect(page.locator('button[formaction$="/approve"]')).to_have_count(0)
    timeline = page.get_by_test_id("timeline")
    for username in ("member1", "head_dcf", "manager"):
        expect(timeline).to_contain_text(DEMO_NAMES[username])
    expect(timeline).to_contain_text(WHITELISTED)
    page.screenshot(path=screenshot_dir / "entry-detail.png", full_page=True)

    # The list search finds it, on the whitelist.
    page.goto(f"/whitelist/?q={name}")
    table = page.get_by_test_id("whitelist-table")
    row = table.locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("state")).to_have_text(WHITELISTED)
    expect(row).to_contain_text("东昌府区")
    expect(table.locator("tbody tr")).to_have_count(1)  # the search narrowed the list to this enterprise

    page.goto("/whitelist/")
    expect(page.get_by_test_id("whitelist-table").locator("tbody tr").filter(has_text=name)).to_have_count(1)
    expect(page.get_by_test_id("whitelist-table").get_by_test_id("state").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "whitelist-list.png", full_page=True)


def test_phone_viewport_propose_and_list(new_page, demo_password, screenshot_dir):
    page = new_page(**PHONE)
    name = "澄江示范精密传感有限公司"
    bad_uscc = "91371502123456789X"
    assert not stdnum_uscc.is_valid(bad_uscc)
    good_uscc = fictional_uscc()

    log_in(page, "member1", demo_password)
    # The collapsed navbar: the toggler shows, the menu stays hidden until it is tapped.
    toggler = page.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    expect(page.locator('#mainnav a[href="/whitelist/propose"]')).to_be_hidden()
    toggler.tap()
    expect(page.locator('#mainnav a[href="/whitelist/propose"]')).to_be_visible()
    page.locator('#mainnav a[href="/whitelist/propose"]').tap()
    expect(page).to_have_url(re.compile(r"/whitelist/propose$"))
    assert no_horizontal_scroll(page), "the propose page scrolls sideways on a 390-px phone"

    # A rejected form keeps what was typed and marks the bad field.
    fill_proposal(page, name, bad_uscc)
    page.locator("main form > button[type=submit]").click()
    expect(page.locator("#uscc")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#uscc ~ .invalid-feedback")).to_be_visible()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("#name")).to_have_value(name)
    expect(page.locator("#uscc")).to_have_value(bad_uscc)
    expect(page.locator("#planned_investment")).to_have_value("56000")
    expect(page.locator('select[name="campaign"]')).to_have_value("jinwei")
    expect(page.locator("#name")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    assert no_horizontal_scroll(page), "the rejected propose form scrolls sideways on a 390-px phone"
    page.screenshot(path=screenshot_dir / "phone-propose.png", full_page=True)

    # Correct the code and submit again.
    page.locator("#uscc").fill(good_uscc)
    submit_proposal(page)
    entry_id_of(page)
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_test_id("state")).to_have_text(PROPOSED)
    expect(page.get_by_test_id("state").locator("..")).to_contain_text(COUNTY_STAGE)
    assert no_horizontal_scroll(page), "the entry page scrolls sideways on a 390-px phone"

    # The whitelist list renders as stacked cards, without sideways scrolling, and shows the new proposal.
    page.goto("/whitelist/")
    table = page.get_by_test_id("whitelist-table")
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_be_hidden()  # the phone layout stacks the cells instead of a header row
    row = table.locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("state")).to_have_text(PROPOSED)
    assert table.locator("tbody tr").count() > 1  # the member also sees the county's demo entries
    assert no_horizontal_scroll(page), "the whitelist list scrolls sideways on a 390-px phone"
