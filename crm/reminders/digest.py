"""The daily digest: on working days, one email per user who wants it, listing overdue and due-today tasks."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm import outbox
from crm.auth.models import User
from crm.extensions import db
from crm.plans.calendar import WorkCalendar
from crm.plans.queries import my_open_tasks
from crm.reminders.models import ChannelPreference
from crm.types import local_date


def send_digests(now: datetime, cal: WorkCalendar | None = None) -> int:
    """Queue today's digests (once per user per day); returns how many were new. Nothing on rest days."""
    cal = cal or WorkCalendar.load()
    today = local_date(now)
    if not cal.is_workday(today):
        return 0
    opted_out = set(
        db.session.scalars(select(ChannelPreference.user_id).where(ChannelPreference.digest.is_(False)))
    )
    rows = []
    for user in db.session.scalars(select(User).where(User.email.isnot(None), User.is_active_flag.is_(True))):
        if user.id in opted_out or not user.email:
            continue
        tasks = [t for t in my_open_tasks(user) if t.due_date <= today]
        if not tasks:
            continue
        lines = [f"- {t.due_date.isoformat()} {t.title}（{t.entry.enterprise.name}）" for t in tasks]
        rows.append({
            "dedupe_key": f"digest:{user.id}:{today}:email", "channel": "email", "user_id": user.id, "kind": "digest",
            "title": _("Your tasks for %(date)s: %(n)d due or overdue", date=today.isoformat(), n=len(tasks)),
            "body": "\n".join(lines),
        })  # fmt: skip
    return outbox.enqueue(rows, now)
