"""The target the project journeys build on top of the demo data, signed today (real clock): 鲁晟精工 in 东昌府区
with a first project, a head for the 高新区 (`world`); and reading the dashboard's project figures and a return's
sheet from a page."""

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
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.demo import DEMO_PASSWORD, fictional_uscc  # noqa: E402
from crm.enterprises.services import EnterpriseData, create_enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.logs import LogData, record_log  # noqa: E402
from crm.projects.services import ProjectData, add_project  # noqa: E402
from crm.projects.stages import StageEvidence, advance  # noqa: E402
from crm.refdata.models import Industry, Region  # noqa: E402
from crm.teams.assignment import assign  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import Role, State  # noqa: E402
from crm.whitelist import services as wf  # noqa: E402
from tests.e2e.pages import DEMO_NAMES  # noqa: E402

HTZ_HEAD = ("head_htz", "高新区招商局局长", "ZONE-HTZ")
FULL_NAMES = DEMO_NAMES | {HTZ_HEAD[0]: HTZ_HEAD[1]}
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


def nav(page: Page, href: str) -> None:
    """Follow a link of the navigation bar, opening the collapsed menu first on a phone, or 更多 on a desktop."""
    toggler = page.locator("button.navbar-toggler")
    link = page.locator(f'#mainnav a[href="{href}"]')
    more = page.get_by_test_id("nav-more")
    # The opener (the phone's toggler, else the desktop's 更多) is tapped only while it says it is closed:
    # on a loaded machine a tap can land before Bootstrap has bound it (aria-expanded stays "false"), and a
    # second blind tap during the menu's slow opening would close it again (CI, both suites on two cores).
    for _attempt in range(4):
        if link.is_visible():
            break
        opener = toggler if toggler.is_visible() else more
        if opener.get_attribute("aria-expanded") != "true":
            opener.click()
        try:
            expect(link).to_be_visible(timeout=4000)
            break
        except AssertionError:
            continue
    # Under load a tap on a link of the opening menu has been lost (the page stayed where it was): tap again,
    # reopening the menu if it closed.
    before = page.url
    for _attempt in range(2):
        link.click()
        try:
            page.wait_for_url(lambda url: url != before, timeout=10_000)
            return
        except PlaywrightTimeout:
            opener = toggler if toggler.is_visible() else more
            if not link.is_visible() and opener.get_attribute("aria-expanded") != "true":
                opener.click()
                expect(link).to_be_visible()


def wan(text: str) -> int:
    """A dashboard figure in 亿元 ("1,234.56") as 万元."""
    cleaned = text.strip().replace(",", "")
    assert re.fullmatch(r"\d+\.\d{2}", cleaned), f"not an amount in 亿元: {text!r}"
    return int(Decimal(cleaned) * 10000)


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
