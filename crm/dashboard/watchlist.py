"""What needs the director's attention: red and yellow targets, red and yellow projects, and 督办 not yet
acknowledged.

The rows shown are plain values (names and ids read with the counts), not ORM objects: the dashboard's figures may
be kept between requests (crm.dashboard.cache), where a session-bound object would be detached.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import CTE, ColumnElement, Subquery, and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.calendar import WorkCalendar, request_calendar
from crm.plans.lights import Light, light_clause, lights_for
from crm.plans.models import FundArrival, Task
from crm.projects.lights import Cutoffs, cutoffs
from crm.projects.models import FundPlan, FundReturn, Project
from crm.refdata.models import Region
from crm.reminders.models import Escalation
from crm.scope import counted_project_scope, entry_scope
from crm.teams.models import Team
from crm.vocab import STATE_LABELS, WORKING_STATES, State
from crm.whitelist.models import WhitelistEntry as E

from .figures import Figure, Ref, project_figure, scope_args

SHOWN = 10
COLOURS = ("red", "yellow")


@dataclass(frozen=True)
class EnterpriseRef:
    id: int
    name: str
    uscc: str | None


@dataclass(frozen=True)
class Watched:
    """A red or yellow target as the watch list shows it (with what crm.plans.lights.lights_for reads)."""

    id: int
    enterprise: EnterpriseRef
    region: Ref
    team: Ref | None
    state: str
    state_changed_at: datetime
    last_contact_at: datetime | None
    plan_start: date | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[State(self.state)]


@dataclass
class Watch:
    count: Figure
    entries: list[Watched] = field(default_factory=list)
    lights: dict[int, Light] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderRow:
    entry_id: int
    severity: str
    overdue_days: int
    task_title: str
    enterprise_name: str
    recipient_name: str


@dataclass
class Orders:
    open_orders: int
    entries: Figure
    rows: list[OrderRow]


def watched_rows(ids: list[int]) -> dict[int, Watched]:
    query = (
        select(E.id, E.state, E.state_changed_at, E.last_contact_at, E.plan_start,
               Enterprise.id.label("enterprise_id"), Enterprise.name.label("enterprise"), Enterprise.uscc,
               Region.id.label("region_id"), Region.name.label("region"),
               Team.id.label("team_id"), Team.name.label("team"))
        .join(Enterprise, Enterprise.id == E.enterprise_id)
        .join(Region, Region.id == E.region_id)
        .outerjoin(Team, Team.id == E.team_id)
        .where(E.id.in_(ids))
    )  # fmt: skip
    return {
        r.id: Watched(r.id, EnterpriseRef(r.enterprise_id, r.enterprise, r.uscc), Ref(r.region_id, r.region),
                      Ref(r.team_id, r.team) if r.team_id is not None else None, r.state, r.state_changed_at,
                      r.last_contact_at, r.plan_start)
        for r in db.session.execute(query).all()
    }  # fmt: skip


def _materialized(cte: CTE) -> CTE:
    """The CTE computed once. Otherwise PostgreSQL and SQLite inline it where it is read, copying the colour's
    CASE into the filter, the window's ordering and the output, and each copy runs its own EXISTS over the plan
    steps (on SQLite nine correlated subqueries per entry instead of three). Versions without the hint (before
    PostgreSQL 12, SQLite 3.35) get the same result, more slowly."""
    dialect = db.session.get_bind().dialect
    since = {"postgresql": (12,), "sqlite": (3, 35)}.get(dialect.name)
    if since and tuple(dialect.server_version_info or ()) >= since:
        return cte.prefix_with("MATERIALIZED")
    return cte


def lights(user: User, today: date, cal: WorkCalendar | None = None) -> dict[str, Watch]:
    """Red and yellow targets: both counted in one pass (crm.plans.lights.light_clause, the list's light filter),
    with the SHOWN longest-stuck of each and their reasons."""
    cal = cal or request_calendar()
    colour = case(
        (light_clause("red", today, cal), "red"), (light_clause("yellow", today, cal), "yellow")
    ).label("colour")
    lit = _materialized(
        select(E.id, E.state_changed_at, colour)
        .where(entry_scope(user), E.state.in_(WORKING_STATES))
        .cte("lit")
    )
    ranked = (
        select(
            lit.c.colour,
            lit.c.id,
            func.count().over(partition_by=lit.c.colour).label("total"),
            func.row_number()
            .over(partition_by=lit.c.colour, order_by=(lit.c.state_changed_at, lit.c.id))
            .label("n"),
        )
        .where(lit.c.colour.isnot(None))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.colour, ranked.c.id, ranked.c.total)
        .where(ranked.c.n <= SHOWN)
        .order_by(ranked.c.colour, ranked.c.n)
    ).all()
    totals = {c: 0 for c in COLOURS}
    shown: dict[str, list[int]] = {c: [] for c in COLOURS}
    for c, entry_id, total in rows:
        totals[c] = total
        shown[c].append(entry_id)
    watched = watched_rows([r.id for r in rows]) if rows else {}
    found = lights_for(list(watched.values()), today, cal) if watched else {}
    out = {}
    for c in COLOURS:
        entries = [watched[i] for i in shown[c]]
        out[c] = Watch(
            Figure(totals[c], {"light": c}), entries, {e.id: found[e.id] for e in entries if e.id in found}
        )
    return out


def open_orders(user: User) -> Orders:
    # Open: neither acknowledged nor closed by its task's completion (crm.plans.escalations).
    unacknowledged = (entry_scope(user), Escalation.acknowledged_at.is_(None), Escalation.closed_at.is_(None))
    # The targets concerned are the distinct entries of these orders (crm.drill.escalated_clause).
    total, entries = db.session.execute(
        select(func.count(), func.count(distinct(Escalation.entry_id)))
        .select_from(Escalation)
        .join(E, E.id == Escalation.entry_id)
        .where(*unacknowledged)
    ).one()
    severity = case({"red": 0, "yellow": 1}, value=Escalation.severity, else_=2)
    task_entry = aliased(E)
    recipient = aliased(User)
    shown = (
        select(Escalation.entry_id, Escalation.severity, Escalation.overdue_days, Task.title, Enterprise.name,
               recipient.full_name)
        .join(E, E.id == Escalation.entry_id)
        .join(Task, Task.id == Escalation.task_id)
        .join(task_entry, task_entry.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == task_entry.enterprise_id)
        .join(recipient, recipient.id == Escalation.recipient_id)
        .where(*unacknowledged)
        .order_by(severity, Escalation.created_at)
        .limit(SHOWN)
    )  # fmt: skip
    rows = [OrderRow(*row) for row in db.session.execute(shown).all()]
    return Orders(total, Figure(entries, {"escalated": "1"}), rows)


def _late(c: Cutoffs, colour: str, plans: Subquery | None, verified: Subquery) -> ColumnElement[bool]:
    """crm.projects.lights._late over grouped rows: the plan and the verified funds of every project are summed
    once (two hash joins) instead of by two correlated subqueries per project, which took seconds at 150,000
    projects. tests/dashboard/test_figures.py holds it to light_clause and lights_for."""
    late = [
        and_(Project.state == "signed", Project.signed_on <= c.register[colour]),
        and_(Project.state == "landed", Project.landed_on <= c.start[colour]),
    ]
    if c.funds[colour] is not None:
        assert plans is not None  # built when a colour has a funds cut-off
        late.append(and_(plans.c[f"due_{colour}"] > 0,
                         plans.c[f"planned_{colour}"] > func.coalesce(verified.c.total, 0)))  # fmt: skip
    return or_(*late)


def project_lights(user: User, today: date, cal: WorkCalendar | None = None) -> dict[str, Figure]:
    """Red and yellow projects among those that count in the user's dashboard, by the rules of
    crm.projects.lights (the project list's light filter), in one pass. Late for red is late for yellow too (its
    cut-offs are earlier), so yellow = late for yellow − red."""
    c = cutoffs(today, cal or request_calendar())
    money = FundArrival.fixed_amount + FundArrival.other_amount
    verified = (
        select(FundArrival.project_id, func.sum(money).label("total"))
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status == "verified")
        .group_by(FundArrival.project_id)
        .subquery()
    )
    due = {colour: month for colour in COLOURS if (month := c.funds[colour]) is not None}
    plans = None
    if due:
        sums = []
        for colour, month in due.items():
            upto = FundPlan.month <= month
            sums.append(func.count(case((upto, 1))).label(f"due_{colour}"))
            sums.append(func.coalesce(func.sum(case((upto, FundPlan.amount))), 0).label(f"planned_{colour}"))
        plans = (
            select(FundPlan.project_id, *sums)
            .where(FundPlan.month <= max(due.values()))
            .group_by(FundPlan.project_id)
            .subquery()
        )
    red, late = _late(c, "red", plans, verified), _late(c, "yellow", plans, verified)
    query = select(func.count(case((red, 1))), func.count(case((late, 1)))).select_from(Project)
    query = query.outerjoin(verified, verified.c.project_id == Project.id)
    if plans is not None:
        query = query.outerjoin(plans, plans.c.project_id == Project.id)
    red_n, late_n = db.session.execute(
        query.where(counted_project_scope(user), Project.state != "terminated")
    ).one()
    scope = scope_args(user)
    return {
        "red": project_figure(red_n, {"light": "red", **scope}),
        "yellow": project_figure(late_n - red_n, {"light": "yellow", **scope}),
    }
