"""Team lists for select boxes and pickers, through the scope filter."""

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.scope import team_scope
from crm.teams.models import Team


def visible_teams(active_only: bool = False) -> list[Team]:
    query = select(Team).where(team_scope(current_user)).order_by(Team.name)
    if active_only:
        query = query.where(Team.active.is_(True))
    return list(db.session.scalars(query))


def with_details(query):
    """Load teams' industry focus and members with the teams (two queries, not two per team)."""
    return query.options(selectinload(Team.industries), selectinload(Team.memberships))
