"""The scan's working tables and its set-based writes (issue 16).

A scan over 100,000 open tasks used to build every reminder and notification as a Python row, look its dedupe
key up, and insert the new ones a thousand at a time (60 s on PostgreSQL the first time in a day, 11.5 s after).
Now the database does the bulk of it:

- `scan_calendar` (a temporary table, one per connection): each day the scan needs with its working-day ordinal,
  so "working days from A to B" is `n(B) - n(A)` in SQL, exactly `WorkCalendar.workdays_between`;
- `scan_tasks` (temporary too): the open tasks the rules look at, selected once per scan;
- `scan_reminders` (temporary too): the scan's reminders. Task reminders and the announcements of the 督办 just
  raised (crm.reminders.escalation_scan) are written into it with INSERT … SELECT (titles built in SQL from the
  translated templates); the few reminders the scan still builds in Python (silent targets, funds returns) are
  added with one executemany;
- `fan_out`: one INSERT … SELECT of the keys not queued yet into the outbox (`insert_new`): the inbox for
  everyone, email for those with an address who did not turn it off, the team's robot once per reminder (once per
  督办 for all its recipients); muted targets are left out unless the reminder is urgent.

Temporary tables live with the connection, so two scanners never see each other's rows; the outbox's unique key
settles what both of them add."""

import contextlib
import re
import typing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    CursorResult,
    Date,
    Function,
    Integer,
    MetaData,
    Select,
    SQLColumnExpression,
    String,
    Table,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import dml as pg_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from crm.auth.models import User
from crm.extensions import db, dialect_insert
from crm.plans.calendar import WorkCalendar
from crm.reminders.models import PENDING, ChannelPreference, Mute, Notification
from crm.teams.models import Team
from crm.types import UTCDateTime

TITLE_LENGTH = 200
COUNTED = {
    "preserve_rowcount": True
}  # SQLAlchemy reports an INSERT … SELECT's rowcount only when asked (else -1)
_scratch = MetaData()
calendar_table = Table(
    "scan_calendar",
    _scratch,
    Column("day", Date, primary_key=True),
    Column("n", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
tasks_table = Table(  # the scan's open tasks, selected once and read by every rule
    "scan_tasks",
    _scratch,
    Column("id", Integer, primary_key=True),
    Column("title", String),
    Column("due_date", Date, nullable=False),
    Column("owner_id", Integer),
    Column("entry_id", Integer, nullable=False),
    Column("team_id", Integer),
    Column("region_id", Integer),
    Column("name", String),
    prefixes=["TEMPORARY"],
)
reminders_table = Table(
    "scan_reminders",
    _scratch,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe", String(200), nullable=False),  # the reminder's key; a channel suffix makes the outbox's
    Column(
        "robot", String(200), nullable=False
    ),  # the key of the team robot's message (per 督办, not per person)
    Column("user_id", Integer, nullable=False),
    Column("entry_id", Integer),
    Column("team_id", Integer),
    Column("kind", String(32), nullable=False),
    Column("title", String(TITLE_LENGTH), nullable=False),
    Column("body", String(2000)),
    Column("urgent", Boolean, nullable=False),
    prefixes=["TEMPORARY"],
)


def prepare() -> None:
    """The scan's temporary tables on this connection, empty. On PostgreSQL the scan's joins and sorts of a few
    hundred thousand rows get the memory to hash and sort in memory (for this transaction only)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    for table in (calendar_table, tasks_table, reminders_table):
        db.session.execute(CreateTable(table, if_not_exists=True))
        db.session.execute(delete(table))


def stage_tasks(query: Select[*tuple[Any, ...]]) -> None:
    """The scan's task selection materialised once: `query` yields the columns of `scan_tasks` in order. The
    temporary table is analyzed on PostgreSQL (autovacuum never sees temporary tables), so the rules' joins
    are planned from its real size."""
    columns = [c.name for c in tasks_table.c]
    db.session.execute(insert(tasks_table).from_select(columns, query))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE scan_tasks"))


class Ordinals:
    """Working-day ordinals of the days from `first` to `last`, kept in `scan_calendar` for the SQL and here for
    Python: `between(a, b)` = working days after a up to and including b (negative when b is earlier)."""

    def __init__(self, cal: WorkCalendar, first: date, last: date) -> None:
        self.first, self.n = first, {}
        count, day = 0, first
        while day <= last:
            if day > first and cal.is_workday(day):
                count += 1
            self.n[day] = count
            day += timedelta(days=1)
        db.session.execute(insert(calendar_table), [{"day": d, "n": n} for d, n in self.n.items()])

    def __getitem__(self, day: date) -> int:
        return self.n[day]


def sql_concat(*parts: str | SQLColumnExpression[Any]) -> ColumnElement[str]:
    """'task:' || id || ':due_today:' || … as SQL: strings are literals, the rest columns or expressions."""
    expr: ColumnElement[str] | None = None
    for part in parts:
        piece = literal(part, String) if isinstance(part, str) else cast(part, String)
        expr = piece if expr is None else expr + piece
    assert expr is not None  # every caller gives parts
    return expr


def sql_format(template: str, **values: str | SQLColumnExpression[Any]) -> Function[Any]:
    """A translated template ("逾期 %(n)d 个工作日：%(task)s（%(name)s）") as a SQL string expression, each
    placeholder replaced by the expression given for it; cut to the outbox's title length."""
    parts = re.split(r"%\((\w+)\)[sd]", template.replace("%%", "%"))
    expr: ColumnElement[str] = literal(parts[0], String)
    for i in range(1, len(parts), 2):
        value = values[parts[i]]
        expr = expr + (cast(value, String) if not isinstance(value, str) else literal(value, String))
        if parts[i + 1]:
            expr = expr + literal(parts[i + 1], String)
    return func.substr(expr, 1, TITLE_LENGTH)


def stage_from(query: Select[*tuple[Any, ...]]) -> int:
    """INSERT INTO scan_reminders SELECT …: `query` yields (dedupe, robot, user_id, entry_id, team_id, kind,
    title, urgent)."""
    columns = ["dedupe", "robot", "user_id", "entry_id", "team_id", "kind", "title", "urgent"]
    return typing.cast(  # an INSERT's result: a CursorResult
        CursorResult[Any],
        db.session.execute(insert(reminders_table).from_select(columns, query), execution_options=COUNTED),
    ).rowcount


def stage_rows(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(reminders_table), rows)


def fan_out(now: datetime) -> int:
    """The staged reminders into the outbox, once per dedupe key, in one INSERT … SELECT; returns how many
    notifications are new. Rows are queued reminder by reminder (its inbox, its email, its robot message), as
    the delivery claims them in id order."""
    r = reminders_table
    nobody = cast(null(), Integer)  # typed: a bare NULL in a UNION is text to PostgreSQL
    muted = exists().where(Mute.user_id == r.c.user_id, Mute.entry_id == r.c.entry_id)
    heard = r.c.urgent.is_(True) | ~muted
    no_email = exists().where(ChannelPreference.user_id == r.c.user_id, ChannelPreference.email.is_(False))
    inbox = select(r.c.dedupe + ":inbox", literal("inbox"), r.c.user_id, nobody, r.c.entry_id, r.c.kind, r.c.title,
                   r.c.body, r.c.id, literal(0)).where(heard)  # fmt: skip
    email = (
        select(r.c.dedupe + ":email", literal("email"), r.c.user_id, nobody, r.c.entry_id, r.c.kind, r.c.title,
               r.c.body, r.c.id, literal(1))
        .join(User, User.id == r.c.user_id)
        .where(heard, User.email.isnot(None), User.email != "", ~no_email)
    )  # fmt: skip
    robot_key = r.c.robot + ":webhook:" + cast(r.c.team_id, String)
    robot = (  # one message per robot key, however many people the reminder reached
        select(robot_key, literal("webhook"), nobody, r.c.team_id, func.min(r.c.entry_id), func.min(r.c.kind),
               func.min(r.c.title), func.min(r.c.body), func.min(r.c.id), literal(2))
        .join(Team, Team.id == r.c.team_id)
        .where(heard, Team.webhook_url.isnot(None), Team.webhook_url != "")
        .group_by(robot_key, r.c.team_id)
    )  # fmt: skip
    rows = union_all(inbox, email, robot).subquery()
    key, channel, user_id, team_id, entry_id, kind, title, body, seq, rank = rows.c
    at = literal(now, UTCDateTime)
    query = (
        select(
            key, channel, user_id, team_id, entry_id, kind, title, body, literal(PENDING), literal(0), at, at
        )
        .where(~exists().where(Notification.dedupe_key == key))  # what is queued already, as one anti-join
        .order_by(seq, rank)
    )
    columns = ["dedupe_key", "channel", "user_id", "team_id", "entry_id", "kind", "title", "body", "status",
               "attempts", "next_attempt_at", "created_at"]  # fmt: skip
    return insert_new(dialect_insert(Notification.__table__).from_select(columns, query))


def insert_new(statement: pg_dml.Insert | sqlite_dml.Insert) -> int:
    """Run an INSERT … SELECT whose SELECT leaves out the rows already there (an anti-join on the unique key);
    returns how many rows were added. Exactly once either way: the unique key settles a race.

    ON CONFLICT makes PostgreSQL check the unique key before each row and then insert it speculatively; a plain
    INSERT of what the anti-join left is about a third cheaper at 300,000 rows. Should another scanner add one of
    the same keys meanwhile, the unique key refuses the statement: its savepoint is rolled back and the rows go
    in again with ON CONFLICT DO NOTHING. SQLite checks the key once either way, so it takes ON CONFLICT at once."""
    if db.engine.dialect.name == "postgresql":
        with (
            contextlib.suppress(IntegrityError),
            db.session.begin_nested(),
        ):  # refused: the savepoint rolls back
            # An INSERT's result: a CursorResult.
            return typing.cast(
                CursorResult[Any], db.session.execute(statement, execution_options=COUNTED)
            ).rowcount
    return typing.cast(
        CursorResult[Any], db.session.execute(statement.on_conflict_do_nothing(), execution_options=COUNTED)
    ).rowcount


def staged() -> int:
    return typing.cast(  # count(): always a row
        int, db.session.scalar(select(func.count()).select_from(reminders_table).where(true()))
    )


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
        """The reminder as a row of the scan's staging table."""
        robot = (
            self.key.rsplit(":", 1)[0] if self.urgent else self.key
        )  # one robot message per 督办, not per person
        return {"dedupe": self.key, "robot": robot, "user_id": self.user_id, "entry_id": self.entry_id,
                "team_id": self.team_id, "kind": self.kind, "title": self.title[: TITLE_LENGTH],
                "body": self.body, "urgent": self.urgent}  # fmt: skip
