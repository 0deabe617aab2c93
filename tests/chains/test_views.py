"""The chain screens as each role uses them: the list and a chain's gap table, a node with its candidates and the
one-click proposal pre-filled with the node, the editors' forms (a rejected form keeps what was typed, a stale one
says who changed it), and an entry's page saying which node it fills."""

import re

from sqlalchemy import select

from crm.chains.models import Chain, ChainNode, NodeFirm
from crm.extensions import db
from crm.whitelist.models import WhitelistEntry
from tests.conftest import region


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_chain_list_and_page_show_scores_gaps_first_and_scoped_names(chain_world, login):
    p, chain, nodes, entries, _library = chain_world
    page = text_of(login(p["member"]).get("/chains/"))
    assert "有色金属精深加工（铝）" in page and "重点产业链" in page
    assert re.search(r'data-testid="chain-score">\s*38\s*<', page)  # (1 + ½) / 4
    detail = text_of(login(p["member"]).get(f"/chains/{chain.id}"))
    statuses = re.findall(r'data-testid="node-row" data-status="(\w+)"', detail)
    assert statuses == ["gap", "gap", "targeted", "covered"]
    assert (
        "南山铝业股份有限公司" in detail and "忠旺铝业有限公司" not in detail
    )  # another county's target: counted only
    assert "信发集团有限公司" in detail and 'id="chain-data"' in detail and "js/chains.js" in detail
    assert "修改记录" not in detail  # the trail is for editors
    assert "修改记录" in text_of(login(p["manager"]).get(f"/chains/{chain.id}"))


def test_a_member_proposes_a_recommended_enterprise_for_the_node_in_one_click(chain_world, login, client):
    p, chain, nodes, _entries, library = chain_world
    node_page = text_of(login(p["member"]).get(f"/chains/nodes/{nodes['foil'].id}"))
    assert "推荐招引企业" in node_page and "中国铝业集团有限公司" in node_page and "9 分" in node_page
    link = f"/whitelist/propose?enterprise_id={library['chalco'].id}&amp;chain_node_id={nodes['foil'].id}"
    assert link in node_page
    form = text_of(client.get(link.replace("&amp;", "&")))
    assert re.search(rf'<option selected value="{nodes["foil"].id}">', form)  # the node is pre-filled
    response = client.post(
        "/whitelist/propose",
        data={"enterprise_id": library["chalco"].id, "chain_node_id": nodes["foil"].id,
              "region_id": region("371503").id, "industry_id": 0, "priority": 1, "campaign": "", "mode": ""},
    )  # fmt: skip
    assert response.status_code == 302, text_of(response)[:2000]
    entry = db.session.scalar(
        select(WhitelistEntry).where(WhitelistEntry.enterprise_id == library["chalco"].id)
    )
    assert entry.chain_node_id == nodes["foil"].id and entry.proposer_id == p["member"].id
    # Proposed now: no longer a candidate, and the node has a target.
    again = text_of(client.get(f"/chains/nodes/{nodes['foil'].id}"))
    assert "中国铝业集团有限公司" in again.split("推荐招引企业")[0]
    assert "中国铝业集团有限公司" not in again.split("推荐招引企业")[1]
    # An enterprise that is not a candidate for the node stays out of reach.
    refused = client.get(
        f"/whitelist/propose?enterprise_id={library['steel'].id}&chain_node_id={nodes['foil'].id}"
    )
    assert refused.status_code == 404


def test_the_entry_page_says_which_node_it_fills_and_an_edit_keeps_it(chain_world, login):
    p, chain, nodes, entries, _library = chain_world
    client = login(p["head"])
    page = text_of(client.get(f"/whitelist/{entries['nanshan'].id}"))
    assert "有色金属精深加工（铝） · 中游 · 铝板带箔" in page and "补链：该节点尚无本地企业" in page
    edit_response = login(p["member"]).get(f"/whitelist/{entries['nanshan'].id}/edit")  # the proposer edits
    edit = text_of(edit_response)
    assert edit_response.status_code == 200, edit[:3000]
    assert re.search(rf'<option selected value="{nodes["sheet"].id}">', edit), re.findall(
        r"<select[^>]*chain_node_id.*?</select>", edit, re.S
    )


def test_editors_build_a_chain_and_a_rejected_firm_keeps_what_was_typed(chain_world, login):
    p, _chain, _nodes, _entries, _library = chain_world
    client = login(p["manager"])
    response = client.post("/chains/new", data={"name": "生物医药（阿胶）", "chief_id": p["manager"].id,
                                                "region_ids": [region("371524").id], "active": "y"})  # fmt: skip
    chain = db.session.scalar(select(Chain).where(Chain.name == "生物医药（阿胶）"))
    assert response.status_code == 302 and chain.region_ids == [region("371524").id]
    client.post(f"/chains/{chain.id}/links", data={"link-name": "上游"})
    link = chain.links[0]
    assert client.post(f"/chains/{chain.id}/nodes/new", data={"name": "驴皮原料", "link_id": link.id,
                                                               "industry_id": 0}).status_code == 302  # fmt: skip
    node = db.session.scalar(select(ChainNode).where(ChainNode.name == "驴皮原料"))
    rejected = client.post(f"/chains/nodes/{node.id}/firms", data={"name": "东阿阿胶股份有限公司", "region_id": 0,
                                                                  "role": "leader"})  # fmt: skip
    assert rejected.status_code == 422 and 'value="东阿阿胶股份有限公司"' in text_of(rejected)
    assert client.post(f"/chains/nodes/{node.id}/firms", data={"name": "东阿阿胶股份有限公司",
                       "region_id": region("371524").id, "role": "leader"}).status_code == 302  # fmt: skip
    firm = db.session.scalar(select(NodeFirm).where(NodeFirm.node_id == node.id))
    assert firm.enterprise.kind == "local" and firm.role == "leader"


def test_a_chain_edited_from_an_old_form_is_refused_with_who_changed_it(chain_world, login):
    p, chain, _nodes, _entries, _library = chain_world
    client = login(p["manager"])
    old_version = chain.version
    data = {"name": "有色金属精深加工（铝）", "chief_id": p["manager"].id, "lead_department": "市发改委",
            "region_ids": [region("371503").id], "active": "y", "version": old_version}  # fmt: skip
    assert client.post(f"/chains/{chain.id}/edit", data=data).status_code == 302
    stale = client.post(f"/chains/{chain.id}/edit", data={**data, "lead_department": "市商务局"})
    page = text_of(stale)
    assert stale.status_code == 200 and p["manager"].full_name in page and "修改了该记录" in page
    assert 'value="市商务局"' in page  # what was typed stays
    db.session.expire_all()
    assert db.session.get(Chain, chain.id).lead_department == "市发改委"


def test_the_dashboard_shows_the_chains_and_the_nodes_with_a_local_chain_leader(chain_world, login, now):
    from crm.chains import services as cs

    p, chain, nodes, _entries, _library = chain_world
    other = cs.create_chain(
        p["manager"], cs.ChainData(name="高端轴承", region_ids=[region("371581").id]), now
    )
    section = text_of(login(p["manager"]).get("/dashboard/")).split('data-testid="dashboard-chains"')[1]
    assert "有色金属精深加工（铝）" in section and "高端轴承" in section
    assert f'href="/chains/nodes/{nodes["alumina"].id}">氧化铝</a>（茌平区）' in section
    # 茌平's head sees the chain their county carries, not 临清's.
    head_section = text_of(login(p["head"]).get("/dashboard/")).split('data-testid="dashboard-chains"')[1]
    assert "有色金属精深加工（铝）" in head_section and "高端轴承" not in head_section
    assert other.id


def test_the_dashboard_export_has_a_sheet_of_the_chains(chain_world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    p, chain, nodes, _entries, _library = chain_world
    response = login(p["manager"]).get("/dashboard/export.xlsx")
    sheet = load_workbook(BytesIO(response.data))["产业链"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("产业链", "节点数", "已覆盖", "有目标企业", "缺链节点", "本年补链", "得分")
    assert rows[1] == ("有色金属精深加工（铝）", 4, 1, 1, 2, 0, 38, "氧化铝（茌平区）")
