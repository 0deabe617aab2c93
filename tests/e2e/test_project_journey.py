"""Browser journey of issue 13: a team lead adds a second project to a signed target, landing in another zone; the
zone's head files and submits the month's 到位资金 return on a phone; a city manager verifies it, and the dashboard's
到位资金 rises by exactly the verified amount, counted where the project lands, with a drill-down that lists it.
A manager who submitted a return themself is refused when verifying it.

The demo data is seeded for the fixed test date while the app runs on the real clock, so on top of it the test
builds a target of its own through the services, signed today (real clock): 鲁晟精工（山东）机械有限公司 in 东昌府区,
held by 东昌府区高端装备攻坚一队 (lead1), with a first project landing in 东昌府区, and a head for the 高新区, which
the demo lacks. Figures are never assumed: every number is read from the page before and after. Selectors rely on
ids, data-testid, hrefs and values; visible-text checks use the vocabulary in crm/vocab.py, region names and what
the test typed; a message is compared with the app's own translation of it.
"""

import re
from datetime import timedelta

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from crm.vocab import AGREEMENTS, PROJECT_STATES, RETURN_STATUS  # noqa: E402
from tests.e2e.pages import DESKTOP, PHONE, list_total, log_in, no_horizontal_scroll  # noqa: E402
from tests.e2e.project_world import (  # noqa: E402,F401
    AMOUNT,
    DCF_NAME,
    ENTERPRISE,
    FIRST,
    FIXED,
    FULL_NAMES,
    HTZ_HEAD,
    HTZ_NAME,
    NOTE,
    OTHER,
    PROJECT_PATH,
    PROVINCE,
    SECOND,
    SECOND_TYPED,
    SLIP,
    figures,
    funds_link,
    nav,
    sheet,
    world,  # noqa: F401
)


def test_second_project_filed_verified_and_counted_where_it_lands(
    live_server,
    world,  # noqa: F811
    new_page,
    demo_password,
    screenshot_dir,  # noqa: F811
):
    month = world.today.strftime("%Y-%m")
    next_month = (world.today.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")

    # The manager's dashboard before anything happens.
    boss = new_page(**DESKTOP)
    log_in(boss, "manager", demo_password)
    start = figures(boss)

    # 1. The team lead opens the signed target and adds its second project, landing in the 高新区.
    lead = new_page(**DESKTOP)
    log_in(lead, "lead1", demo_password)
    lead.goto(f"/whitelist/{world.entry_id}")
    projects_card = lead.get_by_test_id("entry-projects")
    expect(projects_card).to_contain_text(FIRST)
    projects_card.get_by_test_id("add-project").click()
    expect(lead).to_have_url(re.compile(rf"/projects/new/{world.entry_id}$"))
    expect(lead.locator("h1")).to_contain_text(ENTERPRISE)
    form = lead.get_by_test_id("project-form")
    expect(form.locator("#region_id")).to_have_value(str(world.dcf_id))  # the target's county by default
    schedule = f"{world.today:%Y}年{world.today.month}月：{AMOUNT}\n{next_month} 6,000"
    schedule = schedule.translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
    )  # typed with an IME: ２０２６
    form.locator("#name").fill(SECOND_TYPED)
    form.locator("#region_id").select_option(str(world.htz_id))
    form.locator("#agreement").select_option("investment")
    form.locator("#signed_on").fill(world.today.isoformat())
    form.locator("#planned_investment").fill("60000")
    form.locator("#industry_id").select_option(str(world.industry_id))
    form.locator("#schedule").fill(schedule)
    # The amount forgotten: the form comes back with everything typed and says why.
    with lead.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422, f"a refused project answered {answer.value.status}"
    form = lead.get_by_test_id("project-form")
    amount = form.locator("#contract_amount")
    expect(amount).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator("#contract_amount ~ .invalid-feedback")).to_be_visible()
    assert form.locator("#contract_amount ~ .invalid-feedback").inner_text().strip()
    expect(form.locator(".is-invalid")).to_have_count(1)
    # the name as it will be stored: the stray spaces trimmed
    expect(form.locator("#name")).to_have_value(SECOND)
    expect(form.locator("#region_id")).to_have_value(str(world.htz_id))
    expect(form.locator("#agreement")).to_have_value("investment")
    expect(form.locator("#signed_on")).to_have_value(world.today.isoformat())
    expect(form.locator("#planned_investment")).to_have_value("60000")
    expect(form.locator("#industry_id")).to_have_value(str(world.industry_id))
    assert form.locator("#schedule").input_value().replace("\r\n", "\n").strip() == schedule
    amount.fill("50000")
    form.locator("button[type=submit]").click()
    expect(lead).to_have_url(PROJECT_PATH)
    second_id = int(PROJECT_PATH.search(lead.url)[1])
    expect(lead.get_by_test_id("project-name")).to_contain_text(SECOND)
    assert SECOND_TYPED not in lead.get_by_test_id("project-name").inner_text(), "the name kept its spaces"
    expect(lead.get_by_test_id("project-state")).to_have_text(PROJECT_STATES["signed"])
    expect(lead.get_by_test_id("project-region")).to_have_text(HTZ_NAME)
    details = lead.locator("dl")
    expect(details).to_contain_text(AGREEMENTS["investment"])
    expect(details).to_contain_text(world.today.isoformat())
    expect(details).to_contain_text("高端轴承")
    plan = lead.locator("#schedule li")
    expect(plan).to_have_count(2)
    expect(plan.first).to_contain_text(month)
    expect(plan.nth(1)).to_contain_text(next_month)
    wide = [] if no_horizontal_scroll(lead) else [lead.url]  # checked at the end, after the journey's figures
    lead.screenshot(path=screenshot_dir / "project-detail.png", full_page=True)
    # The target now holds both projects, each with its landing county.
    lead.goto(f"/whitelist/{world.entry_id}")
    cards = lead.get_by_test_id("entry-projects").locator("li")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text=SECOND)).to_contain_text(HTZ_NAME)
    expect(cards.filter(has_text=FIRST)).to_contain_text(DCF_NAME)

    # 2. On a phone, the 高新区's head opens the month's return, adds the project's line and submits it.
    head = new_page(**PHONE)
    log_in(head, HTZ_HEAD[0], demo_password, HTZ_HEAD[1])
    nav(head, "/projects/returns")
    expect(head).to_have_url(re.compile(r"/projects/returns$"))
    zone_row = head.get_by_test_id("returns-table").locator("tbody tr").filter(has_text=HTZ_NAME)
    expect(zone_row).to_have_count(1)
    expect(head.get_by_test_id("returns-table").locator("tbody tr")).to_have_count(1)  # the zone's own only
    zone_row.get_by_role("link", name=HTZ_NAME).click()
    expect(head).to_have_url(re.compile(rf"/projects/returns/{world.htz_id}/{month}$"))
    expect(head.get_by_test_id("missing-projects")).to_contain_text(SECOND)
    expect(head.get_by_test_id("missing-projects")).not_to_contain_text(FIRST)  # it lands in 东昌府区
    line = head.get_by_test_id("add-line")
    line.locator("#project_id").select_option(str(second_id))
    line.locator("#fixed").fill(str(FIXED))
    line.locator("#other").fill(str(OTHER))
    line.locator("#out_of_province").check()
    line.locator("#source_province").select_option(PROVINCE)
    line.locator("#note").fill(NOTE)
    line.locator("#attachment").set_input_files(SLIP)
    line.get_by_test_id("add-line-button").click()
    filed = sheet(head)
    expect(filed.get_by_test_id("return-status")).to_have_text(RETURN_STATUS["draft"])
    rows = filed.get_by_test_id("return-lines").locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text(SECOND)
    expect(cells.nth(1)).to_have_text(str(FIXED))
    expect(cells.nth(2)).to_have_text(str(OTHER))
    expect(cells.nth(3)).to_have_text(PROVINCE)
    expect(cells.nth(4)).to_contain_text(NOTE)
    expect(cells.nth(4).locator("a")).to_have_text(SLIP["name"])
    expect(filed.get_by_test_id("return-total")).to_have_text(str(AMOUNT))
    filed.get_by_test_id("submit-return").click()
    filed = sheet(head)
    expect(filed.get_by_test_id("return-status")).to_have_text(RETURN_STATUS["submitted"])
    expect(filed.get_by_test_id("submit-return")).to_have_count(0)
    expect(filed.get_by_test_id("verify-return")).to_have_count(0)  # the city verifies
    expect(head.get_by_test_id("add-line")).to_have_count(0)  # submitted: no more lines
    expect(filed).to_contain_text(FULL_NAMES[HTZ_HEAD[0]])
    wide += [] if no_horizontal_scroll(head) else [head.url]
    head.screenshot(path=screenshot_dir / "phone-funds-return.png", full_page=True)

    # Pending, not counted: the dashboard shows it beside the verified figure, which has not moved.
    pending = figures(boss)
    assert pending.funds == start.funds and pending.funded == start.funded
    assert pending.pending == start.pending + AMOUNT, (start, pending)
    assert pending.zone_funds == start.zone_funds
    # Signed today, it counts in the 高新区 where it lands, not in 东昌府区 which holds the target.
    assert pending.zone_signed == start.zone_signed + 1 and pending.home_signed == start.home_signed
    boss.get_by_test_id("pending-funds").locator("a.drill").click()
    expect(boss).to_have_url(re.compile(r"/projects/\?"))
    expect(boss.get_by_test_id("projects-table").get_by_role("link", name=SECOND, exact=True)).to_have_count(
        1
    )

    # 3. The manager opens the zone's return from 到位资金月报 and verifies it.
    nav(boss, "/projects/returns")
    boss_row = boss.get_by_test_id("returns-table").locator("tbody tr").filter(has_text=HTZ_NAME)
    expect(boss_row.get_by_test_id("return-status")).to_have_text(RETURN_STATUS["submitted"])
    expect(boss_row.locator("td").nth(3)).to_have_text(str(AMOUNT))
    boss_row.get_by_role("link", name=HTZ_NAME).click()
    review = sheet(boss)
    expect(review.get_by_test_id("return-total")).to_have_text(str(AMOUNT))
    expect(review.get_by_test_id("verify-return")).to_be_visible()
    wide += [] if no_horizontal_scroll(boss) else [boss.url]
    boss.screenshot(path=screenshot_dir / "return-verification.png", full_page=True)
    review.get_by_test_id("verify-return").click()
    review = sheet(boss)
    expect(review.get_by_test_id("return-status")).to_have_text(RETURN_STATUS["verified"])
    expect(review.get_by_test_id("verify-return")).to_have_count(0)
    expect(review.locator("form[action*='/delete']")).to_have_count(0)  # verified: locked

    after = figures(boss)
    assert after.funds == start.funds + AMOUNT, f"到位资金 moved from {start.funds} to {after.funds} 万元"
    assert after.zone_funds == start.zone_funds + AMOUNT, "the zone where the project lands counts its funds"
    assert after.pending == start.pending
    assert after.funded == start.funded + 1
    boss.get_by_test_id("goals").screenshot(path=screenshot_dir / "dashboard-project-goals.png")
    link = funds_link(boss)
    link.click()
    expect(boss).to_have_url(re.compile(r"/projects/\?"))
    assert list_total(boss) == after.funded
    table = boss.get_by_test_id("projects-table")
    expect(table.get_by_role("link", name=SECOND, exact=True)).to_have_count(1)
    expect(table.get_by_role("link", name=FIRST, exact=True)).to_have_count(0)  # nothing verified for it

    # The project list with filters: the 高新区's projects under 投资协议.
    boss.goto("/projects/")
    filters = boss.locator("form.filters")
    filters.locator("#region").select_option(str(world.htz_id))
    filters.locator("#agreement").select_option("investment")
    filters.locator("button[type=submit]").click()
    expect(boss).to_have_url(re.compile(rf"region={world.htz_id}"))
    table = boss.get_by_test_id("projects-table")
    expect(table.get_by_role("link", name=SECOND, exact=True)).to_have_count(1)
    expect(table.get_by_role("link", name=FIRST, exact=True)).to_have_count(0)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(list_total(boss))  # a short list: one page
    for row in rows.all():  # every row lands in the 高新区 under an 投资协议
        expect(row).to_contain_text(HTZ_NAME)
        expect(row).to_contain_text(AGREEMENTS["investment"])
    wide += [] if no_horizontal_scroll(boss) else [boss.url]
    boss.screenshot(path=screenshot_dir / "project-list.png", full_page=True)
    assert not wide, f"pages wider than the screen (1366 px desktop, 390 px phone): {wide}"


def test_a_manager_cannot_verify_a_return_they_submitted(live_server, world, new_page, demo_password):  # noqa: F811
    month = world.today.strftime("%Y-%m")
    page = new_page(**DESKTOP)
    log_in(page, "manager", demo_password)
    start = figures(page)
    page.goto(f"/projects/returns/{world.dcf_id}/{month}")
    line = page.get_by_test_id("add-line")
    line.locator("#project_id").select_option(str(world.first_id))
    line.locator("#fixed").fill("1500")
    line.locator("#other").fill("0")
    line.get_by_test_id("add-line-button").click()
    own = sheet(page)
    expect(own.get_by_test_id("return-lines").locator("tbody tr").filter(has_text=FIRST)).to_have_count(1)
    own.get_by_test_id("submit-return").click()
    own = sheet(page)
    expect(own.get_by_test_id("return-status")).to_have_text(RETURN_STATUS["submitted"])
    own.get_by_test_id("verify-return").click()
    expect(page.locator(".alert").filter(has_text=world.refusal)).to_be_visible()
    expect(sheet(page).get_by_test_id("return-status")).to_have_text(RETURN_STATUS["submitted"])
    after = figures(page)
    assert after.funds == start.funds and after.pending == start.pending + 1500

    # Another manager verifies it.
    other = new_page(**DESKTOP)
    log_in(other, "manager2", demo_password)
    other.goto(f"/projects/returns/{world.dcf_id}/{month}")
    sheet(other).get_by_test_id("verify-return").click()
    expect(sheet(other).get_by_test_id("return-status")).to_have_text(RETURN_STATUS["verified"])
    assert figures(other).funds == start.funds + 1500


def test_project_pages_fit_a_phone(live_server, world, new_page, demo_password):  # noqa: F811
    """Every page of the feature at 390 px: nothing wider than the screen."""
    month = world.today.strftime("%Y-%m")
    pages = (f"/projects/{world.first_id}", "/projects/", "/projects/returns",
             f"/projects/returns/{world.dcf_id}/{month}")  # fmt: skip
    wide = []
    for username, paths in (("lead1", (*pages, f"/projects/new/{world.entry_id}")),
                            ("manager", (*pages, f"/projects/?milestone=funds&from={world.today:%Y}-01-01"))):  # fmt: skip
        page = new_page(**PHONE)
        log_in(page, username, demo_password)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            if not no_horizontal_scroll(page):
                wide.append(f"{username} {path}")
    assert not wide, f"pages wider than a 390-px phone: {wide}"
