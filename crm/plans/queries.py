"""Task lists: mine, grouped by urgency; a team's board."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.models import OPEN, Task
from crm.rows import rows
from crm.scope import entry_scope
from crm.sqlin import among
from crm.teams.models import Team
from crm.vocab import WORKING_STATES
from crm.whitelist.models import WhitelistEntry


@dataclass(frozen=True, slots=True)
class Target:
    """What a task list shows of a task's target, and what its light is read from (crm.plans.lights.Lit)."""

    id: int
    enterprise_name: str
    state: str
    state_changed_at: datetime
    last_contact_at: datetime | None
    plan_start: date | None


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A task as the task lists show it: plain values read in one statement with its target's, not objects."""

    id: int
    entry_id: int
    title: str
    kind: str
    due_date: date
    entry: Target


def my_open_tasks(user: User) -> list[Task]:
    """The user's open tasks on targets being worked (a paused or dropped target's tasks wait).

    Two queries: the user's open tasks, then their targets by id, through the scope (a target the user can no
    longer open is not on their list). In one join PostgreSQL read every worked target to apply a lead's scope
    (it cannot tell how few entries a team's "or the county's unassigned ones" matches); by id both databases
    look up just the few hundred targets."""
    query = select(Task).where(Task.owner_id == user.id, Task.status == OPEN)
    tasks = list(
        db.session.scalars(
            query.options(lazyload(Task.entry), lazyload(Task.owner)).order_by(
                Task.due_date, Task.sort, Task.id
            )
        )
    )
    if not tasks:
        return []
    entries = db.session.scalars(
        select(WhitelistEntry)
        .where(
            among(WhitelistEntry.id, sorted({t.entry_id for t in tasks})),
            WhitelistEntry.state.in_(WORKING_STATES),
        )
        .where(entry_scope(user))
        .options(lazyload("*"), joinedload(WhitelistEntry.enterprise).lazyload("*"))
    )
    by_id = {e.id: e for e in entries}
    mine = [t for t in tasks if t.entry_id in by_id]
    for task in mine:
        set_committed_value(task, "entry", by_id[task.entry_id])  # loaded, so task.entry runs no query
    return mine


def my_task_buckets(
    user: User, today: date, later_shown: int | None, overdue_shown: int | None = None
) -> tuple[dict[str, list[TaskLine]], int, int]:
    """The user's open tasks by urgency (task_buckets) with at most `later_shown` of the later ones and
    `overdue_shown` of the overdue ones, the longest overdue first (None: all), and how many later and overdue
    ones there are in all (a member of a big county held 136 overdue steps: the page was 100 KB). Which tasks to
    show is settled on plain (id, due date) rows and the visible targets' ids; only those are loaded whole: a lead
    holds hundreds of steps months ahead (336 at 100,000 entries), and building each as an object with its target
    and enterprise was most of the page's time."""
    steps = rows(
        select(Task.id, Task.entry_id, Task.due_date)
        .where(Task.owner_id == user.id, Task.status == OPEN)
        .order_by(Task.due_date, Task.sort, Task.id)
    ).all()
    if not steps:
        return task_buckets([], today), 0, 0
    visible = set(
        rows(
            select(WhitelistEntry.id).where(
                among(WhitelistEntry.id, sorted({row.entry_id for row in steps})),
                WhitelistEntry.state.in_(WORKING_STATES),
                entry_scope(user),
            )
        ).scalars()
    )
    week_end = _week_end(today)
    overdue = [row.id for row in steps if row.entry_id in visible and row.due_date < today]
    soon = [row.id for row in steps if row.entry_id in visible and today <= row.due_date <= week_end]
    later = [row.id for row in steps if row.entry_id in visible and row.due_date > week_end]
    shown = [
        *(overdue if overdue_shown is None else overdue[:overdue_shown]),
        *soon,
        *(later if later_shown is None else later[:later_shown]),
    ]
    return task_buckets(_with_targets(user, shown), today), len(later), len(overdue)


def _with_targets(user: User, task_ids: list[int]) -> list[TaskLine]:
    """The tasks with those ids (their targets already checked against the user's scope), still the user's and
    open, with what the list shows of their targets, in one statement of plain rows: loading each task, target
    and enterprise as objects with all their columns was a third of 我的任务's time."""
    if not task_ids:
        return []
    E = WhitelistEntry
    found = rows(
        select(
            Task.id,
            Task.entry_id,
            Task.title,
            Task.kind,
            Task.due_date,
            Enterprise.name,
            E.state,
            E.state_changed_at,
            E.last_contact_at,
            E.plan_start,
        )  # fmt: skip
        .join(E, E.id == Task.entry_id)
        .join(Enterprise, Enterprise.id == E.enterprise_id)
        .where(among(Task.id, sorted(task_ids)), Task.owner_id == user.id, Task.status == OPEN)
        .order_by(Task.due_date, Task.sort, Task.id)
    )
    targets: dict[int, Target] = {}
    lines = []
    for r in found:
        target = targets.get(r.entry_id)
        if target is None:
            target = targets[r.entry_id] = Target(
                r.entry_id, r.name, r.state, r.state_changed_at, r.last_contact_at, r.plan_start
            )
        lines.append(TaskLine(r.id, r.entry_id, r.title, r.kind, r.due_date, target))
    return lines


def _week_end(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def team_open_tasks(team: Team, user: User) -> list[Task]:
    """The open tasks on the team's targets that `user` may see (with their owner, whom the board groups by)."""
    query = (
        select(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(
            WhitelistEntry.team_id == team.id, Task.status == OPEN, WhitelistEntry.state.in_(WORKING_STATES)
        )
        .where(entry_scope(user))
        # The entry from the query's own join, with its enterprise and nothing else (the board shows the name),
        # and the owner by name. Task.entry's default joined load also joins everything an entry eager-loads, as
        # a nested outer join that SQLite materialised for all 100,000 entries (seconds per page).
        .options(
            contains_eager(Task.entry).lazyload("*"),
            contains_eager(Task.entry).joinedload(WhitelistEntry.enterprise).lazyload("*"),
            joinedload(Task.owner).lazyload("*"),
        )
        .order_by(Task.due_date, Task.id)
    )
    return list(db.session.scalars(query))


def overdue_steps(user: User, team_ids: list[int], today: date) -> list[Task]:
    """The open tasks due before `today` on the worked targets of these teams that `user` may see, with their
    owner and target (for a lead's desk, grouped by owner)."""
    query = (
        select(Task)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(
            WhitelistEntry.team_id.in_(team_ids),
            Task.status == OPEN,
            Task.due_date < today,
            WhitelistEntry.state.in_(WORKING_STATES),
        )
        .where(entry_scope(user))
        .options(
            contains_eager(Task.entry).lazyload("*"),
            contains_eager(Task.entry).joinedload(WhitelistEntry.enterprise).lazyload("*"),
            joinedload(Task.owner).lazyload("*"),
        )
        .order_by(Task.due_date, Task.id)
    )
    return list(db.session.scalars(query))


def task_buckets(tasks: list[TaskLine], today: date) -> dict[str, list[TaskLine]]:
    """overdue / today / this week (to Sunday) / later."""
    week_end = _week_end(today)
    buckets: dict[str, list[TaskLine]] = {"overdue": [], "today": [], "week": [], "later": []}
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
