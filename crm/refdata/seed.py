"""Default reference data (DOMAIN.md): regions, the industry tree and category tags. Idempotent."""

from sqlalchemy import select

from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry, Region

REGIONS = [
    ("371502", "东昌府区", "county"),
    ("371503", "茌平区", "county"),
    ("371521", "阳谷县", "county"),
    ("371522", "莘县", "county"),
    ("371524", "东阿县", "county"),
    ("371525", "冠县", "county"),
    ("371526", "高唐县", "county"),
    ("371581", "临清市", "county"),
    ("ZONE-ETDZ", "聊城经济技术开发区", "zone"),
    ("ZONE-HTZ", "聊城高新技术产业开发区", "zone"),
    ("ZONE-JBSC", "江北水城旅游度假区", "zone"),
]

# (group, manufacturing, emerging, [(child, manufacturing, emerging)]) — the "453X" layout plus the new tracks.
INDUSTRIES = [
    ("四大支柱产业", True, False, [("有色金属", True, False), ("黑色金属", True, False), ("绿色化工", True, False), ("农副产品加工", True, False)]),
    ("五大优势产业", True, False, [("高端轴承", True, False), ("汽车及零部件", True, False), ("轻工纺织", True, False), ("绿色建材", True, False), ("装备制造", True, False)]),
    ("三大新兴产业", True, True, [("新一代信息技术", True, True), ("新能源", True, True), ("大健康", True, True)]),
    ("未来产业", True, True, [("人工智能", False, True), ("生命科学", False, True), ("氢能", True, True), ("低空经济", True, True), ("未来材料", True, True), ("生物制造", True, True), ("具身智能", True, True)]),
    ("现代服务业", False, False, [("现代物流", False, False), ("商贸文旅", False, False), ("金融服务", False, False)]),
]  # fmt: skip

# (code, name, group, has_rank)
TAGS = [
    ("fortune_global_500", "世界500强", "top500", True),
    ("china_500", "中国企业500强", "top500", True),
    ("private_500", "中国民营企业500强", "top500", True),
    ("manufacturing_500", "中国制造业企业500强", "top500", True),
    ("service_500", "中国服务业企业500强", "top500", True),
    ("central_soe", "央企", "soe", False),
    ("multinational", "跨国公司", "multinational", False),
    ("industry_leader", "行业领军企业", "leader", False),
    ("chain_leader", "全国性链主企业", "leader", False),
    ("head_firm", "头部企业", "leader", False),
    ("unicorn", "独角兽", "growth", False),
    ("quasi_unicorn", "准独角兽", "growth", False),
    ("gazelle", "瞪羚", "growth", False),
    ("eaglet", "雏鹰", "growth", False),
    ("specialised", "专精特新", "growth", False),
    ("little_giant", "专精特新“小巨人”", "growth", False),
    ("single_champion", "制造业单项冠军", "growth", False),
]


def seed_reference() -> None:
    """Insert the default reference rows that are missing; never overwrites an administrator's edits."""
    have_regions = set(db.session.scalars(select(Region.code)))
    for sort, (code, name, kind) in enumerate(REGIONS):
        if code not in have_regions:
            db.session.add(Region(code=code, name=name, kind=kind, sort=sort))
    if db.session.scalar(select(Industry.id).limit(1)) is None:
        for sort, (name, manu, emerging, children) in enumerate(INDUSTRIES):
            group = Industry(name=name, is_manufacturing=manu, is_emerging=emerging, sort=sort)
            db.session.add(group)
            db.session.flush()
            for child_sort, (child, c_manu, c_emerging) in enumerate(children):
                db.session.add(
                    Industry(
                        name=child,
                        parent_id=group.id,
                        is_manufacturing=c_manu,
                        is_emerging=c_emerging,
                        sort=child_sort,
                    )
                )
    have_tags = set(db.session.scalars(select(CategoryTag.code)))
    for sort, (code, name, group, has_rank) in enumerate(TAGS):
        if code not in have_tags:
            db.session.add(CategoryTag(code=code, name=name, group=group, has_rank=has_rank, sort=sort))
    db.session.commit()
    from crm.plans.services import seed_templates  # the default three-month plan is reference data too

    seed_templates()
