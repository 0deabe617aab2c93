"""督办 raised set-based (issue 16): the scan's escalation records and the reminders announcing them.

The ladder: a task overdue ≥ `escalate_lead` working days goes to its team leader (蓝); ≥ `escalate_county` to
the county head of its target's region (黄; the managers where the region has none); ≥ `escalate_city` to the city
managers (红). Each level once per task: per level, an INSERT … SELECT over the scan's tasks
(crm.reminders.staging.tasks_table) of those without a record of that level (the records are unique on task and
level: crm.reminders.staging.insert_new settles a race). The records name one recipient (the first head or
manager); the reminders go to every head or manager of the level, urgent (muted targets hear them too).

Only the 督办 this scan raised are announced. They are the rows above the highest escalation id read before the
inserts: a sequence only grows, so every row this scan adds is there. A concurrent scanner's rows committed in
between may be there too; announcing them again adds nothing, the outbox's dedupe keys settle it. Before, the
raised rows came back through RETURNING and their reminders were built in Python and staged with executemany
(67,500 督办 at once on the benchmark's first scan)."""

from datetime import date, datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    Table,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from crm.auth.models import User
from crm.extensions import db, dialect_insert
from crm.reminders import staging
from crm.reminders.models import Escalation
from crm.teams.models import Team
from crm.types import UTCDateTime
from crm.vocab import SEVERITY_LABELS, Role

SEVERITY = {"lead": "blue", "county": "yellow", "city": "red"}
LEVELS = (("lead", "escalate_lead"), ("county", "escalate_county"), ("city", "escalate_city"))


def raise_escalations(today: date, today_n: int, limits: dict, now: datetime) -> int:
    """The 督办 due by `today` (`today_n` its working-day ordinal in the scan's calendar) not raised before, and
    their reminders staged; returns how many were raised."""
    # An aggregate: always one row.
    before = cast(int, db.session.scalar(select(func.coalesce(func.max(Escalation.id), 0))))
    raised = sum(_raise_level(level, limits[limit], today, today_n, now) for level, limit in LEVELS)
    if raised:
        staging.stage_from(_announcements(before))
    return raised


def _first_manager() -> ColumnElement:
    return (
        select(func.min(User.id))
        .where(User.is_active_flag.is_(True), User.role == Role.MANAGER)
        .scalar_subquery()
    )


def _raise_level(level: str, limit: int, today: date, today_n: int, now: datetime) -> int:
    tasks, cal = staging.tasks_table, staging.calendar_table
    late = literal(today_n, Integer) - cal.c.n
    raised = exists().where(Escalation.task_id == tasks.c.id, Escalation.level == level)
    query = select(tasks.c.id, tasks.c.entry_id, literal(level), literal(SEVERITY[level]))
    recipient: SQLColumnExpression[Any]
    if level == "lead":
        recipient = Team.leader_id
        query = query.join(Team, Team.id == tasks.c.team_id)
    elif level == "county":
        # Each region's first head read once, joined (a subquery per task made SQLite scan the users per row)
        heads = (
            select(User.region_id, func.min(User.id).label("head"))
            .where(User.is_active_flag.is_(True), User.role == Role.COUNTY_HEAD)
            .group_by(User.region_id)
            .subquery()
        )
        recipient = func.coalesce(heads.c.head, _first_manager())
        query = query.outerjoin(heads, heads.c.region_id == tasks.c.region_id)
    else:
        recipient = _first_manager()
    query = (
        query.add_columns(recipient, late, literal(now, UTCDateTime))
        .join(cal, cal.c.day == tasks.c.due_date)
        .where(tasks.c.due_date < today, late >= limit, recipient.isnot(None), ~raised)
        .order_by(tasks.c.id)
    )
    columns = ["task_id", "entry_id", "level", "severity", "recipient_id", "overdue_days", "created_at"]
    return staging.insert_new(dialect_insert(Escalation.__table__).from_select(columns, query))


def _recipients(
    level: str, tasks: Table
) -> tuple[SQLColumnExpression[int | None], type[Team] | type[User], ColumnElement[bool]]:
    """Who hears a 督办 of `level` on a task: (their id, the table it comes from, how that table is joined)."""
    if level == "lead":
        return Team.leader_id, Team, Team.id == tasks.c.team_id
    active = User.is_active_flag.is_(True)
    if level == "city":
        return User.id, User, and_(active, User.role == Role.MANAGER)
    head = User.__table__.alias("head")
    region_has_head = exists().where(
        head.c.is_active.is_(True), head.c.role == Role.COUNTY_HEAD, head.c.region_id == tasks.c.region_id
    )
    heads = and_(User.role == Role.COUNTY_HEAD, User.region_id == tasks.c.region_id)
    return User.id, User, and_(active, or_(heads, and_(User.role == Role.MANAGER, ~region_has_head)))


def _announcements(before: int) -> Select[*tuple[Any, ...]]:
    """One reminder per recipient of each 督办 above `before`, in the order of task, level and recipient; the
    title is the translated template filled in SQL."""
    tasks, e = staging.tasks_table, Escalation.__table__
    template = _("督办 (%(severity)s): %(task)s of %(name)s is %(n)d working days overdue")
    parts = []
    for rank, (level, _limit) in enumerate(LEVELS):
        severity = SEVERITY[level]
        user_id, source, on = _recipients(level, tasks)
        key = staging.sql_concat("escalation:", tasks.c.id, f":{level}:", user_id)
        title = staging.sql_format(template, severity=SEVERITY_LABELS[severity], task=tasks.c.title,
                                   name=tasks.c.name, n=e.c.overdue_days)  # fmt: skip
        query = (
            select(key.label("dedupe"), staging.sql_concat("escalation:", tasks.c.id, f":{level}").label("robot"),
                   user_id.label("user_id"), tasks.c.entry_id, tasks.c.team_id,
                   literal(f"escalation_{severity}").label("kind"), title.label("title"),
                   literal(True).label("urgent"), tasks.c.id.label("task_id"), literal(rank).label("rank"))
            .select_from(e.join(tasks, tasks.c.id == e.c.task_id))
            .join(source, on)
            .where(e.c.id > before, e.c.level == level, user_id.isnot(None))
        )  # fmt: skip
        parts.append(query)
    rows = union_all(*parts).subquery()
    return select(
        rows.c.dedupe,
        rows.c.robot,
        rows.c.user_id,
        rows.c.entry_id,
        rows.c.team_id,
        rows.c.kind,
        rows.c.title,
        rows.c.urgent,
    ).order_by(rows.c.task_id, rows.c.rank, rows.c.user_id)
