"""The reminder rules. `scan(now)` looks at open tasks and worked targets and puts what is due into the outbox,
each reminder under a dedupe key, so running it twice (or in two processes) adds nothing the second time.

Working-day aware: on a rest day nothing is sent except escalations already due. Built for volume: tasks are
read as plain rows (no ORM objects), recipients are looked up once per county or team, and escalations and
notifications are written in bulk."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Task
from crm.reminders import outbox
from crm.reminders.models import ChannelPreference, Escalation, Mute
from crm.reminders.returns_scan import return_reminders
from crm.settings import get_ints
from crm.teams.models import Team
from crm.types import local_date
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
    tasks = _open_tasks(cal.add_workdays(today, limits["remind_due_soon"]))
    reminders: list[Reminder] = []
    if workday:
        reminders += [r for task in tasks for r in _task_reminders(task, today, cal, limits)]
    reminders += _escalations(tasks, today, cal, limits, now, result)
    if workday:
        reminders += _entry_reminders(today, cal, limits)
    reminders += return_reminders(today, cal, workday)
    result.reminders = len(reminders)
    result.notifications = outbox.enqueue(_notifications(reminders), now)
    result.uncovered_years = sorted(cal.uncovered)
    return result


def _open_tasks(horizon: date) -> list:
    query = (
        select(Task.id, Task.title, Task.due_date, Task.owner_id, Task.entry_id, WhitelistEntry.team_id,
               WhitelistEntry.region_id, Enterprise.name)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(Task.status == OPEN, Task.due_date <= horizon, WhitelistEntry.state.in_(WORKING_STATES))
        .order_by(Task.id)
    )  # fmt: skip
    return db.session.execute(query).all()


def _task_reminders(task, today: date, cal: WorkCalendar, limits: dict) -> list[Reminder]:
    def reminder(key: str, kind: str, title: str) -> Reminder:
        return Reminder(key, task.owner_id, task.entry_id, task.team_id, kind, title)

    if task.due_date == today:
        return [reminder(f"task:{task.id}:due_today:{today}", "due_today",
                         _("Due today: %(task)s (%(name)s)", task=task.title, name=task.name))]  # fmt: skip
    if task.due_date > today:
        ahead = cal.workdays_between(today, task.due_date)
        if ahead > limits["remind_due_soon"]:
            return []
        return [reminder(f"task:{task.id}:due_soon:{task.due_date}", "due_soon",
                         _("Due in %(n)d working days: %(task)s (%(name)s)", n=ahead, task=task.title,
                           name=task.name))]  # fmt: skip
    late = cal.workdays_between(task.due_date, today)
    return [reminder(f"task:{task.id}:overdue:{today}", "overdue",
                     _("Overdue by %(n)d working days: %(task)s (%(name)s)", n=late, task=task.title, name=task.name))]  # fmt: skip


def _escalations(tasks: list, today: date, cal: WorkCalendar, limits: dict, now: datetime,
                 result: ScanResult) -> list[Reminder]:  # fmt: skip
    """督办: overdue ≥ escalate_lead working days → the team leader (蓝); ≥ escalate_county → the county head (黄,
    the managers where a county has none); ≥ escalate_city → the city managers (红). Each level once per task."""
    late_tasks = [(t, cal.workdays_between(t.due_date, today)) for t in tasks if t.due_date < today]
    due = [(t, late, level) for t, late in late_tasks for level, key in LEVELS if late >= limits[key]]
    if not due:
        return []
    existing = set()
    ids = sorted({t.id for t, _late, _level in due})
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        existing |= set(db.session.execute(select(Escalation.task_id, Escalation.level)
                                           .where(Escalation.task_id.in_(chunk))).all())  # fmt: skip
    recipients = Recipients()
    rows, reminders = [], []
    for task, late, level in due:
        if (task.id, level) in existing:
            continue
        people = recipients.of(level, task.team_id, task.region_id)
        if not people:
            continue
        rows.append({"task_id": task.id, "entry_id": task.entry_id, "level": level, "severity": SEVERITY[level],
                     "recipient_id": people[0], "overdue_days": late, "created_at": now})  # fmt: skip
        title = _("督办 (%(severity)s): %(task)s of %(name)s is %(n)d working days overdue",
                  severity=SEVERITY_LABELS[SEVERITY[level]], task=task.title, name=task.name, n=late)  # fmt: skip
        reminders += [
            Reminder(f"escalation:{task.id}:{level}:{user_id}", user_id, task.entry_id, task.team_id,
                     f"escalation_{SEVERITY[level]}", title, urgent=True)
            for user_id in people
        ]  # fmt: skip
    result.escalations = outbox.insert_ignoring_duplicates(Escalation.__table__, rows)
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


def _notifications(reminders: list[Reminder]) -> list[dict]:
    """Each reminder → the inbox (always), email (if the user has an address and wants it), the team's robot."""
    user_ids = {r.user_id for r in reminders}
    emails, no_email, muted = {}, set(), set()
    for start in range(0, len(user_ids), 1000):
        chunk = sorted(user_ids)[start : start + 1000]
        emails |= dict(
            db.session.execute(
                select(User.id, User.email).where(User.id.in_(chunk), User.email.isnot(None))
            ).all()
        )
        no_email |= set(db.session.scalars(select(ChannelPreference.user_id).where(
            ChannelPreference.user_id.in_(chunk), ChannelPreference.email.is_(False))))  # fmt: skip
        muted |= set(
            db.session.execute(select(Mute.user_id, Mute.entry_id).where(Mute.user_id.in_(chunk))).all()
        )
    hooks = dict(
        db.session.execute(select(Team.id, Team.webhook_url).where(Team.webhook_url.isnot(None))).all()
    )
    rows = []
    for r in reminders:
        if (r.user_id, r.entry_id) in muted and not r.urgent:
            continue
        base = {
            "user_id": r.user_id,
            "entry_id": r.entry_id,
            "kind": r.kind,
            "title": r.title,
            "body": r.body,
        }
        rows.append({**base, "dedupe_key": f"{r.key}:inbox", "channel": "inbox"})
        if emails.get(r.user_id) and r.user_id not in no_email:
            rows.append({**base, "dedupe_key": f"{r.key}:email", "channel": "email"})
        if hooks.get(r.team_id):
            key = (
                r.key.rsplit(":", 1)[0] if r.urgent else r.key
            )  # one robot message per escalation, not per person
            rows.append({**base, "user_id": None, "team_id": r.team_id, "channel": "webhook",
                         "dedupe_key": f"{key}:webhook:{r.team_id}"})  # fmt: skip
    return rows
