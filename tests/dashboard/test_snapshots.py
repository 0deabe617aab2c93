"""Dashboard snapshots (crm/dashboard/snapshots.py): the figures computed ahead by the scheduler, stored as JSON
that reads back equal, served to a request whose process has none, refreshed on demand; on for these tests only."""

import json
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select, update

from crm.dashboard import snapshots
from crm.dashboard.models import DashboardSnapshot
from crm.dashboard.services import compute, refresh_snapshots, scope_users
from crm.extensions import db
from crm.reminders import jobs
from crm.reminders.models import Heartbeat
from crm.types import local_date, utcnow
from tests.dashboard.test_cache import URL, drop_e6, funnel_count
from tests.test_query_counts import count_queries

MAX_AGE = 900


@pytest.fixture
def kept(app):
    """Snapshots on (the in-process cache stays off, as for a worker that has computed nothing yet)."""
    app.config["DASHBOARD_SNAPSHOT_SECONDS"] = MAX_AGE
    yield
    app.config["DASHBOARD_SNAPSHOT_SECONDS"] = 0


def test_the_stored_figures_read_back_equal_for_every_scope(projects, world):
    p, _teams, _entries = world
    today = local_date(utcnow())
    for user in (p["manager"], p["head"], p["other_head"]):
        figures = compute(user, 2026, today)
        stored = json.dumps(snapshots.encode(figures), ensure_ascii=False)
        back = snapshots.decode(json.loads(stored))
        assert back == figures  # every field, down to the watch lists' lights and the drill-down arguments
        assert back.signed.count.value == figures.signed.count.value and back.week == figures.week


def test_only_crms_own_dataclasses_are_rebuilt():
    with pytest.raises(ValueError):
        snapshots.decode({"$t": "subprocess:Popen", "f": {"args": ["true"]}})
    with pytest.raises(ValueError):
        snapshots.decode({"$t": "crm.dashboard.snapshots:encode", "f": {}})


def test_a_page_reads_the_scopes_snapshot_until_someone_refreshes(world, projects, login, kept):
    p, _teams, entries = world
    assert set(scope_users()) == {
        "city",
        f"county:{p['head'].region_id}",
        f"county:{p['other_head'].region_id}",
    }
    assert refresh_snapshots(utcnow()) == 3
    client = login(p["manager"])
    with count_queries() as statements:
        first = client.get(URL).data.decode()
    assert funnel_count(first, "whitelisted") == 1
    assert len(statements) < 15, "\n".join(s[:120] for s in statements)  # one row instead of ~33 aggregates

    drop_e6(entries)
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 1  # the snapshot, computed before
    assert client.get(URL + "&refresh=1").status_code == 302  # "Refresh now": computed and stored again
    assert funnel_count(client.get(URL).data.decode(), "whitelisted") == 0
    # The county head reads their own county's snapshot (from before the change), not the city's new one.
    head = login(p["head"])
    head_page = head.get(URL).data.decode()
    assert "东昌府区" in head_page and funnel_count(head_page, "whitelisted") == 1
    head.get(URL + "&refresh=1")
    assert funnel_count(head.get(URL).data.decode(), "whitelisted") == 0


def test_an_old_or_unreadable_snapshot_is_computed_afresh(world, projects, login, kept):
    p, _teams, entries = world
    refresh_snapshots(utcnow())
    drop_e6(entries)
    client = login(p["manager"])
    old = utcnow() - timedelta(seconds=MAX_AGE + 1)
    db.session.execute(
        update(DashboardSnapshot).where(DashboardSnapshot.scope == "city").values(computed_at=old)
    )
    db.session.commit()
    page = client.get(URL).data.decode()
    assert funnel_count(page, "whitelisted") == 0  # too old: computed now …
    row = db.session.scalar(select(DashboardSnapshot).where(DashboardSnapshot.scope == "city"))
    db.session.refresh(row)
    assert row.computed_at > old + timedelta(seconds=MAX_AGE)  # … and stored for the other workers
    stamp = re.search(r'data-testid="computed-at">([^<]+)<', page).group(1)
    assert stamp and "refresh=1" in page

    row.payload = json.dumps({"$t": "crm.dashboard.services:Figures", "f": {"renamed": 1}})
    db.session.commit()
    assert (
        funnel_count(client.get(URL).data.decode(), "whitelisted") == 0
    )  # written by other code: recomputed


def test_the_scheduler_job_computes_every_scope_and_drops_earlier_days(world, projects, kept):
    today = local_date(utcnow())
    db.session.add(DashboardSnapshot(scope="city", year=2026, day=today - timedelta(days=1), payload="[]",
                                     computed_at=utcnow(), seconds=1.0))  # fmt: skip
    db.session.commit()
    jobs.bind(current_app._get_current_object())
    jobs.run_figures()
    db.session.expire_all()
    days = set(db.session.scalars(select(DashboardSnapshot.day)))
    assert days == {today}
    assert len(db.session.scalars(select(DashboardSnapshot.id)).all()) == 3
    assert "3" in db.session.get(Heartbeat, "figures").detail


def test_nothing_is_stored_when_snapshots_are_off(world, projects, login):
    p, _teams, _entries = world
    assert refresh_snapshots(utcnow()) == 0
    login(p["manager"]).get(URL)
    assert db.session.scalar(select(DashboardSnapshot.id)) is None
