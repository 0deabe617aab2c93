"""Who may log contacts, move stages and shape a plan."""

from crm.auth.models import User
from crm.scope import team_ids_of
from crm.vocab import Role, State
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.policy import manages


def in_team(user: User, entry: WhitelistEntry) -> bool:
    """Whether `user` leads or belongs to the entry's team: from the ids of their teams, which the request has
    read with its scope (crm.scope), not from the team's people (a statement of their own)."""
    return entry.team_id is not None and entry.team_id in team_ids_of(user)


def can_log(user: User, entry: WhitelistEntry) -> bool:
    """Team members log contacts on their targets; the county head and managers may too."""
    if entry.team is None or entry.state == State.DROPPED:
        return False
    return (user.role in (Role.COUNTY_HEAD, Role.MANAGER) and manages(user, entry)) or in_team(user, entry)


def can_advance(user: User, entry: WhitelistEntry) -> bool:
    return can_log(user, entry)


def can_shape_plan(user: User, entry: WhitelistEntry) -> bool:
    """The team leader, the county head and managers shift and add plan steps."""
    return (
        entry.team is not None
        and entry.state != State.DROPPED
        and (
            entry.team.leader_id == user.id
            or (user.role in (Role.COUNTY_HEAD, Role.MANAGER) and manages(user, entry))
        )
    )
