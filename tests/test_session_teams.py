"""The user's teams come with their session's statement (crm.auth.sessions) and answer the scope as its own read
did (crm.scope._read_teams_of): a member of two teams, a lead of an active county team and of an inactive one, the
lead of a city-wide team, a person in no team."""

import pytest
from flask import request
from sqlalchemy import event

from crm.auth.sessions import start_session, user_for_session
from crm.extensions import db
from crm.scope import _read_teams_of, entry_scope
from crm.teams.models import Team, TeamMember
from tests.conftest import region


@pytest.fixture
def people(make_user, now):
    member, lead, city_lead, loner = (
        make_user("member", "371502", username="两队成员"),
        make_user("lead", "371502", username="东昌府组长"),
        make_user("lead", None, username="全市组长"),
        make_user("member", "371521", username="无队之人"),
    )
    teams = [
        Team(name="东昌府区　装备制造攻坚组", region_id=region("371502").id, leader_id=lead.id),
        Team(
            name="东昌府区 旧攻坚组（停用）", region_id=region("371502").id, leader_id=lead.id, active=False
        ),
        Team(name="全市新能源攻坚组", region_id=None, leader_id=city_lead.id),
    ]
    db.session.add_all(teams)
    db.session.flush()
    db.session.add_all(
        [TeamMember(team_id=teams[0].id, user_id=member.id, joined_at=now),
         TeamMember(team_id=teams[2].id, user_id=member.id, joined_at=now)]
    )  # fmt: skip
    db.session.commit()
    return {"member": member, "lead": lead, "city lead": city_lead, "loner": loner}, teams


@pytest.mark.parametrize("who", ["member", "lead", "city lead", "loner"])
def test_the_teams_read_with_the_session_are_those_the_scope_reads(app, people, now, who):
    users, _teams = people
    user_id = users[who].id
    ref = start_session(users[who], remember=False, now=now)
    db.session.remove()
    with app.test_request_context("/"):
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            user = user_for_session(ref, now)
            assert user is not None and user.id == user_id
            entry_scope(user)  # the scope asks for the teams: answered from the session's read
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(statements) == 1
        assert request.__dict__["_teams_of"][user_id] == _read_teams_of(user)
        db.session.remove()


def test_the_session_statement_answers_each_team_once(app, people, now):
    users, teams = people
    both = sorted([teams[0].id, teams[2].id])
    ref = start_session(users["member"], remember=False, now=now)
    db.session.remove()
    with app.test_request_context("/"):
        user = user_for_session(ref, now)
        team_ids, led_regions, led = request.__dict__["_teams_of"][user.id]
        assert team_ids == both and led_regions == set() and led == []
        db.session.remove()
