"""Importing a 项目台账: the bureau's messy sheet (full-width digits and brackets, 高新区, 1.5亿, 2027 dates, one target
with two projects in two zones), row/column refusals that write nothing, duplicates, commit and revert."""

import io
from datetime import date, datetime

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import services
from crm.imports.models import ImportBatch, ImportItem
from crm.plans.models import OPEN, Task
from crm.projects import services as projects
from crm.projects.models import Project
from crm.refdata.models import Region
from crm.vocab import State
from crm.whitelist.models import Event, WhitelistEntry
from tests.imports.conftest import LEDGER_NOW, TODAY, dry, reasons

HEADERS = ["企业名称", "统一社会信用代码", "提报县区", "项目名称", "落地县区/功能区", "协议类型", "签约日期",
           "签约金额（万元）", "计划总投资（万元）", "行业", "攻坚行动", "招商方式"]  # fmt: skip
MESSY = [
    # a target with two projects in two zones; full-width digits, brackets and spaces; 1.5亿; a real date cell
    [" 聊城华泰精密轴承有限公司 ", "", "", "年产１０万套精密轴承（一期）项目", "高新区", "投资协议",
     "２０２７年１月８日", "1.5亿", "１５０，０００", "装备制造", "夺标争先", "并购招商"],
    ["聊城华泰精密轴承有限公司", "", "东昌府", "精密轴承配套产业园项目", "\u3000聊城经济技术开发区（东区）\u3000", "正式合同",
     datetime(2027, 2, 3), "15,000", "", "", "", ""],
    # the enterprise is a target of two counties: 提报县区 "茌平" (without 区) picks 茌平区's entry
    ["鲁西光伏新能源科技有限公司", "", "茌平", "分布式光伏电站项目", "东昌府", "框架协议", "2027/2/28", "8000",
     "", "新能源", "", ""],
]  # fmt: skip


MOVED_ON = (
    "Rows %(rows)s have been worked on since the import (the project moved on, was edited or has funds "
    "reported, or its target changed), so the import cannot be reverted."
)


def region_id(name: str) -> int:
    return db.session.scalar(select(Region.id).where(Region.name == name))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_messy_ledger_is_read_and_committed_through_add_project(targets):
    p, t = targets
    plan = dry(p["manager"], "projects", HEADERS, MESSY)
    assert reasons(plan) == {} and [r.action for r in plan.rows] == ["create"] * 3
    assert count(Project) == 0  # the dry run writes nothing
    batch = services.commit(p["manager"], plan, "台账.xlsx", LEDGER_NOW)
    assert (batch.kind, batch.created_count, batch.skipped_count) == ("projects", 3, 0)
    first, second, third = db.session.scalars(select(Project).order_by(Project.id)).all()
    assert (first.name, first.entry_id, first.region_id) == (
        "年产１０万套精密轴承（一期）项目",
        t["bearing"].id,
        region_id("聊城高新技术产业开发区"),
    )
    assert (first.agreement, first.signed_on, first.contract_amount, first.planned_investment) == (
        "investment",
        date(2027, 1, 8),
        15000,
        150000,
    )
    assert (first.campaign, first.mode, first.industry.name) == ("duobiao", "mna", "装备制造")
    assert (
        second.entry_id,
        second.region_id,
        second.agreement,
        second.signed_on,
        second.contract_amount,
    ) == (t["bearing"].id, region_id("聊城经济技术开发区"), "contract", date(2027, 2, 3), 15000)
    assert (third.entry_id, third.region_id, third.agreement) == (t["solar_cp"].id, region_id("东昌府区"),
                                                                  "framework")  # fmt: skip
    db.session.expire_all()
    # the investment agreement signed the target (as add_project does by hand); a framework agreement does not
    assert t["bearing"].state == State.SIGNED and t["bearing"].signed_on == date(2027, 1, 8)
    assert t["solar_cp"].state == State.NEGOTIATING and t["solar"].state == State.NEGOTIATING
    assert count(Event, Event.action == "project_add") == 3
    assert count(Task, Task.kind == "project") == 3  # each project's registration milestone
    assert count(ImportItem) == 3


def test_the_bureaus_header_spellings_and_the_template_map_by_themselves(targets, login):
    p, _t = targets
    response = login(p["head"]).get("/imports/template.xlsx?kind=projects")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in book["项目台账"][1]]
    assert (
        headers[:4] == ["企业名称", "统一社会信用代码", "提报县区", "项目名称*"]
        and "签约金额(万元)*" in headers
    )
    row = [
        "聊城华泰精密轴承有限公司",
        "",
        "",
        "模板项目",
        "高新区",
        "投资协议",
        "2027-01-08",
        "1.5亿",
        "",
        "",
        "",
        "",
    ]
    plan = dry(p["head"], "projects", headers, [row])
    assert reasons(plan) == {} and plan.rows[0].project.contract_amount == 15000


def test_a_bad_row_names_its_row_and_column_and_nothing_is_written(targets, login, monkeypatch):
    p, t = targets
    bad = ["聊城华泰精密轴承有限公司", "", "", "第三个项目", "火星开发区", "意向书", "2027-12-01", "很多", "-5",
           "", "", ""]  # fmt: skip
    plan = dry(p["head"], "projects", HEADERS, [*MESSY[:2], bad])
    assert set(reasons(plan)) == {4}
    columns = [column for column, _reason in reasons(plan)[4]]
    assert columns == ["落地县区/功能区", "协议类型", "签约日期", "签约金额(万元)", "计划总投资(万元)"]
    assert ("签约日期", gettext("The date cannot be in the future.")) in reasons(plan)[4]
    assert not plan.can_commit
    with pytest.raises(DomainError):
        services.commit(p["head"], plan, "台账.xlsx", LEDGER_NOW)
    assert (count(Project), count(ImportBatch), count(Event, Event.action == "project_add")) == (0, 0, 0)
    assert db.session.get(WhitelistEntry, t["bearing"].id).state == State.NEGOTIATING
    # the same through the screens: the page names row 4's columns, the confirmation writes nothing
    monkeypatch.setattr("crm.imports.views.utcnow", lambda: LEDGER_NOW)
    client = login(p["head"])
    from tests.imports.conftest import sheet

    data = {"kind": "projects", "file": (io.BytesIO(sheet(HEADERS, [*MESSY[:2], bad])), "台账.xlsx")}
    location = client.post("/imports/", data=data, content_type="multipart/form-data").headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-count-create="2"' in page and 'data-count-reject="1"' in page
    assert "第 4 行，签约金额(万元)列" in page and "第 4 行，落地县区/功能区列" in page
    assert client.post(location, data={"confirm": "1"}).status_code == 200
    assert (count(Project), count(ImportBatch)) == (0, 0)


def test_rows_the_importer_may_not_touch_are_refused(targets):
    p, t = targets
    rows = [
        ["东岳早期接触有限公司", "", "", "早期项目", "", "投资协议", "2027-01-05", "5000", "", "", "", ""],
        ["鲁西光伏新能源科技有限公司", "", "茌平区", "茌平项目", "", "投资协议", "2027-01-05", "5000", "", "", "", ""],
        ["鲁西光伏新能源科技有限公司", "", "", "哪个县的项目", "", "投资协议", "2027-01-05", "5000", "", "", "", ""],
        ["不存在的企业有限公司", "", "", "无主项目", "", "投资协议", "2027-01-05", "5000", "", "", "", ""],
    ]  # fmt: skip
    head = reasons(
        dry(p["head"], "projects", HEADERS, rows)
    )  # 东昌府区's head: 茌平区's target is out of scope
    assert head[2][0][0] == "企业名称" and "早期接触" in head[2][0][1]  # only whitelisted, not in talks yet
    assert head[3][0][0] == "提报县区"  # not a target of 茌平区 that this head can see
    assert 4 not in head  # the one entry the head sees is 东昌府区's
    assert head[5] == [("企业名称", gettext("No whitelist target you can see is called %(name)s.",
                                            name="不存在的企业有限公司"))]  # fmt: skip
    manager = reasons(dry(p["manager"], "projects", HEADERS, rows[2:3]))
    assert manager[2][0][0] == "提报县区" and "东昌府区" in manager[2][0][1] and "茌平区" in manager[2][0][1]
    member = reasons(dry(p["member"], "projects", HEADERS, rows[:0] + [MESSY[0]]))
    assert member == {}  # a member of the target's team may add its projects, as on the screen
    other = reasons(dry(p["other_lead"], "projects", HEADERS, [MESSY[0]]))
    assert other[2][0][0] == "企业名称"  # another county's lead does not see the target at all


def test_a_credit_code_finds_the_target_and_must_agree_with_the_name(targets):
    p, t = targets
    import random

    from crm.demo import fictional_uscc

    code = fictional_uscc(random.Random(3), "371502")
    t["bearing"].enterprise.uscc = code
    db.session.commit()
    rows = [["", code, "", "按代码找到的项目", "", "正式合同", "2027-01-05", "5000", "", "", "", ""],
            ["鲁西光伏新能源科技有限公司", code, "东昌府区", "代码与名称不符", "", "正式合同", "2027-01-05", "5000", "", "", "",
             ""]]  # fmt: skip
    plan = dry(p["head"], "projects", HEADERS, rows)
    assert plan.rows[0].action == "create" and plan.rows[0].entry_id == t["bearing"].id
    assert plan.rows[0].notes  # lands in the proposing county, said in words
    assert [c for c, _r in reasons(plan)[3]] == ["统一社会信用代码"]


def test_duplicates_of_a_project_on_file_or_in_the_file_are_flagged_and_skipped(targets, now):
    p, t = targets
    projects.add_project(p["head"], t["bearing"], projects.ProjectData(
        name="年产10万套精密轴承(一期)项目", region_id=t["bearing"].region_id, agreement="contract",
        signed_on=date(2026, 12, 1), contract_amount=9000), LEDGER_NOW, TODAY)  # fmt: skip
    rows = [
        MESSY[0],
        MESSY[1],
        MESSY[1],
    ]  # row 2 is on file (brackets, width, 项目 aside); row 4 repeats row 3
    plan = dry(p["head"], "projects", HEADERS, rows)
    assert [r.action for r in plan.rows] == ["duplicate", "create", "duplicate"]
    assert "年产10万套精密轴承(一期)项目" in plan.rows[0].notes[-1] and "3" in plan.rows[2].notes[-1]
    batch = services.commit(p["head"], plan, "台账.xlsx", LEDGER_NOW)
    assert (batch.created_count, batch.skipped_count) == (1, 2)
    assert count(Project) == 2
    third = [*MESSY[1][:3], "三期项目", *MESSY[1][4:]]
    again = services.commit(p["head"], dry(p["head"], "projects", HEADERS, [MESSY[0], third]), "台账.xlsx",
                            LEDGER_NOW, include_flagged=True)  # fmt: skip
    assert (again.created_count, again.skipped_count) == (2, 0) and count(Project) == 4


def test_revert_removes_the_projects_and_puts_the_target_back(targets):
    p, t = targets
    steps = set(db.session.scalars(select(Task.id).where(Task.entry_id == t["bearing"].id, Task.kind == "step",
                                                         Task.status == OPEN)))  # fmt: skip
    assert steps  # the team's contact plan, which signing ends
    before = {
        c: getattr(t["bearing"], c) for c in ("state", "signed_on", "contract_amount", "state_changed_at")
    }
    events_before = count(Event)
    batch = services.commit(
        p["head"], dry(p["head"], "projects", HEADERS, MESSY[:2]), "台账.xlsx", LEDGER_NOW
    )
    db.session.expire_all()
    assert t["bearing"].state == State.SIGNED and count(Task, Task.id.in_(steps), Task.status == OPEN) == 0
    services.revert(p["head"], batch, LEDGER_NOW)
    db.session.expire_all()
    assert count(Project) == 0 and count(Task, Task.kind == "project") == 0 and count(Event) == events_before
    assert {c: getattr(t["bearing"], c) for c in before} == before
    assert count(Task, Task.id.in_(steps), Task.status == OPEN) == len(steps)
    assert db.session.get(ImportBatch, batch.id).status == "reverted"
    # the target can sign the same projects again by hand or by a new import
    assert dry(p["head"], "projects", HEADERS, MESSY[:2]).can_commit


def test_revert_is_refused_once_a_project_moved_on_or_the_target_took_another_project(targets):
    p, t = targets
    batch = services.commit(
        p["head"], dry(p["head"], "projects", HEADERS, MESSY[:2]), "台账.xlsx", LEDGER_NOW
    )
    project = db.session.scalar(select(Project).order_by(Project.id))
    projects.advance(p["head"], project, "landed", projects.Evidence(date(2027, 3, 1), "91371500MA3C8X2Y4M"),
                     LEDGER_NOW, TODAY)  # fmt: skip
    with pytest.raises(DomainError) as refused:
        services.revert(p["head"], batch, LEDGER_NOW)
    assert str(refused.value) == gettext(MOVED_ON, rows="2")
    db.session.rollback()
    assert count(Project) == 2 and db.session.get(ImportBatch, batch.id).status == "committed"
    # a second import, then a project added by hand to its target: that import cannot be reverted either
    solar = [["鲁西光伏新能源科技有限公司", "", "东昌府区", "屋顶光伏项目", "", "正式合同", "2027-01-05", "5000", "", "",
              "", ""]]  # fmt: skip
    second = services.commit(p["head"], dry(p["head"], "projects", HEADERS, solar), "台账2.xlsx", LEDGER_NOW)
    projects.add_project(p["head"], db.session.get(WhitelistEntry, t["solar"].id), projects.ProjectData(
        name="手工补录项目", region_id=t["solar"].region_id, agreement="supplement", signed_on=date(2027, 3, 2),
        contract_amount=100), LEDGER_NOW, TODAY)  # fmt: skip
    with pytest.raises(DomainError) as refused:
        services.revert(p["head"], second, LEDGER_NOW)
    assert str(refused.value) == gettext(MOVED_ON, rows="2")
    db.session.rollback()
    assert count(Project) == 4


def test_a_crash_midway_writes_nothing(targets, monkeypatch):
    p, t = targets
    plan = dry(p["head"], "projects", HEADERS, MESSY[:2])
    real, calls = projects.add_project, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr("crm.imports.ledger.add_project", flaky)
    with pytest.raises(RuntimeError):
        services.commit(p["head"], plan, "台账.xlsx", LEDGER_NOW)
    db.session.expire_all()
    assert (count(Project), count(ImportBatch), count(Event, Event.action == "project_add")) == (0, 0, 0)
    assert t["bearing"].state == State.NEGOTIATING and count(Task, Task.entry_id == t["bearing"].id,
                                                             Task.status == OPEN) > 0  # fmt: skip
