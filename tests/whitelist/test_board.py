"""The kanban board: the list's scope and filters in columns by stage and by light, and card moves that go through
the stage rules of the entry page (same evidence, same refusals, the stale check)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm.extensions import db
from crm.plans import logs
from crm.teams import assignment
from crm.vocab import State
from crm.whitelist import board
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.queries import Filters
from tests.teams.conftest import campaign  # noqa: F401  (the team fixture, reused)

ASSIGNED_AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)


@pytest.fixture
def worked(campaign):  # noqa: F811
    """Two targets of team A in 东昌府区 (one in 对接中 with a phone call), one of team C in 茌平区."""
    p, teams, whitelisted = campaign
    first = whitelisted("看板测试一号有限公司")
    second = whitelisted("看板测试二号有限公司")
    other = whitelisted("茌平看板测试有限公司", code="371503")
    assignment.assign(p["lead"], first, teams["A"], p["member"], ASSIGNED_AT)
    assignment.assign(p["lead"], second, teams["A"], p["member"], ASSIGNED_AT)
    assignment.assign(p["other_lead"], other, teams["C"], p["other_member"], ASSIGNED_AT)
    log(p["member"], first, ASSIGNED_AT + timedelta(days=1), "phone")
    return p, first, second, other


def log(user, entry, when, kind):
    data = logs.LogData(occurred_at=when, kind=kind, summary="沟通投资意向")
    return logs.record_log(user, entry, data, when, Path("/nonexistent"))


def move(client, entry, target, **fields):
    entry = db.session.get(WhitelistEntry, entry.id)
    data = {"entry_id": entry.id, "target": target, "version": entry.version, **fields}
    return client.post("/whitelist/board/move", data=data)


def test_columns_follow_the_pipeline_with_totals_and_scope(worked):
    p, first, second, other = worked
    columns = {
        c.key: c for c in board.stage_board(p["member"], Filters(), ASSIGNED_AT.date() + timedelta(days=3))
    }
    assert list(columns) == [s.value for s in board.PIPELINE]
    assert columns["assigned"].total == 1 and columns["contacting"].total == 1
    names = {card.entry.enterprise.name for c in columns.values() for card in c.cards}
    assert names == {"看板测试一号有限公司", "看板测试二号有限公司"}  # not 茌平区's target
    card = columns["contacting"].cards[0]
    assert card.next_state == "negotiating" and card.needs == () and card.days_in_stage == 2
    assert columns["negotiating"].droppable and not columns["assigned"].droppable
    # The manager sees all three; a filter on the county narrows the board as it narrows the list.
    everyone = board.stage_board(p["manager"], Filters(), ASSIGNED_AT.date())
    assert sum(c.total for c in everyone) == 3
    from tests.conftest import region

    narrowed = board.stage_board(p["manager"], Filters(region=region("371503").id), ASSIGNED_AT.date())
    assert [(c.key, c.total) for c in narrowed if c.total] == [("assigned", 1)]


def test_a_column_shows_the_longest_waiting_first_and_counts_the_rest(worked):
    p, first, second, other = worked
    columns = board.stage_board(p["manager"], Filters(), ASSIGNED_AT.date(), per_column=1)
    assigned = next(c for c in columns if c.key == "assigned")
    assert assigned.total == 2 and len(assigned.cards) == 1 and assigned.more == 1


def test_someone_outside_the_team_sees_cards_they_cannot_move(worked):
    p, first, *_ = worked
    columns = board.stage_board(p["proposer"], Filters(), ASSIGNED_AT.date())
    cards = [card for c in columns for card in c.cards]
    assert len(cards) == 2 and all(card.next_state is None for card in cards)


def test_light_board_splits_worked_targets_by_todays_light(worked):
    p, first, second, other = worked
    # Two months after the assignment with one call on day one: both of team A's targets are red (no contact
    # for weeks, steps overdue); the same day, right after the assignment, both are green.
    late = board.light_board(p["member"], Filters(), ASSIGNED_AT.date() + timedelta(days=60))
    assert [(c.key, c.total) for c in late] == [("red", 2), ("yellow", 0), ("green", 0)]
    assert all(card.light.colour == "red" for card in late[0].cards)
    early = board.light_board(p["member"], Filters(), ASSIGNED_AT.date())
    assert [(c.key, c.total) for c in early] == [("red", 0), ("yellow", 0), ("green", 2)]


def test_board_page_renders_cards_with_move_buttons(worked, login):
    p, first, *_ = worked
    page = login(p["member"]).get("/whitelist/board").data.decode()
    assert "看板测试一号有限公司" in page and "茌平看板测试有限公司" not in page
    assert page.count('data-testid="card"') == 2
    assert "推进至“洽谈中”" in page
    light_page = login(p["manager"]).get("/whitelist/board?by=light").data.decode()
    assert 'data-testid="column-red"' in light_page and "红灯" in light_page


def test_move_to_negotiating_needs_a_meeting_like_the_form(worked, login):
    p, first, *_ = worked
    client = login(p["member"])
    refused = move(client, first, "negotiating")
    assert refused.status_code == 422
    assert "洽谈中" in refused.json["error"] and refused.json["link"].endswith(
        f"/plans/entries/{first.id}/log"
    )
    assert db.session.get(WhitelistEntry, first.id).state == State.CONTACTING
    log(p["member"], db.session.get(WhitelistEntry, first.id), ASSIGNED_AT + timedelta(days=5), "visit")
    done = move(client, first, "negotiating")
    assert done.status_code == 200 and done.json["ok"]
    assert done.json["state"] == "negotiating" and done.json["next_state"] == "signed"
    assert done.json["needs"] == ["on", "amount"]
    entry = db.session.get(WhitelistEntry, first.id)
    assert entry.state == State.NEGOTIATING and entry.events[-1].to_state == "negotiating"


def test_signing_from_the_board_needs_date_and_amount(worked, login):
    p, first, *_ = worked
    log(p["member"], first, ASSIGNED_AT + timedelta(days=5), "visit")
    client = login(p["lead"])
    assert move(client, first, "negotiating").status_code == 200
    missing = move(client, first, "signed")
    assert missing.status_code == 422 and "日期" in missing.json["error"]
    no_amount = move(client, first, "signed", on="2026-11-02")
    assert no_amount.status_code == 422 and "签约金额" in no_amount.json["error"]
    signed = move(client, first, "signed", on="2026-11-02", amount="52000")
    assert signed.status_code == 200 and signed.json["next_state"] == "landed"
    entry = db.session.get(WhitelistEntry, first.id)
    assert entry.contract_amount == 52000 and entry.signed_on.isoformat() == "2026-11-02"


def test_refused_moves_say_why(worked, login):
    p, first, second, other = worked
    client = login(p["member"])
    skip = move(client, first, "signed", on="2026-11-02", amount="100")  # 对接中 → 已签约 skips 洽谈中
    assert skip.status_code == 422 and "下一阶段不是“已签约”" in skip.json["error"]
    assign = move(client, second, "whitelisted")
    assert assign.status_code == 422 and assign.json["error"]
    stale = client.post(
        "/whitelist/board/move", data={"entry_id": first.id, "target": "negotiating", "version": "0"}
    )
    assert stale.status_code == 409 and "修改" in stale.json["error"]
    # Another county's target is not found; its proposer, outside the team, sees it but may not move it.
    assert move(client, other, "contacting").status_code == 404
    assert move(login(p["member_b"]), first, "negotiating").status_code == 404
    assert move(login(p["proposer"]), first, "negotiating").status_code == 403
    assert db.session.get(WhitelistEntry, first.id).state == State.CONTACTING
