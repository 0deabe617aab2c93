"""Task lists: mine, grouped by urgency; a team's board."""

from datetime import date, timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.plans.models import OPEN, Task
from crm.scope import entry_scope
from crm.teams.models import Team
from crm.vocab import WORKING_STATES
from crm.whitelist.models import WhitelistEntry


def my_open_tasks(user: User) -> list[Task]:
    """The user's open tasks on targets being worked (a paused or dropped target's tasks wait)."""
    query = (
        select(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(Task.owner_id == user.id, Task.status == OPEN, WhitelistEntry.state.in_(WORKING_STATES))
        .where(entry_scope(user))  # a target the user can no longer open is not on their list
        .order_by(Task.due_date, Task.sort, Task.id)
    )
    return list(db.session.scalars(query))


def team_open_tasks(team: Team, user: User) -> list[Task]:
    """The open tasks on the team's targets that `user` may see."""
    query = (
        select(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(
            WhitelistEntry.team_id == team.id, Task.status == OPEN, WhitelistEntry.state.in_(WORKING_STATES)
        )
        .where(entry_scope(user))
        .order_by(Task.due_date, Task.id)
    )
    return list(db.session.scalars(query))


def task_buckets(tasks: list[Task], today: date) -> dict[str, list[Task]]:
    """overdue / today / this week (to Sunday) / later."""
    week_end = today + timedelta(days=6 - today.weekday())
    buckets: dict[str, list[Task]] = {"overdue": [], "today": [], "week": [], "later": []}
    for task in tasks:
        if task.due_date < today:
            buckets["overdue"].append(task)
        elif task.due_date == today:
            buckets["today"].append(task)
        elif task.due_date <= week_end:
            buckets["week"].append(task)
        else:
            buckets["later"].append(task)
    return buckets
