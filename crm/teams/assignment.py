"""Assigning whitelist entries to teams and owners, reassigning them, and suggesting teams."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.chains.models import ChainNode
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import check_version, record_event, stale_guard
from crm.inbox.services import notify
from crm.plans.calendar import request_calendar
from crm.plans.models import OPEN, Task
from crm.plans.services import instantiate_plan
from crm.refdata.models import Industry
from crm.teams import policy
from crm.teams.models import Assignment, Team
from crm.types import local_date
from crm.vocab import WORKING_STATES, Action, State
from crm.whitelist.models import WhitelistEntry


@dataclass
class Suggestion:
    team: Team
    load: int
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.team.capacity is not None and self.load >= self.team.capacity


def team_loads(team_ids: list[int] | None = None) -> dict[int, int]:
    """Active targets per team (one GROUP BY query)."""
    query = (
        select(WhitelistEntry.team_id, func.count())
        .where(WhitelistEntry.team_id.isnot(None), WhitelistEntry.state.in_(WORKING_STATES))
        .group_by(WhitelistEntry.team_id)
    )
    if team_ids is not None:
        query = query.where(WhitelistEntry.team_id.in_(team_ids))
    # The WHERE leaves out the entries without a team.
    return cast(dict[int, int], dict(db.session.execute(query).all()))


def chain_experience(entry: WhitelistEntry, team_ids: list[int]) -> dict[int, int]:
    """Per team, the other targets it has been given on the industry chain of `entry`'s node (one GROUP BY)."""
    if not entry.chain_node_id or not team_ids:
        return {}
    chain = select(ChainNode.chain_id).where(ChainNode.id == entry.chain_node_id).scalar_subquery()
    query = (
        select(WhitelistEntry.team_id, func.count())
        .join(ChainNode, ChainNode.id == WhitelistEntry.chain_node_id)
        .where(
            ChainNode.chain_id == chain, WhitelistEntry.team_id.in_(team_ids), WhitelistEntry.id != entry.id
        )
        .group_by(WhitelistEntry.team_id)
    )
    return cast(dict[int, int], dict(db.session.execute(query).all()))  # the teams `team_ids`, never None


def suggest_teams(entry: WhitelistEntry, teams: list[Team]) -> list[Suggestion]:
    """Rank `teams` for `entry`: industry match (+3 exact, +1 same industry group), county (+2 the entry's county,
    +1 city-wide, −2 another county), experience of the entry's industry chain (+1 for a team that has worked other
    targets on it), and spare capacity (up to +1; a full team −3; no capacity −0.1 per target)."""
    loads = team_loads([t.id for t in teams])
    experience = chain_experience(entry, [t.id for t in teams])
    industry = db.session.get(Industry, entry.industry_id) if entry.industry_id else None
    ranked = []
    for team in teams:
        s = Suggestion(team, loads.get(team.id, 0))
        if experience.get(team.id):
            s.score += 1
            s.reasons.append(_("worked %(n)d other targets on this industry chain", n=experience[team.id]))
        focus = {i.id for i in team.industries}
        if industry and industry.id in focus:
            s.score += 3
            s.reasons.append(_("industry match: %(name)s", name=industry.name))
        elif industry and (
            industry.parent_id in focus or {i.parent_id for i in team.industries} & {industry.parent_id}
        ):
            s.score += 1
            s.reasons.append(_("related industry"))
        if team.region_id == entry.region_id:
            s.score += 2
            s.reasons.append(_("team of the same county"))
        elif team.region_id is None:
            s.score += 1
            s.reasons.append(_("city-wide team"))
        else:
            s.score -= 2
            s.reasons.append(_("team of another county"))
        _score_load(s)
        ranked.append(s)
    return sorted(ranked, key=lambda s: (-s.score, s.load, s.team.name))


def _score_load(s: Suggestion) -> None:
    capacity = s.team.capacity
    if capacity is None:
        s.score -= 0.1 * s.load
        s.reasons.append(_("%(n)d active targets, no capacity limit", n=s.load))
    elif s.full:
        s.score -= 3
        s.reasons.append(_("full: %(n)d of %(cap)d targets", n=s.load, cap=capacity))
    else:
        s.score += 1 - s.load / capacity
        s.reasons.append(_("load %(n)d of %(cap)d targets", n=s.load, cap=capacity))


def _check_target(team: Team, owner: User, capacity: bool = True) -> None:
    """The owner must be in the team; a team taking on a new target must have room for it."""
    if owner.id not in {p.id for p in team.people}:
        raise DomainError(
            _("%(name)s is not a member of team %(team)s.", name=owner.full_name, team=team.name)
        )
    if capacity and team.capacity is not None and team_loads([team.id]).get(team.id, 0) >= team.capacity:
        raise DomainError(
            _(
                "Team %(team)s is at its capacity of %(cap)d active targets.",
                team=team.name,
                cap=team.capacity,
            )
        )


def _hand_over(
    entry: WhitelistEntry, team: Team, owner: User, actor: User, now: datetime, **record: Any
) -> Assignment:
    assignment = Assignment(
        entry_id=entry.id, from_team_id=entry.team_id, from_owner_id=entry.owner_id, to_team_id=team.id,
        to_owner_id=owner.id, actor_id=actor.id, at=now, **record,
    )  # fmt: skip
    db.session.add(assignment)
    entry.team_id, entry.owner_id, entry.updated_at = team.id, owner.id, now
    return assignment


def _describe(team: Team | None, owner: User | None) -> str:
    if team is None:
        return "—"
    return f"{team.name}（{owner.full_name if owner else '—'}）"


def assign(actor: User, entry: WhitelistEntry, team: Team, owner: User, now: datetime,
           expected_version: int | None = None) -> WhitelistEntry:  # fmt: skip
    """Give a whitelisted entry to a team and a primary owner in it: whitelisted → assigned."""
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        _assign(actor, entry, team, owner, now)
        db.session.commit()
    return entry


def _assign(actor: User, entry: WhitelistEntry, team: Team, owner: User, now: datetime) -> None:
    if not policy.can_assign(actor, entry, team):
        raise Forbidden(
            _("You cannot assign %(name)s to team %(team)s.", name=entry.enterprise.name, team=team.name)
        )
    _check_target(team, owner)
    assignment = _hand_over(entry, team, owner, actor, now)
    db.session.flush()
    db.session.refresh(entry, ["team", "owner"])
    instantiate_plan(entry, local_date(now), request_calendar(), now)
    record_event(
        enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.ASSIGN,
        from_state=State.WHITELISTED, to_state=State.ASSIGNED, detail=_describe(team, owner),
    )  # fmt: skip
    entry.state, entry.state_changed_at = State.ASSIGNED, now
    notify(
        team.people, kind="assign", entry_id=entry.id, now=now, teams=[team],
        key=f"assign:{assignment.id}",
        title=_("New target for %(team)s: %(name)s", team=team.name, name=entry.enterprise.name),
        body=_("Primary owner: %(owner)s", owner=owner.full_name),
    )  # fmt: skip
    db.session.flush()  # the next entry's capacity check must count this one


def bulk_assign(actor: User, entries: list[WhitelistEntry], team: Team, owner: User, now: datetime) -> int:
    """Assign several entries at once; all or nothing, naming the entry that could not be assigned."""
    with stale_guard(entry_id=entries[0].id):
        for entry in entries:
            try:
                _assign(actor, entry, team, owner, now)
            except DomainError as error:
                db.session.rollback()
                raise type(error)(f"{entry.enterprise.name}：{error}") from None
        db.session.commit()
    return len(entries)


def reassign(actor: User, entry: WhitelistEntry, team: Team, owner: User, reason: str, move_tasks: bool,
             now: datetime, expected_version: int | None = None) -> Assignment:  # fmt: skip
    """Hand an assigned entry to another team and/or owner, with a reason; open tasks follow if asked."""
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_reassign(actor, entry, team):
            raise Forbidden(
                _("You cannot move %(name)s to team %(team)s.", name=entry.enterprise.name, team=team.name)
            )
        if not (reason or "").strip():
            raise DomainError(_("Please give a reason."))
        if team.id == entry.team_id and owner.id == entry.owner_id:
            raise DomainError(_("This target is already with that team and owner."))
        _check_target(team, owner, capacity=team.id != entry.team_id)
        old_team, old_owner = entry.team, entry.owner
        moved = _move_open_tasks(entry, owner) if move_tasks else 0
        assignment = _hand_over(entry, team, owner, actor, now, reason=reason.strip(), moved_tasks=moved)
        db.session.flush()
        moved_note = "\n" + _("%(n)d open tasks moved to the new owner", n=moved) if move_tasks else ""
        record_event(
            enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=Action.REASSIGN,
            reason=reason.strip(), detail=f"{_describe(old_team, old_owner)} → {_describe(team, owner)}{moved_note}",
        )  # fmt: skip
        notify(
            [*old_team.people, *team.people], kind="reassign", entry_id=entry.id, now=now,
            key=f"reassign:{assignment.id}", teams=[old_team, team],
            title=_("%(name)s moved from %(old)s to %(new)s", name=entry.enterprise.name, old=old_team.name,
                    new=team.name),
            body=reason.strip(),
        )  # fmt: skip
        db.session.commit()
    return assignment


def _move_open_tasks(entry: WhitelistEntry, owner: User) -> int:
    """What the box "将未完成任务一并移交新负责人" says: every open task of the target, whoever holds it (the old
    owner, the old leader, another member), goes to the chosen new owner."""
    ids = list(
        db.session.scalars(
            select(Task.id).where(Task.entry_id == entry.id, Task.status == OPEN, Task.owner_id != owner.id)
        )
    )
    if ids:
        db.session.execute(
            update(Task).where(Task.id.in_(ids)).values(owner_id=owner.id, version=Task.version + 1)
            .execution_options(synchronize_session="fetch")
        )  # fmt: skip
    return len(ids)


def history(entry_id: int) -> list[Assignment]:
    """The entry's hand-overs, with the names the entry page shows: each team and person is joined without their
    own eager joins (a team's county and leader, a user's county), which made about fifteen joins to plan."""
    people = (
        Assignment.from_team,
        Assignment.to_team,
        Assignment.from_owner,
        Assignment.to_owner,
        Assignment.actor,
    )
    query = (
        select(Assignment)
        .where(Assignment.entry_id == entry_id)
        .options(*(joinedload(rel).lazyload("*") for rel in people))
        .order_by(Assignment.id)
    )
    return list(db.session.scalars(query))
