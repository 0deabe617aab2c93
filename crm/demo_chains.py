"""Demo industry chains for 聊城 (marked is_demo): the city's key chains with their links and nodes, invented local
firms on some nodes, the demo targets tagged to the nodes they would fill, and a few enterprises in the library
that nobody has proposed, so a gap node has candidates to show. To be checked against the bureau's own chain maps."""

from datetime import datetime

from sqlalchemy import select

from crm.auth.models import User
from crm.chains import services as cs
from crm.enterprises.models import Enterprise
from crm.enterprises.services import CategoryChoice, EnterpriseData, create_enterprise
from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry, Region
from crm.whitelist.models import WhitelistEntry

# (chain, lead department, county codes, {link: [(node, industry)]})
CHAINS = [
    ("有色金属精深加工（铝）", "市工业和信息化局", ["371503"], {
        "上游": [("氧化铝", "有色金属"), ("电解铝", "有色金属")],
        "中游": [("铝板带箔", "有色金属"), ("铝型材", "有色金属")],
        "下游": [("汽车轻量化铝部件", "汽车及零部件"), ("电池铝箔", "新能源"), ("再生铝", "有色金属")],
    }),
    ("高端轴承", "市工业和信息化局", ["371581"], {
        "上游": [("轴承钢", "黑色金属"), ("保持架与滚动体", "高端轴承")],
        "中游": [("精密轴承套圈", "高端轴承"), ("风电与机床轴承", "高端轴承")],
        "下游": [("轴承检测装备", "装备制造")],
    }),
    ("汽车及零部件", "市工业和信息化局", ["371502", "371526"], {
        "核心零部件": [("动力电池", "新能源"), ("汽车电子", "新一代信息技术"), ("底盘与车身部件", "汽车及零部件")],
        "整车": [("新能源客车", "汽车及零部件"), ("专用车", "汽车及零部件")],
    }),
    ("绿色化工", "市发展和改革委员会", ["ZONE-HTZ"], {
        "基础化工": [("煤化工", "绿色化工"), ("氯碱", "绿色化工")],
        "精细化工": [("新材料助剂", "未来材料"), ("化工新材料", "绿色化工")],
    }),
    ("生物医药（阿胶）", "市卫生健康委员会", ["371524"], {
        "原料": [("驴养殖与驴皮", "农副产品加工")],
        "制造": [("阿胶及中药制剂", "大健康"), ("生物制品", "生命科学")],
        "服务": [("医药物流", "现代物流")],
    }),
]  # fmt: skip

# (chain, node, firm, county code, role) — invented local firms.
FIRMS = [
    ("有色金属精深加工（铝）", "氧化铝", "茌平示范铝业集团有限公司", "371503", "leader"),
    ("有色金属精深加工（铝）", "电解铝", "茌平示范铝业集团有限公司", "371503", "leader"),
    ("有色金属精深加工（铝）", "铝型材", "聊城示范铝型材有限公司", "371503", "backbone"),
    ("高端轴承", "精密轴承套圈", "临清示范轴承集团有限公司", "371581", "leader"),
    ("高端轴承", "保持架与滚动体", "临清示范精密滚子有限公司", "371581", "supplier"),
    ("汽车及零部件", "新能源客车", "聊城示范客车股份有限公司", "371502", "leader"),
    ("汽车及零部件", "专用车", "高唐示范专用车有限公司", "371526", "backbone"),
    ("绿色化工", "煤化工", "聊城示范化工集团有限公司", "ZONE-HTZ", "leader"),
    ("生物医药（阿胶）", "阿胶及中药制剂", "东阿示范阿胶股份有限公司", "371524", "leader"),
]  # fmt: skip

# Demo targets (crm/demo.py's names) → (chain, node) they would fill.
TARGET_NODES = {
    "恒峰铝业股份有限公司": ("有色金属精深加工（铝）", "铝板带箔"),
    "瀚星轴承集团有限公司": ("高端轴承", "风电与机床轴承"),
    "德朗汽车零部件(中国)有限公司": ("汽车及零部件", "底盘与车身部件"),
    "远洋动力电池有限公司": ("汽车及零部件", "动力电池"),
    "碧源绿色化工有限公司": ("绿色化工", "化工新材料"),
    "安和医药健康集团有限公司": ("生物医药（阿胶）", "阿胶及中药制剂"),
}

# Enterprises in the library nobody has proposed (invented): candidates for the gaps.
LIBRARY = [
    ("中联铝箔科技集团有限公司", "有色金属", ["central_soe", "fortune_global_500"]),
    ("华创电池铝箔股份有限公司", "新能源", ["little_giant"]),
    ("恒远再生资源有限公司", "有色金属", ["specialised"]),
    ("精测轴承检测装备有限公司", "装备制造", ["single_champion"]),
    ("轴研特种钢材股份有限公司", "黑色金属", ["manufacturing_500"]),
    ("康桥生物制品有限公司", "生命科学", ["gazelle"]),
]


def seed_chains(manager: User, now: datetime) -> None:
    industries = {i.name: i.id for i in db.session.scalars(select(Industry))}
    regions = {r.code: r.id for r in db.session.scalars(select(Region))}
    tags = {t.code: t.id for t in db.session.scalars(select(CategoryTag))}
    nodes = {}
    for name, department, counties, links in CHAINS:
        data = cs.ChainData(name=name, chief_id=manager.id, lead_department=department,
                            region_ids=[regions[c] for c in counties],
                            description="演示数据：环节与节点为示例，请以本局产业链图谱为准。")  # fmt: skip
        chain = cs.create_chain(manager, data, now, is_demo=True)
        for link_name, link_nodes in links.items():
            link = cs.add_link(manager, chain, link_name, now)
            for node_name, industry in link_nodes:
                node = cs.add_node(manager, chain, cs.NodeData(node_name, link.id, industries[industry]), now)
                nodes[(name, node_name)] = node
    for chain_name, node_name, firm, county, role in FIRMS:
        cs.place_firm_named(manager, nodes[(chain_name, node_name)], firm, regions[county], role, now)
    for enterprise_name, key in TARGET_NODES.items():
        entry = db.session.scalar(
            select(WhitelistEntry).join(Enterprise).where(Enterprise.name == enterprise_name).limit(1)
        )
        if entry is not None:
            entry.chain_node_id = nodes[key].id
    for name, industry, tag_codes in LIBRARY:
        cats = [CategoryChoice(tags[c], *((300, 2025) if c.endswith("_500") else ())) for c in tag_codes]
        create_enterprise(EnterpriseData(name=name, industry_id=industries[industry], categories=cats,
                                         notes="演示数据：虚构企业。"), manager, now, commit=False)  # fmt: skip
    db.session.commit()
