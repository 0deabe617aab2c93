"""Working days under the State Council schedule (调休 included): chinese-calendar for the years it covers, the
administrator's holiday table for the rest (and for corrections).

Each answer has a source: `package` (chinese-calendar knows the year), `confirmed` (an administrator marked that
year's State Council notice as entered: crm.plans.models.HolidayYear) or `provisional` (neither: the statutory
holidays of crm.plans.holidays_provisional, the holiday table's rows, Monday–Friday otherwise). Entering one date of
a year does not confirm it. Nothing here ever raises for a date."""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeGuard, cast

import chinese_calendar
from flask import current_app, has_request_context, request
from sqlalchemy import select

from crm.extensions import db
from crm.kept import Kept
from crm.plans.holidays_provisional import statutory_holidays
from crm.plans.models import Holiday, HolidayYear

PACKAGE, CONFIRMED, PROVISIONAL = "package", "confirmed", "provisional"


@lru_cache(maxsize=256)
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def package_workday(day: date) -> bool:
    """chinese_calendar.is_workday for a year it covers, without its per-call check of the year, which takes the
    min and max of every holiday it knows (90 µs a day: a project light's cutoffs walk some 500 days)."""
    return day in chinese_calendar.workdays or (day.weekday() < 5 and day not in chinese_calendar.holidays)


@dataclass
class WorkCalendar:
    """A snapshot of the holiday table; build one per request or job with WorkCalendar.load()."""

    overrides: dict[date, bool] = field(default_factory=dict)
    confirmed_years: set[int] = field(
        default_factory=set
    )  # years whose State Council notice an admin entered
    uncovered: set[int] = field(default_factory=set)  # years asked about and answered provisionally
    _memo: dict[date, bool] = field(default_factory=dict, repr=False)  # a scan asks about the same days often
    # For counting: each year's running count of working days (day of year → count up to it) and, for each year
    # worked out so far, the working days from 1 January of the first one up to its own 1 January.
    _running: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _year_starts: dict[int, int] = field(default_factory=dict, repr=False)
    # Answers worked out from this reading by others, by key (remembered): a project light's cutoffs walk some 500
    # days, and every page with a project's light worked them out again.
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> "WorkCalendar":
        rows = db.session.execute(select(Holiday.day, Holiday.is_workday)).all()
        years = set(db.session.scalars(select(HolidayYear.year)))
        return cls(overrides=dict(rows), confirmed_years=years)

    @classmethod
    def kept(cls, seconds: float) -> "WorkCalendar":
        """A calendar on the holiday table as this process read it less than `seconds` ago (read again at once
        when this process writes it), sharing the answers already worked out from that reading."""
        shared = _kept.get("tables", seconds, cls.load, keep=lambda _cal: True)
        return cls(overrides=shared.overrides, confirmed_years=shared.confirmed_years, _memo=shared._memo,
                   _running=shared._running, _year_starts=shared._year_starts,
                   _derived=shared._derived)  # fmt: skip

    def remembered(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """build(), worked out once per reading of the holiday table: `key` must hold everything else the answer
        depends on (the day, the settings). The answer is shared: read it, do not change it."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found

    def covered(self, year: int) -> bool:
        """True when the year's schedule is known: the package covers it or an administrator confirmed it."""
        return _package_covers(year) or year in self.confirmed_years

    def source(self, day: date) -> str:
        """Where the answer for `day` comes from: PACKAGE, CONFIRMED or PROVISIONAL."""
        if _package_covers(day.year):
            return PACKAGE
        return CONFIRMED if day.year in self.confirmed_years else PROVISIONAL

    def provisional(self, day: date | None) -> TypeGuard[date]:
        return day is not None and self.source(day) == PROVISIONAL

    def provisional_years(self, days: Iterable[date | None]) -> list[int]:
        """The provisional years among `days`, in order (for one notice per year above a list of dates)."""
        return sorted({d.year for d in days if self.provisional(d)})

    def is_workday(self, day: date) -> bool:
        known = self._memo.get(day)
        if known is None:
            known = self._memo[day] = self._answer(day)
        if not self.covered(day.year) and day not in self.overrides:  # answered provisionally
            self.uncovered.add(day.year)
        return known

    def _answer(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if _package_covers(day.year):
            return package_workday(day)
        # The statutory days are rest days whatever the year's notice adds (it adds bridging and make-up days),
        # so a confirmed year keeps them too unless the table says otherwise.
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

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
        """Working days after `start` up to and including `end` (negative when `end` is earlier).

        A difference of two running counts, each a lookup once its year is worked out (per process, with the
        kept calendar): a team page's lights count the working days since each target's last contact, some
        1,600 days a page when they were walked one by one."""
        first, last = (start, end) if start <= end else (end, start)
        if first < last:  # the days counted are first + 1 … last: their years are asked about
            for year in range((first + timedelta(days=1)).year, last.year + 1):
                if not self.covered(year):
                    self.uncovered.add(year)
        return self._rank(end) - self._rank(start)

    def _rank(self, day: date) -> int:
        """Working days from 1 January of the first year worked out up to and including `day`."""
        return self._year_start(day.year) + self._running_count(day.year)[day.timetuple().tm_yday - 1]

    def _running_count(self, year: int) -> list[int]:
        counts = self._running.get(year)
        if counts is None:
            counts, total, day = [], 0, date(year, 1, 1)
            while day.year == year:
                known = self._memo.get(day)
                if known is None:  # not flagged: a year may be worked out only to count across it
                    known = self._memo[day] = self._answer(day)
                total += known
                counts.append(total)
                if day == date.max:
                    break
                day += timedelta(days=1)
            self._running[year] = counts
        return counts

    def _year_start(self, year: int) -> int:
        starts = self._year_starts
        if year not in starts:
            if not starts:
                starts[year] = 0
            elif year > max(starts):
                for y in range(max(starts), year):
                    starts[y + 1] = starts[y] + self._running_count(y)[-1]
            else:
                for y in range(min(starts) - 1, year - 1, -1):
                    starts[y] = starts[y + 1] - self._running_count(y)[-1]
        return starts[year]


# The holiday table as a web process last read it (REFDATA_CACHE_SECONDS, like the other reference data).
_kept = Kept("calendar", touches=lambda classes: any(c in (Holiday, HolidayYear) for c in classes))


def request_calendar() -> WorkCalendar:
    """The current request's calendar, loaded once (its view and templates share it), from the holiday table as
    this process read it within REFDATA_CACHE_SECONDS; a fresh one outside a request (the scheduler's jobs).
    Kept on the request, not on `g`: tests hold one app context across many requests."""
    if not has_request_context():
        return WorkCalendar.load()
    cal = getattr(request, "_work_calendar", None)
    if cal is None:
        seconds = current_app.config["REFDATA_CACHE_SECONDS"]
        # A private attribute of this request object, which Request does not declare. (0 seconds: read afresh.)
        cal = cast(Any, request)._work_calendar = WorkCalendar.kept(seconds)
    return cal
