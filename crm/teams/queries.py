"""Team lists for select boxes and pickers, through the scope filter."""

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.extensions import db
from crm.scope import team_scope
from crm.teams.models import Team


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


def team_options() -> list[TeamOption]:
    """The teams the user can see, in name order, as plain rows: the whitelist list's filter and bulk-assign
    boxes need no Team objects with their county and leader (building 200 of them was a sixth of the page)."""
    query = (
        select(Team.id, Team.name, Team.active, Team.region_id, Team.leader_id, User.full_name)
        .join(User, User.id == Team.leader_id)
        .where(team_scope(current_user))
        .order_by(Team.name)
    )
    return [TeamOption(*row) for row in db.session.execute(query)]


def with_details(query):
    """Load teams' industry focus and members with the teams (two queries, not two per team)."""
    return query.options(selectinload(Team.industries), selectinload(Team.memberships))
