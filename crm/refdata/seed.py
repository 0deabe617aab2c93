"""Default reference data (DOMAIN.md): regions, the industry tree, category tags, the usual other spellings of
regions and categories (aliases) and the default three-month plan template. Idempotent."""

from sqlalchemy import inspect, select

from crm.extensions import db
from crm.plans.models import PlanTemplate, TemplateStep
from crm.refdata.aliases import key
from crm.refdata.industries import derive_group_flags
from crm.refdata.models import Alias, CategoryTag, Industry, Region

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
# The flags live on the leaves; a group's flags are derived: set exactly when every one of its active sub-industries
# has them (crm.refdata.industries). 未来产业 is therefore emerging but not manufacturing (人工智能 and 生命科学 are not).
INDUSTRIES = [
    ("四大支柱产业", True, False, [("有色金属", True, False), ("黑色金属", True, False), ("绿色化工", True, False), ("农副产品加工", True, False)]),
    ("五大优势产业", True, False, [("高端轴承", True, False), ("汽车及零部件", True, False), ("轻工纺织", True, False), ("绿色建材", True, False), ("装备制造", True, False)]),
    ("三大新兴产业", True, True, [("新一代信息技术", True, True), ("新能源", True, True), ("大健康", True, True)]),
    ("未来产业", False, True, [("人工智能", False, True), ("生命科学", False, True), ("氢能", True, True), ("低空经济", True, True), ("未来材料", True, True), ("生物制造", True, True), ("具身智能", True, True)]),
    ("现代服务业", False, False, [("现代物流", False, False), ("商贸文旅", False, False), ("金融服务", False, False)]),
]  # fmt: skip

# (code, name, group, has_rank)
TAGS = [
    ("fortune_global_500", "世界500强", "top500", True),
    ("china_500", "中国企业500强", "top500", True),
    ("private_500", "中国民营企业500强", "top500", True),
    ("manufacturing_500", "中国制造业企业500强", "top500", True),
    # 四类500强 is the four lists above; the services list is a ranking of its own, outside that group.
    ("service_500", "中国服务业企业500强", "other500", True),
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

# (region code, other spellings): each county with and without 聊城市 and without its 区/县/市; the zones' short
# names. Copied into migration f1c2a3b4d5e6, which seeds them on databases that have the regions already.
REGION_ALIASES = [
    ("371502", ("东昌府", "聊城市东昌府区", "聊城市东昌府", "聊城东昌府区")),
    ("371503", ("茌平", "茌平县", "聊城市茌平区", "聊城市茌平", "聊城市茌平县")),
    ("371521", ("阳谷", "聊城市阳谷县", "聊城市阳谷")),
    ("371522", ("聊城市莘县",)),
    ("371524", ("东阿", "聊城市东阿县", "聊城市东阿")),
    ("371525", ("聊城市冠县",)),
    ("371526", ("高唐", "聊城市高唐县", "聊城市高唐")),
    ("371581", ("临清", "聊城市临清市", "聊城市临清")),
    ("ZONE-ETDZ", ("经开区", "开发区", "经济开发区", "经济技术开发区", "经济技术开发", "聊城经开区", "聊城开发区",
                   "聊城经济开发区", "聊城市经济技术开发区", "聊城市经开区")),
    ("ZONE-HTZ", ("高新区", "高新", "高新技术开发区", "高新技术产业开发区", "高新技术产业园区", "聊城高新区",
                  "聊城市高新区", "聊城市高新技术产业开发区")),
    ("ZONE-JBSC", ("度假区", "旅游度假区", "江北水城", "江北水城度假区", "聊城市江北水城旅游度假区")),
]  # fmt: skip

# (tag code, other spellings): the bureau's own words for the lists and tiers.
TAG_ALIASES = [
    ("fortune_global_500", ("财富世界500强", "世界500强企业")),
    ("china_500", ("中国500强", "中企500强")),
    ("private_500", ("民营500强", "民企500强", "中国民营500强", "全国民营企业500强")),
    ("manufacturing_500", ("制造业500强", "中国制造业500强", "制造业企业500强")),
    ("service_500", ("服务业500强", "中国服务业500强", "服务业企业500强")),
    ("central_soe", ("中央企业", "央企子公司")),
    ("multinational", ("跨国企业",)),
    ("industry_leader", ("行业领军", "行业龙头", "行业龙头企业")),
    ("chain_leader", ("链主企业", "链主", "全国链主企业", "全国性链主")),
    ("head_firm", ("头部",)),
    ("unicorn", ("独角兽企业",)),
    ("quasi_unicorn", ("准独角兽企业",)),
    ("gazelle", ("瞪羚企业",)),
    ("eaglet", ("雏鹰企业",)),
    ("specialised", ("专精特新企业",)),
    ("little_giant", ("专精特新小巨人", "小巨人", "专精特新小巨人企业", "国家级专精特新小巨人")),
    ("single_champion", ("单项冠军", "单项冠军企业", "制造业单项冠军企业")),
]


def seed_aliases() -> None:
    """The default aliases, when the table is empty (an administrator's deletions are not undone)."""
    if db.session.scalar(select(Alias.id).limit(1)) is not None:
        return
    regions = dict(db.session.execute(select(Region.code, Region.id)).all())
    tags = dict(db.session.execute(select(CategoryTag.code, CategoryTag.id)).all())
    seen: set[tuple[str, str]] = set()
    for kind, table, ids, column in (
        ("region", REGION_ALIASES, regions, "region_id"),
        ("category", TAG_ALIASES, tags, "tag_id"),
    ):
        for code, spellings in table:
            for spelling in spellings:
                if code in ids and (kind, key(spelling)) not in seen:
                    seen.add((kind, key(spelling)))
                    db.session.add(Alias(kind=kind, alias=spelling, key=key(spelling), **{column: ids[code]}))


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
    for sort, (code, name, tag_group, has_rank) in enumerate(TAGS):
        if code not in have_tags:
            db.session.add(CategoryTag(code=code, name=name, group=tag_group, has_rank=has_rank, sort=sort))
    db.session.flush()
    derive_group_flags()
    # The migration tests seed databases built at earlier revisions, before the alias table existed.
    if inspect(db.session.connection()).has_table(Alias.__tablename__):
        seed_aliases()
    db.session.commit()
    seed_templates()  # the default three-month plan is reference data too


# (name, working days after the start, owner role, evidence that completes it) — about sixty working days in all.
DEFAULT_STEPS = [
    ("首次对接", 5, "owner", "any"),
    ("需求摸底", 10, "owner", "any"),
    ("上门拜访", 20, "owner", "visit"),
    ("邀请来聊考察", 30, "owner", "inbound"),
    ("政策/方案对接", 40, "lead", "any"),
    ("深度洽谈", 50, "lead", "any"),
    ("签约决策", 60, "lead", "any"),
]


def seed_templates() -> None:
    """The default 'three-month targeted contact' template, unless there is one already."""
    if db.session.scalar(select(PlanTemplate.id).limit(1)) is not None:
        return
    template = PlanTemplate(name="三个月靶向对接计划", is_default=True)
    template.steps = [
        TemplateStep(name=n, offset_workdays=o, owner_role=r, evidence=e, sort=i)
        for i, (n, o, r, e) in enumerate(DEFAULT_STEPS)
    ]
    db.session.add(template)
    db.session.commit()
