"""Every dashboard figure against the hand-built campaign in conftest.py (worked out by hand there)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.dashboard import breakdowns, figures, progress, rankings, watchlist, weekly
from crm.dashboard.goals import goal_for
from crm.dashboard.period import Period
from crm.extensions import db
from crm.plans.lights import light_clause, lights_for
from crm.scope import entry_scope
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region
from tests.dashboard.conftest import TODAY

YEAR = Period.year(2026)


def test_funnel_counts_targets_before_signing_and_projects_after(world):
    p, _teams, _e = world
    stages = {s.state: (s.count, s.investment, s.target) for s in figures.funnel(p["manager"])}
    assert stages == {
        "whitelisted": (1, 0, "whitelist"), "assigned": (0, 0, "whitelist"), "contacting": (1, 12000, "whitelist"),
        "negotiating": (1, 8000, "whitelist"),
        # Projects by state: P1, P10f (a framework agreement is still a signed project), P11; P2b, P10; P2; P3.
        "signed": (3, 653000, "projects"), "landed": (2, 40000, "projects"), "started": (1, 20000, "projects"),
        "producing": (1, 15000, "projects"),
    }  # fmt: skip
    # 东昌府区: its targets E6, E5; the projects landing there P1, P10f; P10; P2 (not P2b, which lands in 茌平区).
    head = {s.state: s.count for s in figures.funnel(p["head"])}
    assert head == {"whitelisted": 1, "assigned": 0, "contacting": 1, "negotiating": 0, "signed": 2, "landed": 1,
                    "started": 1, "producing": 0}  # fmt: skip
    other = {s.state: s.count for s in figures.funnel(p["other_head"])}  # E4; P11; P2b; P3
    assert other == {"whitelisted": 0, "assigned": 0, "contacting": 0, "negotiating": 1, "signed": 1, "landed": 1,
                     "started": 0, "producing": 1}  # fmt: skip
    assert [s.args for s in figures.funnel(p["head"])][-1] == {
        "state": "producing",
        "region": region("371502").id,
    }


def test_signed_this_year_counts_projects_with_a_counted_agreement(world):
    p, _teams, _e = world
    s = figures.signed(p["manager"], YEAR)
    # P1, P2, P2b (E2's second project), P7 (terminated after signing), P10, P11; P3 signed in 2025, P10f is a
    # framework agreement.
    assert s.count.value == 6
    assert s.amount == 550000 + 18000 + 25000 + 30000 + 9000 + 3000
    assert s.campaign.value == 4  # duobiao: P1, P2, P2b, P7
    assert s.mega.value == 1  # P1, 60 亿元
    assert s.emerging.value == 3  # 新能源: P2, P2b, P10
    assert s.chain.value == 2  # E2 is a chain leader: P2 and P2b
    assert (s.landed.value, s.started.value, s.producing.value) == (3, 1, 0)
    # Verified funds only, whenever they arrived: P11's returned line and the pending October lines do not count.
    assert s.funds_all_time == 120000 + 10000 + 6000 + 1000 + 2000
    assert s.count.target == "projects" and s.count.args["counted"] == "1"
    head = figures.signed(p["head"], YEAR)  # lands in 东昌府区: P1, P2, P10
    assert (head.count.value, head.amount, head.campaign.value, head.landed.value, head.chain.value) == (
        3, 577000, 2, 2, 1)  # fmt: skip
    assert head.count.args["region"] == region("371502").id
    other = figures.signed(p["other_head"], YEAR)  # lands in 茌平区: P2b, P7, P11
    assert (other.count.value, other.amount, other.campaign.value, other.landed.value, other.chain.value) == (
        3, 58000, 2, 1, 1)  # fmt: skip


def test_which_agreements_count_is_a_setting(world):
    from crm.settings import set_setting

    p, _teams, _e = world
    set_setting("signing_agreements", "framework,investment,contract,supplement")
    db.session.commit()
    assert figures.signed(p["manager"], YEAR).count.value == 7  # P10f too
    assert figures.signed(p["head"], YEAR).count.value == 4
    set_setting("signing_agreements", "contract")
    db.session.commit()
    assert figures.signed(p["manager"], YEAR).count.value == 1  # P1 (P3's contract was signed in 2025)


def test_a_target_with_two_projects_counts_two_each_where_it_lands(world, projects):
    p, _teams, entries = world
    assert {projects["P2"].entry_id, projects["P2b"].entry_id} == {entries["E2"].id}
    dcf, cp = region("371502").id, region("371503").id
    # The city counts both; each county head counts the one that lands in their county.
    chains = {c.region.id: c.count.value for c in figures.chain_by_county(p["manager"], YEAR)}
    assert (chains[dcf], chains[cp]) == (1, 1)
    assert [(c.region.id, c.count.value) for c in figures.chain_by_county(p["head"], YEAR)] == [(dcf, 1)]
    assert [(c.region.id, c.count.value) for c in figures.chain_by_county(p["other_head"], YEAR)] == [(cp, 1)]
    big = {who: figures.big_projects(p[who], YEAR).value for who in ("manager", "head", "other_head")}
    assert big == {"manager": 4, "head": 2, "other_head": 2}  # P2, P10 | P2b, P3
    by_county = {
        r.label: r.signed_in_period.value for r in breakdowns.breakdown(p["manager"], "region", YEAR)
    }
    assert by_county == {"东昌府区": 3, "茌平区": 3}
    # E2's team (B, 东昌府区) counts both projects, wherever they land.
    teams = {r.label: r.signed_in_period.value for r in breakdowns.breakdown(p["manager"], "team", YEAR)}
    assert teams[_teams["B"].name] == 3  # P2, P2b, P10


def test_funds_count_verified_returns_only_and_pending_shows_apart(world):
    p, _teams, _e = world
    f = figures.funds(p["manager"], YEAR)
    assert f.total == 120000 + 10000 + 4000 + 1000 + 2000 + 6000  # P3's 2025 money is not this year's
    assert f.manufacturing == 120000 + 10000 + 1000 + 2000 + 6000  # 人工智能 (P3) is not manufacturing
    assert (f.projects.value, f.manufacturing_projects.value) == (6, 5)
    # 东昌府区's October return is submitted, not verified: beside the goal, not in it. 茌平区's returned November
    # return counts nowhere.
    assert (f.pending.value, f.pending.entries) == (54000, 2)
    assert f.pending.args["funds"] == "pending" and f.pending.target == "projects"
    head = figures.funds(p["head"], YEAR)
    assert (head.total, head.projects.value, head.pending.value) == (132000, 3, 54000)
    other = figures.funds(p["other_head"], YEAR)  # P3, P7 and E2's P2b, which lands in 茌平区
    assert (other.total, other.projects.value, other.pending.value, other.pending.entries) == (11000, 3, 0, 0)


def test_verifying_a_return_moves_its_money_from_pending_to_funds(world):
    from crm.projects.models import FundReturn

    p, _teams, _e = world
    waiting = db.session.scalar(select(FundReturn).where(FundReturn.status == "submitted"))
    waiting.status = "verified"
    db.session.commit()
    f = figures.funds(p["manager"], YEAR)
    assert (f.total, f.pending.value, f.pending.entries) == (143000 + 54000, 0, 0)
    assert figures.signed(p["manager"], YEAR).funds_all_time == 139000 + 54000


def test_big_projects_and_chain_leaders_by_county(world):
    p, _teams, _e = world
    assert figures.big_projects(p["manager"], YEAR).value == 4  # P2, P2b, P3, P10 (exactly 1 亿元 counts)
    chains = {c.region.name: c.count.value for c in figures.chain_by_county(p["manager"], YEAR)}
    assert chains["东昌府区"] == 1 and chains["茌平区"] == 1
    assert len(chains) == 8  # the counties, not the functional zones


def test_goal_rows_give_the_gap_in_words(world):
    p, _teams, _e = world
    user = p["manager"]
    s, f = figures.signed(user, YEAR), figures.funds(user, YEAR)
    rows = {r.key: r for r in progress.goal_rows(goal_for(2026), s, f, figures.big_projects(user, YEAR),
                                                 figures.chain_by_county(user, YEAR))}  # fmt: skip
    assert rows["signings"].actual == "4" and rows["signings"].target == "5–8"
    assert not rows["signings"].met and "1" in rows["signings"].gap
    assert rows["funds"].actual == "14.30" and rows["funds"].target == "560.00"
    assert "545.70" in rows["funds"].gap
    assert rows["funds"].pending.value == 54000
    assert rows["big"].actual == "4" and "336" in rows["big"].gap
    assert rows["manufacturing"].actual == "97.2%" and rows["manufacturing"].met
    assert rows["emerging"].actual == "50.0%" and rows["emerging"].met
    assert rows["chain"].actual == "2 / 8" and not rows["chain"].met and "茌平区" not in rows["chain"].gap
    assert "东昌府区" not in rows["chain"].gap and "临清市" in rows["chain"].gap
    assert rows["chain"].figure.value == 2 and "region" not in rows["chain"].figure.args
    assert rows["mega"].actual == "1" and not rows["mega"].met  # no baseline set yet
    head = progress.goal_rows(goal_for(2026), figures.signed(p["head"], YEAR), figures.funds(p["head"], YEAR),
                              figures.big_projects(p["head"], YEAR), figures.chain_by_county(p["head"], YEAR))  # fmt: skip
    assert all(r.figure.args.get("region") == region("371502").id for r in head)


def test_rates(world):
    p, _teams, _e = world
    rates = progress.rates(figures.signed(p["manager"], YEAR))
    assert [r.percent for r in rates] == [50.0, 16.7, 0.0, round(139000 * 100 / 635000, 1)]


def test_breakdown_by_county_and_by_campaign(world):
    p, _teams, _e = world

    def table(dimension, user=p["manager"]):
        return {
            r.label: (r.targets.value, r.pipeline.value, r.signed.value, r.signed_in_period.value,
                      r.investment.value, r.funds.value, r.funds.entries)
            for r in breakdowns.breakdown(user, dimension, YEAR)
        }  # fmt: skip

    # Targets, pipeline and investment by the target's county; projects and funds by where the project lands.
    assert table("region") == {
        "东昌府区": (5, 2, 3, 3, 642000, 132000, 3),  # P1, P2, P10
        "茌平区": (3, 1, 4, 3, 26000, 11000, 3),  # P2b, P3 (2025), P7, P11
    }
    assert table("region", p["head"]) == {"东昌府区": (5, 2, 3, 3, 642000, 132000, 3)}
    assert table("region", p["other_head"]) == {"茌平区": (3, 1, 4, 3, 26000, 11000, 3)}
    campaigns = table("campaign")
    assert campaigns["强企业“夺标争先”行动"] == (3, 1, 4, 4, 632000, 137000, 4)
    assert campaigns["新质生产力项目“进位领跑”行动"] == (2, 0, 2, 1, 25000, 6000, 2)
    assert campaigns["招大引强招新引优“决战决胜”行动"] == (1, 1, 0, 0, 0, 0, 0)
    assert campaigns["未填写"] == (2, 1, 1, 1, 11000, 0, 0)  # E4, E11; P11 (its money was sent back)
    cells = breakdowns.breakdown(p["manager"], "campaign", YEAR)[0]
    assert (cells.targets.target, cells.signed.target, cells.funds.target) == (
        "whitelist",
        "projects",
        "projects",
    )


def test_breakdown_by_industry_rolls_up_to_the_top_level(world):
    p, _teams, _e = world
    rows = {r.label: r.targets.value for r in breakdowns.breakdown(p["manager"], "industry", YEAR)}
    # 装备制造 (E1, E5) is under 五大优势产业; 新能源 (E2, E6, E10) under 三大新兴产业; 人工智能 (E3) under 未来产业.
    assert rows == {"五大优势产业": 2, "三大新兴产业": 3, "未来产业": 1, "现代服务业": 2}
    signed = {r.label: r.signed.value for r in breakdowns.breakdown(p["manager"], "industry", YEAR)}
    assert signed == {
        "五大优势产业": 2,
        "三大新兴产业": 3,
        "未来产业": 1,
        "现代服务业": 1,
    }  # P1, P7 | P2, P2b, P10


def test_breakdown_by_category_counts_each_tag(world):
    p, _teams, _e = world
    rows = {
        r.label: (r.targets.value, r.signed.value)
        for r in breakdowns.breakdown(p["manager"], "category", YEAR)
    }
    # Targets E3, E4, E5, E6, E11 have no category; projects P3, P7 (E7 is dropped, its project still counts), P11.
    assert rows == {"世界500强": (1, 1), "央企": (1, 1), "全国性链主企业": (1, 2), "无类别": (5, 3)}


def test_weekly_signed_and_pipeline(world):
    p, _teams, _e = world
    weeks = {w.end: (w.signed, w.pipeline) for w in weekly.weeks(p["manager"], YEAR, TODAY)}
    assert min(weeks) == date(2026, 1, 4) and max(weeks) == date(2026, 11, 29)
    # Ten entries whitelisted in 2025; signed leave the pipeline on their day (E3 in 2025), E8 paused on 06-01.
    # "Signed" counts projects: P2 on 02-05, P1 03-10, P7 05-05, P10 07-01, P2b 09-15, P11 11-18 (not P10f).
    assert weeks[date(2026, 2, 8)] == (1, 8)
    assert weeks[date(2026, 3, 15)] == (2, 7)
    assert weeks[date(2026, 9, 20)] == (5, 4)
    assert weeks[date(2026, 11, 22)] == (6, 3)
    assert weeks[date(2026, 11, 29)] == (6, 3)  # now: E4, E5, E6
    head = {w.end: w.signed for w in weekly.weeks(p["other_head"], YEAR, TODAY)}
    assert head[date(2026, 9, 20)] == 2  # P7 and E2's P2b, which lands in 茌平区


def test_lights_in_sql_agree_with_the_lights_shown(world):
    p, _teams, entries = world
    watch = watchlist.lights(p["manager"], TODAY)
    assert {e.enterprise.name[:3] for e in watch["red"].entries} == {"E1测", "E5测"}
    assert [e.enterprise.name[:2] for e in watch["yellow"].entries] == ["E4"]
    assert (watch["red"].count.value, watch["yellow"].count.value) == (2, 1)
    assert watchlist.lights(p["head"], TODAY)["yellow"].count.value == 0
    shown = lights_for(list(entries.values()), TODAY)
    for colour in ("red", "yellow"):
        in_sql = set(db.session.scalars(select(WhitelistEntry.id).where(light_clause(colour, TODAY))))
        assert in_sql == {i for i, light in shown.items() if light.colour == colour}


@pytest.mark.parametrize(
    "day", [date(2026, 10, 9), date(2026, 11, 3), date(2026, 11, 23), date(2026, 12, 20)]
)
def test_sql_lights_match_on_other_days(world, day):
    _p, _teams, entries = world
    shown = lights_for(list(entries.values()), day)
    for colour in ("red", "yellow"):
        in_sql = set(db.session.scalars(select(WhitelistEntry.id).where(light_clause(colour, day))))
        assert in_sql == {i for i, light in shown.items() if light.colour == colour}, (colour, day)


def test_project_lights_agree_with_the_project_list_filter(world, projects):
    from crm.projects.lights import light_clause as project_light
    from crm.projects.lights import lights_for as project_lights_for
    from crm.projects.models import Project

    p, _teams, _e = world
    lit = watchlist.project_lights(p["manager"], TODAY)
    # P1 signed in March and not registered: red; P2 has 30000 万元 planned up to October, 10000 verified: yellow.
    assert (lit["red"].value, lit["yellow"].value) == (1, 1)
    assert lit["red"].args == {"light": "red"} and lit["red"].target == "projects"
    shown = project_lights_for(list(projects.values()), TODAY)
    assert shown[projects["P1"].id].colour == "red" and shown[projects["P2"].id].colour == "yellow"
    for colour in ("red", "yellow"):
        in_sql = db.session.scalar(
            select(func.count()).select_from(Project).where(project_light(colour, TODAY))
        )
        assert in_sql == lit[colour].value == sum(1 for light in shown.values() if light.colour == colour)
    other = watchlist.project_lights(p["other_head"], TODAY)
    assert (other["red"].value, other["yellow"].value) == (0, 0)
    assert other["red"].args == {"light": "red", "region": region("371503").id}


@pytest.mark.parametrize(
    "day", [date(2026, 4, 20), date(2026, 7, 15), date(2026, 12, 21), date(2027, 1, 20), date(2027, 6, 1)]
)
def test_project_light_counts_match_the_list_filter_on_other_days(world, projects, day):
    """The dashboard counts the lights from grouped plans and funds; the list filters with light_clause."""
    from crm.projects.lights import light_clause as project_light
    from crm.projects.lights import lights_for as project_lights_for
    from crm.projects.models import Project
    from crm.scope import counted_project_scope

    p, _teams, _e = world
    shown = project_lights_for(list(projects.values()), day)
    for who in ("manager", "head", "other_head"):
        lit = watchlist.project_lights(p[who], day)
        for colour in ("red", "yellow"):
            in_sql = db.session.scalar(
                select(func.count()).select_from(Project)
                .where(counted_project_scope(p[who]), project_light(colour, day))
            )  # fmt: skip
            assert lit[colour].value == in_sql, (who, colour, day)
    for colour in ("red", "yellow"):
        assert watchlist.project_lights(p["manager"], day)[colour].value == sum(
            1 for light in shown.values() if light.colour == colour
        )


def test_open_orders(world):
    p, _teams, _e = world
    orders = watchlist.open_orders(p["manager"])
    assert (orders.open_orders, orders.entries.value) == (2, 1)
    assert [o.severity for o in orders.rows] == ["red", "blue"]  # the most severe first
    assert watchlist.open_orders(p["other_head"]).open_orders == 0  # E4's order was acknowledged


def test_open_orders_count_each_target_once(world):
    from crm.reminders.models import Escalation

    p, _teams, entries = world
    task = db.session.scalar(select(Escalation.task_id).where(Escalation.entry_id == entries["E5"].id))
    db.session.add(Escalation(task_id=task, entry_id=entries["E1"].id, level="county", severity="yellow",
                              recipient_id=p["head"].id, overdue_days=6))  # fmt: skip
    db.session.commit()
    orders = watchlist.open_orders(p["manager"])
    assert (orders.open_orders, orders.entries.value) == (3, 2)
    assert [o.severity for o in orders.rows] == ["red", "yellow", "blue"]


def test_team_ranking_weighs_activity_by_difficulty_per_target(world):
    p, teams, _e = world
    week = Period.last_full_week(TODAY)
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    ranked = rankings.teams(p["manager"], week)
    by_name = {r.label: r for r in ranked}
    # Team C: E4 inbound 3 + E11 signing 10 = 13 over 2 working targets (E3 producing and E7 dropped don't count).
    c = by_name[teams["C"].name]
    assert (c.targets, c.visits, c.inbound, c.signings, c.points, c.index) == (2, 0, 1, 1, 13.0, 6.5)
    # Team A: E1 (世界500强, ×1.5): (2 visits × 2 + 1 inbound × 3) × 1.5 = 10.5; E5: one visit = 2 → 12.5 / 2.
    a = by_name[teams["A"].name]
    assert (a.targets, a.visits, a.inbound, a.points, a.index) == (2, 3, 1, 12.5, 6.25)
    # Team B: E2 (链主, ×1.2) one visit = 2.4 over E2 and E10.
    assert (by_name[teams["B"].name].points, by_name[teams["B"].name].index) == (2.4, 1.2)
    assert [r.label for r in ranked] == [teams[k].name for k in "CABD"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert [r.label for r in rankings.teams(p["head"], week)] == [teams["A"].name, teams["B"].name]


def test_county_ranking(world):
    p, _teams, _e = world
    ranked = rankings.counties(p["manager"], Period.last_full_week(TODAY))
    assert [r.label for r in ranked[:2]] == ["茌平区", "东昌府区"]
    assert ranked[0].index == 6.5
    assert ranked[1].points == pytest.approx(14.9) and ranked[1].index == pytest.approx(14.9 / 4, abs=0.01)
    assert (
        all(r.index == 0 for r in ranked[2:]) and len({r.rank for r in ranked[2:]}) == 1
    )  # ties share a rank


def test_ranking_weights_are_settings(world):
    from crm.settings import set_setting

    p, teams, _e = world
    set_setting("rank_weight_signing", "0")
    set_setting("rank_difficulty_top", "300")
    db.session.commit()
    ranked = rankings.teams(p["manager"], Period.last_full_week(TODAY))
    assert ranked[0].label == teams["A"].name and ranked[0].points == 7 * 3 + 2  # E1 now ×3, signings worth 0
    assert "× 0" in rankings.formula_words()[0] and "300%" in rankings.formula_words()[1]


def test_nothing_outside_the_scope_is_counted(world):
    p, _teams, _e = world
    visible = db.session.scalar(select(func.count()).where(entry_scope(p["head"])))
    assert sum(s.count for s in figures.funnel(p["head"])) <= visible
    for dimension in breakdowns.DIMENSIONS:
        for row in breakdowns.breakdown(p["head"], dimension, YEAR):
            assert row.signed_in_period.value <= 3
            assert row.funds.value <= 132000
