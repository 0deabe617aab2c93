"""Assignment, reassignment with history, suggestions, capacity and the reassign permission."""

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.plans.models import Task
from crm.teams import assignment, policy
from crm.teams.models import Assignment, Team, TeamMember
from crm.vocab import Action, State
from crm.whitelist.models import Event


def inbox_of(user) -> list[str]:
    return list(db.session.scalars(select(InboxItem.title).where(InboxItem.user_id == user.id)))


def test_suggestions_rank_industry_county_and_load(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("装备测试企业有限公司")
    ranked = assignment.suggest_teams(entry, list(teams.values()))
    assert [s.team.name for s in ranked] == ["东昌府装备队", "市级装备队", "东昌府新能源队", "茌平装备队"]
    best = ranked[0]
    assert best.score == pytest.approx(3 + 2 + 1)  # industry, own county, empty with a capacity
    assert any("装备制造" in r for r in best.reasons) and any("本县" in r for r in best.reasons)
    assert any("其他县" in r for r in ranked[-1].reasons)


def test_a_team_that_has_worked_the_same_industry_chain_ranks_higher(campaign, now):
    from crm.chains import services as cs

    p, teams, whitelisted = campaign
    chain = cs.create_chain(p["manager"], cs.ChainData(name="高端装备"), now)
    link = cs.add_link(p["manager"], chain, "整机", now)
    node_a, node_b = (
        cs.add_node(p["manager"], chain, cs.NodeData(n, link.id), now) for n in ("数控机床", "工业机器人")
    )
    earlier = whitelisted("装备链前期企业有限公司", industry_name="新能源")
    earlier.chain_node_id = node_a.id
    db.session.commit()
    assignment.assign(p["lead"], earlier, teams["B"], p["member_b"], now)
    entry = whitelisted("装备链新企业有限公司", industry_name="新能源")
    before = {s.team.name: s.score for s in assignment.suggest_teams(entry, list(teams.values()))}
    entry.chain_node_id = node_b.id  # another node of the same chain
    db.session.commit()
    ranked = assignment.suggest_teams(entry, list(teams.values()))
    b = next(s for s in ranked if s.team is teams["B"])
    assert b.score == pytest.approx(before["东昌府新能源队"] + 1)
    assert any("产业链" in r and "1" in r for r in b.reasons)
    assert all(s.score == pytest.approx(before[s.team.name]) for s in ranked if s.team is not teams["B"])


def test_a_full_team_drops_in_the_ranking_and_refuses_more(campaign, now):
    p, teams, whitelisted = campaign
    for i in range(3):
        assignment.assign(p["manager"], whitelisted(f"满员企业{i}有限公司"), teams["A"], p["member"], now)
    entry = whitelisted("第四家企业有限公司")
    ranked = assignment.suggest_teams(entry, list(teams.values()))
    full = next(s for s in ranked if s.team is teams["A"])
    assert full.full and ranked[0].team is not teams["A"]
    assert any("3" in r and "满" in r for r in full.reasons)
    with pytest.raises(DomainError, match="3"):
        assignment.assign(p["manager"], entry, teams["A"], p["member"], now)


def test_assign_moves_to_assigned_records_history_and_tells_the_team(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("分配测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    assert (entry.state, entry.team_id, entry.owner_id) == (State.ASSIGNED, teams["A"].id, p["member"].id)
    row = db.session.scalar(select(Assignment).where(Assignment.entry_id == entry.id))
    assert (row.from_team_id, row.to_team_id, row.to_owner_id, row.actor_id) == (
        None,
        teams["A"].id,
        p["member"].id,
        p["lead"].id,
    )
    event = db.session.scalar(select(Event).where(Event.entry_id == entry.id, Event.action == Action.ASSIGN))
    assert (event.from_state, event.to_state) == (State.WHITELISTED, State.ASSIGNED)
    assert any("分配测试企业有限公司" in t for t in inbox_of(p["member"]))
    assert any("分配测试企业有限公司" in t for t in inbox_of(p["lead"]))
    assert inbox_of(p["member_b"]) == []


@pytest.mark.parametrize(
    ("actor", "team", "allowed"),
    [
        ("lead", "A", True),  # a team they lead, in the entry's county
        ("lead", "C", False),  # another lead's team
        ("other_lead", "C", False),  # their team serves another county
        ("city_lead", "D", True),  # a city-wide team they lead
        ("head", "B", True),  # the county head, a team of their county
        ("head", "C", False),  # ... not another county's team
        ("other_head", "C", False),  # another county's head
        ("member", "A", False),
        ("manager", "C", True),
    ],
)
def test_who_may_assign(campaign, now, actor, team, allowed):
    p, teams, whitelisted = campaign
    entry = whitelisted("权限测试企业有限公司")
    owner = teams[team].leader
    if allowed:
        assignment.assign(p[actor], entry, teams[team], owner, now)
        assert entry.team_id == teams[team].id
    else:
        with pytest.raises(Forbidden):
            assignment.assign(p[actor], entry, teams[team], owner, now)
        assert entry.team_id is None and entry.state == State.WHITELISTED


def test_only_whitelisted_entries_are_assigned_and_owner_must_be_in_the_team(campaign, make_entry, now):
    p, teams, whitelisted = campaign
    proposal = make_entry(p["member"], name="未入库企业有限公司")
    with pytest.raises(Forbidden):
        assignment.assign(p["manager"], proposal, teams["A"], p["member"], now)
    entry = whitelisted("负责人测试企业有限公司")
    with pytest.raises(DomainError, match=p["member_b"].full_name):
        assignment.assign(p["manager"], entry, teams["A"], p["member_b"], now)


@pytest.mark.parametrize(
    ("actor", "to_team", "allowed"),
    [
        ("lead", "A", True),  # owner change inside their team
        ("lead", "B", True),  # to another team they lead
        ("lead", "D", False),  # to a team they do not lead
        ("head", "B", True),  # county head inside their county
        ("head", "D", True),  # ... or to a city-wide team
        ("head", "C", False),  # ... not to another county's team
        ("other_head", "C", False),
        ("city_lead", "D", False),  # lead of the target team, not of the current one
        ("manager", "C", True),
        ("member", "B", False),
    ],
)
def test_the_reassign_permission(campaign, now, actor, to_team, allowed):
    p, teams, whitelisted = campaign
    entry = whitelisted("调整测试企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    target = teams[to_team]
    owner = target.leader if target is not teams["A"] else p["lead"]
    if allowed:
        assignment.reassign(p[actor], entry, target, owner, "工作调整", True, now)
        assert (entry.team_id, entry.owner_id) == (target.id, owner.id)
    else:
        with pytest.raises(Forbidden):
            assignment.reassign(p[actor], entry, target, owner, "工作调整", True, now)
        assert (entry.team_id, entry.owner_id) == (teams["A"].id, p["member"].id)


def test_reassignment_keeps_full_history_moves_tasks_and_tells_both_teams(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("历史测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    db.session.add_all([
        Task(entry_id=entry.id, title="临时跟进", owner_id=p["member"].id, due_date=date(2026, 3, 6)),
        Task(entry_id=entry.id, title="已完成", owner_id=p["member"].id, due_date=date(2026, 3, 3), status="done"),
    ])  # fmt: skip
    db.session.commit()
    open_before = db.session.scalar(
        select(func.count()).where(Task.entry_id == entry.id, Task.status == "open")
    )
    assert open_before == 8  # the seven plan steps and the follow-up
    with pytest.raises(DomainError):
        assignment.reassign(p["lead"], entry, teams["B"], p["member_b"], "  ", True, now)
    assignment.reassign(p["lead"], entry, teams["B"], p["member_b"], "新能源方向更对口", True, now)

    rows = db.session.scalars(
        select(Assignment).where(Assignment.entry_id == entry.id).order_by(Assignment.id)
    ).all()
    assert [(r.from_team_id, r.from_owner_id, r.to_team_id, r.to_owner_id) for r in rows] == [
        (None, None, teams["A"].id, p["member"].id),
        (teams["A"].id, p["member"].id, teams["B"].id, p["member_b"].id),
    ]
    assert (rows[1].actor_id, rows[1].reason, rows[1].at, rows[1].moved_tasks) == (
        p["lead"].id,
        "新能源方向更对口",
        now,
        8,  # every open task: the seven plan steps (the owner's and the leader's) and the follow-up
    )
    owners = dict(db.session.execute(select(Task.title, Task.owner_id).where(Task.status == "open")).all())
    # "将未完成任务一并移交新负责人": the old owner's tasks and the leader's steps alike go to the new owner,
    assert owners["临时跟进"] == owners["首次对接"] == owners["签约决策"] == p["member_b"].id
    assert (
        db.session.scalar(select(Task.owner_id).where(Task.title == "已完成")) == p["member"].id
    )  # ...done ones stay
    event = db.session.scalar(
        select(Event).where(Event.entry_id == entry.id, Event.action == Action.REASSIGN)
    )
    assert (
        "东昌府装备队" in event.detail
        and "东昌府新能源队" in event.detail
        and event.reason == "新能源方向更对口"
    )
    for person in ("member", "member_b", "lead"):
        assert any("东昌府新能源队" in t for t in inbox_of(p[person])), person
    assert entry.state == State.ASSIGNED  # a hand-over does not change the stage


def test_reassign_can_leave_open_tasks_with_the_old_owner(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("任务不动企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    db.session.add(
        Task(entry_id=entry.id, title="上门拜访", owner_id=p["member"].id, due_date=date(2026, 3, 9))
    )
    db.session.commit()
    assignment.reassign(p["lead"], entry, teams["A"], p["lead"], "队长亲自跟进", False, now)
    owners = db.session.execute(select(Task.title, Task.owner_id).where(Task.kind == "followup")).all()
    assert owners == [("上门拜访", p["member"].id)]
    assert db.session.scalar(select(Assignment.moved_tasks).order_by(Assignment.id.desc())) == 0


def test_bulk_assignment_is_all_or_nothing(campaign, now):
    p, teams, whitelisted = campaign
    good = [whitelisted(f"批量企业{i}有限公司") for i in range(2)]
    other_county = whitelisted("茌平批量企业有限公司", code="371503")
    with pytest.raises(Forbidden, match="茌平批量企业有限公司"):
        assignment.bulk_assign(p["lead"], [*good, other_county], teams["B"], teams["B"].leader, now)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert assignment.bulk_assign(p["lead"], good, teams["B"], teams["B"].leader, now) == 2
    assert {e.team_id for e in good} == {teams["B"].id}


def test_tasks_follow_a_move_between_teams_with_different_leaders(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("跨队移交企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    db.session.add(
        Task(
            entry_id=entry.id,
            title="队长跟进",
            owner_id=p["lead"].id,
            due_date=date(2026, 3, 9),
            kind="followup",
        )
    )
    db.session.commit()
    assignment.reassign(p["manager"], entry, teams["C"], p["other_member"], "改由茌平跟进", True, now)
    owners = dict(db.session.execute(select(Task.title, Task.owner_id).where(Task.status == "open")).all())
    # every open task → the chosen owner, the old leader's too (not the new team's leader)
    assert owners["首次对接"] == owners["签约决策"] == owners["队长跟进"] == p["other_member"].id
    assert db.session.scalar(select(Assignment.moved_tasks).order_by(Assignment.id.desc()).limit(1)) == 8


def test_a_move_inside_the_team_hands_other_members_tasks_to_the_new_owner_too(campaign, now):
    p, teams, whitelisted = campaign
    entry = whitelisted("队内移交企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    newcomer = p["member_b"]
    teams["A"].memberships.append(TeamMember(user_id=newcomer.id))
    db.session.add(
        Task(
            entry_id=entry.id,
            title="他人跟进",
            owner_id=newcomer.id,
            due_date=date(2026, 3, 9),
            kind="followup",
        )
    )
    db.session.commit()
    assignment.reassign(p["lead"], entry, teams["A"], p["lead"], "队长接手", True, now)
    owners = dict(db.session.execute(select(Task.title, Task.owner_id).where(Task.status == "open")).all())
    assert owners["他人跟进"] == owners["首次对接"] == p["lead"].id  # the box says every open task


def test_the_ticked_box_hands_the_old_leaders_open_steps_to_the_chosen_owner(campaign, now):
    """Issue 19: a target owned by its team leader, moved to another team with the box ticked, left its open steps
    with the new team's leader instead of the owner chosen on the form."""
    p, teams, whitelisted = campaign
    entry = whitelisted("组长移交企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["lead"], now)  # the leader is the primary owner
    assert set(db.session.scalars(select(Task.owner_id).where(Task.entry_id == entry.id))) == {p["lead"].id}
    assignment.reassign(p["manager"], entry, teams["C"], p["other_member"], "改由茌平跟进", True, now)
    owners = set(
        db.session.scalars(select(Task.owner_id).where(Task.entry_id == entry.id, Task.status == "open"))
    )
    assert owners == {p["other_member"].id}
    assert db.session.scalar(select(Assignment.moved_tasks).order_by(Assignment.id.desc()).limit(1)) == 7


def test_the_team_prefilter_keeps_every_team_the_rules_allow(campaign, now):
    """teams_worth_checking narrows the assign/reassign screens' team lists in SQL; every team can_assign or
    can_reassign allows must survive it, for every role, on entries of both counties, assigned or not."""
    p, teams, whitelisted = campaign
    open_dcf, open_cp = whitelisted("预筛东昌府企业有限公司"), whitelisted("预筛茌平企业有限公司", "371503")
    held_dcf, held_cp = (
        whitelisted("预筛东昌府在办企业有限公司"),
        whitelisted("预筛茌平在办企业有限公司", "371503"),
    )
    assignment.assign(p["manager"], held_dcf, teams["A"], p["member"], now)
    assignment.assign(p["manager"], held_cp, teams["C"], p["other_member"], now)
    allowed_somewhere = 0
    for user in p.values():
        kept = set(db.session.scalars(select(Team.id).where(policy.teams_worth_checking(user))))
        for entry in (open_dcf, open_cp, held_dcf, held_cp):
            for team in teams.values():
                if policy.can_assign(user, entry, team) or policy.can_reassign(user, entry, team):
                    allowed_somewhere += 1
                    assert team.id in kept, (user.username, entry.enterprise.name, team.name)
    assert allowed_somewhere > 10  # the fixture exercises the rules, it does not vacuously pass
    # and it narrows: a lead's list is the teams they lead
    lead_kept = set(db.session.scalars(select(Team.id).where(policy.teams_worth_checking(p["lead"]))))
    assert lead_kept == {teams["A"].id, teams["B"].id}
