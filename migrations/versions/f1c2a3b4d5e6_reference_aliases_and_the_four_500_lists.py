"""aliases for the bureau's words (经开区, 临清, 中国500强 …); 四类500强 holds the four lists; the industry groups'
flags follow their sub-industries

- New table ref_aliases (kind region | category, the spelling, its normal form, the region or tag it means, who
  added it and when), seeded with the default spellings of crm.refdata.seed for the regions and tags already on
  file (a fresh database gets them from seed_reference instead).
- 中国服务业企业500强 (code service_500) leaves the group 四类500强 (top500) for a group of its own (other500); the
  tag row is kept, so every enterprise keeps its tagging with rank and year.
- Each industry group's flags are derived from its active sub-industries (set exactly when all have them):
  未来产业 stops being manufacturing, as 人工智能 and 生命科学 are not.

Downgrade drops the aliases and puts service_500 back into top500. The derived flags stay as corrected (the older
code reads them the same way; the previous values were inconsistent and are not kept).

Revision ID: f1c2a3b4d5e6
Revises: e5b2c7d9f0a4
Create Date: 2026-12-04 19:00:00.000000

"""
import re
import unicodedata
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1c2a3b4d5e6'
down_revision = 'e5b2c7d9f0a4'
branch_labels = None
depends_on = None

# A frozen copy of crm.refdata.seed.REGION_ALIASES / TAG_ALIASES (tests compare the two).
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
]
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


def key(text):
    """crm.refdata.aliases.key as of this revision."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]+", "", text)
    return re.sub(r"[\"'“”‘’「」『』〝〞]+", "", text).casefold()


aliases = sa.table(
    "ref_aliases",
    sa.column("kind", sa.String), sa.column("alias", sa.String), sa.column("key", sa.String),
    sa.column("region_id", sa.Integer), sa.column("tag_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade():
    op.create_table('ref_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('alias', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('tag_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'region' AND region_id IS NOT NULL AND tag_id IS NULL) OR (kind = 'category' AND tag_id IS NOT NULL AND region_id IS NULL)", name=op.f('ck_ref_aliases_one_target')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ref_aliases_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_ref_aliases_region_id_regions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['category_tags.id'], name=op.f('fk_ref_aliases_tag_id_category_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ref_aliases')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_ref_aliases_kind'))
    )
    conn = op.get_bind()
    _seed_aliases(conn)
    conn.execute(sa.text("UPDATE category_tags SET \"group\" = 'other500' WHERE code = 'service_500' AND \"group\" = 'top500'"))
    _derive_group_flags(conn)


def _seed_aliases(conn):
    regions = dict(conn.execute(sa.text("SELECT code, id FROM regions")).all())
    tags = dict(conn.execute(sa.text("SELECT code, id FROM category_tags")).all())
    now, rows, seen = datetime.now(UTC), [], set()
    for kind, table, ids, column in (("region", REGION_ALIASES, regions, "region_id"),
                                     ("category", TAG_ALIASES, tags, "tag_id")):
        for code, spellings in table:
            for spelling in spellings:
                k = key(spelling)
                if code in ids and (kind, k) not in seen:
                    seen.add((kind, k))
                    rows.append({"kind": kind, "alias": spelling, "key": k, "region_id": None, "tag_id": None,
                                 column: ids[code], "created_at": now})
    if rows:
        op.bulk_insert(aliases, rows)


def _derive_group_flags(conn):
    """crm.refdata.industries.derive_group_flags as of this revision: deepest groups first."""
    rows = conn.execute(sa.text("SELECT id, parent_id, is_manufacturing, is_emerging, active FROM industries")).all()
    nodes = {r[0]: {"parent": r[1], "m": bool(r[2]), "e": bool(r[3]), "active": bool(r[4])} for r in rows}
    children = {}
    for node_id, node in nodes.items():
        if node["parent"] is not None and node["active"]:
            children.setdefault(node["parent"], []).append(node_id)
    changed = set()

    def settle(node_id, seen):
        kids = children.get(node_id, [])
        for kid in kids:
            if kid not in seen:
                settle(kid, seen | {kid})
        if kids:
            for flag in ("m", "e"):
                value = all(nodes[k][flag] for k in kids)
                if nodes[node_id][flag] != value:
                    nodes[node_id][flag] = value
                    changed.add(node_id)

    for node_id, node in nodes.items():
        if node["parent"] is None or node["parent"] not in nodes:
            settle(node_id, frozenset({node_id}))
    for node_id in sorted(changed):
        conn.execute(sa.text("UPDATE industries SET is_manufacturing = :m, is_emerging = :e WHERE id = :id"),
                     {"m": nodes[node_id]["m"], "e": nodes[node_id]["e"], "id": node_id})


def downgrade():
    op.execute("UPDATE category_tags SET \"group\" = 'top500' WHERE code = 'service_500' AND \"group\" = 'other500'")
    op.drop_table('ref_aliases')
