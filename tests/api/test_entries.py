"""Lists with the UI's filters and totals, pagination, workflow actions (409 on a stale version), assignment,
contact logs, tasks, inbox and the dashboard's figures."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.enterprises.models import Contact
from crm.extensions import db
from crm.plans.models import ContactLog
from crm.teams.models import Team, TeamMember
from crm.types import utcnow
from crm.vocab import Role
from crm.whitelist import services as wf
from tests.api.conftest import error_code
from tests.conftest import region


@pytest.fixture
def county(make_user, make_entry, now):
    """东昌府区: staff, a team, five proposals (two whitelisted, one of them assigned) and one proposal of 茌平区."""
    users = {role: make_user(role, "371502") for role in (Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD)}
    users[Role.MANAGER] = make_user(Role.MANAGER)
    team = Team(name="东昌府区攻坚一队", region_id=region("371502").id, leader_id=users[Role.LEAD].id)
    team.memberships = [TeamMember(user_id=users[Role.MEMBER].id)]
    db.session.add(team)
    db.session.commit()
    proposer = make_user(Role.LEAD, "371502")
    entries = [make_entry(proposer, name=f"聊城{n}号精工机械有限公司", planned_investment=n * 10_000)
               for n in range(1, 6)]  # fmt: skip
    for entry in entries[:2]:
        wf.approve(users[Role.COUNTY_HEAD], entry, now)
        wf.approve(users[Role.MANAGER], entry, now)
    from crm.teams import assignment

    assignment.assign(users[Role.MANAGER], entries[0], team, users[Role.MEMBER], now)
    make_entry(make_user(Role.LEAD, "371503"), name="茌平区某铝业有限公司")
    return {"users": users, "team": team, "entries": entries}


def ui_total(client, url: str) -> int:
    return int(re.search(r'data-total="(\d+)"', client.get(url).get_data(as_text=True)).group(1))


FILTERS = ["", "state=proposed", "state=whitelisted", "q=3号", "min_investment=30000", "phase=pipeline",
           "team=-1", "region=0&sort=name", "campaign=none", "phase=targets&milestone=whitelisted&from=2026-01-01"]  # fmt: skip


@pytest.mark.parametrize("role", [Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER])
def test_entry_totals_equal_the_list_page(county, api, login, role):
    user = county["users"][role]
    caller = api(user)
    client = login(user)
    for query in FILTERS:
        body = caller.get(f"/api/v1/entries?{query}").get_json()
        assert body["total"] == ui_total(client, f"/whitelist/?{query}"), (role, query)


def test_pagination(county, api):
    caller = api(county["users"][Role.MANAGER])
    first = caller.get("/api/v1/entries?per_page=2&sort=name").get_json()
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 2, 6, 2)
    last = caller.get("/api/v1/entries?per_page=2&page=3&sort=name").get_json()
    assert len(last["items"]) == 2 and not {i["id"] for i in first["items"]} & {
        i["id"] for i in last["items"]
    }
    assert caller.get("/api/v1/entries?page=99").get_json()["items"] == []
    assert error_code(caller.get("/api/v1/entries?per_page=101")) == "invalid_parameter"


@pytest.mark.parametrize("query", ["state=nonsense", "region=abc", "region=99999999999", "from=0001-01-01",
                                   "q=%00", "per_page=0", "sort=evil", "team=-5"])  # fmt: skip
def test_junk_filter_values_are_422(county, api, query):
    response = api(county["users"][Role.MANAGER]).get(f"/api/v1/entries?{query}")
    assert response.status_code == 422 and error_code(response) == "invalid_parameter"


def test_unknown_filters_are_400(county, api):
    response = api(county["users"][Role.MANAGER]).get("/api/v1/entries?colour=red")
    assert response.status_code == 400 and error_code(response) == "unknown_parameter"
    assert api(county["users"][Role.MANAGER]).get("/api/v1/tasks?x=1").status_code == 400


def test_approve_with_a_stale_version_is_409_with_a_message(county, api):
    entry = county["entries"][2]
    head, manager = county["users"][Role.COUNTY_HEAD], county["users"][Role.MANAGER]
    old = entry.version
    ok = api(head).post(
        f"/api/v1/entries/{entry.id}/actions/approve", json={"reason": "同意", "version": old}
    )
    assert ok.status_code == 200 and ok.get_json()["version"] == old + 1
    stale = api(manager).post(f"/api/v1/entries/{entry.id}/actions/approve", json={"version": old})
    assert stale.status_code == 409 and error_code(stale) == "stale_version"
    assert head.full_name in stale.get_json()["error"]["message"]
    done = api(manager).post(f"/api/v1/entries/{entry.id}/actions/approve", json={"version": old + 1})
    assert done.status_code == 200 and done.get_json()["state"] == "whitelisted"
    assert [e["action"] for e in done.get_json()["events"]][-2:] == ["approve_county", "approve"]


def test_actions_follow_the_policy(county, api):
    entry, head = county["entries"][3], county["users"][Role.COUNTY_HEAD]
    detail = api(head).get(f"/api/v1/entries/{entry.id}").get_json()
    assert {"approve", "return"} <= set(detail["actions"])
    no_reason = api(head).post(f"/api/v1/entries/{entry.id}/actions/return", json={"version": entry.version})
    assert no_reason.status_code == 422 and error_code(no_reason) == "rule_violated"
    target, member = county["entries"][0], api(county["users"][Role.MEMBER])
    version = member.get(f"/api/v1/entries/{target.id}").get_json()["version"]
    refused = member.post(
        f"/api/v1/entries/{target.id}/actions/pause", json={"reason": "x", "version": version}
    )
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    assert (
        api(head).post(f"/api/v1/entries/{entry.id}/actions/explode", json={"version": 1}).status_code == 404
    )
    for body in ({}, {"version": "1"}, {"version": 1, "reason": 5}, [], {"version": 1, "extra": 1}):
        response = api(head).post(f"/api/v1/entries/{entry.id}/actions/approve", json=body)
        assert response.status_code in (400, 422), body
    assert api(head).post(f"/api/v1/entries/{entry.id}/actions/approve", data="x").status_code == 400


def test_assign_and_its_history(county, api):
    entry, manager, team = county["entries"][1], county["users"][Role.MANAGER], county["team"]
    response = api(manager).post(f"/api/v1/entries/{entry.id}/assign",
                                 json={"team_id": team.id, "owner_id": county["users"][Role.MEMBER].id,
                                       "version": entry.version})  # fmt: skip
    assert response.status_code == 200 and response.get_json()["team"]["id"] == team.id
    history = api(manager).get(f"/api/v1/entries/{entry.id}/assignments").get_json()
    assert history["total"] == 1 and history["items"][0]["to_team"]["name"] == team.name
    again = api(manager).post(f"/api/v1/entries/{entry.id}/assign", json={"team_id": team.id, "version": 99})
    assert again.status_code == 409
    bad_team = api(manager).post(f"/api/v1/entries/{entry.id}/assign", json={"team_id": 999999, "version": 1})
    assert bad_team.status_code == 422 and error_code(bad_team) == "unknown_team"


def test_log_a_contact_like_the_form(county, api):
    entry, member = county["entries"][0], county["users"][Role.MEMBER]
    caller = api(member)
    body = {"occurred_at": (utcnow() - timedelta(hours=2)).isoformat(), "kind": "visit", "summary": "上门拜访",
            "next_step": "报送方案", "next_date": "2026-12-20"}  # fmt: skip
    response = caller.post(f"/api/v1/entries/{entry.id}/logs", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["participants"][0]["id"] == member.id
    assert caller.get(f"/api/v1/entries/{entry.id}/logs").get_json()["total"] == 1
    assert caller.get(f"/api/v1/entries/{entry.id}").get_json()["state"] == "contacting"
    future = {**body, "occurred_at": (utcnow() + timedelta(days=2)).isoformat()}
    assert error_code(caller.post(f"/api/v1/entries/{entry.id}/logs", json=future)) == "rule_violated"
    no_date = {**body, "next_date": None}
    assert caller.post(f"/api/v1/entries/{entry.id}/logs", json=no_date).status_code == 422
    for bad in ({**body, "summary": ""}, {**body, "kind": "telepathy"}, {**body, "occurred_at": "0001-01-01T00:00:00+05:00"},
                {**body, "summary": "x" * 4001}, {**body, "participant_ids": [999999]}):  # fmt: skip
        assert caller.post(f"/api/v1/entries/{entry.id}/logs", json=bad).status_code == 422, bad


def test_tasks_notifications_and_teams(county, api):
    member = county["users"][Role.MEMBER]
    caller = api(member)
    tasks = caller.get("/api/v1/tasks?per_page=100").get_json()
    assert tasks["total"] > 0 and all(t["status"] == "open" for t in tasks["items"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tasks["items"][0]["due_date"])
    inbox = caller.get("/api/v1/notifications?unread=true").get_json()
    assert inbox["total"] == 1 and inbox["items"][0]["entry_id"] == county["entries"][0].id
    team = caller.get(f"/api/v1/teams/{county['team'].id}").get_json()
    assert team["targets"] == 1 and [m["id"] for m in team["members"]] == [member.id]
    assert caller.get("/api/v1/teams").get_json()["total"] == 1


def test_dashboard_figures(county, api):
    body = api(county["users"][Role.MANAGER]).get("/api/v1/dashboard?year=2026").get_json()
    assert body["year"] == 2026 and isinstance(body["goal"]["funds"], int)
    funnel = {s["state"]: s["count"] for s in body["funnel"]}
    assert funnel["whitelisted"] == 1 and funnel["assigned"] == 1
    assert {r["key"] for r in body["goals"]} >= {"signings", "funds"}
    # money in 万元 integers on both databases (PostgreSQL's SUM is a Decimal)
    assert all(isinstance(row["funds"]["value"], int) for row in body["breakdowns"]["region"])
    assert set(body["breakdowns"]) == {"region", "category", "industry", "team", "campaign", "mode"}
    head = api(county["users"][Role.COUNTY_HEAD]).get("/api/v1/dashboard?year=1999")
    assert head.status_code == 422


def test_a_logged_contact_s_names_arrive_on_one_line(county, api):
    entry, member = county["entries"][0], county["users"][Role.MEMBER]
    body = {"occurred_at": (utcnow() - timedelta(hours=1)).isoformat(), "kind": "phone", "summary": "电话\n沟通\u202e",
            "new_contact_name": "王\r\n经理\u202e", "new_contact_title": "副总\u2028经理", "next_step": "报送\n方案", "next_date": "2026-12-20"}  # fmt: skip
    response = api(member).post(f"/api/v1/entries/{entry.id}/logs", json=body)
    assert response.status_code == 201, response.get_json()
    contact = db.session.scalar(select(Contact).where(Contact.enterprise_id == entry.enterprise_id))
    assert (contact.name, contact.title) == ("王  经理", "副总经理")
    log = db.session.scalar(select(ContactLog).where(ContactLog.entry_id == entry.id))
    assert log.next_step == "报送 方案" and log.summary == "电话\n沟通"  # the summary is text: its lines stay
