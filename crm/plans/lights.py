"""绿/黄/红 status lights against planned progress (序时进度), with the reason in words.

Yellow when a plan step is overdue by at least `light_yellow_overdue` working days; red when by at least
`light_red_overdue`, or when there has been no contact for `light_red_no_contact` working days. Thresholds are
settings. Only targets a team is working get a light."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select

from crm.drill import local_bounds
from crm.plans.calendar import WorkCalendar, request_calendar
from crm.plans.models import OPEN, Task
from crm.rows import rows
from crm.settings import get_ints
from crm.sqlin import among
from crm.types import local_date, utcnow
from crm.vocab import WORKING_STATES
from crm.whitelist.models import WhitelistEntry


@dataclass
class Light:
    colour: str  # green | yellow | red
    reasons: list[str] = field(default_factory=list)
    days_in_stage: int = 0

    @property
    def bootstrap(self) -> str:
        return {"green": "success", "yellow": "warning", "red": "danger"}[self.colour]


class Step(Protocol):
    """What a light reads of a plan step: a Task, or a row of its columns."""

    @property
    def title(self) -> str: ...

    @property
    def due_date(self) -> date: ...


def _overdue_steps(entry_ids: list[int], today: date) -> dict[int, Step]:
    """The earliest overdue open plan step of each entry (one query, of the two columns a light reads)."""
    query = (
        select(Task.entry_id, Task.title, Task.due_date)
        .where(
            among(Task.entry_id, entry_ids), Task.status == OPEN, Task.kind == "step", Task.due_date < today
        )
        .order_by(Task.due_date, Task.sort, Task.id)
    )
    earliest: dict[int, Step] = {}
    for row in rows(query):
        earliest.setdefault(row.entry_id, row)  # the first seen is the earliest due
    return earliest


class Lit(Protocol):
    """What a light is read from: a whitelist entry, or a copy of one's columns (crm.dashboard.watchlist)."""

    @property
    def id(self) -> int: ...

    @property
    def state(self) -> str: ...

    @property
    def state_changed_at(self) -> datetime: ...

    @property
    def last_contact_at(self) -> datetime | None: ...

    @property
    def plan_start(self) -> date | None: ...


def light_for(entry: Lit, overdue: Step | None, cal: WorkCalendar, today: date, limits: dict) -> Light:
    light = Light("green", days_in_stage=(today - local_date(entry.state_changed_at)).days)
    late = cal.workdays_between(overdue.due_date, today) if overdue else 0
    since = local_date(entry.last_contact_at) if entry.last_contact_at else entry.plan_start
    silent = cal.workdays_between(since, today) if since else 0
    if late >= limits["yellow"]:
        assert overdue is not None  # lateness comes from an overdue step
        light.colour = "red" if late >= limits["red"] else "yellow"
        light.reasons.append(_("step %(step)s is %(n)d working days overdue", step=overdue.title, n=late))
    if silent >= limits["silent"]:
        light.colour = "red"
        light.reasons.append(_("no contact for %(n)d working days", n=silent))
    if not light.reasons:
        light.reasons.append(_("on plan"))
    return light


def lights_for(entries: Sequence[Lit], today: date, cal: WorkCalendar | None = None) -> dict[int, Light]:
    """Lights for the working entries among `entries` (two queries whatever their number)."""
    working = [e for e in entries if e.state in WORKING_STATES]
    if not working:
        return {}
    cal, limits = cal or request_calendar(), _limits()
    overdue = _overdue_steps([e.id for e in working], today)
    return {e.id: light_for(e, overdue.get(e.id), cal, today, limits) for e in working}


def light_from_plan(entry: Lit, plan: Sequence[Task], today: date) -> Light | None:
    """The light of one entry whose whole plan the caller has read (its page): lights_for's light, with the
    earliest overdue step picked from `plan` instead of read again."""
    if entry.state not in WORKING_STATES:
        return None
    late = [t for t in plan if t.status == OPEN and t.kind == "step" and t.due_date < today]
    earliest = min(late, key=lambda t: (t.due_date, t.sort, t.id), default=None)  # _overdue_steps' order
    return light_for(entry, earliest, request_calendar(), today, _limits())


def _limits() -> dict[str, int]:
    settings = get_ints("light_yellow_overdue", "light_red_overdue", "light_red_no_contact")
    return {
        "yellow": settings["light_yellow_overdue"],
        "red": settings["light_red_overdue"],
        "silent": settings["light_red_no_contact"],
    }


def _late_cutoff(cal: WorkCalendar, today: date, n: int) -> date:
    """The latest date d with cal.workdays_between(d, today) >= n: a step due on or before it is n working days
    late (the SQL twin of light_for's count)."""
    day, counted = today, 0
    while True:
        if cal.is_workday(day):
            counted += 1
            if counted >= n:
                return day - timedelta(days=1)
        day -= timedelta(days=1)


def light_clause(
    colour: str, today: date | None = None, cal: WorkCalendar | None = None
) -> ColumnElement[bool]:
    """A WHERE clause on WhitelistEntry matching the entries whose light is `colour` (red or yellow) today, with
    the same thresholds as light_for, so the dashboard can count lights in SQL and the list can filter by them."""
    cal = cal or request_calendar()
    today = today or local_date(utcnow())
    settings = get_ints("light_yellow_overdue", "light_red_overdue", "light_red_no_contact")

    def overdue_by(n: int) -> ColumnElement[bool]:
        # An uncorrelated IN rather than a correlated EXISTS: PostgreSQL hashes the few thousand late steps once
        # (from ix_tasks_status_kind_due). It costed the EXISTS, inside the OR below, as one probe per entry and so
        # read the 66,000 worked entries row by row through an index (bench/pages.py, the red-light list).
        late = select(Task.entry_id).where(
            Task.status == OPEN, Task.kind == "step", Task.due_date <= _late_cutoff(cal, today, n)
        )
        return WhitelistEntry.id.in_(late)

    silent_since = _late_cutoff(cal, today, settings["light_red_no_contact"])
    _, before = local_bounds(None, silent_since)
    silent = or_(
        WhitelistEntry.last_contact_at < before,
        and_(WhitelistEntry.last_contact_at.is_(None), WhitelistEntry.plan_start <= silent_since),
    )
    # light_for turns a late step red only past both thresholds (they are not cross-validated).
    red = or_(overdue_by(max(settings["light_red_overdue"], settings["light_yellow_overdue"])), silent)
    working = WhitelistEntry.state.in_(WORKING_STATES)
    if colour == "red":
        return and_(working, red)
    return and_(working, ~red, overdue_by(settings["light_yellow_overdue"]))
