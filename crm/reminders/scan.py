"""The reminder rules. `scan(now)` looks at open tasks and worked targets and puts what is due into the outbox,
each reminder under a dedupe key, so running it twice (or in two processes) adds nothing the second time.

Working-day aware: on a rest day nothing is sent except escalations already due. Set-based (issue 16): the
open tasks the rules look at are selected once into the scan's `scan_tasks` table; the task reminders, the 督办
records (crm.reminders.escalation_scan) and the reminders announcing them are INSERT … SELECT statements over it,
with working days counted in SQL from the scan's calendar table; every reminder reaches the outbox through one
INSERT … SELECT (crm.reminders.staging.fan_out). Only silent targets and funds returns are built in Python."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, literal, select

from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Task
from crm.reminders import escalation_scan, staging
from crm.reminders.returns_scan import return_reminders
from crm.reminders.staging import Reminder
from crm.settings import get_ints
from crm.types import local_date
from crm.vocab import WORKING_STATES
from crm.whitelist.models import WhitelistEntry


@dataclass
class ScanResult:
    reminders: int = 0
    notifications: int = 0
    escalations: int = 0
    uncovered_years: list[int] = field(default_factory=list)


def scan(now: datetime, cal: WorkCalendar | None = None) -> ScanResult:
    cal = cal or WorkCalendar.load()
    today = local_date(now)
    limits = get_ints("remind_due_soon", "remind_no_contact", "remind_plan_ending", "escalate_lead",
                      "escalate_county", "escalate_city")  # fmt: skip
    workday = cal.is_workday(today)
    result = ScanResult()
    staging.prepare()
    horizon = cal.add_workdays(today, limits["remind_due_soon"])
    staging.stage_tasks(_open_tasks(horizon))
    first = db.session.scalar(select(func.min(staging.tasks_table.c.due_date)))
    if first is not None:
        days = staging.Ordinals(cal, min(first, today), max(horizon, today))
        if workday:
            _task_reminders(today, days, limits)
        result.escalations = escalation_scan.raise_escalations(today, days[today], limits, now)
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


def _open_tasks(horizon: date) -> Select[*tuple[Any, ...]]:
    """Open tasks of worked targets due by `horizon`, with what their reminders say and who hears them."""
    return (
        select(Task.id, Task.title, Task.due_date, Task.owner_id, Task.entry_id, WhitelistEntry.team_id,
               WhitelistEntry.region_id, Enterprise.name)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(Task.status == OPEN, Task.due_date <= horizon, WhitelistEntry.state.in_(WORKING_STATES))
    )  # fmt: skip


def _task_reminders(today: date, days: "staging.Ordinals", limits: dict) -> None:
    """Due today, due within `remind_due_soon` working days (once per due date), overdue (once per working
    day): three INSERT … SELECT into the staging table, titles and keys built in SQL."""
    tasks, cal = staging.tasks_table, staging.calendar_table
    n = cal.c.n - days[today]  # working days from today to the due date (negative: overdue)
    on = today.isoformat()
    rules: tuple[tuple[ColumnElement[bool], str, ColumnElement[str], str, dict[str, Any]], ...] = (
        (tasks.c.due_date == today, "due_today", staging.sql_concat("task:", tasks.c.id, f":due_today:{on}"),
         _("Due today: %(task)s (%(name)s)"), {}),
        (and_(tasks.c.due_date > today, n <= limits["remind_due_soon"]), "due_soon",
         staging.sql_concat("task:", tasks.c.id, ":due_soon:", tasks.c.due_date),
         _("Due in %(n)d working days: %(task)s (%(name)s)"), {"n": n}),
        (tasks.c.due_date < today, "overdue", staging.sql_concat("task:", tasks.c.id, f":overdue:{on}"),
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
