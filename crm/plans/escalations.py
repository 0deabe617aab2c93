"""督办 that end with their task: a step completed (or a milestone cancelled) before anyone acknowledged its 督办
closes it, with an event on the target's trail, so nobody is left to acknowledge a finished task."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from crm.auth.models import User
from crm.extensions import db
from crm.history import record_event
from crm.plans.models import Task
from crm.reminders.models import Escalation
from crm.vocab import SEVERITY_LABELS, Action
from crm.whitelist.models import WhitelistEntry


def close_escalations(task_ids: list[int], actor: User, now: datetime, done: bool = True) -> int:
    """Close the open 督办 of `task_ids` (neither acknowledged nor closed), one event per task naming its levels;
    returns how many were closed. No commit: it is part of what completed the tasks."""
    if not task_ids:
        return 0
    # What the caller changed but has not flushed (the completed task, the log) decides nothing read here; it is
    # written with the rest of the caller's changes (one flush fewer for a contact log that completes a step).
    with db.session.no_autoflush:
        rows = _open_escalations(task_ids)
    by_task: dict[int, list[tuple[Escalation, str, int]]] = {}
    for escalation, title, enterprise_id in rows:
        escalation.closed_at = now
        by_task.setdefault(escalation.task_id, []).append((escalation, title, enterprise_id))
    why = _("the task was completed") if done else _("the task was cancelled")
    for closed in by_task.values():
        first, title, enterprise_id = closed[0]
        levels = "、".join(SEVERITY_LABELS[e.severity] for e, _title, _id in closed)
        record_event(enterprise_id=enterprise_id, entry_id=first.entry_id, actor=actor, at=now,
                     action=Action.ESCALATION_CLOSE, detail=f"{title}（{levels}）：{why}")  # fmt: skip
    return len(rows)


def _open_escalations(task_ids: list[int]) -> list:
    return list(
        db.session.execute(
            select(Escalation, Task.title, WhitelistEntry.enterprise_id)
            .join(Task, Task.id == Escalation.task_id)
            .join(WhitelistEntry, WhitelistEntry.id == Escalation.entry_id)
            .where(
                Escalation.task_id.in_(task_ids),
                Escalation.acknowledged_at.is_(None),
                Escalation.closed_at.is_(None),
            )
            .order_by(Escalation.task_id, Escalation.id)
            # Its own columns only: closing one reads none of its task's, recipient's or target's (the default
            # joined loads joined the target's fourteen tables as well).
            .options(lazyload("*"))
        ).all()
    )
