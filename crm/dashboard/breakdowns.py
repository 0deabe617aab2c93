"""Breakdowns of the targets by county, category, industry, team, 攻坚行动 and 招商方式, in one statement.

The entries the breakdowns count (targets, signed in the period, or funds arrived in it) are selected once, as a
common table expression with one row per entry and its flags. PostgreSQL then groups them by the five columns in a
single pass (GROUPING SETS); SQLite, which has no GROUPING SETS, groups the materialised rows once per column. The
categories join the entries to their tags (an enterprise with two tags counts under both). Everything is one
round trip; the labels are read in three small queries.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, null, select, tuple_

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
# The columns grouped in one pass, in the order of GROUPING(...)'s arguments.
COLUMNS = ("region", "industry", "team", "campaign", "mode")
CATEGORY = len(COLUMNS)  # the category's key sits after the five columns


def _mask(position: int) -> int:
    """GROUPING(region, industry, team, campaign, mode) of the set that groups by COLUMNS[position] alone."""
    every = (1 << len(COLUMNS)) - 1
    return every ^ (1 << (len(COLUMNS) - 1 - position))


MASKS = {_mask(i): i for i in range(len(COLUMNS))} | {(1 << len(COLUMNS)) - 1: CATEGORY}


@dataclass
class Row:
    label: str
    targets: Figure
    pipeline: Figure
    signed: Figure  # signed or beyond, now
    signed_in_period: Figure
    investment: Figure  # planned total investment of the targets, 万元
    funds: Figure  # 到位资金 in the period, 万元 (drills to the entries it arrived for)


def _base(user: User, period: Period):
    """One row per entry that counts anywhere in the breakdowns, with its group keys and flags."""
    money = FundArrival.fixed_amount + FundArrival.other_amount
    funds = (
        select(FundArrival.entry_id, func.sum(money).label("total"))
        .where(FundArrival.arrived_on.between(period.start, period.end))
        .group_by(FundArrival.entry_id)
        .subquery()
    )
    targets = E.state.in_(PHASES["targets"])
    in_period = milestone_clause("signed", period.start, period.end)

    def flag(condition):
        return case((condition, 1), else_=0)

    return (
        select(
            E.region_id.label("region"),
            E.industry_id.label("industry"),
            E.team_id.label("team"),
            E.campaign.label("campaign"),
            E.mode.label("mode"),
            E.enterprise_id.label("enterprise_id"),
            flag(targets).label("targets"),
            flag(E.state.in_(PHASES["pipeline"])).label("pipeline"),
            flag(E.state.in_(PHASES["signed"])).label("signed"),
            flag(in_period).label("in_period"),
            case((targets, E.planned_investment), else_=0).label("investment"),
            funds.c.total.label("funds"),
            funds.c.entry_id.label("funded"),
        )
        .outerjoin(funds, funds.c.entry_id == E.id)
        .where(entry_scope(user), targets | in_period | funds.c.entry_id.isnot(None))
        .cte("breakdown_base")
    )


def _aggregates(base) -> list:
    return [
        func.sum(base.c.targets),
        func.sum(base.c.pipeline),
        func.sum(base.c.signed),
        func.sum(base.c.in_period),
        func.coalesce(func.sum(base.c.investment), 0),
        func.coalesce(func.sum(base.c.funds), 0),
        func.count(base.c.funded),
    ]


def _statement(user: User, period: Period):
    """Rows of (mask, region, industry, team, campaign, mode, tag, 7 aggregates); the mask says which key counts."""
    base = _base(user, period)
    keys = [base.c[name] for name in COLUMNS]
    if db.session.get_bind().dialect.name == "postgresql":
        parts = [
            select(func.grouping(*keys), *keys, null(), *_aggregates(base)).group_by(
                func.grouping_sets(*(tuple_(k) for k in keys))
            )
        ]
    else:
        parts = [
            select(literal(_mask(i)), *(k if j == i else null() for j, k in enumerate(keys)), null(),
                   *_aggregates(base)).group_by(key)
            for i, key in enumerate(keys)
        ]  # fmt: skip
    tagged = base.outerjoin(EnterpriseCategory, EnterpriseCategory.enterprise_id == base.c.enterprise_id)
    parts.append(
        select(literal((1 << len(COLUMNS)) - 1), *(null() for _ in keys), EnterpriseCategory.tag_id,
               *_aggregates(base)).select_from(tagged).group_by(EnterpriseCategory.tag_id)
    )  # fmt: skip
    return parts[0].union_all(*parts[1:])


def _labels(industries: list) -> dict[str, dict]:
    """Names for every dimension's group keys, in display order."""
    regions = select(Region.id, Region.name).order_by(Region.sort, Region.id)
    tags = select(CategoryTag.id, CategoryTag.name).order_by(CategoryTag.sort, CategoryTag.id)
    teams = select(Team.id, Team.name).order_by(Team.name)
    roots = sorted((i for i in industries if i.parent_id is None), key=lambda i: (i.sort, i.id))
    return {
        "region": dict(db.session.execute(regions).all()),
        "category": {**dict(db.session.execute(tags).all()), NONE: _("No category")},
        "industry": {**{i.id: i.name for i in roots}, NONE: _("Not filled in")},
        "team": {**dict(db.session.execute(teams).all()), NONE: _("No team yet")},
        "campaign": {**CAMPAIGNS, NONE_CODE: _("Not filled in")},
        "mode": {**MODES, NONE_CODE: _("Not filled in")},
    }


def _roots(industries: list) -> dict[int, int]:
    """Each industry's top-level ancestor (the list's industry filter includes descendants)."""
    parents = {i.id: i.parent_id for i in industries}

    def root(node: int) -> int:
        seen = set()
        while parents.get(node) and node not in seen:
            seen.add(node)
            node = parents[node]
        return node

    return {node: root(node) for node in parents}


def breakdowns(user: User, period: Period) -> dict[str, list[Row]]:
    """Every breakdown, keyed by dimension (DIMENSIONS order)."""
    industries = db.session.execute(
        select(Industry.id, Industry.name, Industry.parent_id, Industry.sort)
    ).all()
    roots = _roots(industries)
    totals: dict[str, dict] = {d: {} for d in DIMENSIONS}
    for mask, *rest in db.session.execute(_statement(user, period)).all():
        position = MASKS[mask]
        dimension = "category" if position == CATEGORY else COLUMNS[position]
        k, values = rest[position], rest[CATEGORY + 1 :]
        if k in (None, ""):
            k = NONE_CODE if dimension in ("campaign", "mode") else NONE
        elif dimension == "industry":
            k = roots.get(k, k)
        found = totals[dimension]
        found[k] = [a + b for a, b in zip(found.get(k, [0] * 7), values, strict=True)]
    labels = _labels(industries)
    return {d: _rows(d, labels[d], totals[d], period) for d in DIMENSIONS}


def breakdown(user: User, dimension: str, period: Period) -> list[Row]:
    """One breakdown (the page reads them all at once with `breakdowns`)."""
    return breakdowns(user, period)[dimension]


def _rows(dimension: str, labels: dict, totals: dict, period: Period) -> list[Row]:
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
