"""Team lists for select boxes and pickers, through the scope filter."""

from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from crm.scope import team_scope
from crm.teams.models import Team


def visible_teams(active_only: bool = False) -> list[Team]:
    query = select(Team).where(team_scope(current_user)).order_by(Team.name)
    if active_only:
        query = query.where(Team.active.is_(True))
    return list(db.session.scalars(query))
