"""Breakdowns of the targets by county, category, industry, team, 攻坚行动 and 招商方式: one GROUP BY each."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from crm.auth.models import User
from crm.enterprises.models import EnterpriseCategory
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.refdata.models import CategoryTag, Industry, Region
from crm.scope import entry_scope
from crm.teams.models import Team
from crm.vocab import CAMPAIGNS, MODES
from crm.whitelist.drill import NONE, NONE_CODE, PHASES, milestone_clause
from crm.whitelist.models import WhitelistEntry as E

from .figures import Figure
from .period import Period

DIMENSIONS = ("region", "category", "industry", "team", "campaign", "mode")


@dataclass
class Row:
    label: str
    targets: Figure
    pipeline: Figure
    signed: Figure  # signed or beyond, now
    signed_in_period: Figure
    investment: Figure  # planned total investment of the targets, 万元
    funds: Figure  # 到位资金 in the period, 万元 (drills to the entries it arrived for)


def _group_column(dimension: str):
    return {
        "region": E.region_id,
        "category": EnterpriseCategory.tag_id,
        "industry": E.industry_id,
        "team": E.team_id,
        "campaign": E.campaign,
        "mode": E.mode,
    }[dimension]


def _labels(dimension: str) -> dict:
    """Names for the group keys, in display order."""
    if dimension == "region":
        return dict(db.session.execute(select(Region.id, Region.name).order_by(Region.sort, Region.id)).all())
    if dimension == "category":
        tags = select(CategoryTag.id, CategoryTag.name).order_by(CategoryTag.sort, CategoryTag.id)
        return {**dict(db.session.execute(tags).all()), NONE: _("No category")}
    if dimension == "industry":
        roots = select(Industry.id, Industry.name).where(Industry.parent_id.is_(None))
        return {
            **dict(db.session.execute(roots.order_by(Industry.sort, Industry.id)).all()),
            NONE: _("Not filled in"),
        }
    if dimension == "team":
        return {
            **dict(db.session.execute(select(Team.id, Team.name).order_by(Team.name)).all()),
            NONE: _("No team yet"),
        }
    codes = CAMPAIGNS if dimension == "campaign" else MODES
    return {**codes, NONE_CODE: _("Not filled in")}


def _roots() -> dict[int, int]:
    """Each industry's top-level ancestor (the list's industry filter includes descendants)."""
    parents = dict(db.session.execute(select(Industry.id, Industry.parent_id)).all())

    def root(node: int) -> int:
        seen = set()
        while parents.get(node) and node not in seen:
            seen.add(node)
            node = parents[node]
        return node

    return {node: root(node) for node in parents}


def breakdown(user: User, dimension: str, period: Period) -> list[Row]:
    money = FundArrival.fixed_amount + FundArrival.other_amount
    funds = (
        select(FundArrival.entry_id, func.sum(money).label("total"))
        .where(FundArrival.arrived_on.between(period.start, period.end))
        .group_by(FundArrival.entry_id)
        .subquery()
    )
    targets = E.state.in_(PHASES["targets"])
    in_period = milestone_clause("signed", period.start, period.end)
    key = _group_column(dimension)
    query = (
        select(
            key,
            func.count(case((targets, 1))),
            func.count(case((E.state.in_(PHASES["pipeline"]), 1))),
            func.count(case((E.state.in_(PHASES["signed"]), 1))),
            func.count(case((in_period, 1))),
            func.coalesce(func.sum(case((targets, E.planned_investment), else_=0)), 0),
            func.coalesce(func.sum(funds.c.total), 0),
            func.count(funds.c.entry_id),
        )
        .outerjoin(funds, funds.c.entry_id == E.id)
        .where(entry_scope(user), or_(targets, in_period, funds.c.entry_id.isnot(None)))
        .group_by(key)
    )
    if dimension == "category":
        query = query.outerjoin(EnterpriseCategory, and_(EnterpriseCategory.enterprise_id == E.enterprise_id))
    totals: dict = {}
    roots = _roots() if dimension == "industry" else {}
    for k, *values in db.session.execute(query).all():
        if k in (None, ""):
            k = NONE_CODE if dimension in ("campaign", "mode") else NONE
        elif dimension == "industry":
            k = roots.get(k, k)
        totals[k] = [a + b for a, b in zip(totals.get(k, [0] * 7), values, strict=True)]
    labels = _labels(dimension)
    filter_name = "tag" if dimension == "category" else dimension
    rows = []
    for k, label in labels.items():
        if k not in totals:
            continue
        t, pipe, sig, sig_p, invest, money_p, funded = totals[k]
        by = {filter_name: k}
        rows.append(
            Row(label, Figure(t, {**by, "phase": "targets"}), Figure(pipe, {**by, "phase": "pipeline"}),
                Figure(sig, {**by, "phase": "signed"}), Figure(sig_p, {**by, "milestone": "signed", **period.args()}),
                Figure(invest, {**by, "phase": "targets"}, entries=t),
                Figure(money_p, {**by, "milestone": "funds", **period.args()}, entries=funded))
        )  # fmt: skip
    return rows
