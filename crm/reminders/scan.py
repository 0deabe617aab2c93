"""The reminder rules. `scan(now)` looks at open tasks and worked targets and puts what is due into the outbox,
each reminder under a dedupe key, so running it twice (or in two processes) adds nothing the second time.

Working-day aware: on a rest day nothing is sent except escalations already due."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Task
from crm.reminders import outbox
from crm.reminders.models import ChannelPreference, Mute
from crm.settings import get_ints
from crm.types import local_date
from crm.vocab import SEVERITY_LABELS, WORKING_STATES, Role
from crm.whitelist.models import WhitelistEntry

SEVERITY = {"lead": "blue", "county": "yellow", "city": "red"}


@dataclass
class Reminder:
    key: str
    user: User
    entry: WhitelistEntry
    kind: str
    title: str
    body: str | None = None
    urgent: bool = False  # escalations reach muted targets too


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
    reminders: list[Reminder] = []
    result = ScanResult()
    for task in _open_tasks(cal.add_workdays(today, limits["remind_due_soon"])):
        if workday:
            reminders.extend(_task_reminders(task, today, cal, limits))
        reminders.extend(_escalations(task, today, cal, limits, now, result))
    if workday:
        reminders.extend(_entry_reminders(today, cal, limits))
    result.reminders = len(reminders)
    result.notifications = outbox.enqueue(_notifications(reminders, now), now)
    result.uncovered_years = sorted(cal.uncovered)
    return result


def _open_tasks(horizon: date) -> list[Task]:
    query = (
        select(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(Task.status == OPEN, Task.due_date <= horizon, WhitelistEntry.state.in_(WORKING_STATES))
        .order_by(Task.id)
    )
    return list(db.session.scalars(query))


def _task_reminders(task: Task, today: date, cal: WorkCalendar, limits: dict) -> list[Reminder]:
    name = task.entry.enterprise.name
    if task.due_date == today:
        return [Reminder(f"task:{task.id}:due_today:{today}", task.owner, task.entry, "due_today",
                         _("Due today: %(task)s (%(name)s)", task=task.title, name=name))]  # fmt: skip
    if task.due_date > today:
        ahead = cal.workdays_between(today, task.due_date)
        if ahead <= limits["remind_due_soon"]:
            return [Reminder(f"task:{task.id}:due_soon:{task.due_date}", task.owner, task.entry, "due_soon",
                             _("Due in %(n)d working days: %(task)s (%(name)s)", n=ahead, task=task.title,
                               name=name))]  # fmt: skip
        return []
    late = cal.workdays_between(task.due_date, today)
    return [Reminder(f"task:{task.id}:overdue:{today}", task.owner, task.entry, "overdue",
                     _("Overdue by %(n)d working days: %(task)s (%(name)s)", n=late, task=task.title, name=name))]  # fmt: skip


def _recipients(level: str, entry: WhitelistEntry) -> list[User]:
    if level == "lead":
        return [entry.team.leader] if entry.team else []
    if level == "county":
        heads = db.session.scalars(
            select(User).where(
                User.role == Role.COUNTY_HEAD,
                User.region_id == entry.region_id,
                User.is_active_flag.is_(True),
            )  # fmt: skip
        ).all()
        if heads:
            return list(heads)
    return list(
        db.session.scalars(select(User).where(User.role == Role.MANAGER, User.is_active_flag.is_(True)))
    )


def _escalations(task: Task, today: date, cal: WorkCalendar, limits: dict, now: datetime,
                 result: ScanResult) -> list[Reminder]:  # fmt: skip
    """督办: overdue ≥ escalate_lead working days → the team leader (蓝); ≥ escalate_county → the county head (黄,
    the managers where a county has none); ≥ escalate_city → the city managers (红). Each level once per task."""
    if task.due_date >= today:
        return []
    late = cal.workdays_between(task.due_date, today)
    reminders = []
    for level, threshold in (
        ("lead", "escalate_lead"),
        ("county", "escalate_county"),
        ("city", "escalate_city"),
    ):
        if late < limits[threshold]:
            continue
        rows = [
            {"task_id": task.id, "entry_id": task.entry_id, "level": level, "severity": SEVERITY[level],
             "recipient_id": user.id, "overdue_days": late, "created_at": now}
            for user in _recipients(level, task.entry)[:1]
        ]  # fmt: skip
        if not outbox.escalate(rows):
            continue
        result.escalations += 1
        for user in _recipients(level, task.entry):
            reminders.append(Reminder(
                f"escalation:{task.id}:{level}:{user.id}", user, task.entry, f"escalation_{SEVERITY[level]}",
                _("督办 (%(severity)s): %(task)s of %(name)s is %(n)d working days overdue",
                  severity=SEVERITY_LABELS[SEVERITY[level]], task=task.title, name=task.entry.enterprise.name, n=late),
                body=_("Owner: %(owner)s. Please acknowledge on the 督办 page.", owner=task.owner.full_name),
                urgent=True,
            ))  # fmt: skip
    return reminders


def _entry_reminders(today: date, cal: WorkCalendar, limits: dict) -> list[Reminder]:
    """No contact for a while, and plans about to end."""
    reminders = []
    entries = db.session.scalars(select(WhitelistEntry).where(WhitelistEntry.state.in_(WORKING_STATES),
                                                              WhitelistEntry.owner_id.isnot(None))).all()  # fmt: skip
    last_steps = dict(db.session.execute(
        select(Task.entry_id, Task.due_date).where(Task.kind == "step", Task.status == OPEN).order_by(Task.due_date)
    ).all())  # fmt: skip
    for entry in entries:
        since = local_date(entry.last_contact_at) if entry.last_contact_at else entry.plan_start
        if since and cal.workdays_between(since, today) >= limits["remind_no_contact"]:
            silent = cal.workdays_between(since, today)
            reminders.append(Reminder(f"entry:{entry.id}:no_contact:{today}", entry.owner, entry, "no_contact",
                                      _("No contact with %(name)s for %(n)d working days",
                                        name=entry.enterprise.name, n=silent)))  # fmt: skip
        last = last_steps.get(entry.id)
        if last and today <= last and cal.workdays_between(today, last) <= limits["remind_plan_ending"]:
            reminders.append(Reminder(f"entry:{entry.id}:plan_ending:{last}", entry.owner, entry, "plan_ending",
                                      _("The plan for %(name)s ends on %(date)s", name=entry.enterprise.name,
                                        date=last.isoformat())))  # fmt: skip
    return reminders


def _notifications(reminders: list[Reminder], now: datetime) -> list[dict]:
    """Each reminder → the inbox (always), email (if the user has an address and wants it), the team's robot."""
    users = {r.user.id for r in reminders}
    no_email = set(db.session.scalars(select(ChannelPreference.user_id).where(
        ChannelPreference.user_id.in_(users), ChannelPreference.email.is_(False))))  # fmt: skip
    muted = set(db.session.execute(select(Mute.user_id, Mute.entry_id).where(Mute.user_id.in_(users))).all())
    rows = []
    for r in reminders:
        if (r.user.id, r.entry.id) in muted and not r.urgent:
            continue
        base = {
            "user_id": r.user.id,
            "entry_id": r.entry.id,
            "kind": r.kind,
            "title": r.title,
            "body": r.body,
        }
        rows.append({**base, "dedupe_key": f"{r.key}:inbox", "channel": "inbox"})
        if r.user.email and r.user.id not in no_email:
            rows.append({**base, "dedupe_key": f"{r.key}:email", "channel": "email"})
        team = r.entry.team
        if team is not None and team.webhook_url:
            rows.append({**base, "user_id": None, "team_id": team.id, "channel": "webhook",
                         "dedupe_key": f"{r.key.rsplit(':', 1)[0] if r.urgent else r.key}:webhook:{team.id}"})  # fmt: skip
    return rows
