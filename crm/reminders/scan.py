"""The reminder rules. `scan(now)` looks at open tasks and worked targets and puts what is due into the outbox,
each reminder under a dedupe key, so running it twice (or in two processes) adds nothing the second time.

Working-day aware: on a rest day nothing is sent except escalations already due. Set-based (issue 16): the task
reminders and the 督办 records are written by INSERT … SELECT over the tasks, with working days counted in SQL
from the scan's calendar table, and every reminder reaches the outbox through one INSERT … SELECT … ON CONFLICT
DO NOTHING (crm.reminders.staging); only the 督办 this scan raised, silent targets and funds returns are built
in Python."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, and_, cast, func, literal, select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db, dialect_insert
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Task
from crm.reminders import staging
from crm.reminders.models import Escalation
from crm.reminders.returns_scan import return_reminders
from crm.settings import get_ints
from crm.teams.models import Team
from crm.types import UTCDateTime, local_date
from crm.vocab import SEVERITY_LABELS, WORKING_STATES, Role
from crm.whitelist.models import WhitelistEntry

SEVERITY = {"lead": "blue", "county": "yellow", "city": "red"}
LEVELS = (("lead", "escalate_lead"), ("county", "escalate_county"), ("city", "escalate_city"))


@dataclass
class Reminder:
    key: str
    user_id: int
    entry_id: int | None  # None for a county's funds return
    team_id: int | None
    kind: str
    title: str
    body: str | None = None
    urgent: bool = False  # escalations reach muted targets too

    def row(self) -> dict:
        """The reminder as a row of the scan's staging table (crm.reminders.staging)."""
        robot = (
            self.key.rsplit(":", 1)[0] if self.urgent else self.key
        )  # one robot message per 督办, not per person
        return {"dedupe": self.key, "robot": robot, "user_id": self.user_id, "entry_id": self.entry_id,
                "team_id": self.team_id, "kind": self.kind, "title": self.title[: staging.TITLE_LENGTH],
                "body": self.body, "urgent": self.urgent}  # fmt: skip


@dataclass
class ScanResult:
    reminders: int = 0
    notifications: int = 0
    escalations: int = 0
    uncovered_years: list[int] = field(default_factory=list)


class Recipients:
    """Team leaders, county heads and managers, each looked up once per scan."""

    def __init__(self):
        people = db.session.execute(
            select(User.id, User.role, User.region_id).where(User.is_active_flag.is_(True),
                                                             User.role.in_((Role.COUNTY_HEAD, Role.MANAGER)))
        ).all()  # fmt: skip
        self.managers = [p.id for p in people if p.role == Role.MANAGER]
        self.heads: dict[int, list[int]] = {}
        for p in people:
            if p.role == Role.COUNTY_HEAD:
                self.heads.setdefault(p.region_id, []).append(p.id)
        self.leaders = dict(db.session.execute(select(Team.id, Team.leader_id)).all())

    def of(self, level: str, team_id: int | None, region_id: int) -> list[int]:
        if level == "lead":
            return [self.leaders[team_id]] if team_id in self.leaders else []
        if level == "county" and self.heads.get(region_id):
            return self.heads[region_id]
        return self.managers


def scan(now: datetime, cal: WorkCalendar | None = None) -> ScanResult:
    cal = cal or WorkCalendar.load()
    today = local_date(now)
    limits = get_ints("remind_due_soon", "remind_no_contact", "remind_plan_ending", "escalate_lead",
                      "escalate_county", "escalate_city")  # fmt: skip
    workday = cal.is_workday(today)
    result = ScanResult()
    staging.prepare()
    horizon = cal.add_workdays(today, limits["remind_due_soon"])
    due = _open_tasks(horizon).subquery()
    first = db.session.scalar(select(func.min(due.c.due_date)))
    if first is not None:
        days = staging.Ordinals(cal, min(first, today), max(horizon, today))
        if workday:
            _task_reminders(horizon, today, days, limits)
        reminders = _escalations(horizon, today, days, limits, now, result)
    else:
        reminders = []
    if workday:
        reminders += _entry_reminders(today, cal, limits)
    reminders += return_reminders(today, cal, workday)
    staging.stage_rows([r.row() for r in reminders])
    result.reminders = staging.staged()
    result.notifications = staging.fan_out(now)
    db.session.commit()
    result.uncovered_years = sorted(cal.uncovered)
    return result


def _open_tasks(horizon: date):
    """Open tasks of worked targets due by `horizon`, with what their reminders say and who hears them."""
    return (
        select(Task.id, Task.title, Task.due_date, Task.owner_id, Task.entry_id, WhitelistEntry.team_id,
               WhitelistEntry.region_id, Enterprise.name)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(Task.status == OPEN, Task.due_date <= horizon, WhitelistEntry.state.in_(WORKING_STATES))
    )  # fmt: skip


def _key(*parts) -> ColumnElement:
    """'task:' || id || ':due_today:' || … as SQL: strings are literals, the rest columns or expressions."""
    expr = None
    for part in parts:
        piece = literal(part, String) if isinstance(part, str) else cast(part, String)
        expr = piece if expr is None else expr + piece
    return expr


def _task_reminders(horizon: date, today: date, days: "staging.Ordinals", limits: dict) -> None:
    """Due today, due within `remind_due_soon` working days (once per due date), overdue (once per working
    day): three INSERT … SELECT into the staging table, titles and keys built in SQL."""
    tasks = _open_tasks(horizon).subquery()
    cal = staging.calendar_table
    n = cal.c.n - days[today]  # working days from today to the due date (negative: overdue)
    on = today.isoformat()
    rules = (
        (tasks.c.due_date == today, "due_today", _key("task:", tasks.c.id, f":due_today:{on}"),
         _("Due today: %(task)s (%(name)s)"), {}),
        (and_(tasks.c.due_date > today, n <= limits["remind_due_soon"]), "due_soon",
         _key("task:", tasks.c.id, ":due_soon:", tasks.c.due_date),
         _("Due in %(n)d working days: %(task)s (%(name)s)"), {"n": n}),
        (tasks.c.due_date < today, "overdue", _key("task:", tasks.c.id, f":overdue:{on}"),
         _("Overdue by %(n)d working days: %(task)s (%(name)s)"), {"n": -n}),
    )  # fmt: skip
    for where, kind, key, template, extra in rules:
        title = staging.sql_format(template, task=tasks.c.title, name=tasks.c.name, **extra)
        staging.stage_from(
            select(key, key, tasks.c.owner_id, tasks.c.entry_id, tasks.c.team_id, literal(kind), title,
                   literal(False))
            .join(cal, cal.c.day == tasks.c.due_date)
            .where(where, tasks.c.owner_id.isnot(None))
            .order_by(tasks.c.id)
        )  # fmt: skip


def _escalations(horizon: date, today: date, days: "staging.Ordinals", limits: dict, now: datetime,
                 result: ScanResult) -> list[Reminder]:  # fmt: skip
    """督办: overdue ≥ escalate_lead working days → the team leader (蓝); ≥ escalate_county → the county head (黄,
    the managers where a county has none); ≥ escalate_city → the city managers (红). Each level once per task:
    INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING gives the levels raised by this scan, and only those are
    announced (to every head or manager of the level; the record names the first)."""
    recipients = Recipients()
    tasks = _open_tasks(horizon).subquery()
    cal = staging.calendar_table
    late = days[today] - cal.c.n
    head = (
        select(func.min(User.id))
        .where(
            User.is_active_flag.is_(True), User.role == Role.COUNTY_HEAD, User.region_id == tasks.c.region_id
        )
        .scalar_subquery()
    )
    manager = min(recipients.managers) if recipients.managers else None
    columns = ["task_id", "entry_id", "level", "severity", "recipient_id", "overdue_days", "created_at"]
    raised = []
    for level, limit in LEVELS:
        if level == "lead":
            recipient = Team.leader_id
        elif level == "county":
            recipient = func.coalesce(head, manager) if manager else head
        elif manager is None:
            continue
        else:
            recipient = literal(manager)
        query = (
            select(tasks.c.id, tasks.c.entry_id, literal(level), literal(SEVERITY[level]), recipient, late,
                   literal(now, UTCDateTime))
            .join(cal, cal.c.day == tasks.c.due_date)
            .where(tasks.c.due_date < today, late >= limits[limit], recipient.isnot(None))
        )  # fmt: skip
        if level == "lead":
            query = query.join(Team, Team.id == tasks.c.team_id)
        statement = (
            dialect_insert(Escalation.__table__)
            .from_select(columns, query)
            .on_conflict_do_nothing()
            .returning(Escalation.task_id, Escalation.level)
        )
        raised += db.session.execute(statement).all()
    result.escalations = len(raised)
    return _escalation_reminders(raised, today, days, recipients)


def _escalation_reminders(raised: list, today: date, days: "staging.Ordinals", recipients: Recipients) -> list[
        Reminder]:  # fmt: skip
    """The reminders of the 督办 this scan raised: one per recipient of the level, urgent (muted targets too)."""
    levels: dict[int, list[str]] = {}
    for task_id, level in raised:
        levels.setdefault(task_id, []).append(level)
    reminders = []
    for start in range(0, len(levels), 1000):
        chunk = sorted(levels)[start : start + 1000]
        for task in db.session.execute(_open_tasks(today).where(Task.id.in_(chunk)).order_by(Task.id)):
            late = days[today] - days[task.due_date]
            for level, _limit in LEVELS:
                if level not in levels[task.id]:
                    continue
                title = _("督办 (%(severity)s): %(task)s of %(name)s is %(n)d working days overdue",
                          severity=SEVERITY_LABELS[SEVERITY[level]], task=task.title, name=task.name, n=late)  # fmt: skip
                reminders += [
                    Reminder(f"escalation:{task.id}:{level}:{user_id}", user_id, task.entry_id, task.team_id,
                             f"escalation_{SEVERITY[level]}", title, urgent=True)
                    for user_id in recipients.of(level, task.team_id, task.region_id)
                ]  # fmt: skip
    return reminders


def _entry_reminders(today: date, cal: WorkCalendar, limits: dict) -> list[Reminder]:
    """No contact for a while, and plans about to end."""
    entries = db.session.execute(
        select(WhitelistEntry.id, WhitelistEntry.owner_id, WhitelistEntry.team_id, WhitelistEntry.last_contact_at,
               WhitelistEntry.plan_start, Enterprise.name)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(WhitelistEntry.state.in_(WORKING_STATES), WhitelistEntry.owner_id.isnot(None))
    ).all()  # fmt: skip
    last_steps = dict(db.session.execute(
        select(Task.entry_id, Task.due_date).where(Task.kind == "step", Task.status == OPEN).order_by(Task.due_date)
    ).all())  # fmt: skip
    reminders = []
    for e in entries:
        since = local_date(e.last_contact_at) if e.last_contact_at else e.plan_start
        silent = cal.workdays_between(since, today) if since else 0
        if silent >= limits["remind_no_contact"]:
            reminders.append(Reminder(f"entry:{e.id}:no_contact:{today}", e.owner_id, e.id, e.team_id, "no_contact",
                                      _("No contact with %(name)s for %(n)d working days", name=e.name, n=silent)))  # fmt: skip
        last = last_steps.get(e.id)
        if last and today <= last and cal.workdays_between(today, last) <= limits["remind_plan_ending"]:
            reminders.append(Reminder(f"entry:{e.id}:plan_ending:{last}", e.owner_id, e.id, e.team_id, "plan_ending",
                                      _("The plan for %(name)s ends on %(date)s", name=e.name, date=last.isoformat())))  # fmt: skip
    return reminders
