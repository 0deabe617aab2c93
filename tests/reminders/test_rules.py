"""Reminder rules at their working-day boundaries, dedupe across scans, escalation levels, mutes."""

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.plans.models import Task
from crm.reminders.delivery import deliver
from crm.reminders.models import Escalation, Notification
from crm.reminders.scan import scan
from crm.reminders.services import set_mute
from tests.reminders.conftest import beijing


def one_task(entry, due: date) -> Task:
    """Keep one open task due on `due` (and the plan's last step, far ahead, so the plan is not 'ending')."""
    tasks = db.session.scalars(select(Task).where(Task.entry_id == entry.id).order_by(Task.sort)).all()
    for task in tasks[1:-1]:
        task.status = "done"
    tasks[0].due_date = due
    tasks[-1].due_date = date(2027, 6, 30)
    db.session.commit()
    return tasks[0]


def kinds(user=None) -> list[str]:
    query = select(Notification.kind).where(Notification.channel == "inbox").order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def test_a_task_due_the_monday_after_national_day(worked):
    p, teams, entry = worked
    task = one_task(entry, date(2026, 10, 12))  # Monday after 国庆 (10-01 to 10-07; 10-10 a make-up Saturday)
    entry.last_contact_at = beijing(2026, 10, 9)  # keep the no-contact rule quiet
    db.session.commit()
    scan(
        beijing(2026, 9, 30)
    )  # 10-12 is 3 working days away (9-30 → 10-08, 10-09, 10-10, 10-12 = 4): nothing yet
    assert kinds() == []
    scan(beijing(2026, 10, 3))  # a holiday: nothing fires
    assert kinds() == []
    scan(beijing(2026, 10, 9))  # Friday: 10-10 (make-up) and 10-12 are the next 2 working days → due soon
    assert kinds(p["member"]) == ["due_soon"]
    scan(beijing(2026, 10, 10))  # still due soon, but once per task
    assert kinds(p["member"]) == ["due_soon"]
    scan(beijing(2026, 10, 12))
    assert kinds(p["member"]) == ["due_soon", "due_today"]
    scan(beijing(2026, 10, 13))
    scan(beijing(2026, 10, 13, 15))  # a second scan the same day adds nothing
    assert kinds(p["member"]) == ["due_soon", "due_today", "overdue"]
    assert task.title in db.session.scalar(select(Notification.title).where(Notification.kind == "overdue"))


def test_overdue_reminds_once_per_working_day_and_not_on_rest_days(worked):
    p, teams, entry = worked
    one_task(entry, date(2026, 10, 12))
    entry.last_contact_at = beijing(2026, 10, 12)
    db.session.commit()
    for day in (13, 14, 15, 16, 17, 18, 19):  # 10-17 and 10-18 are a weekend
        scan(beijing(2026, 10, day))
    overdue = db.session.scalars(select(Notification.dedupe_key).where(Notification.kind == "overdue",
                                                                      Notification.channel == "inbox")).all()  # fmt: skip
    assert sorted(k.split(":")[3] for k in overdue) == [f"2026-10-{d}" for d in (13, 14, 15, 16, 19)]


def test_escalations_climb_and_fire_on_rest_days(worked):
    p, teams, entry = worked
    task = one_task(entry, date(2026, 10, 12))
    entry.last_contact_at = beijing(2026, 10, 12)
    db.session.commit()
    scan(beijing(2026, 10, 14))  # 2 working days late
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0
    scan(beijing(2026, 10, 15))  # 3: the team leader (blue)
    blue = db.session.scalar(select(Escalation))
    assert (blue.level, blue.severity, blue.recipient_id, blue.overdue_days) == (
        "lead",
        "blue",
        p["lead"].id,
        3,
    )
    scan(beijing(2026, 10, 25))  # Sunday, 9 working days late: the county head (yellow), even on a rest day
    levels = dict(db.session.execute(select(Escalation.level, Escalation.recipient_id)).all())
    assert levels == {"lead": p["lead"].id, "county": p["head"].id}
    assert kinds(p["head"])[-1] == "escalation_yellow" and "overdue" not in kinds(p["head"])
    scan(beijing(2026, 10, 26))  # 10 working days: the city (red), to every manager
    assert dict(db.session.execute(select(Escalation.level, Escalation.severity)).all())["city"] == "red"
    assert "escalation_red" in kinds(p["manager"])
    scan(beijing(2026, 10, 27))
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 3  # once per level
    assert task.id == db.session.scalar(select(Escalation.task_id).limit(1))


def test_no_contact_and_plan_ending(worked):
    p, teams, entry = worked
    entry.last_contact_at = beijing(2026, 10, 8)
    db.session.commit()
    scan(beijing(2026, 10, 21))  # 9 working days since 10-08 (10-09, 10-10, 10-12..10-16, 10-19..10-21 = 10)
    silent = [k for k in kinds(p["member"]) if k == "no_contact"]
    assert silent == ["no_contact"]
    last = max(t.due_date for t in db.session.scalars(select(Task).where(Task.entry_id == entry.id)))
    scan(beijing(last.year, last.month, last.day))
    assert "plan_ending" in kinds(p["member"])


def test_muted_targets_get_no_reminders_but_escalations(worked, now):
    p, teams, entry = worked
    one_task(entry, date(2026, 10, 12))
    set_mute(p["member"], entry.id, True, now)
    set_mute(p["lead"], entry.id, True, now)
    scan(beijing(2026, 10, 15))
    assert kinds(p["member"]) == []
    assert kinds(p["lead"]) == ["escalation_blue"]


def test_scan_and_delivery_twice_deliver_each_reminder_once(worked):
    p, teams, entry = worked
    one_task(entry, date(2026, 10, 12))
    for _ in range(2):
        scan(beijing(2026, 10, 12))
        deliver(beijing(2026, 10, 12))
    items = db.session.scalars(select(InboxItem.title).where(InboxItem.user_id == p["member"].id)).all()
    due_today = [t for t in items if "今天到期" in t or "Due today" in t]
    assert len(due_today) == 1
    assert db.session.scalar(select(func.count()).where(Notification.status != "sent")) == 0


def test_daily_digest_once_per_working_day_for_users_who_want_it(worked):
    from crm.reminders.digest import send_digests
    from crm.reminders.services import save_preferences

    p, teams, entry = worked
    one_task(entry, date(2026, 10, 12))
    p["member"].email, p["lead"].email = "m@example.cn", "l@example.cn"
    db.session.commit()
    assert send_digests(beijing(2026, 10, 17)) == 0  # Saturday: no digest
    assert (
        send_digests(beijing(2026, 10, 13)) == 1
    )  # the member has an overdue task; the lead has nothing due yet
    assert send_digests(beijing(2026, 10, 13, 10)) == 0  # once a day
    digest = db.session.scalar(select(Notification).where(Notification.kind == "digest"))
    assert (digest.channel, digest.user_id) == ("email", p["member"].id) and "2026-10-12" in digest.body
    save_preferences(p["member"], email=True, digest=False)
    assert send_digests(beijing(2026, 10, 14)) == 0


def test_a_scan_costs_the_same_statements_whatever_the_number_of_tasks(worked):
    """Set-based: more overdue tasks add rows to the same statements, not statements."""
    from tests.test_query_counts import count_queries

    p, teams, entry = worked
    one_task(entry, date(2026, 10, 12))
    entry.last_contact_at = beijing(2026, 10, 9)
    db.session.commit()
    with count_queries() as few:
        scan(beijing(2026, 10, 14))
    for task in db.session.scalars(select(Task).where(Task.entry_id == entry.id)):
        task.status, task.due_date = "open", date(2026, 10, 9)
    db.session.commit()
    with count_queries() as more:
        scan(beijing(2026, 10, 15))
    assert kinds(p["member"]).count("overdue") > 2  # the many tasks were reminded
    # The same statements, plus at most the two that announce 督办 raised by this scan (one read of their tasks
    # per thousand, one write of their reminders), whatever the number of tasks.
    assert len(few) <= len(more) <= len(few) + 2
