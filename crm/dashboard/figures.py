"""The dashboard's headline figures, aggregated in SQL over the entries the user may see.

Every figure carries `args`: the whitelist list's filters that show the records behind it. The figure is computed
with the same clauses those filters apply (crm.whitelist.drill), so a number and its list agree.
"""

from dataclasses import dataclass, field

from sqlalchemy import case, distinct, func, select

from crm.auth.models import User
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.refdata.models import Industry, Region
from crm.scope import entry_scope
from crm.vocab import PIPELINE, STATE_LABELS, Role
from crm.whitelist.drill import chain_clause, flag_clause, milestone_clause
from crm.whitelist.models import WhitelistEntry as E

from .period import Period

BIG_PROJECT = 10_000  # 过亿元: 计划总投资 ≥ 1 亿元 = 10,000 万元
MEGA_PROJECT = 500_000  # 超50亿元: ≥ 50 亿元
CAMPAIGN = "duobiao"  # 强企业“夺标争先”行动, whose goal is 5–8 signings


@dataclass(frozen=True)
class Ref:
    """An id and a name (a county, a team): plain values, safe to keep between requests."""

    id: int
    name: str


@dataclass
class Figure:
    value: int | float | None
    args: dict = field(default_factory=dict)  # the list filters behind the figure; {} = not drillable
    entries: int | None = None  # for a sum: how many records it adds up (the count its list shows)


@dataclass
class Stage:
    state: str
    label: str
    count: int
    investment: int  # 万元
    args: dict


@dataclass
class Signed:
    """Projects signed in the period and what became of them."""

    count: Figure
    amount: int  # 签约金额, 万元
    campaign: Figure
    mega: Figure
    emerging: Figure
    landed: Figure
    started: Figure
    producing: Figure
    funds_all_time: int  # 到位资金 of these projects, whenever it arrived


@dataclass
class Funds:
    """到位资金 that arrived in the period."""

    total: int
    manufacturing: int
    entries: Figure
    manufacturing_entries: Figure


@dataclass
class CountyChain:
    region: Ref
    count: Figure


def funnel(user: User) -> list[Stage]:
    """Targets in each pipeline stage now, with their planned investment."""
    rows = db.session.execute(
        select(E.state, func.count(), func.coalesce(func.sum(E.planned_investment), 0))
        .where(entry_scope(user), E.state.in_(PIPELINE))
        .group_by(E.state)
    ).all()
    found = {state: (count, money) for state, count, money in rows}
    return [
        Stage(s.value, STATE_LABELS[s], *found.get(s.value, (0, 0)), args={"state": s.value})
        for s in PIPELINE
    ]


def signed(user: User, period: Period) -> Signed:
    within = milestone_clause("signed", period.start, period.end)
    base = {"milestone": "signed", **period.args()}
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(E.contract_amount), 0),
            func.count(case((E.campaign == CAMPAIGN, 1))),
            func.count(case((E.planned_investment >= MEGA_PROJECT, 1))),
            func.count(case((flag_clause("emerging"), 1))),
            func.count(E.landed_on),
            func.count(E.started_on),
            func.count(E.producing_on),
        )
        .select_from(E)
        .where(entry_scope(user), within)
    ).one()
    funds = db.session.scalar(
        select(func.coalesce(func.sum(FundArrival.fixed_amount + FundArrival.other_amount), 0))
        .join(E, E.id == FundArrival.entry_id)
        .where(entry_scope(user), within)
    )
    count, amount, campaign, mega, emerging, landed, started, producing = row
    return Signed(
        count=Figure(count, base),
        amount=amount,
        campaign=Figure(campaign, {**base, "campaign": CAMPAIGN}),
        mega=Figure(mega, {**base, "min_investment": MEGA_PROJECT}),
        emerging=Figure(emerging, {**base, "flag": "emerging"}),
        landed=Figure(landed, {**base, "reached": "landed"}),
        started=Figure(started, {**base, "reached": "started"}),
        producing=Figure(producing, {**base, "reached": "producing"}),
        funds_all_time=funds,
    )


def funds(user: User, period: Period) -> Funds:
    money = FundArrival.fixed_amount + FundArrival.other_amount
    manufacturing = Industry.is_manufacturing.is_(True)
    total, manu, entries, manu_entries = db.session.execute(
        select(
            func.coalesce(func.sum(money), 0),
            func.coalesce(func.sum(case((manufacturing, money), else_=0)), 0),
            func.count(distinct(FundArrival.entry_id)),
            func.count(distinct(case((manufacturing, FundArrival.entry_id)))),
        )
        .select_from(FundArrival)
        .join(E, E.id == FundArrival.entry_id)
        .outerjoin(Industry, Industry.id == E.industry_id)
        .where(entry_scope(user), FundArrival.arrived_on.between(period.start, period.end))
    ).one()
    args = {"milestone": "funds", **period.args()}
    return Funds(
        total=total,
        manufacturing=manu,
        entries=Figure(entries, args),
        manufacturing_entries=Figure(manu_entries, {**args, "flag": "manufacturing"}),
    )


def big_projects(user: User, period: Period) -> Figure:
    """新落地过亿元项目: landed in the period with a planned investment of at least 1 亿元."""
    count = db.session.scalar(
        select(func.count())
        .select_from(E)
        .where(
            entry_scope(user),
            milestone_clause("landed", period.start, period.end),
            E.planned_investment >= BIG_PROJECT,
        )
    )
    return Figure(count, {"milestone": "landed", **period.args(), "min_investment": BIG_PROJECT})


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


def chain_by_county(user: User, period: Period) -> list[CountyChain]:
    """全国性链主/头部企业 signed in the period, per county (every county should have at least one)."""
    found = dict(
        db.session.execute(
            select(E.region_id, func.count())
            .where(entry_scope(user), milestone_clause("signed", period.start, period.end), chain_clause())
            .group_by(E.region_id)
        ).all()
    )
    base = {"milestone": "signed", **period.args(), "chain": "1"}
    return [
        CountyChain(
            Ref(region.id, region.name), Figure(found.get(region.id, 0), {**base, "region": region.id})
        )
        for region in counties(user)
    ]
