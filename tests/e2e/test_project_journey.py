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

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import Locator, Page, expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.demo import DEMO_PASSWORD, USERS, fictional_uscc  # noqa: E402
from crm.demo_teams import TEAM_USERS  # noqa: E402
from crm.enterprises.services import EnterpriseData, create_enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.logs import LogData, record_log  # noqa: E402
from crm.projects.services import ProjectData, add_project  # noqa: E402
from crm.projects.stages import StageEvidence, advance  # noqa: E402
from crm.refdata.models import Industry, Region  # noqa: E402
from crm.teams.assignment import assign  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import AGREEMENTS, PROJECT_STATES, RETURN_STATUS, Role, State  # noqa: E402
from crm.whitelist import services as wf  # noqa: E402

HTZ_HEAD = ("head_htz", "高新区招商局局长", "ZONE-HTZ")
FULL_NAMES = {u: name for u, name, _role, _region in USERS + TEAM_USERS} | {HTZ_HEAD[0]: HTZ_HEAD[1]}
DCF, DCF_NAME = "371502", "东昌府区"
HTZ, HTZ_NAME = "ZONE-HTZ", "聊城高新技术产业开发区"
TEAM = "东昌府区高端装备攻坚一队"

ENTERPRISE = "鲁晟精工（山东）机械有限公司"
FIRST = "鲁晟精工（东昌府）一期数控机床项目"
SECOND = "鲁晟精工二期（高新区）精密轴承产线项目"
SECOND_TYPED = f"  {SECOND} "  # a clerk's stray spaces around the name
FIXED, OTHER = 3200, 800  # 万元: 0.40 亿元, a whole number of the dashboard's 0.01 亿元
AMOUNT = FIXED + OTHER
PROVINCE = "江苏省"
NOTE = "首期设备款（苏州总部拨付，回单见附件）"
SLIP = {"name": "银行回单（12月）.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% slip\n%%EOF\n"}

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
PROJECT_PATH = re.compile(r"/projects/(\d+)$")


@dataclass
class World:
    entry_id: int
    first_id: int
    htz_id: int
    dcf_id: int
    industry_id: int  # the second project's (高端轴承; the target's is 装备制造)
    today: date
    refusal: str  # the app's words for a manager verifying their own return


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def build_world() -> World:
    """The target, signed today through the services on the real clock, and the 高新区's head."""
    now = utcnow()
    today = local_date(now)
    at, step = now - timedelta(minutes=20), timedelta(seconds=30)
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    industries = {i.name: i.id for i in db.session.scalars(select(Industry))}
    lead, member, manager = _user("lead1"), _user("member1"), _user("manager")
    username, full_name, region_code = HTZ_HEAD
    head = User(
        username=username, full_name=full_name, role=Role.COUNTY_HEAD, region_id=regions[region_code].id
    )
    head.set_password(
        DEMO_PASSWORD
    )  # as crm.demo does for its users (the admin form refuses so common a one)
    db.session.add(head)
    data = EnterpriseData(name=ENTERPRISE, uscc=fictional_uscc(random.Random("project-journey"), DCF),
                          hq="江苏省苏州市", industry_id=industries["装备制造"])  # fmt: skip
    enterprise = create_enterprise(data, lead, at, commit=False)
    entry = wf.propose(lead, enterprise, wf.EntryData(
        region_id=regions[DCF].id, industry_id=industries["装备制造"], campaign="duobiao", mode="origin",
        planned_investment=180000, summary="苏州精密机械企业拟在聊城分两期建设数控机床和精密轴承产线。"), at)  # fmt: skip
    wf.approve(_user("head_dcf"), entry, at + step)
    wf.approve(manager, entry, at + 2 * step)
    team = db.session.scalar(select(Team).where(Team.name == TEAM))
    assign(manager, entry, team, member, at + 3 * step)
    for i, kind in enumerate(("phone", "visit")):  # the first log moves 已组队 → 对接中; a visit allows talks
        record_log(member, entry, LogData(occurred_at=at + (4 + i) * step, kind=kind,
                                          summary="与企业投资部商谈一期选址、二期用地和配套。"),
                   at + (4 + i) * step, Path("/nonexistent"))  # fmt: skip
    advance(member, entry, State.NEGOTIATING, StageEvidence(on=today), at + 6 * step, today)
    first = add_project(lead, entry, ProjectData(
        name=FIRST, region_id=regions[DCF].id, agreement="contract", signed_on=today, contract_amount=100000,
        planned_investment=120000), at + 7 * step, today)  # fmt: skip
    assert entry.state == State.SIGNED, "the first counted signing signs the target"
    with force_locale("zh_CN"):
        refusal = _("You submitted this return: another manager must verify it.")
    return World(entry.id, first.id, regions[HTZ].id, regions[DCF].id, industries["高端轴承"], today, refusal)


@pytest.fixture
def world(app, live_server) -> World:
    with app.app_context():
        built = build_world()
        db.session.remove()  # hold no connection (no SQLite lock) while the browser works
    return built


# --- page helpers ----------------------------------------------------------------------------------------------


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/auth/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(FULL_NAMES[username])


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def nav(page: Page, href: str) -> None:
    """Follow a link of the navigation bar, opening the collapsed menu first on a phone, or 更多 on a desktop."""
    toggler = page.locator("button.navbar-toggler")
    link = page.locator(f'#mainnav a[href="{href}"]')
    more = page.get_by_test_id("nav-more")
    if not toggler.is_visible() and not link.is_visible() and more.is_visible():
        more.click()
    # On a loaded machine the first tap can land before Bootstrap's script has bound the toggler: tap again.
    for _attempt in range(3):
        if not toggler.is_visible() or link.is_visible():
            break
        toggler.click()
        try:
            expect(link).to_be_visible(timeout=3000)
        except AssertionError:
            continue
    link.click()


def wan(text: str) -> int:
    """A dashboard figure in 亿元 ("1,234.56") as 万元."""
    cleaned = text.strip().replace(",", "")
    assert re.fullmatch(r"\d+\.\d{2}", cleaned), f"not an amount in 亿元: {text!r}"
    return int(Decimal(cleaned) * 10000)


def list_total(page: Page) -> int:
    count = page.get_by_test_id("result-count").first
    expect(count).to_be_visible()
    return int(count.get_attribute("data-total"))


@dataclass
class Figures:
    funds: int  # verified 到位资金 this year, 万元
    funded: int  # projects with verified funds this year (the figure's drill-down count)
    pending: int  # submitted, awaiting verification, 万元
    zone_funds: int  # the 高新区 row of the county breakdown
    zone_signed: int  # projects signed this year landing in the 高新区
    home_signed: int  # the same for 东昌府区


def figures(page: Page) -> Figures:
    """The manager's dashboard, computed afresh (?refresh=1 recomputes past the cache)."""
    page.goto("/dashboard/?refresh=1")
    expect(page).to_have_url(re.compile(r"/dashboard/"))
    row = page.get_by_test_id("goals").locator('tr[data-goal="funds"]')
    link = row.locator("td").nth(1).locator("a.drill").first
    pending = page.get_by_test_id("pending-funds")
    regions = page.get_by_test_id("breakdown-region").locator("tbody tr")
    zone, home = regions.filter(has_text=HTZ_NAME), regions.filter(has_text=DCF_NAME)
    expect(zone).to_have_count(1)
    expect(home).to_have_count(1)
    return Figures(
        funds=wan(link.inner_text()),
        funded=int(link.get_attribute("data-count")),
        pending=wan(pending.locator("a.drill").inner_text()) if pending.count() else 0,
        zone_funds=wan(zone.locator("td").nth(6).inner_text()),
        zone_signed=int(zone.locator("td").nth(4).inner_text()),
        home_signed=int(home.locator("td").nth(4).inner_text()),
    )


def funds_link(page: Page) -> Locator:
    return page.get_by_test_id("goals").locator('tr[data-goal="funds"] td').nth(1).locator("a.drill").first


def sheet(page: Page) -> Locator:
    """The month's own return on a county's return page (adjustments would follow it)."""
    sheets = page.get_by_test_id("return-sheet")
    expect(sheets).not_to_have_count(0)
    return sheets.first


# --- the journey -----------------------------------------------------------------------------------------------


def test_second_project_filed_verified_and_counted_where_it_lands(
    live_server, world, new_page, demo_password, screenshot_dir
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
    expect(form.locator("#name")).to_have_value(SECOND_TYPED)
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
    log_in(head, HTZ_HEAD[0], demo_password)
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


def test_a_manager_cannot_verify_a_return_they_submitted(live_server, world, new_page, demo_password):
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


def test_project_pages_fit_a_phone(live_server, world, new_page, demo_password):
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
