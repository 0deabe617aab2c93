"""A small aluminium chain (有色金属) for the chain tests: three links, four nodes, a local 链主, targets in two
counties, one with a signed project; enterprises in the library to recommend."""

from datetime import date

import pytest

from crm.chains import services as cs
from crm.chains.models import Chain
from crm.enterprises.services import CategoryChoice, EnterpriseData, create_enterprise
from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry
from crm.whitelist import services as wf
from tests.conftest import region


def industry(name: str) -> Industry:
    return db.session.scalar(db.select(Industry).where(Industry.name == name))


def tag(code: str) -> CategoryTag:
    return db.session.scalar(db.select(CategoryTag).where(CategoryTag.code == code))


@pytest.fixture
def chain_world(make_user, make_enterprise, now):
    p = {
        "manager": make_user("manager", username="boss"),
        "admin": make_user("admin", username="root"),
        "head": make_user("county_head", "371503", username="head_cp"),  # 茌平区
        "other_head": make_user("county_head", "371502", username="head_dcf"),  # 东昌府区
        "member": make_user("member", "371503", username="member_cp"),
        "other_member": make_user("member", "371502", username="member_dcf"),
        "lead": make_user("lead", "371503", username="lead_cp"),
    }
    metals = industry("有色金属").id
    chain = cs.create_chain(
        p["manager"], cs.ChainData(name="有色金属精深加工（铝）", chief_id=p["manager"].id, lead_department="市工信局",
                                   region_ids=[region("371503").id]), now)  # fmt: skip
    up, mid, down = (cs.add_link(p["manager"], chain, name, now) for name in ("上游", "中游", "下游"))
    nodes = {
        "alumina": cs.add_node(p["manager"], chain, cs.NodeData("氧化铝", up.id, metals), now),
        "sheet": cs.add_node(p["manager"], chain, cs.NodeData("铝板带箔", mid.id, metals), now),
        "auto": cs.add_node(
            p["manager"], chain, cs.NodeData("汽车轻量化部件", down.id, industry("汽车及零部件").id), now
        ),
        "foil": cs.add_node(p["manager"], chain, cs.NodeData("电池铝箔", down.id, metals), now),
    }
    leader = cs.place_firm_named(
        p["manager"], nodes["alumina"], "信发集团有限公司", region("371503").id, "leader", now
    )

    def target(name, actor, node, **fields):
        ent = create_enterprise(EnterpriseData(name=name, **fields), actor, now)
        return wf.propose(
            actor, ent, wf.EntryData(region_id=actor.region_id, chain_node_id=nodes[node].id), now
        )

    entries = {
        "nanshan": target("南山铝业股份有限公司", p["member"], "sheet"),
        "zhongwang": target("忠旺铝业有限公司", p["other_member"], "sheet"),
    }
    # The library: enterprises nobody has proposed.
    group = create_enterprise(EnterpriseData(name="中国铝业集团有限公司", industry_id=metals,
                                             categories=[CategoryChoice(tag("central_soe").id, None, None),
                                                         CategoryChoice(tag("fortune_global_500").id, 200, 2025)]),
                              p["manager"], now)  # fmt: skip
    library = {
        "chalco": group,
        "mingtai": create_enterprise(
            EnterpriseData(name="明泰铝业股份有限公司", industry_id=metals), p["manager"], now
        ),
        "dingsheng": create_enterprise(
            EnterpriseData(
                name="鼎胜新材料股份有限公司",
                industry_id=metals,
                categories=[CategoryChoice(tag("little_giant").id, None, None)],
            ),
            p["manager"],
            now,
        ),  # fmt: skip
        "steel": create_enterprise(
            EnterpriseData(name="某钢铁有限公司", industry_id=industry("黑色金属").id), p["manager"], now
        ),  # fmt: skip
        "xinfa_sub": create_enterprise(
            EnterpriseData(name="信发铝电有限公司", parent_id=leader.enterprise_id), p["manager"], now
        ),  # fmt: skip
    }
    return p, db.session.get(Chain, chain.id), nodes, entries, library


TODAY = date(2026, 12, 4)
