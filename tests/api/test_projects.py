"""The project endpoints: list totals equal the list page's query for the same filters, held and hosted projects
in scope, the detail's schedule, light and arrivals, and reporting 到位资金 that counts only once verified."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.plans import logs
from crm.plans.models import FundArrival
from crm.plans.views import upload_dir
from crm.projects import returns, services
from crm.projects.models import FundReturn, Project
from crm.projects.queries import ProjectFilters, project_query
from crm.teams import assignment
from crm.teams.models import Team, TeamMember
from crm.types import local_date, utcnow
from crm.vocab import Role
from crm.whitelist import services as wf
from tests.api.conftest import error_code
from tests.api.projects_world import sign_project
from tests.conftest import region

USCC = "91340600MA2PBM9HXD"


def target(users: dict, team: Team, proposer, make_entry, now, name: str):
    """A whitelisted target of `team`, with a visit logged (对接中)."""
    entry = make_entry(proposer, name=name)
    wf.approve(users["head"], entry, now)
    wf.approve(users["manager"], entry, now)
    assignment.assign(users["manager"], entry, team, users["member"], now)
    logs.record_log(users["member"], entry, logs.LogData(now, "visit", "拜访"), now, upload_dir())
    return entry


@pytest.fixture
def counties(make_user, make_entry, now):
    """东昌府区's target A with three projects (one landing in 茌平区, one a framework agreement) and 茌平区's target
    B with two (one landing in 东昌府区). A was proposed by a 东昌府区 member outside A's team."""
    manager = make_user(Role.MANAGER)
    staff = {}
    for code in ("371502", "371503"):
        users = {"member": make_user(Role.MEMBER, code), "lead": make_user(Role.LEAD, code),
                 "head": make_user(Role.COUNTY_HEAD, code), "manager": manager}  # fmt: skip
        team = Team(name=f"{code} 攻坚队", region_id=region(code).id, leader_id=users["lead"].id)
        team.memberships = [TeamMember(user_id=users["member"].id)]
        db.session.add(team)
        db.session.commit()
        staff[code] = (users, team)
    dong, chi = region("371502").id, region("371503").id
    proposer = make_user(Role.MEMBER, "371502")
    a = target(*staff["371502"], proposer, make_entry, now, "聊城甲精工机械有限公司")
    b = target(*staff["371503"], staff["371503"][0]["lead"], make_entry, now, "茌平乙铝业有限公司")
    today = local_date(now)
    projects = {
        "a1": sign_project(manager, a, now, name="甲公司一期", planned_investment=120_000,
                           schedule={date(2026, 3, 1): 2_000, date(2026, 4, 1): 3_000}),
        "a2": sign_project(manager, a, now, chi, name="甲公司高新区二期", agreement="contract",
                           planned_investment=600_000),
        "a3": sign_project(manager, a, now, name="甲公司配套项目", agreement="framework", planned_investment=5_000,
                           schedule={}),
        "b1": sign_project(manager, b, now, dong, name="乙公司东昌府区分厂", planned_investment=80_000),
        "b2": sign_project(manager, b, now, name="乙公司本部扩建", planned_investment=30_000),
    }  # fmt: skip
    services.advance(manager, projects["a2"], "landed", services.Evidence(on=today, uscc=USCC), now, today)
    users = {code: users for code, (users, _team) in staff.items()}
    return {
        "users": users,
        "manager": manager,
        "proposer": proposer,
        "a": a,
        "b": b,
        "projects": projects,
        "team": staff["371502"][1],
    }


def with_funds(c: dict, now) -> None:
    """March 到位资金: a2's in 茌平区's verified return, b1's in 东昌府区's submitted one (pending)."""
    for key, code, verify in (("a2", "371503", True), ("b1", "371502", False)):
        head = c["users"][code]["head"]
        returns.add_arrival(head, c["projects"][key], returns.ArrivalData(month=date(2026, 3, 1), fixed=700), now,
                            local_date(now))  # fmt: skip
        ret = returns.the_return(region(code).id, date(2026, 3, 1))
        returns.submit(head, ret, now)
        if verify:
            returns.verify(c["manager"], ret, now)


def expected_total(user, filters: ProjectFilters) -> int:
    query = project_query(user, filters, local_date(utcnow()))
    return db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True))


def cases(c: dict) -> list[tuple[str, ProjectFilters]]:
    chi = region("371503").id
    return [
        ("", ProjectFilters()),
        ("state=landed", ProjectFilters(state="landed")),
        ("agreement=framework", ProjectFilters(agreement="framework")),
        ("band=ge50", ProjectFilters(band="ge50")),
        ("band=1to10&state=signed", ProjectFilters(band="1to10", state="signed")),
        (f"region={chi}", ProjectFilters(region=chi)),
        ("q=甲公司", ProjectFilters(q="甲公司")),
        ("q=乙铝业", ProjectFilters(q="乙铝业")),
        ("counted=1", ProjectFilters(counted=True)),
        ("milestone=signed&from=2026-03-01&to=2026-03-31",
         ProjectFilters(milestone="signed", period_from=date(2026, 3, 1), period_to=date(2026, 3, 31))),
        ("reached=landed", ProjectFilters(reached="landed")),
        ("light=red", ProjectFilters(light="red")),
        ("light=green", ProjectFilters(light="green")),
        (f"entry={c['a'].id}", ProjectFilters(entry=c["a"].id)),
        ("milestone=funds", ProjectFilters(milestone="funds")),
        ("milestone=funds&funds=pending", ProjectFilters(milestone="funds", funds="pending")),
        ("min_investment=100000", ProjectFilters(min_investment=100_000)),
        ("campaign=jinwei&chain=1", ProjectFilters(campaign="jinwei", chain=True)),
        ("campaign=none&mode=none", ProjectFilters(campaign="none", mode="none")),
        ("industry=-1&team=-1", ProjectFilters(industry=-1, team=-1)),
        (f"team={c['team'].id}", ProjectFilters(team=c["team"].id)),
        ("tag=-1", ProjectFilters(tag=-1)),
        ("flag=manufacturing", ProjectFilters(flag="manufacturing")),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["member", "lead", "head", "manager", "proposer", "other_head"])
def test_list_totals_equal_the_list_pages_query(counties, api, now, who):
    c = counties
    with_funds(c, now)
    user = {
        "proposer": c["proposer"],
        "manager": c["manager"],
        "other_head": c["users"]["371503"]["head"],
    }.get(who) or c["users"]["371502"][who]
    caller = api(user)
    seen = set()
    for query, filters in cases(c):
        body = caller.get(f"/api/v1/projects?{query}&per_page=100").get_json()
        assert "total" in body, (query, body)
        assert body["total"] == expected_total(user, filters) == len(body["items"]), (who, query)
        seen.add(body["total"])
    assert len(seen) > 2  # the filters really filter
    if who == "manager":
        assert caller.get("/api/v1/projects").get_json()["total"] == 5
        verified = caller.get("/api/v1/projects?milestone=funds").get_json()["items"]
        pending = caller.get("/api/v1/projects?milestone=funds&funds=pending").get_json()["items"]
        assert [p["id"] for p in verified] == [c["projects"]["a2"].id]
        assert [p["id"] for p in pending] == [c["projects"]["b1"].id]


@pytest.mark.parametrize("who", ["member", "head", "manager"])
def test_list_totals_equal_the_list_page(counties, api, login, now, who):
    with_funds(counties, now)
    user = counties["manager"] if who == "manager" else counties["users"]["371502"][who]
    caller, client = api(user), login(user)
    for query, _filters in cases(counties):
        page = client.get(f"/projects/?{query}").get_data(as_text=True)
        shown = int(re.search(r'data-testid="result-count" data-total="(\d+)"', page).group(1))
        assert caller.get(f"/api/v1/projects?{query}").get_json()["total"] == shown, (who, query)


def test_pagination_is_newest_signing_first(counties, api):
    caller = api(counties["manager"])
    first = caller.get("/api/v1/projects?per_page=2").get_json()
    rest = caller.get("/api/v1/projects?per_page=2&page=2").get_json()
    assert (first["total"], len(first["items"]), len(rest["items"])) == (5, 2, 2)
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)  # same signing day: newest first, as the list page


def test_a_county_head_sees_the_projects_hosted_in_the_county(counties, api):
    p, head = counties["projects"], api(counties["users"]["371502"]["head"])
    listed = {item["id"] for item in head.get("/api/v1/projects?per_page=100").get_json()["items"]}
    assert listed == {p["a1"].id, p["a2"].id, p["a3"].id, p["b1"].id}  # b2: 茌平区's own, landing there
    hosted = head.get(f"/api/v1/projects/{p['b1'].id}").get_json()
    assert hosted["held_by"]["name"] == "茌平区" and hosted["region"]["name"] == "东昌府区"
    assert hosted["enterprise"]["name"] == "茌平乙铝业有限公司" and hosted["entry_id"] == counties["b"].id
    assert head.get(f"/api/v1/projects/{p['b2'].id}").status_code == 404
    # a member sees the projects of their team's targets only, wherever they land
    member = api(counties["users"]["371502"]["member"])
    assert {i["id"] for i in member.get("/api/v1/projects").get_json()["items"]} == {
        p["a1"].id, p["a2"].id, p["a3"].id
    }  # fmt: skip
    assert error_code(member.get(f"/api/v1/projects/{p['b1'].id}")) == "not_found"
    other = api(counties["users"]["371503"]["head"])
    assert other.get(f"/api/v1/projects/{p['a2'].id}").get_json()["state"] == "landed"


def test_the_detail_shows_schedule_light_and_trail(counties, api):
    a1 = counties["projects"]["a1"]
    body = api(counties["users"]["371502"]["lead"]).get(f"/api/v1/projects/{a1.id}").get_json()
    assert body["plan"] == [{"month": "2026-03", "amount": 2000}, {"month": "2026-04", "amount": 3000}]
    assert body["funds"] == {"verified": 0, "pending": 0, "unsubmitted": 0, "planned": 5000}
    assert (body["agreement"], body["agreement_label"], body["state"]) == ("investment", "投资协议", "signed")
    assert body["contract_amount"] == 50_000 and body["signed_on"] == "2026-03-02"
    # signed in March and still not registered: red, with the reason in words (today is well after March)
    assert body["light"]["colour"] == "red" and "2026-03-02" in body["light"]["reasons"][0]
    assert body["arrivals"] == [] and body["may_report_funds"] is True
    assert [e["action"] for e in body["events"]] == ["project_add"]


def test_an_arrival_is_a_draft_line_that_counts_once_the_city_verifies_it(counties, api, now):
    a1, head, manager = counties["projects"]["a1"], counties["users"]["371502"]["head"], counties["manager"]
    line = {"month": "2026-03", "fixed": 3000, "other": 500, "out_of_province": True, "source_province": "江苏省",
            "note": "首笔设备款"}  # fmt: skip
    response = api(head).post(f"/api/v1/projects/{a1.id}/arrivals", json=line)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["month"], created["fixed"], created["other"], created["total"]) == (
        "2026-03",
        3000,
        500,
        3500,
    )
    assert created["return"]["status"] == "draft" and created["counted"] is False
    assert created["return"]["region"]["name"] == "东昌府区" and created["created_by"]["id"] == head.id
    row = db.session.get(FundArrival, created["id"])
    assert (row.project_id, row.source_province, row.note, row.arrived_on) == (a1.id, "江苏省", "首笔设备款",
                                                                               date(2026, 3, 1))  # fmt: skip
    ret = db.session.get(FundReturn, created["return"]["id"])
    assert ret.region_id == a1.region_id and ret.month == date(2026, 3, 1)

    caller = api(manager)

    def funds() -> dict:
        return caller.get(f"/api/v1/projects/{a1.id}").get_json()["funds"]

    def counted() -> int:
        return caller.get("/api/v1/projects?milestone=funds&from=2026-03-01&to=2026-03-31").get_json()[
            "total"
        ]

    assert funds()["verified"] == 0 and funds()["unsubmitted"] == 3500 and counted() == 0
    returns.submit(head, ret, now)
    assert funds()["pending"] == 3500 and funds()["verified"] == 0 and counted() == 0
    assert caller.get("/api/v1/projects?milestone=funds&funds=pending").get_json()["total"] == 1
    returns.verify(manager, ret, now)
    assert funds() == {"verified": 3500, "pending": 0, "unsubmitted": 0, "planned": 5000} and counted() == 1
    detail = caller.get(f"/api/v1/projects/{a1.id}").get_json()
    assert [(a["total"], a["counted"], a["return"]["status"]) for a in detail["arrivals"]] == [
        (3500, True, "verified")
    ]

    # the verified month is locked: a new line is refused with the service's reason, and nothing is written
    again = api(head).post(f"/api/v1/projects/{a1.id}/arrivals", json={"month": "2026-03", "fixed": 100})
    assert again.status_code == 422 and error_code(again) == "rule_violated"
    assert "2026-03" in again.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(FundArrival)) == 1


def test_a_submitted_month_refuses_new_lines(counties, api, now):
    a1, head = counties["projects"]["a1"], counties["users"]["371502"]["head"]
    caller = api(counties["users"]["371502"]["lead"])
    assert (
        caller.post(f"/api/v1/projects/{a1.id}/arrivals", json={"month": "2026-04", "fixed": 10}).status_code
        == 201
    )
    returns.submit(head, returns.the_return(a1.region_id, date(2026, 4, 1)), now)
    refused = caller.post(f"/api/v1/projects/{a1.id}/arrivals", json={"month": "2026-04", "other": 10})
    assert refused.status_code == 422 and error_code(refused) == "rule_violated"


def test_who_may_report_funds(counties, api):
    p, users = counties["projects"], counties["users"]
    body = {"month": "2026-03", "fixed": 100}
    # the proposer sees target A's projects but is not in its team: no reporting
    proposer = api(counties["proposer"])
    assert proposer.get(f"/api/v1/projects/{p['a1'].id}").get_json()["may_report_funds"] is False
    refused = proposer.post(f"/api/v1/projects/{p['a1'].id}/arrivals", json=body)
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    # 茌平区's head files for what lands in 茌平区, though 东昌府区 holds it
    hosted = api(users["371503"]["head"]).post(f"/api/v1/projects/{p['a2'].id}/arrivals", json=body)
    assert hosted.status_code == 201 and hosted.get_json()["return"]["region"]["name"] == "茌平区"
    assert (
        api(users["371502"]["member"]).post(f"/api/v1/projects/{p['b2'].id}/arrivals", json=body).status_code
        == 404
    )
    assert db.session.scalar(select(func.count()).select_from(FundArrival)) == 1


@pytest.mark.parametrize("body", [
    {"month": "2026-13", "fixed": 1}, {"month": "26-03", "fixed": 1}, {"month": "1999-12", "fixed": 1},
    {"fixed": 1}, {"month": "2026-03", "fixed": "100"}, {"month": "2026-03", "fixed": 1.5},
    {"month": "2026-03", "fixed": 1, "source_province": "火星"}, {"month": "2026-03", "note": "x" * 201},
    {"month": "2026-03", "fixed": 10**9}, {"month": "٢٠٢٦-٠٣", "fixed": 1},
])  # fmt: skip
def test_junk_arrival_bodies_are_422(counties, api, body):
    response = api(counties["manager"]).post(
        f"/api/v1/projects/{counties['projects']['a1'].id}/arrivals", json=body
    )
    assert response.status_code == 422 and error_code(response) == "invalid_body", body


@pytest.mark.parametrize("body", [
    {"month": "2026-02", "fixed": 1},  # before the signing month
    {"month": "2026-03"},  # nothing arrived
    {"month": "2026-03", "fixed": -5},  # negative outside an adjustment
    {"month": "2026-03", "fixed": 5, "out_of_province": True},  # from which province?
    {"month": "2026-03", "fixed": 5, "out_of_province": True, "source_province": "山东省"},
])  # fmt: skip
def test_rule_violations_are_422_with_the_services_message(counties, api, body):
    response = api(counties["manager"]).post(
        f"/api/v1/projects/{counties['projects']['a1'].id}/arrivals", json=body
    )
    assert response.status_code == 422 and error_code(response) == "rule_violated", body
    assert db.session.scalar(select(func.count()).select_from(FundArrival)) == 0


def test_a_future_month_is_refused(counties, api):
    today = local_date(utcnow())
    ahead = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    response = api(counties["manager"]).post(
        f"/api/v1/projects/{counties['projects']['a1'].id}/arrivals",
        json={"month": f"{ahead:%Y-%m}", "fixed": 1},
    )
    assert response.status_code == 422 and error_code(response) == "rule_violated"


def test_unknown_and_junk_filters(counties, api):
    caller = api(counties["manager"])
    assert error_code(caller.get("/api/v1/projects?colour=red")) == "unknown_parameter"
    for query in ("state=nonsense", "band=huge", "light=blue", "region=-1", "milestone=whitelisted", "from=0001-01-01",
                  "agreement=handshake", "funds=maybe", "per_page=101"):  # fmt: skip
        assert error_code(caller.get(f"/api/v1/projects?{query}")) == "invalid_parameter", query


def test_terminated_projects_have_no_light(counties, api, now):
    b2 = counties["projects"]["b2"]
    services.terminate(counties["manager"], b2, "企业战略调整", now)
    body = api(counties["manager"]).get(f"/api/v1/projects/{b2.id}").get_json()
    assert (
        body["state"] == "terminated"
        and body["light"] is None
        and body["terminated_reason"] == "企业战略调整"
    )
    assert db.session.get(Project, b2.id).state == "terminated"


def test_list_queries_do_not_grow_with_rows(counties, api):
    from tests.test_query_counts import count_queries

    caller = api(counties["manager"])
    caller.get("/api/v1/projects")  # the token's first use writes last_used_at
    db.session.expunge_all()  # the request loads everything itself
    with count_queries() as one:
        assert len(caller.get("/api/v1/projects?per_page=1").get_json()["items"]) == 1
    with count_queries() as five:
        assert len(caller.get("/api/v1/projects?per_page=100").get_json()["items"]) == 5
    assert len(five) == len(one) <= 12, "\n\n".join(s[:160] for s in five)


def test_the_query_string_takes_every_filter_of_the_list_page():
    """A dashboard figure's `args` (ProjectFilters.args()) can be sent to GET /projects as they are."""
    from crm.api.inputs import ProjectQuery
    from crm.projects.queries import KEYS

    names = {field.data_key or name for name, field in ProjectQuery().fields.items()}
    assert names == {*KEYS, "page", "per_page"}
    args = ProjectFilters(q="甲", region=3, state="signed", agreement="contract", band="ge50", industry=2, light="red",
                          milestone="funds", period_from=date(2026, 1, 1), period_to=date(2026, 12, 31),
                          min_investment=10_000, flag="emerging", chain=True, campaign="jinwei", counted=True,
                          funds="pending", reached="landed", entry=7, team=-1, tag=4, mode="none").args()  # fmt: skip
    assert set(args) == set(KEYS)
    from crm.api.project_views import project_filters

    loaded = ProjectQuery().load({k: str(v) for k, v in args.items()})
    assert project_filters(loaded).args() == args
