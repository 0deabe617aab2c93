"""The set-based 督办 (crm.reminders.escalation_scan) against the rules written out in Python, as the scan applied
them before issue 16: the same records, the same reminders in the same order, over holidays, a make-up working
day, weekends, an administrator's extra rest day, a county with two heads and one whose head left."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Holiday, Task
from crm.reminders.escalation_scan import LEVELS, SEVERITY
from crm.reminders.models import Escalation, Notification
from crm.reminders.scan import scan
from crm.reminders.services import set_mute
from crm.settings import get_ints
from crm.teams import assignment
from crm.teams.models import Team
from crm.types import local_date
from crm.vocab import SEVERITY_LABELS, WORKING_STATES, Role
from crm.whitelist.models import WhitelistEntry
from tests.reminders.conftest import beijing


def expected(now) -> tuple[list[tuple], list[tuple]]:
    """What the Python path raised and announced at `now`: the new records (task, level, severity, recipient,
    overdue days) and their reminders (dedupe key, user, entry, kind, title) in staging order."""
    cal, today = WorkCalendar.load(), local_date(now)
    limits = get_ints("escalate_lead", "escalate_county", "escalate_city")
    people = db.session.execute(select(User.id, User.role, User.region_id).where(
        User.is_active_flag.is_(True), User.role.in_((Role.COUNTY_HEAD, Role.MANAGER))).order_by(User.id)).all()  # fmt: skip
    managers = [p.id for p in people if p.role == Role.MANAGER]
    heads: dict[int, list[int]] = {}
    for p in people:
        if p.role == Role.COUNTY_HEAD:
            heads.setdefault(p.region_id, []).append(p.id)
    leaders = dict(db.session.execute(select(Team.id, Team.leader_id)).all())
    raised_before = set(db.session.execute(select(Escalation.task_id, Escalation.level)).all())
    tasks = db.session.execute(
        select(Task.id, Task.title, Task.due_date, Task.entry_id, WhitelistEntry.team_id, WhitelistEntry.region_id,
               Enterprise.name)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(Task.status == OPEN, Task.due_date < today, WhitelistEntry.state.in_(WORKING_STATES))
        .order_by(Task.id)
    ).all()  # fmt: skip
    records, reminders = [], []
    for task in tasks:
        late = cal.workdays_between(task.due_date, today)
        for level, limit in LEVELS:
            if late < limits[limit] or (task.id, level) in raised_before:
                continue
            if level == "lead":
                hearing = [leaders[task.team_id]] if leaders.get(task.team_id) else []
            else:
                hearing = (
                    heads.get(task.region_id) if level == "county" and heads.get(task.region_id) else managers
                )
            if not hearing:
                continue
            severity = SEVERITY[level]
            records.append((task.id, level, severity, hearing[0], late))
            title = _("督办 (%(severity)s): %(task)s of %(name)s is %(n)d working days overdue",
                      severity=SEVERITY_LABELS[severity], task=task.title, name=task.name, n=late)[:200]  # fmt: skip
            reminders += [(f"escalation:{task.id}:{level}:{user_id}", user_id, task.entry_id, f"escalation_{severity}",
                           title) for user_id in hearing]  # fmt: skip
    return records, reminders


def scanned(now) -> tuple[list[tuple], list[tuple]]:
    """Scan at `now`; the records it added and the inbox rows of its 督办 reminders, in id order."""
    last_record = db.session.scalar(select(db.func.coalesce(db.func.max(Escalation.id), 0)))
    last_row = db.session.scalar(select(db.func.coalesce(db.func.max(Notification.id), 0)))
    scan(now)
    records = db.session.execute(
        select(Escalation.task_id, Escalation.level, Escalation.severity, Escalation.recipient_id,
               Escalation.overdue_days).where(Escalation.id > last_record)
    ).all()  # fmt: skip
    rank = {level: i for i, (level, _limit) in enumerate(LEVELS)}
    rows = db.session.execute(
        select(Notification.dedupe_key, Notification.user_id, Notification.entry_id, Notification.kind,
               Notification.title)
        .where(Notification.id > last_row, Notification.channel == "inbox", Notification.kind.like("escalation_%"))
        .order_by(Notification.id)
    ).all()  # fmt: skip
    reminders = [(r.dedupe_key.removesuffix(":inbox"), *r[1:]) for r in rows]
    return sorted((tuple(r) for r in records), key=lambda r: (r[0], rank[r[1]])), reminders


def test_set_based_escalations_match_the_python_rules(campaign, make_user, now):
    p, teams, whitelisted = campaign
    second_head = make_user("county_head", "371502", username="head_a2")
    make_user("manager", username="boss2")
    db.session.add(
        Holiday(day=date(2026, 10, 20), is_workday=False, name="测试休息日")
    )  # the holiday table too
    entries = [
        whitelisted(f"督办测试企业{i}有限公司", code) for i, code in enumerate(("371502", "371502", "371503"))
    ]
    for entry, team, member in zip(
        entries, ("A", "B", "C"), ("member", "member_b", "other_member"), strict=True
    ):
        assignment.assign(p["lead"] if team != "C" else p["other_lead"], entry, teams[team], p[member], now)
    p["other_head"].is_active_flag = False  # 茌平区 has no head now: its 黄色督办 go to the managers
    tasks = db.session.scalars(
        select(Task).where(Task.entry_id.in_([e.id for e in entries])).order_by(Task.id)
    ).all()
    for i, task in enumerate(
        tasks
    ):  # due dates across 国庆 (10-01..10-07), the make-up Saturday 10-10, weekends
        task.status, task.due_date = OPEN, date(2026, 9, 24) + timedelta(days=i % 19)
    db.session.commit()
    set_mute(p["lead"], entries[0].id, True, now)  # 督办 reach muted targets too
    assert second_head.id != p["head"].id

    total = 0
    for day in ((2026, 10, 8), (2026, 10, 11), (2026, 10, 15), (2026, 10, 18), (2026, 10, 20), (2026, 10, 21),
                (2026, 10, 27), (2026, 11, 2)):  # fmt: skip
        want = expected(beijing(*day))
        got = scanned(beijing(*day))
        assert got == want, day
        total += len(got[0])
    levels = {level for (level,) in db.session.execute(select(Escalation.level))}
    assert levels == {"lead", "county", "city"} and total == db.session.scalar(
        select(db.func.count(Escalation.id))
    )
    assert db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "escalation_yellow")
    ).all()
