"""Team-scoped visibility, managing a team, the assign/reassign screens, inbox and the conflict queue (the team
page's own tests: test_team_page.py)."""

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.scope import entry_scope
from crm.teams import assignment
from crm.teams.models import Team, TeamMember
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry
from tests.teams.conftest import listed
from tests.test_query_counts import count_queries


def test_members_see_their_teams_targets_and_own_proposals_only(client, campaign, make_entry, login, now):
    p, teams, whitelisted = campaign
    mine = whitelisted("队内目标企业有限公司")
    theirs = whitelisted("他队目标企业有限公司")
    unassigned = whitelisted("未分配目标企业有限公司")
    assignment.assign(p["manager"], mine, teams["A"], p["member"], now)
    assignment.assign(p["manager"], theirs, teams["B"], p["member_b"], now)
    own_proposal = make_entry(p["member"], name="我的提报企业有限公司")
    login(p["member"])
    page = listed(client)
    assert "队内目标企业有限公司" in page and "我的提报企业有限公司" in page
    assert "他队目标企业有限公司" not in page and "未分配目标企业有限公司" not in page
    assert client.get(f"/whitelist/{theirs.id}").status_code == 404
    assert client.get(f"/whitelist/{unassigned.id}").status_code == 404
    assert client.get(f"/whitelist/{own_proposal.id}").status_code == 200


def test_leads_see_their_teams_and_unassigned_entries_of_their_county(client, campaign, login, now):
    p, teams, whitelisted = campaign
    in_b = whitelisted("二队目标企业有限公司")
    assignment.assign(p["manager"], in_b, teams["B"], p["member_b"], now)
    whitelisted("本县待分配企业有限公司")
    whitelisted("茌平待分配企业有限公司", code="371503")
    elsewhere = whitelisted("茌平目标企业有限公司", code="371503")
    assignment.assign(p["manager"], elsewhere, teams["C"], p["other_member"], now)
    login(p["lead"])
    page = listed(client)
    assert "二队目标企业有限公司" in page and "本县待分配企业有限公司" in page
    assert "茌平待分配企业有限公司" not in page and "茌平目标企业有限公司" not in page
    login(p["city_lead"])  # a city-wide team's lead picks up unassigned entries anywhere
    page = listed(client)
    assert "本县待分配企业有限公司" in page and "茌平待分配企业有限公司" in page
    assert "二队目标企业有限公司" not in page


def test_lead_manages_members_of_their_team(client, campaign, make_user, login, now):
    p, teams, whitelisted = campaign
    newcomer = make_user("member", "371502", username="newcomer")
    login(p["member"])
    assert client.post(f"/teams/{teams['A'].id}/members", data={"user_id": newcomer.id}).status_code == 403
    login(p["lead"])
    team_id = teams["A"].id
    team_page = client.get(f"/teams/{team_id}").data.decode()
    # The team page links to the form; the city's thousand names are on the form's own page only.
    assert f'href="/teams/{team_id}/members/new"' in team_page and 'name="user_id"' not in team_page
    page = client.get(f"/teams/{team_id}/members/new").data.decode()
    # Each person offered with their role and county, in Chinese (the labels are translated once per list).
    assert f'<option value="{newcomer.id}">{newcomer.full_name}（攻坚队员，东昌府区）</option>' in page
    member_id = p["member"].id
    assert f'<option value="{member_id}">' not in page  # already on the team
    assert client.post(f"/teams/{teams['A'].id}/members", data={"user_id": newcomer.id}).status_code == 302
    assert db.session.scalar(select(TeamMember).where(TeamMember.user_id == newcomer.id)) is not None
    entry = whitelisted("成员负责企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], newcomer, now)
    client.post(f"/teams/{teams['A'].id}/members/{newcomer.id}/remove")
    assert (
        db.session.scalar(select(TeamMember).where(TeamMember.user_id == newcomer.id)) is not None
    )  # owns a target
    assignment.reassign(p["lead"], entry, teams["A"], p["member"], "交接", True, now)
    client.post(f"/teams/{teams['A'].id}/members/{newcomer.id}/remove")
    assert db.session.scalar(select(TeamMember).where(TeamMember.user_id == newcomer.id)) is None


def test_manager_creates_a_team_and_form_errors_keep_input(client, campaign, login):
    p, teams, _ = campaign
    login(p["manager"])
    bad = client.post(
        "/teams/new", data={"name": "新建测试队", "leader_id": "0", "capacity": "0", "region_id": "0"}
    )
    assert bad.status_code == 200 and 'value="新建测试队"' in bad.data.decode()
    ok = client.post(
        "/teams/new",
        data={"name": "新建测试队", "leader_id": p["lead"].id, "capacity": "4", "region_id": "0",
              "webhook_url": "https://qyapi.example/robot?key=1"},
    )  # fmt: skip
    assert ok.status_code == 302
    robot = db.session.scalar(select(Team.webhook_url).where(Team.name == "新建测试队"))
    assert robot == "https://qyapi.example/robot?key=1"
    dup = client.post("/teams/new", data={"name": "新建测试队", "leader_id": p["lead"].id, "region_id": "0"})
    assert "已存在" in dup.data.decode()


def test_assign_screen_suggests_and_assigns(client, campaign, login):
    p, teams, whitelisted = campaign
    entry = whitelisted("界面分配企业有限公司")
    login(p["lead"])
    page = listed(client, f"/whitelist/{entry.id}/assign")
    assert page.index("东昌府装备队") < page.index("东昌府新能源队")  # best match first
    assert "茌平装备队" not in page  # not a team this lead may use
    assert "产业对口" in page and "最匹配" in page
    response = client.post(
        f"/whitelist/{entry.id}/assign",
        data={"team_id": teams["A"].id, "owner_id": "0", "version": entry.version},
    )
    assert response.status_code == 302
    db.session.refresh(entry)
    assert (entry.state, entry.team_id, entry.owner_id) == (State.ASSIGNED, teams["A"].id, p["lead"].id)


def test_reassign_screen_requires_a_reason_and_keeps_input(client, campaign, login, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("界面调整企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    login(p["lead"])
    form = {
        "team_id": teams["B"].id,
        "owner_id": p["member_b"].id,
        "version": entry.version,
        "move_tasks": "y",
    }
    page = client.post(f"/whitelist/{entry.id}/reassign", data={**form, "reason": ""}).data.decode()
    assert "is-invalid" in page
    db.session.refresh(entry)
    assert entry.team_id == teams["A"].id
    assert (
        client.post(f"/whitelist/{entry.id}/reassign", data={**form, "reason": "对口调整"}).status_code == 302
    )
    db.session.refresh(entry)
    assert entry.team_id == teams["B"].id
    detail = listed(client, f"/whitelist/{entry.id}")
    assert "调整攻坚团队/负责人" in detail and "对口调整" in detail


def test_bulk_assign_from_the_list(client, campaign, login):
    p, teams, whitelisted = campaign
    entries = [whitelisted(f"列表批量企业{i}有限公司") for i in range(3)]
    login(p["lead"])
    page = listed(client, "/whitelist/?state=whitelisted")
    assert 'name="entry_ids"' in page and 'data-testid="bulk-assign"' in page
    data = {"entry_ids": [e.id for e in entries[:2]], "team_id": teams["B"].id}
    assert client.post("/whitelist/bulk-assign", data=data).status_code == 302
    teams_of = dict(db.session.execute(select(WhitelistEntry.id, WhitelistEntry.team_id)).all())
    assert [teams_of[e.id] for e in entries] == [teams["B"].id, teams["B"].id, None]


def test_inbox_counts_unread_and_marks_read(client, campaign, login, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("消息测试企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    login(p["member"])
    home = client.get("/").data.decode()
    assert 'data-testid="unread">1<' in home
    item = db.session.scalar(select(InboxItem).where(InboxItem.user_id == p["member"].id))
    response = client.post(f"/inbox/{item.id}/read", data={"open": "1"})
    assert response.location.endswith(f"/whitelist/{entry.id}")
    assert 'data-testid="unread"' not in client.get("/").data.decode()
    login(p["member_b"])
    assert client.post(f"/inbox/{item.id}/read").status_code == 404  # not theirs


def test_conflict_queue_decides_for_one_county(client, campaign, make_entry, login, now):
    p, teams, whitelisted = campaign
    first = whitelisted("争议企业有限公司")
    second = make_entry(p["other_member"], region_code="371503", enterprise=first.enterprise)
    assert second.conflict
    login(p["manager"])
    page = listed(client, "/whitelist/conflicts")
    assert "争议企业有限公司" in page and "东昌府区" in page and "茌平区" in page
    missing = client.post(
        f"/whitelist/{second.id}/resolve", data={"winner_region_id": first.region_id, "reason": ""}
    )
    assert missing.status_code == 302
    db.session.refresh(second)
    assert second.state == State.PROPOSED  # nothing decided without a reason
    client.post(
        f"/whitelist/{second.id}/resolve",
        data={"winner_region_id": first.region_id, "reason": "首报首谈，东昌府区先报"},
    )
    db.session.refresh(first)
    db.session.refresh(second)
    assert (second.state, second.conflict) == (State.DROPPED, False)
    assert first.state == State.WHITELISTED and not first.conflict
    detail = listed(client, f"/whitelist/{second.id}")
    assert "跨县冲突裁定" in detail and "首报首谈，东昌府区先报" in detail
    assert "争议企业有限公司" not in listed(client, "/whitelist/conflicts")


def test_conflict_can_go_to_the_later_county(campaign, make_entry, now):
    from crm.whitelist import conflicts

    p, teams, whitelisted = campaign
    first = whitelisted("改判企业有限公司")
    second = make_entry(p["other_member"], region_code="371503", enterprise=first.enterprise)
    closed = conflicts.resolve(p["manager"], second, second.region_id, "茌平区具备配套条件", now)
    assert closed == [first] and first.state == State.DROPPED and not second.conflict


def test_bulk_assign_never_redirects_off_site(client, campaign, login):
    p, teams, whitelisted = campaign
    login(p["lead"])
    for back in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/whitelist/bulk-assign", data={"entry_ids": ["999"], "team_id": teams["B"].id, "back": back}
        )
        assert response.status_code == 302 and "evil" not in response.location


def test_reassign_to_another_team_defaults_to_its_leader(client, campaign, login, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("只换团队企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    login(p["lead"])
    page = client.get(f"/whitelist/{entry.id}/reassign").data.decode()
    assert '<option selected value="0">' in page or 'value="0" selected' in page
    form = {"team_id": teams["B"].id, "owner_id": "0", "version": entry.version, "reason": "只换团队"}
    assert client.post(f"/whitelist/{entry.id}/reassign", data=form).status_code == 302
    db.session.refresh(entry)
    assert (entry.team_id, entry.owner_id) == (teams["B"].id, teams["B"].leader_id)


def test_a_group_robot_must_be_on_an_allowed_host(client, campaign, login, monkeypatch, app):
    """The scheduler POSTs to the robot address, so it may not point at the bureau's internal machines."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
    p, teams, _ = campaign
    login(p["manager"])
    form = {"name": "机器人测试队", "leader_id": p["lead"].id, "region_id": "0"}
    for internal in (
        "http://127.0.0.1:5432/",
        "http://169.254.169.254/latest",
        "http://qyapi.weixin.qq.com.evil/x",
    ):
        page = client.post("/teams/new", data={**form, "webhook_url": internal})
        assert "qyapi.weixin.qq.com、oapi.dingtalk.com" in page.get_data(as_text=True), internal
        assert db.session.scalar(select(Team.id).where(Team.name == "机器人测试队")) is None
    real = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    assert client.post("/teams/new", data={**form, "webhook_url": real}).status_code == 302
    assert db.session.scalar(select(Team.webhook_url).where(Team.name == "机器人测试队")) == real


def test_a_page_reads_the_users_teams_once(client, campaign, login, now):
    """The home page asks for the member's scope three times (counts, list, navigation): the teams are read once,
    with the session's statement (crm.auth.sessions), and no statement of the scope's own follows."""
    p, teams, whitelisted = campaign
    assignment.assign(p["lead"], whitelisted("聊城一次读取有限公司"), teams["A"], p["member"], now)
    login(p["member"])
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    flat = [" ".join(s.split()) for s in statements]
    assert len([s for s in flat if "FROM teams WHERE teams.leader_id" in s]) == 0
    assert len([s for s in flat if "JOIN user_sessions" in s and "LEFT OUTER JOIN teams" in s]) == 1


def test_the_scope_follows_a_membership_changed_in_the_same_request(app, campaign, now):
    """Read once per request, but read again after a flush that touched a team or a membership."""
    p, teams, whitelisted = campaign
    entry = whitelisted("聊城同一请求有限公司")
    assignment.assign(p["lead"], entry, teams["B"], p["lead"], now)
    member = db.session.get(User, p["member"].id)
    with app.test_request_context("/"):
        visible = select(WhitelistEntry.id).where(entry_scope(member), WhitelistEntry.id == entry.id)
        assert db.session.scalar(visible) is None  # member of A, not of B
        db.session.add(TeamMember(team_id=teams["B"].id, user_id=member.id))
        db.session.flush()
        visible = select(WhitelistEntry.id).where(entry_scope(member), WhitelistEntry.id == entry.id)
        assert db.session.scalar(visible) == entry.id
        db.session.rollback()


def test_bulk_assign_gives_the_steps_to_the_chosen_primary_owner_as_a_single_assignment_does(
    client, campaign, login, now
):
    """Issue 19: bulk assignment made the team leader owner of every step, so members got no tasks. The list asks
    for the primary owner (the chosen team's people), and the plan follows it as a single assignment's does."""
    from crm.plans.models import Task

    p, teams, whitelisted = campaign
    bulk, single = whitelisted("批量负责人企业有限公司"), whitelisted("单个负责人企业有限公司")
    login(p["lead"])
    page = listed(client, "/whitelist/?state=whitelisted")
    assert 'name="owner_id"' in page and 'data-owners="' in page
    wrong = {"entry_ids": [bulk.id], "team_id": teams["B"].id, "owner_id": p["member"].id}  # team A's member
    client.post("/whitelist/bulk-assign", data=wrong)
    db.session.expire_all()
    assert bulk.team_id is None  # refused, nothing written
    data = {"entry_ids": [bulk.id], "team_id": teams["B"].id, "owner_id": p["member_b"].id}
    assert client.post("/whitelist/bulk-assign", data=data).status_code == 302
    assignment.assign(p["lead"], single, teams["B"], p["member_b"], now)

    def owners(entry):
        return dict(
            db.session.execute(select(Task.title, Task.owner_id).where(Task.entry_id == entry.id)).all()
        )

    assert owners(bulk) == owners(single)
    assert p["member_b"].id in owners(bulk).values()  # the member has tasks
    assert bulk.owner_id == p["member_b"].id
