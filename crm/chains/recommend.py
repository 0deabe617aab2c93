"""Candidates for a chain node (补链招商): enterprises in the library that nobody has proposed yet, ranked by how
well they fit the node, with the reasons in words.

Points (stated on the page): the node's own industry 4, a neighbouring industry (its parent or a sub-industry) 2;
a 链主/行业领军/头部 tag 3; one of the four 500 lists 3; 央企 2; 专精特新/小巨人/单项冠军 1; a firm of a group already on
the chain (a local firm's or a target's) 2. Local firms (本地企业), enterprises with an entry still held on any
whitelist, and firms of a group another county holds under 首报首谈 protection are never candidates. Ranked in SQL, so a node's candidates cost one statement whatever the library's size."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    Select,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased

from crm.chains.models import ChainNode, NodeFirm
from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.extensions import db
from crm.refdata.models import CategoryTag, Industry
from crm.settings import get_int
from crm.vocab import HOLDING_STATES
from crm.whitelist.models import WhitelistEntry

LEADER_TAGS = ("chain_leader", "industry_leader", "head_firm")
TOP500_GROUP = "top500"
SOE_TAGS = ("central_soe",)
GROWTH_TAGS = ("specialised", "little_giant", "single_champion")

POINTS = {"industry": 4, "near_industry": 2, "leader": 3, "top500": 3, "soe": 2, "growth": 1, "group": 2}


@dataclass
class Candidate:
    enterprise: Enterprise
    score: int
    reasons: list[str]


def _tagged(codes: tuple[str, ...] | None = None, group: str | None = None) -> Exists:
    query = (
        select(EnterpriseCategory.enterprise_id)
        .join(CategoryTag, CategoryTag.id == EnterpriseCategory.tag_id)
        .where(EnterpriseCategory.enterprise_id == Enterprise.id)
    )
    query = query.where(CategoryTag.code.in_(codes)) if codes else query.where(CategoryTag.group == group)
    return exists(query)


def _near_industries(industry: Industry | None) -> list[int]:
    """The node industry's sub-industries and its parent (siblings are not near: the tree's groups are policy
    groupings, 有色金属 and 黑色金属 share one)."""
    if industry is None:
        return []
    near = list(db.session.scalars(select(Industry.id).where(Industry.parent_id == industry.id)))
    return near + ([industry.parent_id] if industry.parent_id else [])


def chain_groups(chain_id: int) -> list[int]:
    """The groups (a parent enterprise, or a standalone one) of the firms already on the chain."""
    nodes = select(ChainNode.id).where(ChainNode.chain_id == chain_id)
    firms = select(NodeFirm.enterprise_id).where(NodeFirm.node_id.in_(nodes))
    targets = select(WhitelistEntry.enterprise_id).where(
        WhitelistEntry.chain_node_id.in_(nodes), WhitelistEntry.state.in_(HOLDING_STATES)
    )
    ids = union(firms, targets).subquery().c[0]
    group = select(Enterprise.parent_id, Enterprise.id).where(Enterprise.id.in_(select(ids)))
    return sorted({parent or own for parent, own in db.session.execute(group)})


def _claimed_elsewhere(region_id: int | None, now: datetime) -> Exists:
    """A group member of the candidate is held by another county's entry still under 首报首谈 protection (any
    county's, for a viewer without one): recommending it would start a conflict the other county wins."""
    since = now - timedelta(days=get_int("first_claim_days"))
    other = aliased(Enterprise)
    clause = exists().where(
        WhitelistEntry.enterprise_id == other.id,
        func.coalesce(other.parent_id, other.id) == func.coalesce(Enterprise.parent_id, Enterprise.id),
        WhitelistEntry.state.in_(HOLDING_STATES),
        WhitelistEntry.created_at >= since,
    )
    return clause.where(WhitelistEntry.region_id != region_id) if region_id else clause


def _ranked(
    node: ChainNode, region_id: int | None, now: datetime
) -> tuple[Select[*tuple[Any, ...]] | None, dict[str, ColumnElement[bool]]]:
    """The candidates' query (unlimited, best first) and the clauses that earn points; None when nothing can fit."""
    groups = chain_groups(node.chain_id)
    if not node.industry_id and not groups:
        return None, {}
    near = _near_industries(node.industry)
    in_group = or_(Enterprise.parent_id.in_(groups), Enterprise.id.in_(groups)) if groups else false()
    parts = {
        "industry": Enterprise.industry_id == node.industry_id if node.industry_id else false(),
        "near_industry": Enterprise.industry_id.in_(near) if near else false(),
        "leader": _tagged(LEADER_TAGS),
        "top500": _tagged(group=TOP500_GROUP),
        "soe": _tagged(SOE_TAGS),
        "growth": _tagged(GROWTH_TAGS),
        "group": in_group,
    }
    flags = {key: cast(case((clause, 1), else_=0), Integer).label(key) for key, clause in parts.items()}
    score = sum((POINTS[key] * flag for key, flag in flags.items()), literal(0))
    held = exists().where(
        WhitelistEntry.enterprise_id == Enterprise.id, WhitelistEntry.state.in_(HOLDING_STATES)
    )
    query = (
        select(Enterprise, *flags.values())
        .where(
            Enterprise.kind == "target",
            or_(parts["industry"], parts["near_industry"], in_group),
            ~held,
            ~_claimed_elsewhere(region_id, now),
        )
        .order_by(score.desc(), Enterprise.name, Enterprise.id)
    )
    return query, parts


def candidates(node: ChainNode, region_id: int | None, now: datetime, limit: int = 10) -> list[Candidate]:
    """The best `limit` candidates for `node` as seen from `region_id` (the viewer's county, None for the city),
    with their points and the reasons in words."""
    query, parts = _ranked(node, region_id, now)
    if query is None:
        return []
    result = []
    for row in db.session.execute(query.limit(limit)):
        got = {key: getattr(row, key) for key in parts}
        result.append(Candidate(row[0], sum(POINTS[k] for k, v in got.items() if v), _reasons(got, node)))
    return result


def is_candidate(node: ChainNode, enterprise_id: int, region_id: int | None, now: datetime) -> bool:
    """Whether the enterprise is among `node`'s candidates (so anyone who may propose may propose it for the node,
    though it is in nobody's scope yet)."""
    query, _parts = _ranked(node, region_id, now)
    return (
        query is not None
        and db.session.execute(query.where(Enterprise.id == enterprise_id)).first() is not None
    )


def _reasons(got: dict[str, int], node: ChainNode) -> list[str]:
    industry = node.industry.name if node.industry else ""
    words = {
        "industry": _("in the node's industry (%(name)s)", name=industry),
        "near_industry": _("in an industry next to the node's (%(name)s)", name=industry),
        "leader": _("a chain leader or industry leader"),
        "top500": _("on one of the four 500 lists"),
        "soe": _("a central state-owned enterprise"),
        "growth": _("a specialised, refined, distinctive and novel firm (专精特新)"),
        "group": _("its group already has a firm on this chain"),
    }
    return [words[key] for key in POINTS if got[key]]
