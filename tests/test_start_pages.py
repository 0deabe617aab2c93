"""Each role's start page: today's work first (a member's steps, a lead's teams and unpicked targets, a county
head's queue, red lights and return), the counters below counting "at or beyond" a stage."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm.main import start
from crm.plans import logs
from crm.teams import assignment
from crm.types import local_date, utcnow
from crm.vocab import State
from tests.teams.conftest import campaign  # noqa: F401  (the team fixture, reused)

ASSIGNED_AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)


@pytest.fixture
def desk(campaign, make_entry):  # noqa: F811
    """Team A works two targets (one contacted), one whitelisted target waits for a team, one proposal waits
    for the county head."""
    p, teams, whitelisted = campaign
    first, second = whitelisted("首页测试一号有限公司"), whitelisted("首页测试二号有限公司")
    waiting = whitelisted("首页待分配企业有限公司")
    assignment.assign(p["lead"], first, teams["A"], p["member"], ASSIGNED_AT)
    assignment.assign(p["lead"], second, teams["A"], p["member"], ASSIGNED_AT)
    data = logs.LogData(occurred_at=ASSIGNED_AT + timedelta(days=1), kind="phone", summary="电话沟通")
    logs.record_log(p["member"], first, data, ASSIGNED_AT + timedelta(days=1), Path("/nonexistent"))
    proposal = make_entry(p["proposer"], name="首页待审核企业有限公司")
    return p, first, second, waiting, proposal


def test_a_member_lands_on_todays_work_before_the_counters(desk, login):
    p, first, *_ = desk
    page = login(p["member"]).get("/").data.decode()
    assert page.index('data-testid="todays-work"') < page.index('data-testid="counters"')
    work = start.todays_work(p["member"], local_date(utcnow()))
    assert work.overdue, "a plan from September is overdue by December"
    task = work.overdue[0]
    assert f"/plans/entries/{task.entry_id}/log?task={task.id}" in page
    assert "首页测试一号有限公司" in page and "首页待分配企业有限公司" not in page
    assert 'data-testid="team-desk"' not in page and 'data-testid="start-reviews"' not in page


def test_counters_count_at_or_beyond(desk, login):
    p, *_ = desk
    page = login(p["member"]).get("/").data.decode()
    # the member's two targets are 已组队 and 对接中: both whitelisted, neither negotiating
    assert _counter(page, "whitelisted") == 2 and _counter(page, "negotiating") == 0
    counts = start.at_or_beyond({"signed": 1, "producing": 2, "negotiating": 3, "proposed": 4, "dropped": 5})
    assert counts == {State.PROPOSED: 4, State.WHITELISTED: 6, State.NEGOTIATING: 6, State.SIGNED: 3}


def _counter(page: str, key: str) -> int:
    chunk = page[page.index(f'data-testid="counter-{key}"') :]
    return int(chunk.split('<div class="fs-3">', 1)[1].split("<", 1)[0])


def test_a_lead_sees_their_team_desk_and_unpicked_targets(desk, login):
    p, first, second, waiting, _ = desk
    page = login(p["lead"]).get("/").data.decode()
    assert page.count('data-testid="team-desk"') == 2  # teams A and B
    assert "东昌府装备队" in page and 'data-testid="overdue-by-owner"' in page
    assert p["member"].full_name in page
    assert f"/whitelist/{waiting.id}/assign" in page
    unpicked = start.unpicked(p["lead"])
    assert [e.id for e in unpicked.entries] == [waiting.id] and unpicked.total == 1
    # 茌平区's lead does not get 东昌府区's unpicked target
    assert start.unpicked(p["other_lead"]).total == 0


def test_a_county_head_sees_the_queue_red_lights_and_the_months_return(desk, login):
    p, first, second, waiting, proposal = desk
    page = login(p["head"]).get("/").data.decode()
    reviews = page[page.index('data-testid="start-reviews"') : page.index('data-testid="start-red"')]
    assert "首页待审核企业有限公司" in reviews
    red = page[page.index('data-testid="start-red"') : page.index('data-testid="start-return"')]
    assert "首页测试二号有限公司" in red  # never contacted since September
    assert "未填报" in page[page.index('data-testid="start-return"') :]
    assert 'data-testid="todays-work"' in page
    # another county's head sees neither the proposal nor the red lights
    other = login(p["other_head"]).get("/").data.decode()
    assert "首页待审核企业有限公司" not in other and "首页测试二号有限公司" not in other


def test_a_manager_logs_in_to_the_dashboard_and_keeps_a_start_page(desk, client):
    p, *_ = desk
    from tests.conftest import PASSWORD

    response = client.post("/auth/login", data={"username": p["manager"].username, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/dashboard/")
    home = client.get("/").data.decode()
    assert 'data-testid="start-red"' in home and 'data-testid="start-return"' not in home
    client.post("/auth/logout")
    member = client.post("/auth/login", data={"username": p["member"].username, "password": PASSWORD})
    assert member.location.endswith("/")
    asked = client.post(
        "/auth/login", data={"username": p["manager"].username, "password": PASSWORD, "next": "/plans/tasks"}
    )
    assert asked.status_code == 302


def test_pinned_views_open_the_start_page(desk, login, now):
    from crm.saved_views import services as sv

    p, *_ = desk
    view = sv.create_view(p["member"], "我的红灯目标", "light=red", now)
    sv.set_pinned(p["member"], view, True, now)
    page = login(p["member"]).get("/").data.decode()
    pins = page[page.index('data-testid="pinned-views"') :]
    assert "我的红灯目标" in pins and "light=red" in pins
    assert page.index('data-testid="pinned-views"') < page.index('data-testid="todays-work"')


def test_open_instructions_reach_the_owners_start_page(desk, login, now):
    from datetime import date

    from crm.instructions import services as instructions

    p, first, *_ = desk
    data = instructions.InstructionData("action", "请本周内上门拜访企业负责人", date(2026, 12, 30))
    instructions.issue(p["manager"], first, data, now)
    page = login(p["member"]).get("/").data.decode()
    section = page[page.index('data-testid="start-instructions"') :]
    assert "请本周内上门拜访企业负责人" in section and "批办" in section
    assert 'data-testid="start-instructions"' not in login(p["member_b"]).get("/").data.decode()
