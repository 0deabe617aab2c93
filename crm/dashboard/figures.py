"""The dashboard's headline figures, aggregated in SQL.

The goals count PROJECTS (crm.projects): signings, 到位资金, 过亿元 and 超50亿元 projects, the shares and the rates
are read from the projects that count in the user's dashboard (crm.scope.counted_project_scope: a county head's
are those that land in their county). The funnel shows targets (whitelist entries) up to 洽谈中 and projects
after.

Every figure carries `args`, the filters of the list that shows the records behind it, and `target`, which list:
"projects" (crm.projects.queries.ProjectFilters) or "whitelist" (crm.drill). A project figure is
computed with the clauses those filters apply, so a number and its list agree; a county head's project figures add
`region=<their county>`, which makes the project list (held or hosted) equal to the counted scope.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, select

from crm.auth.models import User
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects.models import FundReturn, Project
from crm.projects.queries import between, chain_clause, counted_clause, flag_clause
from crm.refdata.models import Region
from crm.scope import counted_project_scope, entry_scope
from crm.vocab import PIPELINE, PROJECT_PIPELINE, PROJECT_STATES, STATE_LABELS, Role, State
from crm.whitelist.models import WhitelistEntry as E

from .period import Period

BIG_PROJECT = 10_000  # 过亿元: 计划总投资 ≥ 1 亿元 = 10,000 万元
MEGA_PROJECT = 500_000  # 超50亿元: ≥ 50 亿元
CAMPAIGN = "duobiao"  # 强企业“夺标争先”行动, whose goal is 5–8 signings
# The funnel's stages before signing count targets; after it, projects.
ENTRY_STAGES = tuple(
    s for s in PIPELINE if s not in (State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING)
)
PROJECTS = "projects"
WHITELIST = "whitelist"


@dataclass(frozen=True)
class Ref:
    """An id and a name (a county, a team): plain values, safe to keep between requests."""

    id: int
    name: str


@dataclass
class Figure:
    value: int
    args: dict = field(default_factory=dict)  # the list filters behind the figure; {} = not drillable
    entries: int | None = None  # for a sum: how many records it adds up (the count its list shows)
    target: str = WHITELIST  # the list the args filter: "projects" or "whitelist"


def project_figure(value: int, args: dict, entries: int | None = None) -> Figure:
    return Figure(value, args, entries, PROJECTS)


@dataclass
class Stage:
    state: str
    label: str
    count: int
    investment: int  # 万元
    args: dict
    target: str = WHITELIST  # targets before signing, projects after


@dataclass
class Signed:
    """Projects with a counted agreement signed in the period, and what became of them."""

    count: Figure
    amount: int  # 签约金额, 万元
    campaign: Figure
    mega: Figure
    emerging: Figure
    chain: Figure  # signed by a national chain-leader or head firm, wherever they land
    landed: Figure
    started: Figure
    producing: Figure
    funds_all_time: int  # verified 到位资金 of these projects, whenever it arrived


@dataclass
class Funds:
    """Verified 到位资金 that arrived in the period, and what is still waiting for the city's verification."""

    total: int
    manufacturing: int
    projects: Figure  # the projects it arrived for
    manufacturing_projects: Figure
    pending: Figure  # submitted, not yet verified: value 万元, entries = its projects


@dataclass
class CountyChain:
    region: Ref
    count: Figure


def scope_args(user: User) -> dict:
    """What a project list link needs to show the user's counted projects (see the module's docstring)."""
    if user.role == Role.COUNTY_HEAD and user.region_id:
        return {"region": user.region_id}
    return {}


def signed_args(user: User, period: Period) -> dict:
    """The project list of the period's signings (counted agreements)."""
    return {"milestone": "signed", **period.args(), "counted": "1", **scope_args(user)}


def funnel(user: User) -> list[Stage]:
    """Targets in each stage before signing, then projects in each stage after it, with planned investment."""
    entries = db.session.execute(
        select(E.state, func.count(), func.coalesce(func.sum(E.planned_investment), 0))
        .where(entry_scope(user), E.state.in_(ENTRY_STAGES))
        .group_by(E.state)
    ).all()
    projects = db.session.execute(
        select(Project.state, func.count(), func.coalesce(func.sum(Project.planned_investment), 0))
        .where(counted_project_scope(user), Project.state.in_(PROJECT_PIPELINE))
        .group_by(Project.state)
    ).all()
    # coalesce(sum(…), 0) is never NULL; SQLAlchemy types it as the column, which may be.
    found = cast(dict[str, tuple[int, int]], {state: (count, money) for state, count, money in entries})
    done = cast(dict[str, tuple[int, int]], {state: (count, money) for state, count, money in projects})
    scope = scope_args(user)
    return [
        *(Stage(s.value, STATE_LABELS[s], *found.get(s.value, (0, 0)), args={"state": s.value})
          for s in ENTRY_STAGES),
        *(Stage(s, PROJECT_STATES[s], *done.get(s, (0, 0)), args={"state": s, **scope}, target=PROJECTS)
          for s in PROJECT_PIPELINE),
    ]  # fmt: skip


def _verified(start: date | None = None, end: date | None = None) -> Select[int | None, int]:
    """Per project, the verified 到位资金 (in [start, end] when given): a subquery of (project_id, total)."""
    return (
        select(
            FundArrival.project_id,
            func.sum(FundArrival.fixed_amount + FundArrival.other_amount).label("total"),
        )
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status == "verified", between(FundArrival.arrived_on, start, end))
        .group_by(FundArrival.project_id)
    )


def signed(user: User, period: Period, counted: ColumnElement[bool] | None = None) -> Signed:
    """One pass over the projects signed in the period, with their verified funds joined on. `counted` is
    counted_clause() when the caller has it already (it reads a setting)."""
    base = signed_args(user, period)
    funds = _verified().subquery()
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Project.contract_amount), 0),
            func.count(case((Project.campaign == CAMPAIGN, 1))),
            func.count(case((Project.planned_investment >= MEGA_PROJECT, 1))),
            func.count(case((flag_clause("emerging"), 1))),
            func.count(case((chain_clause(), 1))),
            func.count(Project.landed_on),
            func.count(Project.started_on),
            func.count(Project.producing_on),
            func.coalesce(func.sum(funds.c.total), 0),
        )
        .select_from(Project)
        .outerjoin(funds, funds.c.project_id == Project.id)
        .where(
            counted_project_scope(user),
            counted_clause() if counted is None else counted,
            between(Project.signed_on, period.start, period.end),
        )
    ).one()
    count, amount, campaign, mega, emerging, chain, landed, started, producing, money = row
    return Signed(
        count=project_figure(count, base),
        amount=int(amount),
        campaign=project_figure(campaign, {**base, "campaign": CAMPAIGN}),
        mega=project_figure(mega, {**base, "min_investment": MEGA_PROJECT}),
        emerging=project_figure(emerging, {**base, "flag": "emerging"}),
        chain=project_figure(chain, {**base, "chain": "1"}),
        landed=project_figure(landed, {**base, "reached": "landed"}),
        started=project_figure(started, {**base, "reached": "started"}),
        producing=project_figure(producing, {**base, "reached": "producing"}),
        funds_all_time=int(money),
    )


def funds(user: User, period: Period) -> Funds:
    """Verified and pending (submitted) 到位资金 of the period in one pass over its arrivals."""
    money = FundArrival.fixed_amount + FundArrival.other_amount
    verified = FundReturn.status == "verified"
    pending = FundReturn.status == "submitted"
    manufacturing = and_(verified, flag_clause("manufacturing"))
    total, manu, projects, manu_projects, waiting, waiting_projects = db.session.execute(
        select(
            func.coalesce(func.sum(case((verified, money), else_=0)), 0),
            func.coalesce(func.sum(case((manufacturing, money), else_=0)), 0),
            func.count(distinct(case((verified, FundArrival.project_id)))),
            func.count(distinct(case((manufacturing, FundArrival.project_id)))),
            func.coalesce(func.sum(case((pending, money), else_=0)), 0),
            func.count(distinct(case((pending, FundArrival.project_id)))),
        )
        .select_from(FundArrival)
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .join(Project, Project.id == FundArrival.project_id)
        .where(
            counted_project_scope(user),
            FundReturn.status.in_(("verified", "submitted")),
            between(FundArrival.arrived_on, period.start, period.end),
        )
    ).one()
    args = {"milestone": "funds", **period.args(), **scope_args(user)}
    return Funds(
        total=int(total),
        manufacturing=int(manu),
        projects=project_figure(projects, args),
        manufacturing_projects=project_figure(manu_projects, {**args, "flag": "manufacturing"}),
        pending=project_figure(int(waiting), {**args, "funds": "pending"}, entries=waiting_projects),
    )


def big_projects(user: User, period: Period) -> Figure:
    """新落地过亿元项目: projects landed in the period with a planned investment of at least 1 亿元."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Project)
        .where(
            counted_project_scope(user),
            between(Project.landed_on, period.start, period.end),
            Project.planned_investment >= BIG_PROJECT,
        )
    )
    args = {"milestone": "landed", **period.args(), "min_investment": BIG_PROJECT, **scope_args(user)}
    return project_figure(cast(int, count), args)  # count(): always a row


def counties(user: User) -> list[Region]:
    """The counties (not functional zones) the user's dashboard covers."""
    query = (
        select(Region)
        .where(Region.kind == "county", Region.active.is_(True))
        .order_by(Region.sort, Region.id)
    )
    if user.role != Role.MANAGER:
        query = query.where(Region.id == user.region_id)
    return list(db.session.scalars(query))


def chain_by_county(
    user: User, period: Period, counted: ColumnElement[bool] | None = None
) -> list[CountyChain]:
    """Projects signed in the period by 全国性链主/头部企业, per county where they land (every county should have at
    least one)."""
    found = dict(
        db.session.execute(
            select(Project.region_id, func.count())
            .where(
                counted_project_scope(user),
                counted_clause() if counted is None else counted,
                between(Project.signed_on, period.start, period.end),
                chain_clause(),
            )
            .group_by(Project.region_id)
        ).all()
    )
    base = {**signed_args(user, period), "chain": "1"}
    return [
        CountyChain(
            Ref(region.id, region.name),
            project_figure(found.get(region.id, 0), {**base, "region": region.id}),
        )
        for region in counties(user)
    ]
