"""The team page: its targets in pages, soonest next open step first, scoped to who may see the team, and the way
to add members shown to who manages it."""

from sqlalchemy import select

from crm.extensions import db
from crm.teams import assignment
from crm.whitelist.models import WhitelistEntry
from tests.teams.conftest import listed
from tests.test_query_counts import count_queries


def test_team_page_pages_its_targets_soonest_due_first(client, campaign, login, now, monkeypatch):
    """A team holds hundreds of targets at city scale: they come in pages, the soonest next open step first and
    targets with nothing open last, with the count of all."""
    from datetime import timedelta

    import crm.teams.queries
    from crm.plans.models import Task

    monkeypatch.setattr(crm.teams.queries, "TARGETS_PER_PAGE", 2)
    p, teams, whitelisted = campaign
    names = ["队页甲有限公司", "队页乙有限公司", "队页丙有限公司"]
    for name in names:
        assignment.assign(p["manager"], whitelisted(name), teams["A"], p["member"], now)
    entries = {e.enterprise.name: e for e in db.session.scalars(select(WhitelistEntry))}
    db.session.execute(Task.__table__.update().values(status="done"))  # nothing open but what the test adds
    first_due = now.date() + timedelta(days=100)
    db.session.add(
        Task(entry_id=entries["队页丙有限公司"].id, title="a", owner_id=p["member"].id, due_date=first_due)
    )
    db.session.add(Task(entry_id=entries["队页甲有限公司"].id, title="b", owner_id=p["member"].id,
                        due_date=first_due + timedelta(days=1)))  # fmt: skip
    db.session.commit()
    login(p["member"])
    first = listed(client, f"/teams/{teams['A'].id}")
    targets = first.split('data-testid="team-targets"')[1].split("</ul>")[0]
    assert 'data-total="3"' in first and "page=2#targets" in first
    assert (
        targets.index("队页丙有限公司") < targets.index("队页甲有限公司") and "队页乙有限公司" not in targets
    )
    second = listed(client, f"/teams/{teams['A'].id}?page=2")
    assert "队页乙有限公司" in second.split('data-testid="team-targets"')[1].split("</ul>")[0]


def test_team_page_asks_for_open_steps_in_words_the_partial_index_matches(client, campaign, login, now):
    """ix_tasks_open_entry_due holds open tasks only: PostgreSQL's generic plan of a kept prepared statement can
    use it only if the statement says status = 'open' itself, not through a parameter (EXPLAIN showed the page
    reading every task of each target again with a parameter)."""
    p, teams, whitelisted = campaign
    assignment.assign(p["manager"], whitelisted("中寰重工（山东）装备有限公司"), teams["A"], p["member"], now)
    login(p["member"])
    with count_queries() as statements:
        assert client.get(f"/teams/{teams['A'].id}").status_code == 200
    next_step = [s for s in statements if "min(tasks.due_date)" in s]
    assert len(next_step) == 1 and "tasks.status = 'open'" in next_step[0]


def test_team_pages_are_scoped(client, campaign, login):
    p, teams, _ = campaign
    login(p["member"])
    page = listed(client, "/teams/")
    assert "东昌府装备队" in page and "东昌府新能源队" not in page and "茌平装备队" not in page
    assert client.get(f"/teams/{teams['B'].id}").status_code == 404
    login(p["head"])
    page = listed(client, "/teams/")
    assert "东昌府新能源队" in page and "市级装备队" in page and "茌平装备队" not in page
    login(p["manager"])
    assert "茌平装备队" in listed(client, "/teams/")


def test_a_member_form_sent_without_a_person_is_shown_again_with_the_error(client, campaign, login):
    p, teams, _whitelisted = campaign
    login(p["lead"])
    before = len(teams["A"].memberships)
    response = client.post(f"/teams/{teams['A'].id}/members", data={"user_id": "0"})
    page = response.data.decode()
    assert response.status_code == 200 and 'data-testid="member-form"' in page
    assert "请选择人员" in page and "is-invalid" in page
    db.session.expire_all()
    assert len(teams["A"].memberships) == before


def test_only_who_manages_the_team_sees_the_way_to_add_members(client, campaign, login):
    p, teams, _whitelisted = campaign
    login(p["member"])
    assert 'data-testid="add-member"' not in client.get(f"/teams/{teams['A'].id}").data.decode()
    assert client.get(f"/teams/{teams['A'].id}/members/new").status_code == 403
    login(p["lead"])
    assert 'data-testid="add-member"' in client.get(f"/teams/{teams['A'].id}").data.decode()


def test_team_page_lists_targets_with_state_owner_and_next_due(client, campaign, login, now):
    from datetime import date

    from crm.plans.models import Task

    p, teams, whitelisted = campaign
    entry = whitelisted("队页目标企业有限公司")
    assignment.assign(p["manager"], entry, teams["A"], p["member"], now)
    db.session.add(
        Task(entry_id=entry.id, title="首次对接", owner_id=p["member"].id, due_date=date(2026, 3, 5))
    )
    db.session.commit()
    login(p["member"])
    page = listed(client, f"/teams/{teams['A'].id}")
    assert "队页目标企业有限公司" in page and "已组队" in page and "2026-03-05" in page
    assert p["member"].full_name in page
