"""Signed vs pipeline week by week: per-day counts grouped in SQL, summed into weeks here (≤ 366 rows)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from crm.scope import entry_scope
from crm.vocab import State
from crm.whitelist.drill import milestone_clause
from crm.whitelist.models import WhitelistEntry as E

from .period import Period


@dataclass
class Week:
    start: date
    end: date
    signed: int  # signed in the year up to the week's end
    pipeline: int  # whitelisted, not signed and not paused or dropped at the week's end
    args: dict  # drill-down for `signed`


def local_day(column):
    """The local calendar day of a UTC timestamp column, in SQL."""
    zone = current_app.config["TIMEZONE"]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone, column))
    # SQLite stores UTC text; the bureau's zone (Asia/Shanghai) has had a fixed offset since 1991.
    offset = datetime.now(ZoneInfo(zone)).utcoffset() or timedelta()
    return func.date(column, f"{int(offset.total_seconds()):+d} seconds")


def _per_day(query) -> Counter:
    counts: Counter = Counter()
    for day, n in db.session.execute(query).all():
        counts[day if isinstance(day, date) else date.fromisoformat(day)] += n
    return counts


def weeks(user: User, period: Period, today: date) -> list[Week]:
    scope = entry_scope(user)
    whitelisted = E.whitelisted_at.isnot(None)
    day = local_day(E.whitelisted_at)
    entered = _per_day(select(day, func.count()).where(scope, whitelisted).group_by(day))
    left_signed = _per_day(
        select(E.signed_on, func.count())
        .where(scope, whitelisted, E.signed_on.isnot(None))
        .group_by(E.signed_on)
    )
    changed = local_day(E.state_changed_at)
    left_stopped = _per_day(
        select(changed, func.count())
        .where(scope, whitelisted, E.signed_on.is_(None), E.state.in_((State.PAUSED, State.DROPPED)))
        .group_by(changed)
    )
    signed = _per_day(
        select(E.signed_on, func.count())
        .where(scope, milestone_clause("signed", period.start, period.end))
        .group_by(E.signed_on)
    )
    out: list[Week] = []
    first = period.start - timedelta(days=period.start.weekday())
    last = min(period.end, today)
    start = first
    while start <= last:
        end = start + timedelta(days=6)

        def upto(counts: Counter, end: date = end) -> int:
            return sum(n for d, n in counts.items() if d <= end)

        pipeline = upto(entered) - upto(left_signed) - upto(left_stopped)
        capped = min(end, period.end)
        out.append(
            Week(start, end, upto(signed, capped), pipeline, {"milestone": "signed", "from": period.start.isoformat(),
                                                              "to": capped.isoformat()})
        )  # fmt: skip
        start += timedelta(days=7)
    return out
