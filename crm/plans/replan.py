"""After the holidays change: which open plan steps would move, and moving them in one step.

A template step's due date is `add_workdays(plan_start, offset)` (crm.plans.services.instantiate_plan); the step
keeps its offset (Task.offset_workdays), so the re-plan recomputes that date under today's calendar. Steps added or
dated by hand (no offset), follow-ups, project milestones and every step that is not open keep their dates."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.history import record_event
from crm.outbox import insert_ignoring_duplicates
from crm.plans.calendar import WorkCalendar
from crm.plans.models import OPEN, Task
from crm.reminders.models import PENDING, Notification
from crm.vocab import Action
from crm.whitelist.models import WhitelistEntry


@dataclass
class Move:
    task: Task
    old: date
    new: date


def pending_moves(cal: WorkCalendar) -> list[Move]:
    """Open template steps whose due date differs from the one their plan's start and offset give now.

    Plain columns first (every open step of every plan; the Task rows with their entries' eager joins would cost
    seconds on a large database), then the moved steps alone as objects."""
    query = (
        select(Task.id, Task.due_date, Task.offset_workdays, WhitelistEntry.plan_start)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(
            Task.status == OPEN,
            Task.kind == "step",
            Task.offset_workdays.isnot(None),
            WhitelistEntry.plan_start.isnot(None),
        )  # fmt: skip
    )
    memo: dict[tuple[date, int], date] = {}  # plans started the same day share their dates
    changed: dict[int, tuple[date, date]] = {}
    for task_id, due, offset, start in db.session.execute(query):
        assert start is not None and offset is not None  # the query leaves out the rows without them
        if (start, offset) not in memo:
            memo[start, offset] = cal.add_workdays(cal.next_workday(start), offset)
        if memo[start, offset] != due:
            changed[task_id] = (due, memo[start, offset])
    moves = []
    for chunk in _chunks(sorted(changed), 500):
        tasks = db.session.scalars(select(Task).where(Task.id.in_(chunk))).unique()
        moves += [Move(task, *changed[task.id]) for task in tasks]
    return sorted(moves, key=lambda m: (m.task.entry_id, m.task.sort, m.task.id))


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def replan(actor: User, now: datetime, cal: WorkCalendar | None = None) -> list[Move]:
    """Give every pending move its new date, an event on its entry and a notice to the step's owner; commit.

    Idempotent: once moved, a step is no longer a pending move; a notice's dedupe key names the moves it reports,
    so running twice (or two administrators at once) queues it once."""
    moves = pending_moves(cal or WorkCalendar.load())
    by_owner: dict[int, list[Move]] = {}
    for move in moves:
        task, entry = move.task, move.task.entry
        task.due_date = move.new
        detail = _("Holidays changed: %(title)s %(old)s → %(new)s", title=task.title, old=move.old.isoformat(),
                   new=move.new.isoformat())  # fmt: skip
        record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.PLAN,
                     detail=detail)  # fmt: skip
        by_owner.setdefault(task.owner_id, []).append(move)
    if by_owner:
        db.session.flush()
        insert_ignoring_duplicates(
            Notification.__table__, [_notice(uid, ms, now) for uid, ms in by_owner.items()]
        )
    db.session.commit()
    return moves


def _notice(user_id: int, moves: list[Move], now: datetime) -> dict:
    lines = [
        f"{m.task.entry.enterprise.name} · {m.task.title}：{m.old.isoformat()} → {m.new.isoformat()}"
        for m in moves
    ]
    digest = hashlib.sha1("|".join(f"{m.task.id}:{m.new}" for m in moves).encode()).hexdigest()[:16]
    return {
        "dedupe_key": f"replan:{user_id}:{digest}:inbox",
        "channel": "inbox",
        "user_id": user_id,
        "entry_id": moves[0].task.entry_id if len({m.task.entry_id for m in moves}) == 1 else None,
        "kind": "replan",
        "title": _("%(n)d plan steps moved because the holidays changed", n=len(moves)),
        "body": "\n".join(lines),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
