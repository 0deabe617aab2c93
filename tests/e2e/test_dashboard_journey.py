"""Browser journeys through the manager dashboard: a manager on a desktop, a county head on a tablet, the A4 print
view (and its PDF) and the Excel export, against the live app with the demo data loaded.

The demo data is seeded for the fixed test date while the app runs on the real clock, so on top of it the test
signs a few projects of its own in the real current year, through the app's services (two counties, different
industries and campaigns, with contract amounts and funds), and never assumes a figure: every number read on the
dashboard is checked against the list its link opens. Selectors rely on data-testid, data-* attributes and hrefs;
visible-text checks use only county names from the reference data.
"""

import io
import random
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import Locator, Page, expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.dashboard.period import Period  # noqa: E402
from crm.demo import USERS, fictional_uscc  # noqa: E402
from crm.demo_teams import TEAM_USERS  # noqa: E402
from crm.enterprises.services import CategoryChoice, EnterpriseData, create_enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.logs import LogData, record_log  # noqa: E402
from crm.projects.stages import StageEvidence, add_funds, advance  # noqa: E402
from crm.refdata.models import CategoryTag, Industry, Region  # noqa: E402
from crm.teams.assignment import assign  # noqa: E402
from crm.teams.models import Team  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import PIPELINE, State  # noqa: E402
from crm.whitelist import services as wf  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402

FULL_NAMES = {username: full_name for username, full_name, _role, _region in USERS + TEAM_USERS}
DCF, DCF_NAME = "371502", "东昌府区"
CP = "371503"

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
A4 = {"viewport": {"width": 794, "height": 1123}}
CHARTS = ("funnel", "weekly", "region")
CJK = re.compile(r"[\u4e00-\u9fff]")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
DRILL_KEYS = {
    "phase",
    "milestone",
    "min_investment",
    "flag",
    "chain",
    "reached",
    "escalated",
    "counted",
    "funds",
}
LISTS = (
    "/whitelist/",
    "/projects/",
)  # figures that count targets open the first, those that count projects the other

# Projects the test signs this year, on top of the demo data:
# (name, county, industry, campaign, mode, planned investment 万元, tags, team, owner, contact kinds, final state,
#  funds 万元)
SIGNINGS = [
    ("聊城测试重型装备有限公司", DCF, "装备制造", "duobiao", "origin", 150000, ["chain_leader"],
     "东昌府区高端装备攻坚一队", "member1", ("phone", "visit", "inbound"), State.STARTED, 30000),
    ("聊城测试储能科技有限公司", DCF, "新能源", "duobiao", "capital", 60000, [],
     "东昌府区新兴产业攻坚二队", "member4", ("phone", "visit", "visit"), State.SIGNED, 8000),
    ("茌平测试新材料有限公司", CP, "未来材料", "jinwei", "tech", 40000, ["head_firm"],
     "茌平区新材料攻坚队", "member5", ("video", "inbound"), State.SIGNED, 5000),
    ("茌平测试铝材加工有限公司", CP, "有色金属", "duobiao", "mna", 80000, [],
     "茌平区有色金属攻坚队", "member2", ("phone", "visit"), State.NEGOTIATING, 0),
]  # fmt: skip


# --- data ------------------------------------------------------------------------------------------------------


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _log(owner: User, entry: WhitelistEntry, kind: str, when: datetime) -> None:
    data = LogData(occurred_at=when, kind=kind, summary="与企业投资发展部交流项目选址和配套需求。")
    record_log(owner, entry, data, when, Path("/nonexistent"))


def _schedule(now: datetime) -> tuple[datetime, timedelta, timedelta]:
    """(first moment, time between two steps, time between two projects): the projects are worked one a day from
    Monday 09:00 of the last full week, which the weekly rankings show, unless that week began last year; then
    all of it happens in the last two minutes, so every date stays in the current year."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    week = Period.last_full_week(local_date(now))
    if week.start.year == local_date(now).year:
        monday = datetime.combine(week.start, time(9), zone).astimezone(UTC)
        return monday, timedelta(minutes=30), timedelta(days=1)
    return now - timedelta(minutes=2), timedelta(seconds=1), timedelta(seconds=20)


def sign_projects() -> None:
    """Drive SIGNINGS through the workflow on the real clock, within this year."""
    now = utcnow()
    today = local_date(now)
    at, step, spacing = _schedule(now)
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    industries = {i.name: i.id for i in db.session.scalars(select(Industry))}
    tags = {t.code: t.id for t in db.session.scalars(select(CategoryTag))}
    manager = _user("manager")
    for index, (name, county, industry, campaign, mode, invest, tag_codes, team_name, owner_name, kinds, state,
                funds) in enumerate(SIGNINGS):  # fmt: skip
        proposer = _user("lead1" if county == DCF else "lead2")
        head = _user("head_dcf" if county == DCF else "head_cp")
        owner = _user(owner_name)
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        data = EnterpriseData(
            name=name, uscc=fictional_uscc(random.Random(f"dashboard-{index}"), county), hq="北京市",
            industry_id=industries[industry], categories=[CategoryChoice(tags[c]) for c in tag_codes],
        )  # fmt: skip
        enterprise = create_enterprise(data, proposer, at, commit=False)
        entry_data = wf.EntryData(
            region_id=regions[county].id, industry_id=industries[industry], campaign=campaign, mode=mode,
            planned_investment=invest, summary=f"{name}拟在{regions[county].name}投资建设{industry}项目。",
        )  # fmt: skip
        entry = wf.propose(proposer, enterprise, entry_data, at)
        wf.approve(head, entry, at + step)
        wf.approve(manager, entry, at + 2 * step)
        assign(manager, entry, team, owner, at + 3 * step)
        when = at + 4 * step
        for kind in kinds:  # the first log moves 已组队 → 对接中
            _log(owner, entry, kind, when)
            when += step
        for stage in PIPELINE[PIPELINE.index(State.NEGOTIATING) : PIPELINE.index(state) + 1]:
            day = local_date(when)
            evidence = StageEvidence(on=day)
            if stage == State.SIGNED:
                evidence.amount = int(invest * 0.8)
            elif stage == State.LANDED:
                evidence.uscc = fictional_uscc(random.Random(f"dashboard-landed-{index}"), county)
            advance(owner, entry, stage, evidence, when, today)
            when += step
        if funds:
            add_funds(owner, entry, local_date(when), funds, 0, "首期到位", when, today)
        assert entry.state == state and when <= now
        at += spacing


@pytest.fixture
def signed_this_year(app, live_server) -> bool:
    """The demo data plus SIGNINGS, signed this year on the real clock; True when the work was done in the last
    full week (the one the rankings show)."""
    with app.app_context():
        sign_projects()
        today = local_date(utcnow())
        db.session.remove()  # hold no connection (no SQLite lock) while the browser works
    return Period.last_full_week(today).start.year == today.year


# --- page helpers ----------------------------------------------------------------------------------------------


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/auth/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(FULL_NAMES[username])


def console_errors(page: Page) -> list[str]:
    """Console messages of type error on `page` from now on (the list fills as the page runs). The browser's own
    request for /favicon.ico (the app has none) is not the page's error."""
    errors: list[str] = []

    def seen(msg) -> None:
        source = (msg.location or {}).get("url", "")
        if msg.type == "error" and not source.endswith("/favicon.ico"):
            errors.append(f"{page.url}: {msg.text} ({source})")

    page.on("console", seen)
    return errors


def wait_for_charts(page: Page, kinds=CHARTS, drawn: str = "canvas, svg") -> None:
    """Each div.chart[data-chart=kind] holds a drawn canvas or svg with a size."""
    for kind in kinds:
        chart = page.locator(f"div.chart[data-chart={kind}]")
        expect(chart).to_have_count(1)
        expect(chart.locator(drawn).first).to_be_attached()
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"chart {kind} is not laid out: {box}"
    # An ECharts instance on each, its opening animation over (zrender's animation queue empty), before anyone
    # takes a picture; then one more frame for the last paint.
    page.wait_for_function(
        """kinds => kinds.every(k => {
             const c = window.echarts && echarts.getInstanceByDom(document.querySelector(`div.chart[data-chart=${k}]`));
             return c && !c.isDisposed() && c.getZr().animation.isFinished(); })""",
        arg=list(kinds),
    )
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def number(link: Locator) -> int:
    text = link.inner_text().strip()
    assert re.fullmatch(r"\d+", text), f"not a whole number: {text!r}"
    return int(text)


def drill_args(link: Locator) -> dict[str, str]:
    href = link.get_attribute("href")
    assert href and urlsplit(href).path in LISTS, f"a drill link to neither list: {href!r}"
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def list_total(page: Page) -> int:
    count = page.get_by_test_id("result-count").first  # the project list repeats it under the table
    expect(count).to_be_visible()
    return int(count.get_attribute("data-total"))


def follow(page: Page, link: Locator) -> int:
    """Click a dashboard number and return the total of the list it opens (then come back)."""
    href = link.get_attribute("href")
    args = drill_args(link)
    link.click()
    expect(page).to_have_url(re.compile(r"/(whitelist|projects)/\?"))
    assert page.url.endswith(href), f"{page.url} is not the link's {href}"
    total = list_total(page)
    if DRILL_KEYS & args.keys():  # conditions the list's own filters lack are named in a banner
        expect(page.get_by_test_id("drill")).to_be_visible()
    return total


def check_drill(page: Page, link: Locator) -> int:
    """The number on `link` equals the total of the list behind it; returns it."""
    value = number(link)
    back = page.url
    assert follow(page, link) == value, f"{link} shows {value}, its list {page.url} another total"
    page.goto(back)
    return value


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


# --- journeys --------------------------------------------------------------------------------------------------


def test_manager_reads_the_dashboard_and_every_number_opens_its_list(
    live_server, signed_this_year, new_page, demo_password, screenshot_dir
):
    page = new_page(**DESKTOP)
    errors = console_errors(page)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    wait_for_charts(page)
    assert not errors, f"console errors on the dashboard: {errors}"
    assert no_horizontal_scroll(page), "the dashboard scrolls sideways at 1366 px"
    page.screenshot(path=screenshot_dir / "dashboard-manager.png", full_page=True)

    # Every goal row is there; the test's own duobiao signings are counted in the first.
    goals = page.get_by_test_id("goals")
    for key in ("signings", "funds", "big", "manufacturing", "emerging", "chain", "mega"):
        expect(goals.locator(f'tr[data-goal="{key}"]')).to_have_count(1)
    signings = goals.locator('tr[data-goal="signings"] a.drill')
    assert drill_args(signings)["campaign"] == "duobiao"
    ours = sum(1 for s in SIGNINGS if s[3] == "duobiao" and s[10] != State.NEGOTIATING)
    assert check_drill(page, signings) >= ours
    big = goals.locator('tr[data-goal="big"] a.drill')
    assert check_drill(page, big) >= 1  # the test's 15-亿 project landed this year
    expect(page.get_by_test_id("rates").locator("a.drill")).not_to_have_count(0)
    expect(page.get_by_test_id("light-red").or_(page.get_by_test_id("light-yellow"))).not_to_have_count(0)
    # The rankings: the test's teams worked in the week they show (when it is this year's).
    for key in ("teams", "counties"):
        indexes = page.get_by_test_id(f"ranking-{key}").locator("tbody tr[data-rank] td:last-child")
        expect(indexes).not_to_have_count(0)
        if signed_this_year:
            assert max(float(t) for t in indexes.all_inner_texts()) > 0, f"no activity in the {key} ranking"

    # A funnel count (the table sits in a <details>): 已签约 holds the test's two unlanded signings' projects at
    # least; the stages before it count targets.
    page.locator("details:has([data-testid=funnel]) > summary").click()
    funnel = page.get_by_test_id("funnel")
    expect(funnel.locator("tr[data-state]")).to_have_count(len(PIPELINE))
    signed_link = funnel.locator(f'tr[data-state="{State.SIGNED}"] a.drill')
    assert drill_args(signed_link) == {"state": State.SIGNED}
    assert check_drill(page, signed_link) >= 2
    page.locator("details:has([data-testid=funnel]) > summary").click()
    assert (
        check_drill(
            page, page.get_by_test_id("funnel").locator(f'tr[data-state="{State.NEGOTIATING}"] a.drill')
        )
        >= 1
    )

    # A breakdown cell: the industry tab, 五大优势产业 (装备制造's group), signed this year.
    page.locator('button[data-bs-target="#bd-industry"]').click()
    industry = page.get_by_test_id("breakdown-industry")
    expect(industry).to_be_visible()
    row = industry.locator("tbody tr").filter(has_text="五大优势产业")
    expect(row).to_have_count(1)
    cell = row.locator("td").nth(4).locator("a.drill")
    assert drill_args(cell)["milestone"] == "signed"
    assert check_drill(page, cell) >= 1
    # And the campaign tab's targets for 夺标争先.
    page.locator('button[data-bs-target="#bd-campaign"]').click()
    campaign_row = page.get_by_test_id("breakdown-campaign").locator("tbody tr").filter(has_text="夺标争先")
    check_drill(page, campaign_row.locator("td").nth(1).locator("a.drill"))

    # Every county is in the county breakdown; the bar of 东昌府区 in the county chart opens its signed list.
    region_rows = page.get_by_test_id("breakdown-region").locator("tbody tr")
    expect(region_rows.filter(has_text=DCF_NAME)).to_have_count(1)
    wait_for_charts(page, ("region",))
    value, url = page.evaluate(
        """name => { const data = JSON.parse(document.getElementById('dashboard-data').textContent).region;
                     const i = data.labels.indexOf(name); return [data.series[1].data[i], data.series[1].urls[i]]; }""",
        DCF_NAME,
    )
    assert value >= 2
    chart = page.locator("div.chart[data-chart=region]")
    chart.scroll_into_view_if_needed()
    bar = page.evaluate(
        """name => { const c = echarts.getInstanceByDom(document.querySelector('div.chart[data-chart=region]'));
                     const data = c.getModel().getSeriesByIndex(1).getData();
                     return data.getItemLayout(data.indexOfName(name)); }""",
        DCF_NAME,
    )
    box = chart.bounding_box()  # the bar's middle, in the page's viewport
    page.mouse.click(box["x"] + bar["x"] + bar["width"] / 2, box["y"] + bar["y"] + bar["height"] / 2)
    expect(page).to_have_url(re.compile(r"/projects/\?"))  # the bar counts projects signed, where they land
    assert page.url.endswith(url)
    assert list_total(page) == value
    assert not errors, f"console errors: {errors}"


def test_county_head_sees_only_their_county_on_a_tablet(
    live_server, signed_this_year, new_page, demo_password, screenshot_dir
):
    page = new_page(**TABLET)
    errors = console_errors(page)
    log_in(page, "head_dcf", demo_password)
    page.goto("/dashboard/")
    wait_for_charts(page)
    assert not errors, f"console errors on the dashboard: {errors}"

    # One county only: the breakdown, the chart's categories, the chain badges.
    rows = page.get_by_test_id("breakdown-region").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text(DCF_NAME)
    labels = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).region.labels")
    assert labels == [DCF_NAME]
    expect(page.get_by_test_id("chain").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("chain")).to_contain_text(DCF_NAME)
    ranking = page.get_by_test_id("ranking-counties").locator("tbody tr[data-rank]")
    for name in ranking.locator("td:nth-child(2)").all_inner_texts():
        assert name.strip() == DCF_NAME, f"another county in the head's ranking: {name}"
    assert no_horizontal_scroll(page), "the dashboard scrolls sideways on a 1024-px tablet"
    page.screenshot(path=screenshot_dir / "dashboard-county-head.png", full_page=True)

    # The county's targets: the list's total matches, and every row is in 东昌府区.
    targets = rows.locator("td").nth(1).locator("a.drill")
    value = number(targets)
    assert value >= 2
    assert follow(page, targets) == value
    # The county column is the one just before the state badge's (a checkbox column may come first).
    table = page.get_by_test_id("whitelist-table")
    counties = table.locator("tbody td:has(+ td [data-testid=state])")
    expect(counties).to_have_count(table.locator("tbody tr").count())
    expect(counties).not_to_have_count(0)
    assert set(t.strip() for t in counties.all_inner_texts()) == {DCF_NAME}
    # The head's signed-this-year figure counts only the county's own signings.
    page.go_back()
    signed = page.get_by_test_id("breakdown-region").locator("tbody tr td").nth(4).locator("a.drill")
    assert check_drill(page, signed) >= 2
    assert not errors, f"console errors: {errors}"

    # Other roles are kept out.
    other = new_page(**TABLET)
    log_in(other, "member1", demo_password)
    response = other.goto("/dashboard/")
    assert response is not None and response.status == 403


def test_print_view_renders_svg_charts_and_prints_to_pdf(
    live_server, signed_this_year, new_page, demo_password, screenshot_dir
):
    page = new_page(**A4)
    errors = console_errors(page)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    href = page.get_by_test_id("print-view").get_attribute("href")
    page.get_by_test_id("print-view").click()
    expect(page).to_have_url(re.compile(r"/dashboard/print"))
    assert urlsplit(page.url).path == urlsplit(href).path
    charts = page.locator("div.chart[data-chart]")
    expect(charts).not_to_have_count(0)
    kinds = charts.evaluate_all("els => els.map(e => e.dataset.chart)")
    wait_for_charts(page, kinds, drawn="svg")
    expect(page.locator("div.chart canvas")).to_have_count(0)
    expect(page.get_by_test_id("goals")).to_be_visible()
    assert not errors, f"console errors on the print view: {errors}"
    assert no_horizontal_scroll(page), "the print view is wider than A4 (794 px)"
    page.screenshot(path=screenshot_dir / "dashboard-print.png", full_page=True)

    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(PDF_PAGE.findall(pdf))
    assert 1 <= pages <= 4, f"the print view takes {pages} A4 pages"
    assert not errors, f"console errors: {errors}"


def test_export_downloads_a_workbook_with_chinese_headers(
    live_server, signed_this_year, new_page, demo_password
):
    openpyxl = pytest.importorskip("openpyxl")
    page = new_page(accept_downloads=True, **DESKTOP)
    log_in(page, "manager", demo_password)
    page.goto("/dashboard/")
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    assert workbook.sheetnames
    first = workbook[workbook.sheetnames[0]]
    header = next(first.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header and CJK.search(str(header[0])), f"the first header is not Chinese: {header!r}"
    assert any(CJK.search(name) for name in workbook.sheetnames), workbook.sheetnames
