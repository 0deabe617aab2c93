"""Team lists for select boxes and pickers, through the scope filter."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from crm.auth.models import User
from crm.extensions import db
from crm.kept import Kept
from crm.pagination import RowPagination, paginate_rows
from crm.plans.models import OPEN, Task
from crm.scope import ALL_TEAMS, entry_scope, team_scope
from crm.teams.models import Team, TeamMember
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry


def visible_teams(active_only: bool = False) -> list[Team]:
    query = select(Team).where(team_scope(current_user)).order_by(Team.name)
    if active_only:
        query = query.where(Team.active.is_(True))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class TeamOption:
    """A team as a select box or a picker shows it."""

    id: int
    name: str
    active: bool
    region_id: int | None
    leader_id: int
    leader_name: str


# A manager's or a county head's teams, kept per process like the reference data (a team's name, state, county or
# leader changes rarely; a write to a team or a person in this process forgets them at once).
_kept = Kept("team_options", touches=lambda classes: any(c in (Team, User) for c in classes))


def team_options() -> list[TeamOption]:
    """The teams the user can see, in name order, as plain rows: the whitelist list's filter and bulk-assign
    boxes need no Team objects with their county and leader (building 200 of them was a sixth of the page).

    A manager's (every team: ~190 rows read and turned into options on each of their list pages) and a county
    head's are kept for REFDATA_CACHE_SECONDS; a lead's or a member's few are read each time. Read-only."""
    user = current_user
    if user.role in ALL_TEAMS:
        key: tuple = ("city",)
    elif user.role == Role.COUNTY_HEAD:
        key = ("county", user.region_id)
    else:
        return _read_team_options(user)
    seconds = current_app.config["REFDATA_CACHE_SECONDS"]
    return _kept.get(key, seconds, lambda: _read_team_options(user), keep=lambda _rows: True)


def _read_team_options(user: User) -> list[TeamOption]:
    query = (
        select(Team.id, Team.name, Team.active, Team.region_id, Team.leader_id, User.full_name)
        .join(User, User.id == Team.leader_id)
        .where(team_scope(user))
        .order_by(Team.name)
    )
    return [TeamOption(*row) for row in db.session.execute(query)]


def team_owners(teams: list[TeamOption]) -> dict[int, list[tuple[int, str]]]:
    """Per team, who can be a target's primary owner as the owner lists show it: 0 for the leader (named), then
    the other members (one query for all the teams)."""
    members: dict[int, list[tuple[int, str]]] = {t.id: [] for t in teams}
    query = (
        select(TeamMember.team_id, User.id, User.full_name)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id.in_(list(members)))
        .order_by(TeamMember.team_id, TeamMember.id)
    )
    for team_id, user_id, name in db.session.execute(query):
        members[team_id].append((user_id, name))
    return {
        t.id: [(0, _("The team leader (%(name)s)", name=t.leader_name))]
        + [(uid, name) for uid, name in members[t.id] if uid != t.leader_id]
        for t in teams
    }


def with_details(query: Select[Team]) -> Select[Team]:
    """Load teams' counties, industry focus and members with the teams (two queries, not two per team; a team's
    county is not joined by default)."""
    return query.options(
        joinedload(Team.region), selectinload(Team.industries), selectinload(Team.memberships)
    )


TARGETS_PER_PAGE = 50


def team_targets(team: Team, user: User, page: int) -> RowPagination:
    """One page of the team's targets that `user` may see, soonest next open step first (none last), each as
    (entry, next due date). A team holds several hundred targets at city scale (~900 at 100,000 entries): the next
    due date is looked up per target, once a row (the order names the column), from the open steps' index
    (ix_tasks_open_entry_due) rather than grouped over every open step of the city, and an entry brings only what
    the row shows (its enterprise, county and owner) instead of its fourteen-join default."""
    due = (
        select(func.min(Task.due_date))
        # 'open' written into the statement: a prepared statement's generic plan cannot use the partial index for
        # a status it only gets as a parameter
        .where(Task.entry_id == WhitelistEntry.id, Task.status == literal(OPEN, literal_execute=True))
        .correlate(WhitelistEntry)
        .scalar_subquery()
    )
    visible = (WhitelistEntry.team_id == team.id, entry_scope(user))
    next_due = due.label("due")
    query = (
        select(WhitelistEntry, next_due)
        .where(*visible)
        .options(
            lazyload("*"),
            joinedload(WhitelistEntry.enterprise).lazyload("*"),
            joinedload(WhitelistEntry.region).lazyload("*"),
            joinedload(WhitelistEntry.owner).lazyload("*"),
        )
        .order_by(next_due.asc().nulls_last(), WhitelistEntry.id)  # by name: looked up once a row
    )
    return paginate_rows(query, select(WhitelistEntry.id).where(*visible), page, TARGETS_PER_PAGE)
