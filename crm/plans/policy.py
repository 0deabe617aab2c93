"""Who may log contacts, move stages and shape a plan."""

from crm.auth.models import User
from crm.vocab import Role, State
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.policy import manages


def in_team(user: User, entry: WhitelistEntry) -> bool:
    return entry.team is not None and user.id in {p.id for p in entry.team.people}


def can_log(user: User, entry: WhitelistEntry) -> bool:
    """Team members log contacts on their targets; the county head and managers may too."""
    if entry.team is None or entry.state == State.DROPPED:
        return False
    return in_team(user, entry) or (user.role in (Role.COUNTY_HEAD, Role.MANAGER) and manages(user, entry))


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
