"""Gap analysis (per node and per chain, counted city-wide, named in scope) and the candidates for a gap."""

from datetime import date

from sqlalchemy import select

from crm.chains import gaps, recommend
from crm.chains import services as cs
from crm.chains.models import Chain
from crm.extensions import db
from crm.projects import services as projects
from tests.chains.conftest import TODAY, industry
from tests.conftest import region
from tests.projects.conftest import SIGNED_AT, signed  # noqa: F401  (a signed target with a project)
from tests.teams.conftest import campaign  # noqa: F401
from tests.test_query_counts import count_queries


def rows_by_name(analysis) -> dict:
    return {row.node.name: row for row in analysis.rows}


def test_gaps_come_first_with_counts_city_wide_and_names_in_scope(chain_world):
    p, chain, nodes, entries, _library = chain_world
    manager_view = gaps.chain_gaps(p["manager"], chain, TODAY)
    rows = rows_by_name(manager_view)
    assert [r.status for r in manager_view.gaps_first] == ["gap", "gap", "targeted", "covered"]
    assert [r.node.name for r in manager_view.gaps_first][:2] == [
        "汽车轻量化部件",
        "电池铝箔",
    ]  # link order kept
    assert (
        rows["氧化铝"].figures.leaders == 1 and rows["氧化铝"].firms[0].enterprise.name == "信发集团有限公司"
    )
    assert rows["铝板带箔"].figures.targets == 2 and rows["铝板带箔"].figures.by_state == {"proposed": 2}
    assert {e.id for e in rows["铝板带箔"].targets} == {entries["nanshan"].id, entries["zhongwang"].id}

    # 茌平's head sees both targets counted, but only their county's by name.
    head_rows = rows_by_name(gaps.chain_gaps(p["head"], chain, TODAY))
    assert head_rows["铝板带箔"].figures.targets == 2
    assert [e.id for e in head_rows["铝板带箔"].targets] == [entries["nanshan"].id]
    assert (
        gaps.chain_gaps(p["admin"], chain, TODAY).rows[1].targets == []
    )  # the administrator sees no campaign records

    s = manager_view.score
    assert (s.nodes, s.covered, s.targeted, s.gaps, s.filled_this_year, s.leaders) == (4, 1, 1, 2, 0, 1)
    assert s.value == round(100 * (1 + 0.5) / 4)
    assert gaps.scores([chain.id], TODAY)[chain.id] == s


def test_a_dropped_target_no_longer_counts(chain_world, now):
    p, chain, nodes, entries, _library = chain_world
    entries["zhongwang"].state = "dropped"
    db.session.commit()
    rows = rows_by_name(gaps.chain_gaps(p["manager"], chain, TODAY))
    assert entries["zhongwang"].id not in {e.id for e in rows["铝板带箔"].targets}


def test_a_signed_project_covers_the_node_and_fills_it_this_year(signed, now):  # noqa: F811
    p, _teams, entry, project = signed
    chain = cs.create_chain(p["manager"], cs.ChainData(name="新材料"), now)
    link = cs.add_link(p["manager"], chain, "中游", now)
    node = cs.add_node(
        p["manager"], chain, cs.NodeData("高性能铝合金", link.id, industry("有色金属").id), now
    )
    entry.chain_node_id = node.id
    db.session.commit()
    f = gaps.node_status(node.id, SIGNED_AT.date())
    assert (f.status, f.projects, f.signed_this_year, f.targets) == ("covered", 1, 1, 1)
    assert f.by_state == {"signed": 1}
    assert gaps.node_status(node.id, SIGNED_AT.date().replace(year=2027)).signed_this_year == 0
    project.state = "terminated"
    db.session.commit()
    assert (
        gaps.node_status(node.id, SIGNED_AT.date()).status == "targeted"
    )  # a terminated project covers nothing


def test_candidates_are_unclaimed_library_firms_ranked_with_reasons(chain_world, now):
    p, chain, nodes, _entries, library = chain_world
    found = recommend.candidates(nodes["foil"], None, now)
    names = [c.enterprise.name for c in found]
    # 中国铝业 (industry 4 + 央企 2 + 世界500强 3) before 鼎胜 (4 + 小巨人 1) before 明泰 (4); 信发铝电 by its group (2).
    assert names == [
        "中国铝业集团有限公司",
        "鼎胜新材料股份有限公司",
        "明泰铝业股份有限公司",
        "信发铝电有限公司",
    ]
    assert [c.score for c in found] == [9, 5, 4, 2]
    assert any("央企" in r or "central" in r for r in found[0].reasons)
    assert "某钢铁有限公司" not in names  # another industry, no group on the chain
    assert "南山铝业股份有限公司" not in names  # already proposed
    assert "信发集团有限公司" not in names  # a local firm
    assert recommend.is_candidate(nodes["foil"], library["mingtai"].id, None, now)
    assert not recommend.is_candidate(nodes["foil"], library["steel"].id, None, now)


def test_a_node_without_an_industry_on_a_chain_without_firms_has_no_candidates(chain_world, now):
    p, _chain, _nodes, _entries, _library = chain_world
    bare = cs.create_chain(p["manager"], cs.ChainData(name="低空经济"), now)
    link = cs.add_link(p["manager"], bare, "整机", now)
    node = cs.add_node(p["manager"], bare, cs.NodeData("飞控系统", link.id), now)
    assert recommend.candidates(node, None, now) == []
    assert db.session.scalar(select(Chain.name).where(Chain.id == bare.id)) == "低空经济"


def test_the_figures_cost_a_fixed_number_of_statements(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    with count_queries() as few:
        gaps.chain_gaps(p["manager"], chain, TODAY)
    for i in range(6):
        cs.add_node(
            p["manager"],
            chain,
            cs.NodeData(f"再生铝{i}", nodes["foil"].link_id, industry("有色金属").id),
            now,
        )
    cs.place_firm_named(
        p["manager"], nodes["foil"], "聊城再生铝有限公司", region("371503").id, "supplier", now
    )
    db.session.expire_all()
    chain = db.session.get(Chain, chain.id)
    with count_queries() as more:
        gaps.chain_gaps(p["manager"], chain, TODAY)
    assert len(more) == len(few)


def test_a_firm_whose_group_another_county_claimed_first_is_not_recommended_there(
    chain_world, now, make_enterprise
):
    from datetime import timedelta

    from crm.enterprises.services import EnterpriseData, create_enterprise
    from crm.settings import get_int
    from crm.whitelist import services as wf

    p, _chain, nodes, _entries, library = chain_world
    group = create_enterprise(EnterpriseData(name="明泰控股集团有限公司"), p["other_member"], now)
    library["mingtai"].parent_id = group.id
    db.session.commit()
    wf.propose(
        p["other_member"], group, wf.EntryData(region_id=p["other_member"].region_id), now
    )  # 东昌府's claim

    def names(region_id, at):
        return [c.enterprise.name for c in recommend.candidates(nodes["foil"], region_id, at)]

    chiping, dongchangfu = p["member"].region_id, p["other_member"].region_id
    assert "明泰铝业股份有限公司" not in names(chiping, now)  # 东昌府's first claim is protected
    assert "明泰铝业股份有限公司" not in names(None, now)  # nor for the city
    assert "明泰铝业股份有限公司" in names(dongchangfu, now)  # the claiming county may still go after it
    assert not recommend.is_candidate(nodes["foil"], library["mingtai"].id, chiping, now)
    later = now + timedelta(days=get_int("first_claim_days") + 1)
    assert "明泰铝业股份有限公司" in names(chiping, later)  # the protection has run out


def test_a_target_with_two_projects_counts_both_and_fills_its_node_once(signed, now):  # noqa: F811
    """The bureau's second plant of a target: both projects and their verified 到位资金 count on the node, the
    2027 one fills it in 2027, and the chain's score counts the node once."""
    p, _teams, entry, first = signed
    chain = cs.create_chain(p["manager"], cs.ChainData(name="新材料"), now)
    link = cs.add_link(p["manager"], chain, "中游", now)
    node = cs.add_node(
        p["manager"], chain, cs.NodeData("高性能铝合金", link.id, industry("有色金属").id), now
    )
    cs.add_node(p["manager"], chain, cs.NodeData("铝基复合材料", link.id), now)
    entry.chain_node_id = node.id
    db.session.commit()
    second = projects.add_project(
        p["member"], entry,
        projects.ProjectData("二期（再生铝）项目", region("371502").id, "investment", date(2027, 1, 8), 20_000),
        SIGNED_AT, date(2027, 1, 20),
    )  # fmt: skip
    first.funds_verified, second.funds_verified = 3_000, 1_500
    db.session.commit()
    f2026, f2027 = gaps.node_status(node.id, date(2026, 12, 4)), gaps.node_status(node.id, date(2027, 1, 20))
    assert (f2026.projects, f2026.funds, f2026.signed_this_year, f2026.targets) == (2, 4_500, 1, 1)
    assert (f2027.projects, f2027.signed_this_year) == (2, 1)
    score = gaps.scores([chain.id], date(2027, 1, 20))[chain.id]
    assert (score.nodes, score.covered, score.gaps, score.filled_this_year, score.value) == (2, 1, 1, 1, 50)
    row = gaps.chain_gaps(p["manager"], chain, date(2027, 1, 20), node_id=node.id).rows
    assert [(r.node.id, r.figures.projects, [t.id for t in r.targets]) for r in row] == [
        (node.id, 2, [entry.id])
    ]
    second.state = "terminated"
    db.session.commit()
    assert gaps.node_status(node.id, date(2027, 1, 20)).projects == 1  # the first one still covers the node


def test_the_chain_list_scores_are_cached_until_a_chain_is_edited(chain_world, app, client, login, now):
    p, chain, nodes, entries, _library = chain_world
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    app.extensions.pop("chain_score_cache", None)  # empty, whatever ran before
    try:
        login(p["manager"])

        def covered() -> int:
            return gaps.cached_scores(TODAY).value[chain.id].covered

        assert covered() == 1 and "数据" in client.get("/chains/").get_data(as_text=True)
        entries["nanshan"].chain_node_id = nodes["foil"].id  # moves within the TTL: not yet seen
        db.session.commit()
        stale = gaps.cached_scores(TODAY)
        assert stale.hit and stale.value[chain.id].targeted == 1  # still the figures computed before the move
        cs.place_firm_named(p["manager"], nodes["auto"], "聊城轻量化部件有限公司", region("371503").id, "supplier",
                            now)  # fmt: skip
        fresh = gaps.cached_scores(TODAY)
        assert not fresh.hit and (fresh.value[chain.id].covered, fresh.value[chain.id].targeted) == (2, 2)
    finally:
        app.config["DASHBOARD_CACHE_SECONDS"] = 0
