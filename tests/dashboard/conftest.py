"""A hand-built campaign for the dashboard tests. Every expected figure in the tests is worked out by hand from the
table below (year 2026, today Thursday 2026-11-26; the ranking week is Monday 11-16 to Sunday 11-22).

name  county industry   campaign state        planned  contract signed      landed     started    producing team tag
E1    东昌府 装备制造   duobiao  signed       600000   550000   2026-03-10  -          -          -          A    世界500强
E2    东昌府 新能源     duobiao  started       20000    18000   2026-02-05  2026-04-01 2026-06-01 -          B    全国性链主企业
E3    茌平   人工智能   jinwei   producing     15000    15000   2025-11-20  2026-01-15 2026-02-01 2026-09-01 C    -
E4    茌平   现代物流   -        negotiating    8000    -       -           -          -          -          C    -
E5    东昌府 装备制造   duobiao  contacting    12000    -       -           -          -          -          A    -
E6    东昌府 新能源     jueshan  whitelisted   -        -       -           -          -          -          -    -
E7    茌平   装备制造   duobiao  dropped       40000    30000   2026-05-05  -          -          -          C    -
E8    东昌府 装备制造   -        paused         5000    -       -           -          -          -          A    -
E9    茌平   装备制造   -        proposed       7000    -       -           -          -          -          -    -
E10   东昌府 新能源     jinwei   landed        10000     9000   2026-07-01  2026-10-15 -          -          B    央企
E11   茌平   现代物流   -        signed         3000     3000   2026-11-18  -          -          -          C    -

The projects of the signed targets (industry, campaign and mode are the target's). E2 has two, landing in two
counties: P2b is signed by 东昌府区's target and lands in 茌平区, so it counts in 茌平区's figures. P10f is a
framework agreement, which does not count as a signing (the default `signing_agreements`).

name  target lands  agreement   planned contract signed      landed     started    producing  state
P1    E1     东昌府 contract     600000  550000   2026-03-10  -          -          -          signed
P2    E2     东昌府 investment    20000   18000   2026-02-05  2026-04-01 2026-06-01 -          started
P2b   E2     茌平   investment    30000   25000   2026-09-15  2026-10-20 -          -          landed
P3    E3     茌平   contract      15000   15000   2025-11-20  2026-01-15 2026-02-01 2026-09-01 producing
P7    E7     茌平   investment    40000   30000   2026-05-05  -          -          -          terminated
P10   E10    东昌府 investment    10000    9000   2026-07-01  2026-10-15 -          -          landed
P10f  E10    东昌府 framework     50000   40000   2026-11-02  -          -          -          signed
P11   E11    茌平   investment     3000    3000   2026-11-18  -          -          -          signed

P2 plans 10000 万元 for 2026-05 and 20000 for 2026-10. Monthly returns (万元, fixed + other):
东昌府 2026-04 verified P1 100000+20000 | 东昌府 2026-05 verified P2 10000 | 茌平 2025-12 verified P3 5000 |
茌平 2026-03 verified P3 3000+1000 | 茌平 2026-06 verified P7 1000 | 东昌府 2026-09 verified P10 2000 |
茌平 2026-10 verified P2b 6000 | 东昌府 2026-10 submitted (pending) P1 50000, P2 4000 |
茌平 2026-11 returned (sent back with a reason) P11 7000.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.enterprises.models import EnterpriseCategory
from crm.extensions import db
from crm.plans.models import ContactLog, FundArrival, Task
from crm.projects import standing
from crm.projects.models import FundPlan, FundReturn, Project
from crm.refdata.models import CategoryTag
from crm.reminders.models import Escalation
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region
from tests.teams.conftest import campaign, industry  # noqa: F401  (the team fixture, reused)

TODAY = date(2026, 11, 26)
WHITELISTED_AT = datetime(2025, 10, 1, 2, 0, tzinfo=UTC)

ROWS = [
    # name, county, industry, campaign, state, planned, contract, signed, landed, started, producing, team, tag
    ("E1", "371502", "装备制造", "duobiao", State.SIGNED, 600000, 550000, "2026-03-10", None, None, None, "A", "fortune_global_500"),
    ("E2", "371502", "新能源", "duobiao", State.STARTED, 20000, 18000, "2026-02-05", "2026-04-01", "2026-06-01", None, "B", "chain_leader"),
    ("E3", "371503", "人工智能", "jinwei", State.PRODUCING, 15000, 15000, "2025-11-20", "2026-01-15", "2026-02-01", "2026-09-01", "C", None),
    ("E4", "371503", "现代物流", None, State.NEGOTIATING, 8000, None, None, None, None, None, "C", None),
    ("E5", "371502", "装备制造", "duobiao", State.CONTACTING, 12000, None, None, None, None, None, "A", None),
    ("E6", "371502", "新能源", "jueshan", State.WHITELISTED, None, None, None, None, None, None, None, None),
    ("E7", "371503", "装备制造", "duobiao", State.DROPPED, 40000, 30000, "2026-05-05", None, None, None, "C", None),
    ("E8", "371502", "装备制造", None, State.PAUSED, 5000, None, None, None, None, None, "A", None),
    ("E9", "371503", "装备制造", None, State.PROPOSED, 7000, None, None, None, None, None, None, None),
    ("E10", "371502", "新能源", "jinwei", State.LANDED, 10000, 9000, "2026-07-01", "2026-10-15", None, None, "B", "central_soe"),
    ("E11", "371503", "现代物流", None, State.SIGNED, 3000, 3000, "2026-11-18", None, None, None, "C", None),
]  # fmt: skip

PROJECTS = [
    # name, target, lands in, agreement, planned, contract, signed, landed, started, producing, state
    ("P1", "E1", "371502", "contract", 600000, 550000, "2026-03-10", None, None, None, "signed"),
    ("P2", "E2", "371502", "investment", 20000, 18000, "2026-02-05", "2026-04-01", "2026-06-01", None, "started"),
    ("P2b", "E2", "371503", "investment", 30000, 25000, "2026-09-15", "2026-10-20", None, None, "landed"),
    ("P3", "E3", "371503", "contract", 15000, 15000, "2025-11-20", "2026-01-15", "2026-02-01", "2026-09-01", "producing"),
    ("P7", "E7", "371503", "investment", 40000, 30000, "2026-05-05", None, None, None, "terminated"),
    ("P10", "E10", "371502", "investment", 10000, 9000, "2026-07-01", "2026-10-15", None, None, "landed"),
    ("P10f", "E10", "371502", "framework", 50000, 40000, "2026-11-02", None, None, None, "signed"),
    ("P11", "E11", "371503", "investment", 3000, 3000, "2026-11-18", None, None, None, "signed"),
]  # fmt: skip

PLAN = [("P2", "2026-05-01", 10000), ("P2", "2026-10-01", 20000)]

RETURNS = [  # county, month, status, [(project, fixed, other)]
    ("371502", "2026-04-01", "verified", [("P1", 100000, 20000)]),
    ("371502", "2026-05-01", "verified", [("P2", 10000, 0)]),
    ("371503", "2025-12-01", "verified", [("P3", 5000, 0)]),
    ("371503", "2026-03-01", "verified", [("P3", 3000, 1000)]),
    ("371503", "2026-06-01", "verified", [("P7", 1000, 0)]),
    ("371502", "2026-09-01", "verified", [("P10", 2000, 0)]),
    ("371503", "2026-10-01", "verified", [("P2b", 6000, 0)]),
    ("371502", "2026-10-01", "submitted", [("P1", 50000, 0), ("P2", 4000, 0)]),
    ("371503", "2026-11-01", "returned", [("P11", 7000, 0)]),
]

# Contact logs at Beijing times (UTC+8): entry, kind, local "YYYY-MM-DD HH:MM".
LOGS = [
    ("E1", "visit", "2026-11-17 10:00"),
    ("E1", "visit", "2026-11-18 10:00"),
    ("E1", "inbound", "2026-11-19 15:00"),
    ("E5", "visit", "2026-11-20 09:00"),
    ("E5", "phone", "2026-11-20 11:00"),  # a phone call scores nothing
    (
        "E4",
        "inbound",
        "2026-11-16 00:30",
    ),  # Monday just after midnight in Beijing (Sunday in UTC): in the week
    ("E4", "visit", "2026-11-23 00:30"),  # the next Monday in Beijing (Sunday in UTC): not in the week
    ("E2", "visit", "2026-11-21 10:00"),
    ("E11", "visit", "2026-10-10 10:00"),  # outside the week
]


def beijing(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@pytest.fixture
def world(campaign):  # noqa: F811
    """(people, teams, entries by name) for the table above."""
    p, teams, whitelisted = campaign
    entries: dict[str, WhitelistEntry] = {}
    tags = {t.code: t.id for t in db.session.scalars(select(CategoryTag))}
    for (
        name,
        county,
        ind,
        camp,
        state,
        planned,
        contract,
        signed,
        landed,
        started,
        producing,
        team,
        tag,
    ) in ROWS:
        entry = whitelisted(f"{name}测试企业有限公司", county, ind)
        entry.state = state
        entry.campaign, entry.planned_investment, entry.contract_amount = camp, planned, contract
        entry.signed_on, entry.landed_on = _day(signed), _day(landed)
        entry.started_on, entry.producing_on = _day(started), _day(producing)
        entry.team_id = teams[team].id if team else None
        entry.owner_id = (p["member"] if county == "371502" else p["other_member"]).id if team else None
        entry.whitelisted_at = None if state == State.PROPOSED else WHITELISTED_AT
        entry.state_changed_at = beijing("2026-06-01 09:00")
        entry.last_contact_at = beijing("2026-11-25 09:00")
        if tag:
            db.session.add(EnterpriseCategory(enterprise_id=entry.enterprise_id, tag_id=tags[tag]))
        entries[name] = entry
    entries["E9"].region_id = region("371503").id
    # Lights on 2026-11-26 (defaults: yellow 3, red 10 working days late; red after 15 silent working days).
    entries["E1"].last_contact_at = beijing("2026-10-01 10:00")  # silent since National Day: red
    entries["E10"].last_contact_at, entries["E10"].plan_start = None, date(2026, 11, 20)  # 4 days: green
    late = Task(
        entry_id=entries["E5"].id,
        title="上门拜访",
        owner_id=p["member"].id,
        due_date=date(2026, 11, 2),
        kind="step",
        evidence="any",
    )  # fmt: skip  (18 working days late: red)
    slipping = Task(
        entry_id=entries["E4"].id,
        title="来聊考察",
        owner_id=p["other_member"].id,
        due_date=date(2026, 11, 20),
        kind="step",
        evidence="any",
    )  # fmt: skip  (4 days: yellow)
    db.session.add_all([late, slipping])
    add_projects(p, entries)
    for name, kind, at in LOGS:
        db.session.add(ContactLog(entry_id=entries[name].id, occurred_at=beijing(at), kind=kind, summary="测试",
                                  created_by_id=p["member"].id))  # fmt: skip
    db.session.flush()
    for severity, level, recipient in (("blue", "lead", "lead"), ("red", "city", "manager")):
        db.session.add(Escalation(task_id=late.id, entry_id=entries["E5"].id, level=level, severity=severity,
                                  recipient_id=p[recipient].id, overdue_days=12))  # fmt: skip
    db.session.add(Escalation(task_id=slipping.id, entry_id=entries["E4"].id, level="lead", severity="blue",
                              recipient_id=p["other_lead"].id, overdue_days=4,
                              acknowledged_at=beijing("2026-11-25 10:00")))  # fmt: skip
    db.session.commit()
    return p, teams, entries


@pytest.fixture
def projects(world) -> dict[str, Project]:
    """The world's projects by their name in the table (P1, P2b …)."""
    return {p.name.removesuffix("测试项目"): p for p in db.session.scalars(select(Project))}


def add_projects(p: dict, entries: dict[str, WhitelistEntry]) -> dict[str, Project]:
    """The projects, their planned schedule and the monthly returns of the tables above."""
    found: dict[str, Project] = {}
    for (
        name,
        target,
        county,
        agreement,
        planned,
        contract,
        signed,
        landed,
        started,
        producing,
        state,
    ) in PROJECTS:
        entry = entries[target]
        found[name] = Project(
            entry_id=entry.id, name=f"{name}测试项目", industry_id=entry.industry_id, campaign=entry.campaign,
            mode=entry.mode, region_id=region(county).id, planned_investment=planned, agreement=agreement,
            contract_amount=contract, signed_on=_day(signed), landed_on=_day(landed), started_on=_day(started),
            producing_on=_day(producing), state=state, created_by_id=p["lead"].id,
            landed_uscc="91371500MA3C000001" if landed else None,
            terminated_reason="企业战略调整，项目终止" if state == "terminated" else None,
        )  # fmt: skip
    db.session.add_all(found.values())
    db.session.flush()
    for name, month, amount in PLAN:
        db.session.add(FundPlan(project_id=found[name].id, month=_day(month), amount=amount))
    heads = {"371502": p["head"], "371503": p["other_head"]}
    for county, month, status, lines in RETURNS:
        ret = FundReturn(region_id=region(county).id, month=_day(month), seq=0, status=status,
                         created_by_id=heads[county].id)  # fmt: skip
        if status != "draft":
            ret.submitted_by_id, ret.submitted_at = heads[county].id, beijing(f"{month} 09:00")
        if status == "verified":
            ret.verified_by_id, ret.verified_at = p["manager"].id, beijing(f"{month} 15:00")
        if status == "returned":
            ret.return_reason = "附件缺银行回单，请补充后重报"
        db.session.add(ret)
        db.session.flush()
        for project, fixed, other in lines:
            db.session.add(FundArrival(entry_id=found[project].entry_id, project_id=found[project].id,
                                       return_id=ret.id, arrived_on=_day(month), fixed_amount=fixed,
                                       other_amount=other, created_by_id=heads[county].id))  # fmt: skip
    standing.refresh(
        [project.id for project in found.values()]
    )  # as the services keep it (written directly here)
    return found
