"""Creating and editing teams, and managing their members."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.parsing import host_allowed
from crm.plans.models import OPEN, Task
from crm.refdata.models import Industry
from crm.teams import policy
from crm.teams.models import Team, TeamMember
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry


@dataclass
class TeamData:
    name: str
    leader_id: int
    region_id: int | None = None
    senior_leader: str | None = None
    capacity: int | None = None
    active: bool = True
    industry_ids: list[int] = field(default_factory=list)
    webhook_url: str | None = None


def save_team(actor: User, team: Team | None, data: TeamData) -> Team:
    if not policy.can_edit_teams(actor):
        raise Forbidden(_("Only managers and administrators create and edit teams."))
    clash = select(Team.id).where(Team.name == data.name, Team.id != (team.id if team else 0))
    if db.session.scalar(clash):
        raise DomainError(_("A team named %(name)s already exists.", name=data.name))
    leader = db.session.get(User, data.leader_id)
    if leader is None or leader.role not in (Role.LEAD, Role.MANAGER) or not leader.is_active:
        raise DomainError(_("The team leader must be an active team lead or manager."))
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(_("Capacity must be at least 1, or left empty."))
    allowed = current_app.config["WEBHOOK_ALLOWED_HOSTS"]
    if data.webhook_url and not host_allowed(data.webhook_url, allowed):
        raise DomainError(
            _(
                "The group robot address must be on one of these hosts: %(hosts)s.",
                hosts=allowed.replace(",", "、"),
            )
        )
    team = team or Team()
    for name in ("name", "leader_id", "region_id", "senior_leader", "capacity", "active", "webhook_url"):
        setattr(team, name, getattr(data, name))
    team.industries = list(db.session.scalars(select(Industry).where(Industry.id.in_(data.industry_ids))))
    db.session.add(team)
    db.session.commit()
    return team


def add_member(actor: User, team: Team, user: User, now: datetime) -> TeamMember:
    if not policy.can_manage_members(actor, team):
        raise Forbidden(_("Only the team's leader, managers and administrators manage its members."))
    if user.role not in (Role.MEMBER, Role.LEAD) or not user.is_active:
        raise DomainError(_("Only active team members and team leads can join a team."))
    if user.id == team.leader_id or any(m.user_id == user.id for m in team.memberships):
        raise DomainError(_("%(name)s is already in this team.", name=user.full_name))
    membership = TeamMember(team=team, user_id=user.id, joined_at=now)
    db.session.add(membership)
    db.session.commit()
    return membership


def remove_member(actor: User, team: Team, user_id: int) -> None:
    """Take a member off the team; refused while they still own one of its targets."""
    if not policy.can_manage_members(actor, team):
        raise Forbidden(_("Only the team's leader, managers and administrators manage its members."))
    membership = next((m for m in team.memberships if m.user_id == user_id), None)
    if membership is None:
        raise DomainError(_("This person is not a member of the team."))
    owned = select(WhitelistEntry.id).where(
        WhitelistEntry.team_id == team.id, WhitelistEntry.owner_id == user_id
    )
    tasks = (
        select(Task.id)
        .join(WhitelistEntry, WhitelistEntry.id == Task.entry_id)
        .where(WhitelistEntry.team_id == team.id, Task.owner_id == user_id, Task.status == OPEN)
    )
    if db.session.scalar(owned.limit(1)) or db.session.scalar(tasks.limit(1)):
        raise DomainError(_("Reassign this member's targets and open tasks before taking them off the team."))
    team.memberships.remove(membership)
    db.session.commit()
