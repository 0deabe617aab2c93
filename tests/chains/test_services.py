"""Editing chains: who may, the trail, stale edits, links and nodes that still hold something, local firms."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.chains import services as cs
from crm.chains.models import ChainEvent, NodeFirm
from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from tests.chains.conftest import industry
from tests.conftest import region


def actions(chain) -> list[str]:
    return list(
        db.session.scalars(
            select(ChainEvent.action).where(ChainEvent.chain_id == chain.id).order_by(ChainEvent.id)
        )
    )


def test_every_edit_is_on_the_trail_and_moves_the_version(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    assert actions(chain) == ["create", "link_add", "link_add", "link_add", "node_add", "node_add", "node_add",
                              "node_add", "firm_add"]  # fmt: skip
    version = chain.version
    data = cs.ChainData(name="有色金属精深加工（铝）", chief_id=p["manager"].id, lead_department="市工信局",
                        region_ids=[region("371503").id, region("371502").id])  # fmt: skip
    cs.update_chain(p["manager"], chain, data, now, version)
    assert chain.version > version
    last = db.session.scalar(select(ChainEvent).order_by(ChainEvent.id.desc()).limit(1))
    assert last.action == "edit" and "东昌府区" in last.detail and "茌平区" in last.detail
    with pytest.raises(StaleRecord) as stale:
        cs.update_chain(p["manager"], chain, data, now, version)  # a form opened before the edit
    assert p["manager"].full_name in str(stale.value)


def test_only_managers_and_the_administrator_edit(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    for role in ("head", "lead", "member"):
        with pytest.raises(Forbidden):
            cs.add_link(p[role], chain, "配套", now)
        with pytest.raises(Forbidden):
            cs.place_firm_named(p[role], nodes["foil"], "某铝箔厂", region("371503").id, "supplier", now)
    assert cs.add_link(p["admin"], chain, "配套服务", now).name == "配套服务"


def test_names_are_required_and_unique(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    with pytest.raises(DomainError, match="有色金属精深加工"):
        cs.create_chain(p["manager"], cs.ChainData(name=" 有色金属精深加工（铝） "), now)
    with pytest.raises(DomainError):
        cs.add_link(p["manager"], chain, "  ", now)
    with pytest.raises(DomainError):
        cs.add_node(p["manager"], chain, cs.NodeData("铝板带箔", nodes["foil"].link_id), now)
    with pytest.raises(DomainError):
        cs.create_chain(p["manager"], cs.ChainData(name="轴承", chief_id=p["head"].id), now)


def test_a_node_or_link_that_still_holds_firms_or_targets_is_not_removed(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    with pytest.raises(DomainError, match="1"):
        cs.remove_node(p["manager"], nodes["alumina"], now)  # its 链主
    with pytest.raises(DomainError):
        cs.remove_node(p["manager"], nodes["sheet"], now)  # two targets
    with pytest.raises(DomainError):
        cs.remove_link(p["manager"], nodes["sheet"].link, now)
    cs.remove_node(p["manager"], nodes["foil"], now)
    assert actions(chain)[-1] == "node_remove"


def test_a_local_firm_is_found_by_its_normalised_name_or_created_as_local(chain_world, now):
    p, chain, nodes, _entries, library = chain_world
    # A trailing full-width space and full-width letters: the same firm as the one on file.
    firm = cs.place_firm_named(
        p["manager"], nodes["foil"], "明泰铝业股份有限公司　", region("371503").id, "backbone", now
    )
    assert firm.enterprise_id == library["mingtai"].id and library["mingtai"].kind == "local"
    new = cs.place_firm_named(p["manager"], nodes["foil"], "聊城（茌平）铝箔科技有限公司", region("371503").id, "supplier",
                              now + timedelta(seconds=1))  # fmt: skip
    assert new.enterprise.kind == "local" and new.enterprise.name == "聊城（茌平）铝箔科技有限公司"
    with pytest.raises(DomainError):
        cs.place_firm_named(
            p["manager"], nodes["foil"], "明泰铝业股份有限公司", region("371503").id, "supplier", now
        )
    with pytest.raises(DomainError):
        cs.place_firm_named(p["manager"], nodes["foil"], "某厂", region("371503").id, "boss", now)
    cs.remove_firm(p["manager"], firm, now)
    assert db.session.get(NodeFirm, firm.id) is None
    assert actions(chain)[-1] == "firm_remove"
    assert db.session.scalar(select(Enterprise.kind).where(Enterprise.id == library["steel"].id)) == "target"


def test_industry_fixture_names_exist(app):
    assert industry("有色金属") is not None and industry("汽车及零部件") is not None


def test_a_link_name_longer_than_its_column_is_refused_in_words(chain_world, now):
    p, chain, nodes, _entries, _library = chain_world
    link = nodes["foil"].link
    with pytest.raises(DomainError, match="64"):
        cs.rename_link(p["manager"], link, "环" * 65, now)
    with pytest.raises(DomainError, match="64"):
        cs.add_link(p["manager"], chain, "x" * 5000, now)
    cs.rename_link(p["manager"], link, "环" * 64, now)
    assert link.name == "环" * 64
