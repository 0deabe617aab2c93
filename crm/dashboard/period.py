"""The periods the dashboard reports on: a calendar year and a Monday–Sunday week, in local dates."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def week_of(cls, day: date) -> "Period":
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6))

    @classmethod
    def last_full_week(cls, today: date) -> "Period":
        """The most recent Monday–Sunday week that has ended: what the Monday meeting reviews."""
        return cls.week_of(today - timedelta(days=today.weekday() + 1))

    def args(self) -> dict:
        """The drill-down query-string arguments for this period."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def shifted(self, weeks: int) -> "Period":
        delta = timedelta(weeks=weeks)
        return Period(self.start + delta, self.end + delta)
