"""Importing a chain map (产业链图谱) and a local-firm list (本地企业名单) from the bureau's sheets: full-width names
and padded cells, nodes already on file skipped, rows refused by column with nothing written, commit through the
chain services (the trail records each node and firm), revert, and who may import."""

import io

import pytest
from sqlalchemy import func, select

from crm.chains.models import Chain, ChainEvent, ChainLink, ChainNode, NodeFirm
from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports import services
from crm.imports.columns import template_sheets
from crm.whitelist import services as wf
from tests.conftest import region
from tests.imports.conftest import LEDGER_NOW, dry, reasons, sheet

MAP_HEADERS = ["产业链", "环节", "节点", "所属产业", "节点说明"]
MAP_ROWS = [
    # the chain on file, written with full-width brackets and padding; a new link and a new node
    [" 有色金属精深加工（铝） ", "再生利用", "再生铝", "有色金属", "废铝回收与再生"],
    # a node already on the chain (its name padded with a full-width space): skipped
    ["有色金属精深加工（铝）", "中游", "\u3000铝板带箔", "", ""],
    # a new chain with two links and three nodes
    ["新能源汽车及零部件", "上游", "动力电池", "新能源", ""],
    ["新能源汽车及零部件", "上游", "电机电控", "", ""],
    ["新能源汽车及零部件", "下游", "整车制造", "汽车及零部件", ""],
]
FIRM_HEADERS = ["产业链", "节点", "企业名称", "统一社会信用代码", "所在县区", "链上角色"]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_chain_map_adds_chains_links_and_nodes_and_skips_what_is_on_file(chain_world):
    p, chain, nodes, _entries, _library = chain_world
    plan = dry(p["manager"], "chain_map", MAP_HEADERS, MAP_ROWS)
    assert reasons(plan) == {}
    assert [r.action for r in plan.rows] == ["create", "duplicate", "create", "create", "create"]
    assert plan.rows[1].node_id == nodes["sheet"].id
    before = count(ChainNode)
    batch = services.commit(p["manager"], plan, "图谱.xlsx", LEDGER_NOW)
    assert (batch.kind, batch.created_count, batch.skipped_count) == ("chain_map", 4, 1)
    recycled = db.session.scalar(select(ChainNode).where(ChainNode.name == "再生铝"))
    assert (recycled.chain_id, recycled.link.name, recycled.industry.name, recycled.description) == (
        chain.id, "再生利用", "有色金属", "废铝回收与再生")  # fmt: skip
    ev = db.session.scalar(select(Chain).where(Chain.name == "新能源汽车及零部件"))
    assert [(link.name, [n.name for n in link.nodes]) for link in ev.links] == [
        ("上游", ["动力电池", "电机电控"]), ("下游", ["整车制造"])]  # fmt: skip
    assert count(ChainNode) == before + 4
    actions = list(db.session.scalars(select(ChainEvent.action).where(ChainEvent.chain_id == ev.id)
                                      .order_by(ChainEvent.id)))  # fmt: skip
    assert actions == ["create", "link_add", "node_add", "node_add", "link_add", "node_add"]
    # Reverted: the new chain goes whole, the node on the old chain goes with a trail line, the old chain stays.
    ev_id = ev.id
    services.revert(p["manager"], batch, LEDGER_NOW)
    assert count(ChainNode) == before and count(Chain, Chain.id == ev_id) == 0
    assert count(ChainLink, ChainLink.name == "再生利用") == 0
    assert db.session.scalar(select(ChainEvent.action).where(ChainEvent.chain_id == chain.id)
                             .order_by(ChainEvent.id.desc()).limit(1)) == "node_remove"  # fmt: skip


def test_a_bad_chain_map_row_names_row_and_column_and_writes_nothing(chain_world):
    p = chain_world[0]
    rows = [
        *MAP_ROWS,
        ["新能源汽车及零部件", "上游", "动力电池", "", ""],
        ["某链", "", "节点" * 40, "不存在的产业", ""],
    ]
    plan = dry(p["manager"], "chain_map", MAP_HEADERS, rows)
    bad = reasons(plan)
    assert set(bad) == {7, 8}
    assert bad[7] == [("节点", "第 4 行已有该产业链的这个节点。")]
    assert {col for col, _msg in bad[8]} == {"环节", "节点", "所属产业"}
    assert not plan.can_commit
    with pytest.raises(DomainError):
        services.commit(p["manager"], plan, "图谱.xlsx", LEDGER_NOW)
    assert count(Chain, Chain.name == "新能源汽车及零部件") == 0


def test_a_local_firm_list_places_firms_and_creates_the_missing_ones(chain_world):
    p, chain, nodes, entries, library = chain_world
    rows = [
        # on file by name (the library's 明泰铝业), written with a full-width space
        ["有色金属精深加工（铝）", "铝板带箔", "明泰铝业股份有限公司\u3000", "", "茌平", "骨干企业"],
        # not in the library: a new 本地企业 with its credit code (full-width, stored in its one normal form)
        [
            "有色金属精深加工（铝）",
            "电池铝箔",
            "聊城示例铝箔有限公司",
            "９１３７１５００ＭＡ３Ｃ８Ｘ２Ｙ４Ｍ",
            "东昌府区",
            "链主",
        ],
        # already on the node: skipped
        ["有色金属精深加工（铝）", "氧化铝", "信发集团有限公司", "", "茌平区", "链主"],
    ]
    plan = dry(p["manager"], "chain_firms", FIRM_HEADERS, rows)
    assert reasons(plan) == {} and [r.action for r in plan.rows] == ["create", "create", "duplicate"]
    batch = services.commit(p["manager"], plan, "名单.xlsx", LEDGER_NOW)
    mingtai = db.session.get(Enterprise, library["mingtai"].id)
    firm = db.session.scalar(select(NodeFirm).where(NodeFirm.enterprise_id == mingtai.id))
    assert (firm.node_id, firm.role, firm.region.name, mingtai.kind) == (nodes["sheet"].id, "backbone", "茌平区",
                                                                        "local")  # fmt: skip
    new = db.session.scalar(select(Enterprise).where(Enterprise.name == "聊城示例铝箔有限公司"))
    assert (new.uscc, new.kind) == ("91371500MA3C8X2Y4M", "local")
    assert db.session.scalar(select(NodeFirm.role).where(NodeFirm.enterprise_id == new.id)) == "leader"
    new_id = new.id
    services.revert(p["manager"], batch, LEDGER_NOW)
    assert count(Enterprise, Enterprise.id == new_id) == 0
    assert count(NodeFirm, NodeFirm.enterprise_id == mingtai.id) == 0
    assert db.session.get(Enterprise, mingtai.id).kind == "target"  # its kind back


def test_firm_rows_are_refused_by_column(chain_world):
    p, _chain, _nodes, _entries, library = chain_world
    rows = [
        ["没有的链", "铝板带箔", "甲公司", "", "茌平区", ""],
        ["有色金属精深加工（铝）", "没有的节点", "乙公司", "", "茌平区", ""],
        ["有色金属精深加工（铝）", "铝板带箔", "丙公司", "", "火星区", "老大"],
        ["有色金属精深加工（铝）", "铝板带箔", "明泰铝业股份有限公司", "91110000100001793G", "茌平区", ""],
        ["有色金属精深加工（铝）", "铝板带箔", "丁公司", "", "茌平区", ""],
        ["有色金属精深加工（铝）", "铝板带箔", "丁公司", "", "东昌府区", ""],
    ]
    plan = dry(p["manager"], "chain_firms", FIRM_HEADERS, rows)
    bad = reasons(plan)
    assert [c for c, _m in bad[2]] == ["产业链"] and [c for c, _m in bad[3]] == ["节点"]
    assert sorted(c for c, _m in bad[4]) == ["所在县区", "链上角色"]
    assert [c for c, _m in bad[5]] == ["统一社会信用代码"]  # a code that is not 明泰's (or not valid)
    assert bad[7] == [("企业名称", "第 6 行已把该企业放在这个节点上。")]
    assert 6 not in bad


def test_only_the_chains_editors_import_them(chain_world, client, login):
    p = chain_world[0]
    plan = dry(p["head"], "chain_map", MAP_HEADERS, MAP_ROWS[:1])
    assert plan.rows[0].action == "reject" and not plan.can_commit
    login(p["head"])
    data = {"kind": "chain_map", "file": (io.BytesIO(sheet(MAP_HEADERS, MAP_ROWS)), "图谱.xlsx")}
    assert client.post("/imports/", data=data, content_type="multipart/form-data").status_code == 403
    assert "chain_map" not in client.get("/imports/").get_data(as_text=True)
    login(p["manager"])
    page = client.get("/imports/").get_data(as_text=True)
    assert 'value="chain_map"' in page and 'value="chain_firms"' in page


def test_the_map_imported_through_the_screens(chain_world, client, login):
    p = chain_world[0]
    login(p["manager"])
    data = {"kind": "chain_map", "file": (io.BytesIO(sheet(MAP_HEADERS, MAP_ROWS)), "图谱.xlsx")}
    upload = client.post("/imports/", data=data, content_type="multipart/form-data")
    preview = client.get(upload.headers["Location"])
    page = preview.get_data(as_text=True)
    assert "新能源汽车及零部件" in page and 'data-action="duplicate"' in page
    done = client.post(upload.headers["Location"], data={"confirm": "1"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "动力电池" in text and "整车制造" in text  # the import record links each node
    chain = db.session.scalar(select(Chain).where(Chain.name == "新能源汽车及零部件"))
    assert client.get(f"/chains/{chain.id}").status_code == 200


def test_the_templates_carry_the_chain_columns():
    (data, _notes) = template_sheets("chain_map")
    assert data.headers == ["产业链*", "环节*", "节点*", "所属产业", "节点说明"]
    (data, _notes) = template_sheets("chain_firms")
    assert data.headers == ["产业链*", "节点*", "企业名称", "统一社会信用代码", "所在县区*", "链上角色"]


def test_a_firm_import_is_not_reverted_once_its_new_enterprise_is_proposed(chain_world, now):
    p, *_rest = chain_world
    rows = [["有色金属精深加工（铝）", "电池铝箔", "聊城新铝箔有限公司", "", "茌平区", "配套"]]
    batch = services.commit(p["manager"], dry(p["manager"], "chain_firms", FIRM_HEADERS, rows), "名单.xlsx",
                            LEDGER_NOW)  # fmt: skip
    new = db.session.scalar(select(Enterprise).where(Enterprise.name == "聊城新铝箔有限公司"))
    wf.propose(p["member"], new, wf.EntryData(region_id=region("371503").id), now)
    with pytest.raises(DomainError, match="第 2 行"):
        services.revert(p["manager"], batch, LEDGER_NOW)
    assert db.session.get(Enterprise, new.id) is not None
