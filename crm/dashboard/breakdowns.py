"""Breakdowns by county, category, industry, team, 攻坚行动 and 招商方式, in one statement.

What each column counts:
- 目标企业 (targets), 在谈 (pipeline) and 计划总投资 (investment): whitelist entries, grouped by the entry's own
  county, industry, team, campaign and mode; they drill to the whitelist list.
- 已签约项目 (signed, all years), 本年签约 (signed in the period) and 本年到位资金 (verified funds in the period):
  PROJECTS with a counted agreement (funds: any project with verified arrivals in the period), grouped by the county
  where the project LANDS, the project's industry, campaign and mode, and the team and categories of its target;
  they drill to the project list.

The rows the breakdowns count are selected once, as a common table expression: one row per entry (with its
flags) and one per project (with its flags and funds), under the same five group keys. PostgreSQL groups them by
the five columns in a single pass (GROUPING SETS); SQLite, which has no GROUPING SETS, groups the materialised rows
once per column. The categories join the rows to their enterprise's tags (an enterprise with two tags counts under
both). Everything is one round trip; the labels are read in three small queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    CTE,
    Case,
    ColumnElement,
    CompoundSelect,
    case,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.engine import Row as ResultRow

from crm.auth.models import User
from crm.drill import NONE, NONE_CODE, PHASES
from crm.enterprises.models import EnterpriseCategory
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects.models import FundReturn, Project
from crm.projects.queries import between, counted_clause
from crm.refdata.models import CategoryTag, Industry, Region
from crm.scope import counted_project_scope, entry_scope
from crm.teams.models import Team
from crm.vocab import CAMPAIGNS, MODES
from crm.whitelist.models import WhitelistEntry as E

from .figures import Figure, project_figure, scope_args, signed_args
from .period import Period

DIMENSIONS = ("region", "category", "industry", "team", "campaign", "mode")
# The columns grouped in one pass, in the order of GROUPING(...)'s arguments.
COLUMNS = ("region", "industry", "team", "campaign", "mode")
IndustryRow = ResultRow[int, str, int | None, int]  # (id, name, parent_id, sort)
CATEGORY = len(COLUMNS)  # the category's key sits after the five columns


def _mask(position: int) -> int:
    """GROUPING(region, industry, team, campaign, mode) of the set that groups by COLUMNS[position] alone."""
    every = (1 << len(COLUMNS)) - 1
    return every ^ (1 << (len(COLUMNS) - 1 - position))


MASKS = {_mask(i): i for i in range(len(COLUMNS))} | {(1 << len(COLUMNS)) - 1: CATEGORY}


@dataclass
class Row:
    label: str
    targets: Figure  # entries
    pipeline: Figure  # entries
    signed: Figure  # projects with a counted agreement, all years
    signed_in_period: Figure  # projects with a counted agreement signed in the period
    investment: Figure  # planned total investment of the targets, 万元
    funds: Figure  # verified 到位资金 in the period, 万元 (drills to the projects it arrived for)


def _flag(condition: ColumnElement[bool]) -> Case[int]:
    return case((condition, 1), else_=0)


def _base(user: User, period: Period, counted: ColumnElement[bool]) -> CTE:
    """One row per entry and one per project that count anywhere in the breakdowns, with group keys and flags."""
    money = FundArrival.fixed_amount + FundArrival.other_amount
    funds = (
        select(FundArrival.project_id, func.sum(money).label("total"))
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status == "verified", between(FundArrival.arrived_on, period.start, period.end))
        .group_by(FundArrival.project_id)
        .subquery()
    )
    entries = select(
        E.region_id.label("region"), E.industry_id.label("industry"), E.team_id.label("team"),
        E.campaign.label("campaign"), E.mode.label("mode"), E.enterprise_id.label("enterprise_id"),
        literal(1).label("targets"), _flag(E.state.in_(PHASES["pipeline"])).label("pipeline"),
        literal(0).label("signed"), literal(0).label("in_period"),
        func.coalesce(E.planned_investment, 0).label("investment"), null().label("funds"), null().label("funded"),
    ).where(entry_scope(user), E.state.in_(PHASES["targets"]))  # fmt: skip
    projects = (
        select(
            Project.region_id, Project.industry_id, E.team_id, Project.campaign, Project.mode, E.enterprise_id,
            literal(0), literal(0), _flag(counted),
            _flag(counted & between(Project.signed_on, period.start, period.end)), literal(0),
            funds.c.total, funds.c.project_id,
        )
        .join(E, E.id == Project.entry_id)
        .outerjoin(funds, funds.c.project_id == Project.id)
        .where(counted_project_scope(user), counted | funds.c.project_id.isnot(None))
    )  # fmt: skip
    return union_all(entries, projects).cte("breakdown_base")


def _aggregates(base: CTE) -> list[ColumnElement[Any]]:
    return [
        func.sum(base.c.targets),
        func.sum(base.c.pipeline),
        func.sum(base.c.signed),
        func.sum(base.c.in_period),
        func.coalesce(func.sum(base.c.investment), 0),
        func.coalesce(func.sum(base.c.funds), 0),
        func.count(base.c.funded),
    ]


def _statement(user: User, period: Period, counted: ColumnElement[bool]) -> CompoundSelect[*tuple[Any, ...]]:
    """Rows of (mask, region, industry, team, campaign, mode, tag, 7 aggregates); the mask says which key counts."""
    base = _base(user, period, counted)
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


def _labels(industries: Sequence[IndustryRow]) -> dict[str, dict]:
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


def _roots(industries: Sequence[IndustryRow]) -> dict[int, int]:
    """Each industry's top-level ancestor (the list's industry filter includes descendants)."""
    parents = {i.id: i.parent_id for i in industries}

    def root(node: int) -> int:
        seen = set()
        while parents.get(node) and node not in seen:
            seen.add(node)
            node = parents[node]
        return node

    return {node: root(node) for node in parents}


def breakdowns(
    user: User, period: Period, counted: ColumnElement[bool] | None = None
) -> dict[str, list[Row]]:
    """Every breakdown, keyed by dimension (DIMENSIONS order). `counted`: counted_clause(), if read already."""
    industries = db.session.execute(
        select(Industry.id, Industry.name, Industry.parent_id, Industry.sort)
    ).all()
    roots = _roots(industries)
    totals: dict[str, dict] = {d: {} for d in DIMENSIONS}
    for mask, *rest in db.session.execute(
        _statement(user, period, counted_clause() if counted is None else counted)
    ).all():
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
    return {d: _rows(d, labels[d], totals[d], user, period) for d in DIMENSIONS}


def breakdown(user: User, dimension: str, period: Period) -> list[Row]:
    """One breakdown (the page reads them all at once with `breakdowns`)."""
    return breakdowns(user, period)[dimension]


def _rows(dimension: str, labels: dict, totals: dict, user: User, period: Period) -> list[Row]:
    filter_name = "tag" if dimension == "category" else dimension
    scope = scope_args(user)
    signed_in_period = signed_args(user, period)
    funds = {"milestone": "funds", **period.args(), **scope}
    rows = []
    for k, label in labels.items():
        if k not in totals:
            continue
        t, pipe, sig, sig_p, invest, money_p, funded = totals[k]
        by = {filter_name: k}
        # A row may hold only projects (a county head's row for another county's team whose project lands here):
        # its empty target cells open nothing, as the whitelist list cannot filter by a team out of sight.
        targets = {**by, "phase": "targets"} if t else {}
        rows.append(
            Row(label, Figure(t, targets), Figure(pipe, {**by, "phase": "pipeline"} if t else {}),
                project_figure(sig, {**scope, **by, "counted": "1"}),
                project_figure(sig_p, {**signed_in_period, **by}),
                Figure(invest, targets, entries=t),
                project_figure(money_p, {**funds, **by}, entries=funded))
        )  # fmt: skip
    return rows
