"""Who may assign, reassign and manage teams. Views, templates and services all ask here."""

from sqlalchemy import ColumnElement, or_, true

from crm.auth.models import User
from crm.teams.models import Team
from crm.vocab import TEAM_STATES, Role, State
from crm.whitelist.models import WhitelistEntry


def can_edit_teams(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.MANAGER)


def can_manage_members(user: User, team: Team) -> bool:
    return can_edit_teams(user) or team.leader_id == user.id


def can_assign(user: User, entry: WhitelistEntry, team: Team | None = None) -> bool:
    """Give an unassigned whitelisted entry to `team` (or, without a team, to any team the user may use)."""
    if entry.state != State.WHITELISTED or entry.team_id is not None:
        return False
    if team is not None and not team.active:
        return False
    if user.role == Role.MANAGER:
        return True
    if user.role == Role.COUNTY_HEAD:
        return entry.region_id == user.region_id and (
            team is None or team.region_id in (None, user.region_id)
        )
    if user.role == Role.LEAD:
        return team is None or (team.leader_id == user.id and team.region_id in (None, entry.region_id))
    return False


def can_reassign(user: User, entry: WhitelistEntry, target: Team | None = None) -> bool:
    """The reassign permission: the lead of the current team (inside it, or to another team they lead), the county
    head inside their county, a manager anywhere."""
    if entry.team_id is None or entry.state not in TEAM_STATES:
        return False
    if target is not None and not target.active:
        return False
    if user.role == Role.MANAGER:
        return True
    if user.role == Role.COUNTY_HEAD:
        return entry.region_id == user.region_id and (
            target is None or target.region_id in (None, user.region_id)
        )
    if user.role == Role.LEAD:
        return entry.team.leader_id == user.id and (target is None or target.leader_id == user.id)
    return False


def teams_worth_checking(user: User) -> ColumnElement[bool]:
    """A filter on teams that keeps every team can_assign or can_reassign could allow `user` to use (and maybe
    more): the screens load those with their members and ask the two rules about each, instead of loading the
    city's two hundred teams for a lead who leads one. The rules above still decide."""
    if user.role == Role.LEAD:
        return Team.leader_id == user.id
    if user.role == Role.COUNTY_HEAD:
        return or_(Team.region_id.is_(None), Team.region_id == user.region_id)
    return true()


def team_actions(user: User, entry: WhitelistEntry) -> set[str]:
    """'assign' / 'reassign' when the user may do that to the entry with at least one team."""
    actions = set()
    if can_assign(user, entry):
        actions.add("assign")
    if can_reassign(user, entry):
        actions.add("reassign")
    return actions
