"""Dashboard screens: drill-down agreement, export, goals, print view and rankings pages, query counts."""

import html
import json
import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.dashboard import rankings
from crm.dashboard.models import YearGoal
from crm.dashboard.period import Period
from crm.enterprises.models import Enterprise
from crm.extensions import db
from tests.test_query_counts import count_queries

DRILL = re.compile(r'<a href="([^"]+)" class="drill" data-count="(\d+)">')
TOTAL = re.compile(r'data-testid="result-count" data-total="(\d+)"')


def drill_links(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(url), int(n)) for url, n in DRILL.findall(page)]


@pytest.mark.parametrize("who", ["manager", "head", "other_head"])
def test_every_number_on_the_dashboard_matches_the_list_behind_it(world, login, who):
    """Both lists: the project list behind the goals, rates, project stages, project lights and the breakdowns'
    project columns; the whitelist list behind the targets, the pipeline, the target lights and the rankings."""
    p, _teams, _e = world
    client = login(p[who])
    page = client.get("/dashboard/?year=2026")
    assert page.status_code == 200
    links = drill_links(page.data.decode())
    assert len(links) > 60  # goals, rates, funnel, watch lists, breakdowns, rankings
    checked = {}
    for url, count in links:
        if url not in checked:
            listing = client.get(url)
            assert listing.status_code == 200, url
            checked[url] = int(TOTAL.search(listing.data.decode()).group(1))
        assert checked[url] == count, url
    for prefix in ("/projects/?", "/whitelist/?"):
        assert any(url.startswith(prefix) and count > 0 for url, count in links), prefix
    assert all(url.startswith(("/projects/", "/whitelist/")) for url, _n in links)


def test_the_goals_drill_down_to_projects_and_pending_funds_show_beside_them(world, login):
    p, _teams, _e = world
    page = login(p["manager"]).get("/dashboard/?year=2026").data.decode()
    goals = page[
        page.index('data-testid="goals"') : page.index("</table>", page.index('data-testid="goals"'))
    ]
    for url, _count in drill_links(goals):
        assert url.startswith("/projects/?"), url
    pending = re.search(r'data-testid="pending-funds">(.*?)</div>', page, re.S).group(1)
    ((url, count),) = drill_links(pending)
    assert count == 2 and "funds=pending" in url and ">5.40<" in pending
    funnel = page[page.index('data-testid="funnel"') :]
    assert 'data-target="projects" data-state="landed"' in funnel
    assert 'href="/projects/?state=landed"' in funnel and 'href="/whitelist/?state=negotiating"' in funnel
    assert re.search(r'data-testid="project-light-red"><a href="/projects/\?light=red" class="drill" data-count="1"',
                     page)  # fmt: skip
    # A county head's project links carry their county, so the list (held or hosted) equals what counts.
    head = login(p["head"]).get("/dashboard/?year=2026").data.decode()
    assert 'data-testid="pending-funds"' in head
    other = login(p["other_head"]).get("/dashboard/?year=2026").data.decode()
    assert 'data-testid="pending-funds"' not in other  # nothing of 茌平区's waits for verification
    region_id = p["other_head"].region_id
    assert all(f"region={region_id}" in url for url, _n in drill_links(other) if url.startswith("/projects/"))


def test_a_breakdown_cell_opens_the_projects_of_its_team_and_says_so(world, login):
    p, teams, _e = world
    client = login(p["manager"])
    page = client.get("/dashboard/?year=2026").data.decode()
    table = page[page.index('data-testid="breakdown-team"') :]
    row = re.search(
        rf"<tr><td>{teams['B'].name}</td>(.*?)</tr>", table[: table.index("</table>")], re.S
    ).group(1)
    links = drill_links(row)
    assert [u.split("?")[0] for u, _n in links] == ["/whitelist/", "/whitelist/", "/projects/", "/projects/",
                                                    "/whitelist/", "/projects/"]  # fmt: skip
    url, count = links[3]  # team B's projects signed this year: P2, P2b (in 茌平区) and P10
    assert count == 3
    listing = client.get(url).data.decode()
    banner = listing[listing.index('data-testid="drill"') :]
    assert teams["B"].name in banner[: banner.index("</div>")]
    for name in ("P2测试项目", "P2b测试项目", "P10测试项目"):
        assert name in listing
    assert "P10f测试项目" not in listing  # a framework agreement is not a signing


def test_the_county_head_sees_only_their_county(world, login):
    p, _teams, _e = world
    page = login(p["head"]).get("/dashboard/?year=2026").data.decode()
    breakdown = page[page.index('data-testid="breakdown-region"') :]
    breakdown = breakdown[: breakdown.index("</table>")]
    assert "东昌府区" in breakdown and "茌平区" not in breakdown
    assert "E4测试" not in page  # 茌平区's yellow light stays out of sight
    assert "E5测试" in page or "E1测试" in page  # their own red lights show


def test_dashboard_export_has_the_figures(world, login):
    p, _teams, _e = world
    response = login(p["manager"]).get("/dashboard/export.xlsx?year=2026")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames[:4] == ["目标进度", "比率", "阶段漏斗", "每周签约与储备"]
    goals = {row[0]: row[1:] for row in book["目标进度"].iter_rows(min_row=2, values_only=True)}
    assert goals["到位资金（亿元）"][:2] == ("14.30", "560.00")
    assert list(book["目标进度"].iter_rows(values_only=True))[-1][1] == "5.40"  # pending verification
    county = {row[0]: row[1:] for row in book["按县(市、区)"].iter_rows(min_row=2, values_only=True)}
    assert county["东昌府区"] == (5, 2, 3, 3, 642000, 132000)
    assert county["茌平区"] == (3, 1, 4, 3, 26000, 11000)  # E2's P2b lands there
    assert [c.value for c in book["团队排名"][1]][:2] == ["排名", "名称"]


def test_list_export_follows_the_filters_and_the_scope(world, login):
    p, _teams, entries = world
    response = login(p["head"]).get("/whitelist/export.xlsx?milestone=signed&from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("企业名称", "统一社会信用代码", "目标县(市、区)")
    names = sorted(r[0][:3] for r in rows[1:])
    assert names == ["E10", "E1测", "E2测"]  # 东昌府区's 2026 signings only
    assert all(r[2] == "东昌府区" for r in rows[1:])


def test_exported_text_never_runs_as_a_formula(world, login):
    p, teams, entries = world
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(1)"]
    for entry, name in zip(
        (entries["E1"], entries["E2"], entries["E5"], entries["E6"]), hostile, strict=True
    ):
        db.session.get(Enterprise, entry.enterprise_id).name = name
    teams["A"].name = "=cmd|' /C calc'!A0"
    db.session.commit()
    response = login(p["manager"]).get("/whitelist/export.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    for text in [*hostile, "=cmd|' /C calc'!A0"]:
        found = [c for c in cells if c.value == "'" + text]
        assert found, text
        assert all(c.data_type == "s" for c in found)
    assert not any(c.data_type == "f" for c in cells)
    book = load_workbook(BytesIO(login(p["manager"]).get("/dashboard/export.xlsx").data))
    team_cells = [
        c for ws in book for row in ws.iter_rows() for c in row if c.value and "cmd|" in str(c.value)
    ]
    assert team_cells and all(str(c.value).startswith("'=") and c.data_type == "s" for c in team_cells)


GOALS = {
    "signings_low": "6", "signings_high": "9", "funds_yi": "600", "big_projects": "350", "manufacturing_pct": "62",
    "emerging_pct": "12", "chain_per_county": "1", "mega_baseline": "4", "version": "0",
}  # fmt: skip


def test_manager_sets_the_goals_and_the_dashboard_uses_them(world, login):
    p, _teams, _e = world
    client = login(p["manager"])
    page = client.get("/dashboard/goals?year=2027").data.decode()
    assert 'value="560"' in page and 'value="340"' in page  # DOMAIN.md's defaults until saved
    response = client.post("/dashboard/goals?year=2027", data=GOALS)
    assert response.status_code == 302
    goal = db.session.get(YearGoal, 2027)
    assert (goal.funds, goal.signings_high, goal.mega_target, goal.updated_by_id) == (
        6_000_000,
        9,
        8,
        p["manager"].id,
    )
    assert db.session.get(YearGoal, 2026) is None  # per year
    dashboard = client.get("/dashboard/?year=2027").data.decode()
    assert "600.00" in dashboard and "6–9" in dashboard and "8 个（上年 4 个的两倍）" in dashboard


def test_a_rejected_goals_form_keeps_what_was_typed(world, login):
    p, _teams, _e = world
    client = login(p["manager"])
    response = client.post(
        "/dashboard/goals?year=2027", data={**GOALS, "signings_high": "3", "funds_yi": "777"}
    )
    assert response.status_code == 200
    page = response.data.decode()
    assert "上限不能低于下限" in page and 'value="777"' in page and 'value="3"' in page
    assert db.session.get(YearGoal, 2027) is None


def test_a_stale_goals_form_says_who_changed_them(world, login, make_user):
    p, _teams, _e = world
    other = make_user("manager", username="boss2")
    login(other).post("/dashboard/goals?year=2027", data=GOALS)  # saved first, version 1
    client = login(p["manager"])
    response = client.post(
        "/dashboard/goals?year=2027", data={**GOALS, "funds_yi": "700"}
    )  # based on version 0
    assert response.status_code == 200
    assert other.full_name in response.data.decode()
    assert db.session.get(YearGoal, 2027).funds == 6_000_000


def test_admin_may_edit_goals_but_a_county_head_may_not(world, login, make_user):
    p, _teams, _e = world
    assert login(make_user("admin")).post("/dashboard/goals?year=2027", data=GOALS).status_code == 302
    assert login(p["head"]).post("/dashboard/goals?year=2027", data=GOALS).status_code == 403


def test_print_view_draws_with_svg_and_has_no_navigation(world, login):
    p, _teams, _e = world
    page = login(p["manager"]).get("/dashboard/print?year=2026").data.decode()
    data = json.loads(html.unescape(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1)))
    assert data["renderer"] == "svg" and data["animation"] is False
    assert "navbar" not in page and 'data-action="print"' in page
    assert "<script>" not in page  # no inline script (the data island is JSON, not code)


def test_rankings_page_moves_week_by_week(world, login):
    p, teams, _e = world
    client = login(p["manager"])
    page = client.get("/dashboard/rankings?week=2026-11-18").data.decode()
    assert "2026-11-16 至 2026-11-22" in page
    assert page.index(teams["C"].name) < page.index(teams["A"].name) < page.index(teams["B"].name)
    assert "week=2026-11-09" in page and "week=2026-11-23" in page
    assert "活动指数 = 加权得分之和" in page
    assert client.get("/dashboard/rankings?week=junk").status_code == 200
    assert client.get("/dashboard/rankings?week=0001-01-01").status_code == 200


def test_junk_drill_down_arguments_are_ignored(world, login):
    p, _teams, _e = world
    client = login(p["manager"])
    for query in ("milestone=drop table&from=2026-99-01", "min_investment=-5&phase=x", "light=purple&team=abc",
                  "from=9999-01-01&milestone=signed", "year=99999", "tag=-1&industry=-1&campaign=none"):  # fmt: skip
        assert client.get(f"/whitelist/?{query}").status_code == 200, query
        assert client.get(f"/dashboard/?{query}").status_code == 200, query


def queries_for(client, url) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_dashboard_query_count_does_not_grow_with_the_data(world, login, projects):
    from crm.plans.models import FundArrival
    from crm.projects.models import FundReturn, Project
    from crm.whitelist.models import WhitelistEntry

    p, teams, entries = world
    client = login(p["manager"])
    few = queries_for(client, "/dashboard/?year=2026")
    verified = db.session.scalar(select(FundReturn).where(FundReturn.status == "verified"))
    for i in range(15):
        source = entries["E1"]
        clone = WhitelistEntry(enterprise_id=source.enterprise_id, region_id=source.region_id + (i % 3),
                               industry_id=source.industry_id, state=source.state, proposer_id=source.proposer_id,
                               team_id=teams["ABC"[i % 3]].id, signed_on=source.signed_on, planned_investment=1000)  # fmt: skip
        db.session.add(clone)
        db.session.flush()
        project = Project(entry_id=clone.id, name=f"克隆项目{i}", region_id=source.region_id + (i % 4),
                          agreement="investment", signed_on=source.signed_on, contract_amount=500,
                          planned_investment=1000, state="signed", created_by_id=p["lead"].id)  # fmt: skip
        db.session.add(project)
        db.session.flush()
        db.session.add(FundArrival(entry_id=clone.id, project_id=project.id, return_id=verified.id,
                                   arrived_on=verified.month, fixed_amount=100, created_by_id=p["lead"].id))  # fmt: skip
    db.session.commit()
    many = queries_for(client, "/dashboard/?year=2026")
    assert many == few
    # 34 on both databases: the figures read the signing setting once, and the two light passes share one
    # working calendar; projects added four statements (their funnel stages, the project lights and the two
    # settings reads of their thresholds) and took one away (signings and their funds are one pass now).
    assert many <= 40


def test_a_week_without_activity_ranks_nobody(world, login):
    p, teams, _e = world
    quiet_week = Period.last_full_week(date(2025, 6, 4))  # long before anything of the world
    ranked = rankings.teams(p["manager"], quiet_week)
    assert ranked and rankings.quiet(ranked) and not any(r.active for r in ranked)
    busy = rankings.teams(p["manager"], Period.last_full_week(date(2026, 11, 25)))
    assert not rankings.quiet(busy)
    page = login(p["manager"]).get("/dashboard/rankings?week=2025-05-28").data.decode()
    assert page.count('data-testid="ranking-quiet"') == 2 and 'data-rank="1"' not in page
    assert "本周无对接活动（" in page
    busy_page = login(p["manager"]).get("/dashboard/rankings?week=2026-11-18").data.decode()
    assert 'data-testid="ranking-quiet"' not in busy_page and 'data-rank="1"' in busy_page
