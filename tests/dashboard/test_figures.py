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
from tests.dashboard.conftest import TODAY

YEAR = Period.year(2026)


def test_funnel_counts_current_stages_with_planned_investment(world):
    p, _teams, _e = world
    stages = {s.state: (s.count, s.investment) for s in figures.funnel(p["manager"])}
    assert stages == {
        "whitelisted": (1, 0), "assigned": (0, 0), "contacting": (1, 12000), "negotiating": (1, 8000),
        "signed": (2, 603000), "landed": (1, 10000), "started": (1, 20000), "producing": (1, 15000),
    }  # fmt: skip
    head = {s.state: s.count for s in figures.funnel(p["head"])}  # 东昌府区 only: E6, E5, E1, E10, E2
    assert head == {"whitelisted": 1, "assigned": 0, "contacting": 1, "negotiating": 0, "signed": 1, "landed": 1,
                    "started": 1, "producing": 0}  # fmt: skip


def test_signed_this_year_and_what_became_of_them(world):
    p, _teams, _e = world
    s = figures.signed(p["manager"], YEAR)
    # E1, E2, E7 (dropped after signing), E10, E11; E3 signed in 2025.
    assert s.count.value == 5
    assert s.amount == 550000 + 18000 + 30000 + 9000 + 3000
    assert s.campaign.value == 3  # duobiao: E1, E2, E7
    assert s.mega.value == 1  # E1, 60 亿元
    assert s.emerging.value == 2  # 新能源: E2, E10
    assert (s.landed.value, s.started.value, s.producing.value) == (2, 1, 0)
    assert s.funds_all_time == 120000 + 10000 + 1000 + 2000
    head = figures.signed(p["head"], YEAR)  # E1, E2, E10
    assert (head.count.value, head.amount, head.campaign.value, head.landed.value) == (3, 577000, 2, 2)


def test_funds_this_year_and_the_manufacturing_share(world):
    p, _teams, _e = world
    f = figures.funds(p["manager"], YEAR)
    assert f.total == 120000 + 10000 + 4000 + 2000 + 1000  # E3's 2025 money is not this year's
    assert f.manufacturing == 120000 + 10000 + 2000 + 1000  # 人工智能 is not manufacturing
    assert (f.entries.value, f.manufacturing_entries.value) == (5, 4)
    head = figures.funds(p["head"], YEAR)
    assert (head.total, head.entries.value) == (132000, 3)


def test_big_projects_and_chain_leaders_by_county(world):
    p, _teams, _e = world
    assert figures.big_projects(p["manager"], YEAR).value == 3  # E2, E3, E10 (exactly 1 亿元 counts)
    chains = {c.region.name: c.count.value for c in figures.chain_by_county(p["manager"], YEAR)}
    assert chains["东昌府区"] == 1 and chains["茌平区"] == 0
    assert len(chains) == 8  # the counties, not the functional zones
    assert [(c.region.name, c.count.value) for c in figures.chain_by_county(p["head"], YEAR)] == [
        ("东昌府区", 1)
    ]


def test_goal_rows_give_the_gap_in_words(world):
    p, _teams, _e = world
    user = p["manager"]
    s, f = figures.signed(user, YEAR), figures.funds(user, YEAR)
    rows = {r.key: r for r in progress.goal_rows(goal_for(2026), s, f, figures.big_projects(user, YEAR),
                                                 figures.chain_by_county(user, YEAR))}  # fmt: skip
    assert rows["signings"].actual == "3" and rows["signings"].target == "5–8"
    assert not rows["signings"].met and "2" in rows["signings"].gap
    assert rows["funds"].actual == "13.70" and rows["funds"].target == "560.00"
    assert "546.30" in rows["funds"].gap
    assert rows["big"].actual == "3" and "337" in rows["big"].gap
    assert rows["manufacturing"].actual == "97.1%" and rows["manufacturing"].met
    assert rows["emerging"].actual == "40.0%" and rows["emerging"].met
    assert rows["chain"].actual == "1 / 8" and not rows["chain"].met and "茌平区" in rows["chain"].gap
    assert "东昌府区" not in rows["chain"].gap
    assert rows["mega"].actual == "1" and not rows["mega"].met  # no baseline set yet


def test_rates(world):
    p, _teams, _e = world
    rates = progress.rates(figures.signed(p["manager"], YEAR))
    assert [r.percent for r in rates] == [40.0, 20.0, 0.0, round(133000 * 100 / 610000, 1)]


def test_breakdown_by_county_and_by_campaign(world):
    p, _teams, _e = world

    def table(dimension, user=p["manager"]):
        return {
            r.label: (r.targets.value, r.pipeline.value, r.signed.value, r.signed_in_period.value,
                      r.investment.value, r.funds.value, r.funds.entries)
            for r in breakdowns.breakdown(user, dimension, YEAR)
        }  # fmt: skip

    assert table("region") == {
        "东昌府区": (5, 2, 3, 3, 642000, 132000, 3),
        "茌平区": (3, 1, 2, 2, 26000, 5000, 2),
    }
    assert table("region", p["head"]) == {"东昌府区": (5, 2, 3, 3, 642000, 132000, 3)}
    campaigns = table("campaign")
    assert campaigns["强企业“夺标争先”行动"] == (3, 1, 2, 3, 632000, 131000, 3)
    assert campaigns["新质生产力项目“进位领跑”行动"] == (2, 0, 2, 1, 25000, 6000, 2)
    assert campaigns["招大引强招新引优“决战决胜”行动"] == (1, 1, 0, 0, 0, 0, 0)
    assert campaigns["未填写"] == (2, 1, 1, 1, 11000, 0, 0)  # E4, E11


def test_breakdown_by_industry_rolls_up_to_the_top_level(world):
    p, _teams, _e = world
    rows = {r.label: r.targets.value for r in breakdowns.breakdown(p["manager"], "industry", YEAR)}
    # 装备制造 (E1, E5) is under 五大优势产业; 新能源 (E2, E6, E10) under 三大新兴产业; 人工智能 (E3) under 未来产业.
    assert rows == {"五大优势产业": 2, "三大新兴产业": 3, "未来产业": 1, "现代服务业": 2}


def test_breakdown_by_category_counts_each_tag(world):
    p, _teams, _e = world
    rows = {r.label: r.targets.value for r in breakdowns.breakdown(p["manager"], "category", YEAR)}
    assert rows == {"世界500强": 1, "央企": 1, "全国性链主企业": 1, "无类别": 5}  # E3, E4, E5, E6, E11


def test_weekly_signed_and_pipeline(world):
    p, _teams, _e = world
    weeks = {w.end: (w.signed, w.pipeline) for w in weekly.weeks(p["manager"], YEAR, TODAY)}
    assert min(weeks) == date(2026, 1, 4) and max(weeks) == date(2026, 11, 29)
    # Ten entries whitelisted in 2025; signed leave the pipeline on their day (E3 in 2025), E8 paused on 06-01.
    assert weeks[date(2026, 2, 8)] == (1, 8)
    assert weeks[date(2026, 3, 15)] == (2, 7)
    assert weeks[date(2026, 11, 22)] == (5, 3)
    assert weeks[date(2026, 11, 29)] == (5, 3)  # now: E4, E5, E6


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
