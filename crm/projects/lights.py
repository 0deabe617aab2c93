"""绿/黄/红 for projects against their own milestones and schedule (thresholds are settings, in working days):

- signed but not registered `project_register_days` after signing;
- registered but not started `project_start_days` after registration;
- verified 到位资金 behind the planned schedule `project_funds_grace_days` after a planned month ended.

Yellow when one of them is missed, red when it stays missed `project_red_extra_days` more. `light_clause` is the
SQL twin of `lights_for`, so the list filter, the dashboard count and the badge agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_

from crm.plans.calendar import WorkCalendar, request_calendar
from crm.projects.models import Project
from crm.settings import get_ints


@dataclass(frozen=True)
class Cutoffs:
    """The latest dates (and planned months) that are already late today, per colour."""

    register: dict[str, date]  # signed on or before → late to register
    start: dict[str, date]  # registered on or before → late to start
    funds: dict[str, date | None]  # planned months up to and including this one are due


def _month_due(cal: WorkCalendar, today: date, grace: int) -> date | None:
    """The last month whose end, plus `grace` working days, lies before today."""
    month = today.replace(day=1)
    for _i in range(60):  # the settings allow up to 700 working days: under three years
        month = (month - timedelta(days=1)).replace(day=1)
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if cal.add_workdays(end, grace) < today:
            return month
    return None


def cutoffs(today: date, cal: WorkCalendar | None = None) -> Cutoffs:
    """The dates a project's light compares with today, worked out once per day, settings and reading of the
    holiday table (crm.plans.calendar.WorkCalendar.remembered)."""
    cal = cal or request_calendar()
    s = get_ints(
        "project_register_days", "project_start_days", "project_red_extra_days", "project_funds_grace_days"
    )
    key = ("project_cutoffs", today, *sorted(s.items()))
    return cast(Cutoffs, cal.remembered(key, lambda: _cutoffs(cal, today, s)))


def _cutoffs(cal: WorkCalendar, today: date, s: dict[str, int]) -> Cutoffs:
    extra = s["project_red_extra_days"]
    return Cutoffs(
        register={"yellow": cal.add_workdays(today, -s["project_register_days"]),
                  "red": cal.add_workdays(today, -(s["project_register_days"] + extra))},
        start={"yellow": cal.add_workdays(today, -s["project_start_days"]),
               "red": cal.add_workdays(today, -(s["project_start_days"] + extra))},
        funds={"yellow": _month_due(cal, today, s["project_funds_grace_days"]),
               "red": _month_due(cal, today, s["project_funds_grace_days"] + extra)},
    )  # fmt: skip


def _late(c: Cutoffs, colour: str) -> ColumnElement[bool]:
    clauses = [
        and_(Project.state == "signed", Project.signed_on <= c.register[colour]),
        and_(Project.state == "landed", Project.landed_on.isnot(None), Project.landed_on <= c.start[colour]),
    ]
    due = c.funds[colour]
    if due is not None:
        # Behind the schedule at `due` (crm.projects.standing keeps the first month the plan runs ahead). Never
        # NULL, so that "not red" keeps the projects that are not behind at all.
        clauses.append(and_(Project.funds_behind_from.isnot(None), Project.funds_behind_from <= due))
    return or_(*clauses)


def light_clause(colour: str, today: date, cal: WorkCalendar | None = None) -> ColumnElement[bool]:
    """Projects whose light is `colour` (red, yellow or green) today."""
    c = cutoffs(today, cal)
    live = Project.state != "terminated"
    red = _late(c, "red")
    if colour == "red":
        return and_(live, red)
    if colour == "yellow":
        return and_(live, ~red, _late(c, "yellow"))
    return and_(live, ~_late(c, "yellow"))


@dataclass
class Light:
    colour: str  # green | yellow | red
    reasons: list[str]


def lights_for(projects: list[Project], today: date, cal: WorkCalendar | None = None) -> dict[int, Light]:
    """The light of each project on a page, with the reasons in words (from the projects' own columns and their
    schedule, loaded with them: no query of its own)."""
    live = [p for p in projects if p.state != "terminated"]
    if not live:
        return {}
    c = cutoffs(today, cal)
    return {
        p.id: _light(p, c, p.funds_verified or 0, [(row.month, row.amount) for row in p.plan]) for p in live
    }


def _light(p: Project, c: Cutoffs, verified: int, plan: list[tuple[date, int]]) -> Light:
    found: dict[str, list[str]] = {"red": [], "yellow": []}
    for colour in ("red", "yellow"):
        if p.state == "signed" and p.signed_on <= c.register[colour]:
            found[colour].append(_("Signed on %(date)s and not yet registered", date=p.signed_on.isoformat()))
        if p.state == "landed" and p.landed_on and p.landed_on <= c.start[colour]:
            found[colour].append(
                _("Registered on %(date)s and construction not started", date=p.landed_on.isoformat())
            )
        due = c.funds[colour]
        planned = sum(a for m, a in plan if due is not None and m <= due)
        if due is not None and p.funds_behind_from is not None and p.funds_behind_from <= due:
            found[colour].append(_("Verified funds %(got)d 万元 behind the planned %(planned)d 万元 up to %(month)s",
                                   got=verified, planned=planned, month=f"{due:%Y-%m}"))  # fmt: skip
    if found["red"]:
        return Light("red", found["red"])
    if found["yellow"]:
        return Light("yellow", found["yellow"])
    return Light("green", [])
