"""绿/黄/红 for projects against their own milestones and schedule (thresholds are settings, in working days):

- signed but not registered `project_register_days` after signing;
- registered but not started `project_start_days` after registration;
- verified 到位资金 behind the planned schedule `project_funds_grace_days` after a planned month ended.

Yellow when one of them is missed, red when it stays missed `project_red_extra_days` more. `light_clause` is the
SQL twin of `lights_for`, so the list filter, the dashboard count and the badge agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all

from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.models import FundArrival
from crm.projects.models import FundPlan, FundReturn, Project
from crm.settings import get_ints


@dataclass(frozen=True)
class Cutoffs:
    """The latest dates (and planned months) that are already late today, per colour."""

    register: dict[str, date]  # signed on or before → late to register
    start: dict[str, date]  # registered on or before → late to start
    funds: dict[str, date | None]  # planned months up to and including this one are due


def _month_due(cal: WorkCalendar, today: date, grace: int) -> date | None:
    """The last month whose end, plus `grace` working days, lies before today."""
    month = today.replace(day=1)
    for _i in range(60):  # the settings allow up to 700 working days: under three years
        month = (month - timedelta(days=1)).replace(day=1)
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if cal.add_workdays(end, grace) < today:
            return month
    return None


def cutoffs(today: date, cal: WorkCalendar | None = None) -> Cutoffs:
    cal = cal or WorkCalendar.load()
    s = get_ints(
        "project_register_days", "project_start_days", "project_red_extra_days", "project_funds_grace_days"
    )
    extra = s["project_red_extra_days"]
    return Cutoffs(
        register={"yellow": cal.add_workdays(today, -s["project_register_days"]),
                  "red": cal.add_workdays(today, -(s["project_register_days"] + extra))},
        start={"yellow": cal.add_workdays(today, -s["project_start_days"]),
               "red": cal.add_workdays(today, -(s["project_start_days"] + extra))},
        funds={"yellow": _month_due(cal, today, s["project_funds_grace_days"]),
               "red": _month_due(cal, today, s["project_funds_grace_days"] + extra)},
    )  # fmt: skip


def _behind(due: date):
    """Ids of the projects whose verified funds are below their plan up to `due`: one grouped pass over the plan rows
    due and the verified arrivals, an uncorrelated IN computed once per statement (a correlated sum per project read
    every project's plan and funds once each, ~1 s at 150,000). Not a join of the two grouped sets: PostgreSQL
    estimated that join at 1.5 million rows, too many to hash, and scanned it once per project (21 s at 150,000
    projects; bench/projects.py). A project without a plan row due has no planned sum and is never behind."""
    rows = union_all(
        select(
            FundPlan.project_id.label("pid"), FundPlan.amount.label("planned"), literal(0).label("got")
        ).where(FundPlan.month <= due),
        select(FundArrival.project_id, literal(0), FundArrival.fixed_amount + FundArrival.other_amount)
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status == "verified", FundArrival.project_id.isnot(None)),
    ).subquery("funds_due")
    planned = func.sum(rows.c.planned)
    return select(rows.c.pid).group_by(rows.c.pid).having(planned > 0, planned > func.sum(rows.c.got))


def _late(c: Cutoffs, colour: str) -> ColumnElement[bool]:
    clauses = [
        and_(Project.state == "signed", Project.signed_on <= c.register[colour]),
        and_(Project.state == "landed", Project.landed_on <= c.start[colour]),
    ]
    due = c.funds[colour]
    if due is not None:
        clauses.append(Project.id.in_(_behind(due)))
    return or_(*clauses)


def light_clause(colour: str, today: date, cal: WorkCalendar | None = None) -> ColumnElement[bool]:
    """Projects whose light is `colour` (red, yellow or green) today."""
    c = cutoffs(today, cal)
    live = Project.state != "terminated"
    red = _late(c, "red")
    if colour == "red":
        return and_(live, red)
    if colour == "yellow":
        return and_(live, ~red, _late(c, "yellow"))
    return and_(live, ~_late(c, "yellow"))


@dataclass
class Light:
    colour: str  # green | yellow | red
    reasons: list[str]


def lights_for(projects: list[Project], today: date, cal: WorkCalendar | None = None) -> dict[int, Light]:
    """The light of each project on a page, with the reasons in words (two queries for the whole page)."""
    live = [p for p in projects if p.state != "terminated"]
    if not live:
        return {}
    c = cutoffs(today, cal)
    ids = [p.id for p in live]
    verified = dict(
        db.session.execute(
            select(FundArrival.project_id, func.sum(FundArrival.fixed_amount + FundArrival.other_amount))
            .join(FundReturn, FundReturn.id == FundArrival.return_id)
            .where(FundArrival.project_id.in_(ids), FundReturn.status == "verified")
            .group_by(FundArrival.project_id)
        ).all()
    )
    plans: dict[int, list[tuple[date, int]]] = {}
    for pid, month, amount in db.session.execute(
        select(FundPlan.project_id, FundPlan.month, FundPlan.amount).where(FundPlan.project_id.in_(ids))
    ):
        plans.setdefault(pid, []).append((month, amount))
    return {p.id: _light(p, c, verified.get(p.id, 0), plans.get(p.id, [])) for p in live}


def _light(p: Project, c: Cutoffs, verified: int, plan: list[tuple[date, int]]) -> Light:
    found: dict[str, list[str]] = {"red": [], "yellow": []}
    for colour in ("red", "yellow"):
        if p.state == "signed" and p.signed_on <= c.register[colour]:
            found[colour].append(_("Signed on %(date)s and not yet registered", date=p.signed_on.isoformat()))
        if p.state == "landed" and p.landed_on and p.landed_on <= c.start[colour]:
            found[colour].append(
                _("Registered on %(date)s and construction not started", date=p.landed_on.isoformat())
            )
        due = c.funds[colour]
        planned = sum(a for m, a in plan if due is not None and m <= due)
        if planned and planned > verified:
            found[colour].append(_("Verified funds %(got)d 万元 behind the planned %(planned)d 万元 up to %(month)s",
                                   got=verified, planned=planned, month=f"{due:%Y-%m}"))  # fmt: skip
    if found["red"]:
        return Light("red", found["red"])
    if found["yellow"]:
        return Light("yellow", found["yellow"])
    return Light("green", [])
