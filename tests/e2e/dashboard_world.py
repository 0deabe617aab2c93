"""Projects the dashboard journeys sign in the real current year on top of the demo data (`signed_this_year`), and
waiting for the dashboard's charts to be drawn."""

import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.dashboard.period import Period  # noqa: E402
from crm.demo import fictional_uscc  # noqa: E402
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

DCF, DCF_NAME = "371502", "东昌府区"
CP = "371503"
CHARTS = ("funnel", "weekly", "region")

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
