"""The year's goals: read with defaults, saved by a manager with a stale-edit check."""

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.dashboard.models import YearGoal
from crm.errors_domain import StaleRecord
from crm.extensions import db
from crm.formatting import local_time

# DOMAIN.md's 2026 city targets; a year nobody has edited starts from these.
DEFAULTS = {
    "signings_low": 5,
    "signings_high": 8,
    "funds": 5_600_000,
    "big_projects": 340,
    "manufacturing_pct": 60,
    "emerging_pct": 10,
    "chain_per_county": 1,
    "mega_baseline": 0,
}


@dataclass
class GoalData:
    signings_low: int
    signings_high: int
    funds: int
    big_projects: int
    manufacturing_pct: int
    emerging_pct: int
    chain_per_county: int
    mega_baseline: int


def goal_for(year: int) -> YearGoal:
    """The stored goals for `year`, or an unsaved row holding the defaults."""
    return db.session.get(YearGoal, year) or YearGoal(year=year, version=0, **DEFAULTS)


def _stale(year: int) -> StaleRecord:
    db.session.rollback()
    goal = db.session.get(YearGoal, year)
    who = db.session.get(User, goal.updated_by_id) if goal and goal.updated_by_id else None
    if who is None:
        return StaleRecord(_("Someone else changed these goals after you opened them. Reload and try again."))
    assert goal is not None  # `who` was read from it
    return StaleRecord(
        _(
            "%(name)s changed these goals at %(time)s, after you opened them. Reload the page to see the change, "
            "then try again.",
            name=who.full_name,
            time=local_time(goal.updated_at),
        )
    )


def save_goal(actor: User, year: int, data: GoalData, version: int, now: datetime) -> YearGoal:
    """Store the goals for `year`. `version` is the one the form showed (0 for a year not yet saved); a save
    based on an older copy, or racing another first save, is refused with who changed them."""
    goal = db.session.get(YearGoal, year)
    if (goal.version if goal else 0) != version:
        raise _stale(year)
    if goal is None:
        goal = YearGoal(year=year)
        db.session.add(goal)
    for f in fields(GoalData):
        setattr(goal, f.name, getattr(data, f.name))
    goal.updated_at, goal.updated_by_id = now, actor.id
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        raise _stale(year) from None
    return goal
