"""The project and return screens over HTTP: a rejected form keeps what was typed, the schedule in a clerk's own
spelling, the list's filters and export, and who sees which lines of a county's return."""

from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects import returns, services
from crm.projects.forms import parse_schedule
from crm.projects.models import FundReturn, Project
from crm.projects.returns import ArrivalData
from crm.projects.services import ProjectData
from tests.projects.conftest import SIGNED_AT, TODAY
from tests.projects.test_lifecycle import zone

ZONE_MONTH = "2026-10"


def test_a_rejected_project_form_keeps_what_was_typed(signed, login):
    p, _teams, entry, _project = signed
    client = login(p["lead"])
    form = {"name": "二期（扩产）项目", "region_id": str(zone().id), "agreement": "investment", "signed_on": "2026-10-12",
            "contract_amount": "", "schedule": "2027-01 5000"}  # fmt: skip
    response = client.post(f"/projects/new/{entry.id}", data=form)
    assert response.status_code == 422
    page = response.data.decode()
    assert "二期（扩产）项目" in page and "2027-01 5000" in page and "is-invalid" in page
    response = client.post(f"/projects/new/{entry.id}", data={**form, "contract_amount": "80000"})
    assert response.status_code == 302
    project = db.session.scalar(select(Project).where(Project.name == "二期（扩产）项目"))
    assert (project.region_id, project.agreement, project.contract_amount) == (zone().id, "investment", 80000)
    assert [(x.month, x.amount) for x in project.plan] == [(date(2027, 1, 1), 5000)]
    page = client.get(response.location).data.decode()
    assert "聊城高新技术产业开发区" in page and "投资协议" in page
    listing = client.get("/whitelist/").data.decode()
    assert 'data-testid="project-count"' in listing and f"/projects/?entry={entry.id}" in listing


def test_the_schedule_takes_the_bureaus_spellings():
    text = "２０２７年１月：５，０００\n2027/02, 1,500\n\n2027-3 200"
    assert parse_schedule(text) == {date(2027, 1, 1): 5000, date(2027, 2, 1): 1500, date(2027, 3, 1): 200}
    try:
        parse_schedule("2027-13 100")
    except ValueError as error:
        assert "1" in str(error)
    else:
        raise AssertionError("month 13 was accepted")


def test_the_list_filters_and_exports_what_it_shows(signed, login):
    p, _teams, entry, first = signed
    big = services.add_project(p["member"], entry, ProjectData("超大（一期）项目", zone().id, "investment", TODAY, 600_000,
                                                               planned_investment=600_000), SIGNED_AT, TODAY)  # fmt: skip
    client = login(p["manager"])

    def total(query: str) -> int:
        page = client.get(f"/projects/?{query}").data.decode()
        return int(page.split('data-total="')[1].split('"')[0])

    assert total("") == 2
    assert total("band=ge50") == 1 and total("agreement=contract") == 1 and total(f"region={zone().id}") == 1
    assert total("q=超大") == 1 and total("state=landed") == 0 and total("band=junk") == 2
    assert total("q=示例）新材料") == 2 and total("q=一期") == 1  # by the enterprise's name, by the project's
    book = load_workbook(BytesIO(client.get("/projects/export.xlsx?band=ge50").data))
    rows = list(book.active.values)
    assert rows[0][0] == "项目名称" and [r[0] for r in rows[1:]] == [big.name]
    assert first.name not in {r[0] for r in rows}


def test_a_county_sees_only_its_own_lines_in_another_zones_return(signed, make_user, make_entry, login):
    p, teams, entry, _first = signed
    zone_head = make_user("county_head")
    zone_head.region_id = zone().id
    db.session.commit()
    ours = services.add_project(p["member"], entry, ProjectData("东昌府项目", zone().id, "contract", TODAY, 100),
                                SIGNED_AT, TODAY)  # fmt: skip
    returns.add_arrival(zone_head, ours, ArrivalData(month=TODAY, fixed=100), SIGNED_AT, TODAY)
    # 茌平区's target lands in the zone too.
    other = _signed_in_chiping(p, teams, make_entry)
    theirs = services.add_project(p["other_lead"], other, ProjectData("茌平项目", zone().id, "contract", TODAY, 100),
                                  SIGNED_AT, TODAY)  # fmt: skip
    returns.add_arrival(zone_head, theirs, ArrivalData(month=TODAY, fixed=7), SIGNED_AT, TODAY)
    url = f"/projects/returns/{zone().id}/{ZONE_MONTH}"
    page = login(zone_head).get(url).data.decode()
    assert "东昌府项目" in page and "茌平项目" in page
    page = login(p["head"]).get(url).data.decode()
    assert "东昌府项目" in page and "茌平项目" not in page and 'data-testid="submit-return"' not in page
    assert login(p["member"]).get(url).status_code == 403


def _signed_in_chiping(p, teams, make_entry):
    from crm.plans import logs
    from crm.projects.stages import StageEvidence, advance
    from crm.teams import assignment
    from crm.vocab import State
    from crm.whitelist import services as wf

    entry = make_entry(p["other_proposer"], name="茌平（示例）铝业有限公司")
    wf.approve(p["other_head"], entry, SIGNED_AT)
    wf.approve(p["manager"], entry, SIGNED_AT)
    assignment.assign(p["other_lead"], entry, teams["C"], p["other_member"], SIGNED_AT)
    logs.record_log(p["other_member"], entry, logs.LogData(SIGNED_AT, "visit", "拜访"), SIGNED_AT, None)
    advance(p["other_member"], entry, State.NEGOTIATING, StageEvidence(), SIGNED_AT, TODAY)
    return entry


def test_verification_over_http_and_the_own_return_refusal(signed, make_user, login):
    p, _teams, _entry, project = signed
    returns.add_arrival(p["lead"], project, ArrivalData(month=TODAY, fixed=900), SIGNED_AT, TODAY)
    ret = db.session.scalar(select(FundReturn))
    client = login(p["manager"])
    assert (
        client.post(f"/projects/returns/filed/{ret.id}/submit", data={"version": ret.version}).status_code
        == 302
    )
    db.session.refresh(ret)
    response = client.post(
        f"/projects/returns/filed/{ret.id}/verify", data={"version": ret.version}, follow_redirects=True
    )
    assert "另一位" in response.data.decode()
    db.session.refresh(ret)
    assert ret.status == "submitted"
    client = login(make_user("manager", username="boss2"))
    client.post(f"/projects/returns/filed/{ret.id}/verify", data={"version": ret.version})
    db.session.refresh(ret)
    assert ret.status == "verified"
    page = client.get(f"/projects/{project.id}").data.decode()
    assert "已核验" in page


def test_correcting_a_project_writes_what_changed_and_refuses_a_stale_form(signed, login):
    from crm.whitelist.models import Event

    p, _teams, _entry, project = signed
    client = login(p["lead"])
    page = client.get(f"/projects/{project.id}/edit").data.decode()
    assert project.name in page
    form = {"name": "示例新材料一期（修正）", "region_id": str(zone().id), "agreement": "contract",
            "signed_on": "2026-10-12", "contract_amount": "52000", "version": str(project.version)}  # fmt: skip
    assert client.post(f"/projects/{project.id}/edit", data=form).status_code == 302
    db.session.refresh(project)
    assert (project.name, project.contract_amount, project.region_id) == (
        "示例新材料一期（修正）",
        52000,
        zone().id,
    )
    event = db.session.scalar(
        select(Event).where(Event.project_id == project.id, Event.action == "project_edit")
    )
    assert "签约金额(万元): 50000 → 52000" in event.detail and "落地县区" in event.detail
    stale = client.post(f"/projects/{project.id}/edit", data={**form, "contract_amount": "1"})
    assert stale.status_code == 422 and "刷新" in stale.data.decode()
    db.session.refresh(project)
    assert project.contract_amount == 52000
    # Once funds are reported in the zone's returns, the project cannot move to another county.
    returns.add_arrival(p["lead"], project, ArrivalData(month=TODAY, fixed=10), SIGNED_AT, TODAY)
    db.session.refresh(project)
    moved = client.post(f"/projects/{project.id}/edit", data={**form, "region_id": str(entry_region(project)),
                                                              "version": str(project.version)})  # fmt: skip
    assert moved.status_code == 422
    db.session.refresh(project)
    assert project.region_id == zone().id


def entry_region(project) -> int:
    return project.entry.region_id


def test_amounts_typed_as_clerks_type_them(signed, login):
    p, _teams, entry, _project = signed
    client = login(p["lead"])
    form = {"name": "三期项目", "region_id": str(zone().id), "agreement": "contract", "signed_on": "2026-10-12",
            "contract_amount": "５０,０００", "planned_investment": "1.5亿"}  # fmt: skip
    assert client.post(f"/projects/new/{entry.id}", data=form).status_code == 302
    project = db.session.scalar(select(Project).where(Project.name == "三期项目"))
    assert (project.contract_amount, project.planned_investment) == (50_000, 15_000)
    bad = client.post(f"/projects/new/{entry.id}", data={**form, "name": "四期项目", "contract_amount": "五万",
                                                          "planned_investment": "1.5"})  # fmt: skip
    page = bad.data.decode()
    assert bad.status_code == 422 and "五万" in page and page.count("invalid-feedback") == 2
    assert "必填" not in page  # the amount was given, just not readable


def test_a_rejected_return_line_keeps_what_was_typed(signed, login):
    p, _teams, _entry, project = signed
    client = login(p["lead"])
    url = f"/projects/returns/{project.region_id}/2026-10/lines"
    response = client.post(url, data={"project_id": str(project.id), "fixed": "3,000", "other": "x百",
                                      "note": "首期设备款"})  # fmt: skip
    page = response.data.decode()
    assert response.status_code == 422 and "3,000" in page and "x百" in page and "首期设备款" in page
    assert not db.session.scalar(select(func.count()).select_from(FundArrival))
    response = client.post(url, data={"project_id": str(project.id), "fixed": "3,000", "other": "200"})
    assert response.status_code == 302
    assert db.session.scalar(select(FundArrival.fixed_amount + FundArrival.other_amount)) == 3200


def test_the_list_reads_a_fixed_number_of_statements_however_many_scheduled_projects(signed, login):
    """Each project's light reads its schedule: loaded for the whole page in one statement, not one per row."""
    from tests.test_query_counts import count_queries

    p, _teams, entry, _first = signed

    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            data = ProjectData(f"排期项目{i}", zone().id, "investment", TODAY, 1000,
                               schedule={date(2026, 11, 1): 500, date(2026, 12, 1): 500})  # fmt: skip
            services.add_project(p["member"], entry, data, SIGNED_AT, TODAY)

    client = login(p["head"])
    add(0, 2)
    with count_queries() as few:
        assert "排期项目1" in client.get("/projects/").data.decode()
    add(2, 8)
    with count_queries() as many:
        assert "排期项目9" in client.get("/projects/").data.decode()
    assert len(many) == len(few), "\n".join(s[:150] for s in many)
