"""The statements each everyday page issues, pinned (issue 16): a change that adds one shows here first.

Measured on a worked target with two projects, a plan, contact logs and history, as a member would open it from a
phone and as a lead and a manager would. The counts are the same on SQLite and PostgreSQL. Beside the totals: the
reference data a page reads (holidays, settings, the user's teams) is read once per request, however many lights,
dates and scope checks the page draws."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from crm.dashboard import fragments
from crm.dashboard.cache import figure_cache
from crm.extensions import db
from crm.plans import logs
from crm.projects.models import Project
from crm.refdata import choices
from crm.settings import get_int, set_setting
from crm.teams import assignment
from tests.teams.conftest import campaign  # noqa: F401
from tests.test_query_counts import count_queries

# (role, url, statements, settings): the budget of each page, for the fixture below.
COMPUTED = {}
SNAPSHOT = {"DASHBOARD_SNAPSHOT_SECONDS": 900}  # a worker without figures of its own reads the stored ones
CACHED = {"DASHBOARD_CACHE_SECONDS": 60}
BUDGET = [
    # Every page: the signed-in user, with the navigation's unread count and their teams (the scope's) in the same
    # statement.
    # 领导批示: the entry's open instructions (one statement). Whether another county holds the enterprise comes
    # with the entry (a second statement only for an entry that claims one, crm.scope.get_entry_page_or_404).
    # Its contact log and history are shorter than a page here, so neither is counted apart (ShortPagination).
    # Its light comes from the plan the page reads; its industry path from the kept names (with REFDATA kept).
    (
        "member",
        "/whitelist/{entry}",
        18,
        {},
    ),  # whether they are in its team: from their teams, read with their session
    ("manager", "/whitelist/{entry}", 19, {}),
    ("member", "/plans/entries/{entry}/log", 5, {}),  # the entry with its enterprise and team only
    ("member", "/plans/tasks", 8, {}),  # the shown steps with their targets in one statement
    ("member", "/inbox/", 2, {}),  # its one page says its total: not counted apart
    ("member", "/whitelist/", 17, {}),  # with the saved views offered (issue 19)
    # as in production: the filter row's choices, the holiday table and the settings kept by the process
    ("member", "/whitelist/", 11, {"REFDATA_CACHE_SECONDS": 60}),
    ("member", "/whitelist/{entry}", 14, {"REFDATA_CACHE_SECONDS": 60}),
    ("member", "/plans/tasks", 5, {"REFDATA_CACHE_SECONDS": 60}),
    # likewise its targets, fewer than a page; the people to add are on the member form's page (not counted here)
    ("lead", "/teams/{team}", 10, {}),
    # the lead's start page (issue 19): their own day, each led team's lights, red targets and overdue steps, the
    # county's unpicked targets, each in a fixed number of statements whatever the number of teams
    ("lead", "/", 20, {}),  # … the views they pinned and the open 批示
    ("manager", "/dashboard/", 28, COMPUTED),
    ("manager", "/dashboard/", 4, SNAPSHOT),
    ("manager", "/dashboard/", 2, CACHED),
]
ONCE = {
    "holidays": re.compile(r"\bFROM holidays\b"),
    "holiday years": re.compile(r"\bFROM holiday_years\b"),
    "settings": re.compile(r"\bFROM settings\b"),
    "the user's teams": re.compile(r"teams\.leader_id = \S+ AND teams\.active"),
}


@pytest.fixture
def worked(campaign, now):  # noqa: F811
    """A target of team A worked by its member: plan, three contact logs, two projects (one signed in 2027)."""
    p, teams, whitelisted = campaign
    entry = whitelisted("中寰重工（山东）装备有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    for i in range(3):
        when = now - timedelta(days=i + 1)
        data = logs.LogData(occurred_at=when, kind="visit", summary=f"第{i + 1}次拜访")
        logs.record_log(p["member"], entry, data, now, Path("/nonexistent"))
    for name, signed in (("一期项目", date(2026, 11, 20)), ("二期项目", date(2027, 1, 8))):
        db.session.add(
            Project(entry_id=entry.id, name=name, region_id=entry.region_id, held_region_id=entry.region_id,
                    industry_id=entry.industry_id, state="signed", signed_on=signed, agreement="investment",
                    contract_amount=50000, planned_investment=80000)
        )  # fmt: skip
    db.session.commit()
    return p, teams, entry


@pytest.mark.parametrize("role, url, budget, settings", BUDGET)
def test_each_page_issues_its_pinned_number_of_statements(
    app, client, login, worked, monkeypatch, role, url, budget, settings
):
    p, teams, entry = worked
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    figure_cache().clear()  # no figures (or their tables) kept from another test's data
    fragments.clear()
    choices.forget()
    target = url.format(entry=entry.id, team=teams["A"].id)
    login(p[role])
    assert client.get(target).status_code == 200  # a first visit may fill caches; the budget is every visit's
    with count_queries() as statements:
        assert client.get(target).status_code == 200
    figure_cache().clear()
    assert len(statements) == budget, "\n".join(s.split("\n")[0][:160] for s in statements)
    for what, pattern in ONCE.items():
        reads = sum(1 for s in statements if pattern.search(s))
        assert reads <= 1, f"{target}: {what} read {reads} times"


def test_a_setting_changed_in_a_request_is_read_back_changed(app):
    """Settings are read once per request (crm.settings), and again after one is written."""
    with app.test_request_context("/admin/settings"):
        before = get_int("light_yellow_overdue")
        with count_queries() as statements:
            assert get_int("light_yellow_overdue") == before
        assert statements == []
        set_setting("light_yellow_overdue", str(before + 1))
        assert get_int("light_yellow_overdue") == before + 1
        db.session.rollback()
