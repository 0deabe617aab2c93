"""The big screen: an address a manager gives out and revokes, and the figures it shows (the city's dashboard)."""

from datetime import UTC, datetime

import pytest

from crm.dashboard.services import collect
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.reports import screen
from crm.reports.models import ScreenLink
from tests.dashboard.conftest import TODAY

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_the_screen_shows_the_citys_dashboard_figures(app, world):
    p, _teams, _entries = world
    shown = screen.figures(TODAY)
    dash = collect(p["manager"], 2026, TODAY)
    assert [(g["label"], g["actual"], g["target"]) for g in shown["goals"]] == [
        (g.label, g.actual, g.target) for g in dash.goals
    ]
    assert [(s["label"], s["count"]) for s in shown["funnel"]] == [(s.label, s.count) for s in dash.funnel]
    assert [(r["label"], r["index"]) for r in shown["county_ranking"]] == [
        (r.label, r.index) for r in dash.county_ranking
    ]
    by_name = {r["name"]: r for r in shown["regions"]}
    assert {name: r["signed"] for name, r in by_name.items()} == {
        row.label: row.signed.value for row in dash.breakdowns["region"]
    }
    assert all(r["kind"] == "county" for r in by_name.values())  # the campaign has no target in a zone
    # The ticker is this week's signings (Monday 11-23 to Sunday 11-29): none in the campaign; P11 was 11-18.
    assert shown["week"] == {"start": "2026-11-23", "end": "2026-11-29"} and shown["ticker"] == []


def test_only_a_manager_gives_out_and_revokes_addresses(app, world):
    p, _teams, _entries = world
    with pytest.raises(Forbidden):
        screen.create_link(p["head"], "大厅", NOW)
    with pytest.raises(DomainError):
        screen.create_link(p["manager"], "  ", NOW)
    link, token = screen.create_link(p["manager"], " 一楼　大厅 ", NOW)
    assert link.label == "一楼 大厅" and link.token_hash != token and len(token) >= 32
    assert screen.by_token(token).id == link.id
    assert screen.by_token(token + "x") is None and screen.by_token("") is None
    with pytest.raises(Forbidden):
        screen.revoke(p["head"], link, NOW)
    screen.revoke(p["manager"], link, NOW)
    assert screen.by_token(token) is None


def test_a_revoked_address_answers_403(app, client, world, login):
    p, _teams, _entries = world
    login(p["manager"])
    page = client.post("/reports/screens", data={"label": "一楼大厅"}).get_data(as_text=True)
    url = page.split('<code class="user-select-all text-break">', 1)[1].split("</code>", 1)[0]
    path = url.replace("http://localhost", "")
    client.post("/auth/logout")  # the screen has no login
    assert client.get(path).status_code == 200
    data = client.get(path + "/data.json")
    assert data.status_code == 200 and data.json["goals"] and data.headers["Cache-Control"] == "no-store"
    link = db.session.query(ScreenLink).one()
    assert link.last_seen_at is not None
    login(p["manager"])
    assert client.post(f"/reports/screens/{link.id}/revoke").status_code == 302
    client.post("/auth/logout")
    assert client.get(path).status_code == 403
    assert client.get(path + "/data.json").status_code == 403
    login(p["head"])
    assert client.get("/reports/screens").status_code == 403


def test_a_rejected_address_keeps_what_was_typed(app, client, world, login):
    p, _teams, _entries = world
    login(p["manager"])
    page = client.post("/reports/screens", data={"label": "   "}).get_data(as_text=True)
    assert 'data-testid="new-screen-url"' not in page
