"""Signed vs pipeline week by week: per-day counts grouped in SQL (one statement), summed into weeks here.

"Signed" counts projects with a counted agreement signed in the year (the signings goal), cumulative; "pipeline"
counts targets (whitelist entries) not yet signed.
"""

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Case,
    ColumnElement,
    Function,
    SQLColumnExpression,
    case,
    func,
    literal,
    select,
    union_all,
)

from crm.auth.models import User
from crm.drill import local_bounds
from crm.extensions import db
from crm.projects.models import Project
from crm.projects.queries import between, counted_clause
from crm.scope import counted_project_scope, entry_scope
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry as E

from .figures import PROJECTS, signed_args
from .period import Period


@dataclass
class Week:
    start: date
    end: date
    signed: int  # projects signed in the year up to the week's end
    pipeline: int  # whitelisted, not signed and not paused or dropped at the week's end
    args: dict  # drill-down for `signed` (the project list)
    target: str = PROJECTS


def local_day(column: SQLColumnExpression[datetime | None]) -> Function[Any]:
    """The local calendar day of a UTC timestamp column, in SQL."""
    zone = current_app.config["TIMEZONE"]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone, column))
    # SQLite stores UTC text; the bureau's zone (Asia/Shanghai) has had a fixed offset since 1991.
    offset = datetime.now(ZoneInfo(zone)).utcoffset() or timedelta()
    return func.date(column, f"{int(offset.total_seconds()):+d} seconds")


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _running(counts: Counter) -> Callable[[date], int]:
    """How many up to a day (inclusive): a running total over the sorted days, searched by bisection."""
    days = sorted(counts)
    totals = list(accumulate(counts[d] for d in days))

    def upto(end: date) -> int:
        i = bisect_right(days, end)
        return totals[i - 1] if i else 0

    return upto


def _counts(user: User, period: Period, first: date, counted: ColumnElement[bool]) -> dict[str, Counter]:
    """Per-day counts of the four series, in one statement: entries whitelisted, whitelisted entries signed,
    whitelisted entries paused or dropped before signing, and projects signed in the period (counted agreements,
    counted scope). Timestamps before the
    first week only need to be known as "before" (no time-zone conversion for them): they are counted on the day
    before it."""
    scope = entry_scope(user)
    whitelisted = E.whitelisted_at.isnot(None)
    before, _ = local_bounds(first, None)

    def day_of(column: SQLColumnExpression[datetime | None]) -> Case[Any]:
        return case((column < before, None), else_=local_day(column))

    entered = day_of(E.whitelisted_at)
    stopped = day_of(E.state_changed_at)
    parts = [
        select(literal("entered"), entered, func.count()).where(scope, whitelisted).group_by(entered),
        select(literal("left_signed"), E.signed_on, func.count())
        .where(scope, whitelisted, E.signed_on.isnot(None))
        .group_by(E.signed_on),
        select(literal("left_stopped"), stopped, func.count())
        .where(scope, whitelisted, E.signed_on.is_(None), E.state.in_((State.PAUSED, State.DROPPED)))
        .group_by(stopped),
        select(literal("signed"), Project.signed_on, func.count())
        .where(
            counted_project_scope(user),
            counted,
            between(Project.signed_on, period.start, period.end),
        )
        .group_by(Project.signed_on),
    ]
    counts: dict[str, Counter] = {
        name: Counter() for name in ("entered", "left_signed", "left_stopped", "signed")
    }
    earlier = first - timedelta(days=1)
    for series, day, n in db.session.execute(union_all(*parts)).all():
        counts[series][_day(day) if day is not None else earlier] += n
    return counts


def weeks(user: User, period: Period, today: date, counted: ColumnElement[bool] | None = None) -> list[Week]:
    """Monday–Sunday weeks of the period up to today. `counted`: counted_clause(), if read already."""
    first = period.start - timedelta(days=period.start.weekday())
    c = _counts(user, period, first, counted_clause() if counted is None else counted)
    out: list[Week] = []
    last = min(period.end, today)
    entered_by, signed_by, stopped_by, signed_in = (
        _running(c[name]) for name in ("entered", "left_signed", "left_stopped", "signed")
    )
    start = first
    base = signed_args(user, period)
    while start <= last:
        end = start + timedelta(days=6)
        pipeline = entered_by(end) - signed_by(end) - stopped_by(end)
        capped = min(end, period.end)
        out.append(Week(start, end, signed_in(capped), pipeline, {**base, "to": capped.isoformat()}))
        start += timedelta(days=7)
    return out
