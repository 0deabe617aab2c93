"""crm/teams/queries.py keeps a manager's and a county head's team options a while (the list page's team filter
and bulk-assign boxes): reused without a statement, each scope its own, forgotten when a team or a person is
written in this process, read again once they expire; a lead's and a member's are read every time."""

import pytest
from flask_login import login_user, logout_user
from sqlalchemy import update

from crm.extensions import db
from crm.teams import queries
from crm.teams.models import Team
from tests.refdata.conftest import kept_for_a_minute
from tests.test_query_counts import count_queries


@pytest.fixture
def keeping(app, monkeypatch):
    with kept_for_a_minute(app, monkeypatch, queries._kept) as now:
        yield now


def options_of(user) -> list[queries.TeamOption]:
    login_user(user)
    try:
        return queries.team_options()
    finally:
        logout_user()


def teams_read(statements: list[str]) -> int:
    return sum("FROM teams JOIN users" in s for s in statements)


def names(options) -> list[str]:
    return [o.name for o in options]


def test_a_managers_teams_are_kept_and_a_county_head_keeps_their_own(keeping, campaign):
    p, teams, _ = campaign
    city = options_of(p["manager"])
    assert names(city) == sorted(t.name for t in teams.values())
    with count_queries() as statements:
        assert options_of(p["manager"]) == city
    assert statements == []
    county = options_of(p["head"])  # another scope: not the manager's rows
    assert names(county) == sorted(["东昌府装备队", "东昌府新能源队", "市级装备队"])
    assert names(options_of(p["other_head"])) == sorted(["茌平装备队", "市级装备队"])
    with count_queries() as statements:
        assert options_of(p["head"]) == county
    assert statements == []


def test_a_rename_a_new_leader_name_and_the_expiry_show_at_once(keeping, campaign):
    p, teams, _ = campaign
    options_of(p["manager"])
    teams["A"].name = "东昌府高端装备攻坚队（一队）"
    db.session.flush()  # a write in this process
    assert "东昌府高端装备攻坚队（一队）" in names(options_of(p["manager"]))
    db.session.rollback()
    assert "东昌府装备队" in names(options_of(p["manager"]))  # the rename never happened
    p["lead"].full_name = "王　强"  # full-width space, as the bureau's roster has it
    db.session.commit()
    led = [o for o in options_of(p["manager"]) if o.id in (teams["A"].id, teams["B"].id)]
    assert {o.leader_name for o in led} == {"王　强"}
    db.session.execute(update(Team).where(Team.id == teams["D"].id).values(active=False))
    assert not next(o for o in options_of(p["manager"]) if o.id == teams["D"].id).active
    db.session.rollback()
    with count_queries() as statements:
        options_of(p["manager"])
    assert teams_read(statements) == 1  # the rolled-back write forgot them
    keeping[0] += 60
    with count_queries() as statements:
        options_of(p["manager"])
    assert teams_read(statements) == 1  # expired: read again
    with count_queries() as statements:
        options_of(p["manager"])
    assert teams_read(statements) == 0


def test_a_leads_and_a_members_teams_are_read_each_time(keeping, campaign):
    p, teams, _ = campaign
    assert names(options_of(p["lead"])) == sorted(["东昌府装备队", "东昌府新能源队"])
    assert names(options_of(p["member"])) == ["东昌府装备队"]
    with count_queries() as statements:
        assert names(options_of(p["member"])) == ["东昌府装备队"]
        assert names(options_of(p["lead"])) == sorted(["东昌府装备队", "东昌府新能源队"])
    assert teams_read(statements) == 2
