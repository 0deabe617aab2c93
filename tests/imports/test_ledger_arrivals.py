"""Importing 月度到位资金: lines land in the landing county's draft return of their month through add_arrival; a
submitted or verified month refuses them with the service's words; duplicates; commit, revert, and a revert refused
once the return was submitted."""

import io
from datetime import date

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import services
from crm.imports.models import ImportBatch
from crm.plans.models import FundArrival
from crm.projects import returns
from crm.projects import services as projects
from crm.projects.models import FundReturn
from crm.refdata.models import Region
from crm.vocab import State
from crm.whitelist.models import Event
from tests.imports.conftest import LEDGER_NOW, TODAY, dry, reasons, sheet

HEADERS = [
    "项目名称",
    "企业名称",
    "月份",
    "固定资产投资（万元）",
    "其他（万元）",
    "是否省外资金",
    "资金来源省份",
    "备注",
]
MESSY = [
    ["年产１０万套精密轴承（一期）", "", "2027年1月", "0.5亿", "１，２００", "是", "江苏", "首笔"],
    ["精密轴承配套产业园项目", "", "2027/02", "3000", "", "否", "", ""],
    ["精密轴承配套产业园", " ", "202703", "2,000.4", "0", "", "", "固投"],
    ["智能制造产业园项目", "鲁西光伏新能源科技有限公司", "2027-2", "100", "", "", "", ""],
]  # fmt: skip


def zone(name: str) -> int:
    return db.session.scalar(select(Region.id).where(Region.name == name))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(targets):
    """bearing: two projects in two zones (高新区, 经开区); solar and early: a project each of the same name."""
    p, t = targets
    t["early"].state, t["early"].team_id = State.NEGOTIATING, t["bearing"].team_id
    db.session.commit()

    def add(entry, name, region, signed):
        data = projects.ProjectData(name=name, region_id=zone(region), agreement="contract", signed_on=signed,
                                    contract_amount=10000)  # fmt: skip
        return projects.add_project(p["head"], entry, data, LEDGER_NOW, TODAY)

    pr = {
        "phase1": add(
            t["bearing"], "年产10万套精密轴承(一期)项目", "聊城高新技术产业开发区", date(2026, 12, 20)
        ),
        "park": add(t["bearing"], "精密轴承配套产业园项目", "聊城经济技术开发区", date(2027, 1, 10)),
        "solar": add(t["solar"], "智能制造产业园项目", "东昌府区", date(2027, 1, 5)),
        "early": add(t["early"], "智能制造产业园项目", "东昌府区", date(2027, 1, 5)),
    }
    return p, t, pr


def test_messy_monthly_funds_land_in_each_zones_draft_return(world):
    p, _t, pr = world
    plan = dry(p["head"], "arrivals", HEADERS, MESSY)
    assert reasons(plan) == {} and [r.action for r in plan.rows] == ["create"] * 4
    assert any("2000" in n for n in plan.rows[2].notes)  # 2,000.4 is rounded, and the preview says so
    assert count(FundArrival) == 0 and count(FundReturn) == 0  # the dry run writes nothing
    batch = services.commit(p["head"], plan, "到位资金.xlsx", LEDGER_NOW)
    assert (batch.kind, batch.created_count) == ("arrivals", 4)
    lines = {(a.project_id, a.arrived_on): a for a in db.session.scalars(select(FundArrival))}
    first = lines[(pr["phase1"].id, date(2027, 1, 1))]
    assert (
        first.fixed_amount,
        first.other_amount,
        first.out_of_province,
        first.source_province,
        first.note,
    ) == (5000, 1200, True, "江苏省", "首笔")
    assert lines[(pr["park"].id, date(2027, 2, 1))].fixed_amount == 3000
    assert lines[(pr["park"].id, date(2027, 3, 1))].fixed_amount == 2000
    assert lines[(pr["solar"].id, date(2027, 2, 1))].fixed_amount == 100
    drafts = {(r.region.name, r.month): r for r in db.session.scalars(select(FundReturn))}
    assert set(drafts) == {("聊城高新技术产业开发区", date(2027, 1, 1)), ("聊城经济技术开发区", date(2027, 2, 1)),
                           ("聊城经济技术开发区", date(2027, 3, 1)), ("东昌府区", date(2027, 2, 1))}  # fmt: skip
    assert {r.status for r in drafts.values()} == {"draft"}
    assert first.return_id == drafts[("聊城高新技术产业开发区", date(2027, 1, 1))].id
    assert count(Event, Event.action == "funds") == 4


def test_a_project_name_two_enterprises_share_needs_the_enterprise(world):
    p, _t, pr = world
    rows = [["智能制造产业园项目", "", "2027-02", "100", "", "", "", ""],
            ["智能制造产业园项目", "东岳早期接触有限公司", "2027-02", "100", "", "", "", ""],
            ["智能制造产业园项目", "聊城华泰精密轴承有限公司", "2027-02", "100", "", "", "", ""],
            ["没有这个项目", "", "2027-02", "100", "", "", "", ""]]  # fmt: skip
    plan = dry(p["head"], "arrivals", HEADERS, rows)
    assert [c for c, _r in reasons(plan)[2]] == ["企业名称"] and 3 not in reasons(plan)
    assert plan.rows[1].project_id == pr["early"].id
    assert [c for c, _r in reasons(plan)[4]] == ["企业名称"] and [c for c, _r in reasons(plan)[5]] == [
        "项目名称"
    ]


def test_submitted_and_verified_months_refuse_lines_with_the_services_words(world, make_user):
    p, _t, pr = world
    first = returns.add_arrival(p["head"], pr["park"], returns.ArrivalData(date(2027, 1, 1), fixed=10), LEDGER_NOW,
                                TODAY)  # fmt: skip
    january = db.session.get(FundReturn, first.return_id)
    returns.submit(p["manager"], january, LEDGER_NOW)
    rows = [["精密轴承配套产业园项目", "", "2027-01", "500", "", "", "", ""]]
    assert reasons(dry(p["head"], "arrivals", HEADERS, rows))[2] == [("月份", gettext(
        "The county's return for %(month)s has been submitted and awaits verification.", month="2027-01"))]  # fmt: skip
    returns.verify(make_user("manager"), january, LEDGER_NOW)
    assert reasons(dry(p["head"], "arrivals", HEADERS, rows))[2] == [("月份", gettext(
        "The county's return for %(month)s is verified and locked: open an adjustment to correct it.",
        month="2027-01"))]  # fmt: skip
    # an adjustment of the verified month takes a correction, negative too
    returns.open_adjustment(p["manager"], zone("聊城经济技术开发区"), date(2027, 1, 1), "少报", LEDGER_NOW)
    correction = [["精密轴承配套产业园项目", "", "2027-01", "-4", "", "", "", ""]]
    plan = dry(p["head"], "arrivals", HEADERS, correction)
    assert reasons(plan) == {} and plan.rows[0].arrival.fixed == -4
    services.commit(p["head"], plan, "更正.xlsx", LEDGER_NOW)
    line = db.session.scalar(select(FundArrival).where(FundArrival.fixed_amount == -4))
    assert db.session.get(FundReturn, line.return_id).seq == 1


def test_bad_rows_name_row_and_column_and_nothing_is_written(world):
    p, _t, _pr = world
    rows = [MESSY[0],
            ["精密轴承配套产业园项目", "", "2027-04", "100", "", "", "", ""],  # next month
            ["精密轴承配套产业园项目", "", "2026-12", "100", "", "", "", ""],  # before it was signed
            ["精密轴承配套产业园项目", "", "上个月", "一百", "-3", "是", "", ""],
            ["精密轴承配套产业园项目", "", "2027-02", "0", "0", "也许", "火星", "x" * 201]]  # fmt: skip
    plan = dry(p["head"], "arrivals", HEADERS, rows)
    found = reasons(plan)
    assert set(found) == {3, 4, 5, 6}
    assert found[3] == [("月份", gettext("The month cannot be in the future."))]
    assert found[4] == [("月份", gettext("Funds are reported from the month the project was signed."))]
    assert [c for c, _r in found[5]] == ["月份", "固定资产投资(万元)", "其他(万元)", "资金来源省份"]
    assert [c for c, _r in found[6]] == ["固定资产投资(万元)", "是否省外资金", "资金来源省份", "备注"]
    with pytest.raises(DomainError):
        services.commit(p["head"], plan, "到位资金.xlsx", LEDGER_NOW)
    assert (count(FundArrival), count(FundReturn), count(ImportBatch)) == (0, 0, 0)


def test_lines_already_reported_are_flagged_as_duplicates(world):
    p, _t, pr = world
    returns.add_arrival(
        p["head"], pr["park"], returns.ArrivalData(date(2027, 2, 1), fixed=3000), LEDGER_NOW, TODAY
    )
    plan = dry(p["head"], "arrivals", HEADERS, [MESSY[1], MESSY[2], MESSY[2]])
    assert [r.action for r in plan.rows] == ["duplicate", "create", "duplicate"]
    batch = services.commit(p["head"], plan, "到位资金.xlsx", LEDGER_NOW)
    assert (batch.created_count, batch.skipped_count) == (1, 2) and count(FundArrival) == 2


def test_revert_removes_the_lines_and_the_drafts_it_opened(world):
    p, _t, pr = world
    kept = returns.add_arrival(p["head"], pr["park"], returns.ArrivalData(date(2027, 2, 1), fixed=7), LEDGER_NOW,
                               TODAY)  # fmt: skip
    events = count(Event)
    batch = services.commit(
        p["head"], dry(p["head"], "arrivals", HEADERS, MESSY), "到位资金.xlsx", LEDGER_NOW
    )
    assert count(FundArrival) == 5 and count(FundReturn) == 4
    services.revert(p["head"], batch, LEDGER_NOW)
    db.session.expire_all()
    assert list(db.session.scalars(select(FundArrival.id))) == [kept.id]
    assert list(db.session.scalars(select(FundReturn.id))) == [
        kept.return_id
    ]  # the draft that has a line stays
    assert count(Event) == events and db.session.get(ImportBatch, batch.id).status == "reverted"


def test_revert_is_refused_once_a_return_was_submitted(world, login):
    p, _t, _pr = world
    batch = services.commit(
        p["head"], dry(p["head"], "arrivals", HEADERS, MESSY), "到位资金.xlsx", LEDGER_NOW
    )
    htz = db.session.scalar(select(FundReturn).where(FundReturn.region_id == zone("聊城高新技术产业开发区")))
    returns.submit(p["manager"], htz, LEDGER_NOW)
    page = login(p["head"]).post(f"/imports/batches/{batch.id}/revert", follow_redirects=True).data.decode()
    assert gettext("Rows %(rows)s are in a return that has been submitted or verified since, so the import "
                   "cannot be reverted.", rows="2") in page  # fmt: skip
    assert count(FundArrival) == 4 and db.session.get(ImportBatch, batch.id).status == "committed"


def test_the_screens_take_a_monthly_funds_sheet(world, login, monkeypatch):
    p, _t, pr = world
    monkeypatch.setattr("crm.imports.views.utcnow", lambda: LEDGER_NOW)
    client = login(p["head"])
    template = client.get("/imports/template.xlsx?kind=arrivals")
    headers = [c.value for c in load_workbook(io.BytesIO(template.data))["月度到位资金"][1]]
    assert headers[:3] == ["项目名称*", "企业名称", "月份*"]
    data = {"kind": "arrivals", "file": (io.BytesIO(sheet(HEADERS, MESSY)), "到位资金.xlsx")}
    location = client.post("/imports/", data=data, content_type="multipart/form-data").headers["Location"]
    page = client.get(location).data.decode()
    assert 'data-count-create="4"' in page and 'data-count-reject="0"' in page and "月份" in page
    response = client.post(location, data={"confirm": "1"})
    assert response.status_code == 302 and count(FundArrival) == 4
    batch_page = client.get(response.headers["Location"]).data.decode()
    assert "年产10万套精密轴承(一期)项目" in batch_page and "2027-01" in batch_page and "6200" in batch_page


def test_a_return_submitted_between_the_check_and_the_confirmation_stops_the_whole_file(world):
    p, _t, pr = world
    plan = dry(p["head"], "arrivals", HEADERS, MESSY)  # checked while every month was open
    march = returns.add_arrival(p["head"], pr["park"], returns.ArrivalData(date(2027, 3, 1), fixed=1), LEDGER_NOW,
                                TODAY)  # fmt: skip
    returns.submit(p["manager"], db.session.get(FundReturn, march.return_id), LEDGER_NOW)
    before = (count(FundArrival), count(FundReturn), count(Event))
    with pytest.raises(DomainError) as refused:
        services.commit(p["head"], plan, "到位资金.xlsx", LEDGER_NOW)
    reason = gettext("The county's return for %(month)s has been submitted and awaits verification.",
                     month="2027-03")  # fmt: skip
    assert str(refused.value) == gettext(
        "Row %(row)d: %(reason)s Nothing was imported.", row=4, reason=reason
    )
    assert (count(FundArrival), count(FundReturn), count(Event), count(ImportBatch)) == before + (0,)
