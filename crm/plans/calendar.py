"""Working days under the State Council schedule (调休 included): chinese-calendar for the years it covers, the
administrator's holiday table for the rest (and for corrections). A year with no data falls back to Monday–Friday
and says so; nothing here ever raises for a date."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from crm.extensions import db
from crm.plans.models import Holiday


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass
class WorkCalendar:
    """A snapshot of the holiday table; build one per request or job with WorkCalendar.load()."""

    overrides: dict[date, bool] = field(default_factory=dict)
    uncovered: set[int] = field(default_factory=set)  # years answered by the Monday–Friday fallback
    _memo: dict[date, bool] = field(default_factory=dict, repr=False)  # a scan asks about the same days often

    @classmethod
    def load(cls) -> "WorkCalendar":
        rows = db.session.execute(select(Holiday.day, Holiday.is_workday)).all()
        return cls(overrides=dict(rows))

    def covered(self, year: int) -> bool:
        """True when the package or the holiday table knows the year's schedule."""
        return _package_covers(year) or any(d.year == year for d in self.overrides)

    def is_workday(self, day: date) -> bool:
        known = self._memo.get(day)
        if known is None:
            known = self._memo[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if not any(d.year == day.year for d in self.overrides):
                self.uncovered.add(day.year)
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n = 0: `day` or the next working day). Negative n counts back."""
        if n == 0:
            return self.next_workday(day)
        step = 1 if n > 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=i)))
