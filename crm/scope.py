"""The one place that decides which records a user may see (DESIGN.md principle 6).

Every list, detail, export and count of whitelist entries or enterprises goes through these functions.
"""

from collections.abc import Iterable
from functools import cache

from flask import abort, has_request_context, request
from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, event, exists, false, or_, select, true
from sqlalchemy.orm import Session, UOWTransaction, aliased
from sqlalchemy.orm.interfaces import ORMOption

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects.models import FundReturn, Project
from crm.teams.models import Team, TeamMember
from crm.vocab import HOLDING_STATES, Role
from crm.whitelist.models import WhitelistEntry


def my_team_ids(user: User) -> CompoundSelect[int]:
    """Ids of the teams `user` leads or belongs to, as a subquery."""
    led = select(Team.id).where(Team.leader_id == user.id)
    return led.union(select(TeamMember.team_id).where(TeamMember.user_id == user.id))


def entry_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on WhitelistEntry: the entries `user` may see.

    Managers see everything; a county head their county; members the targets of their teams and their own
    proposals; leads the same, plus the unassigned entries of the counties their teams serve (all counties for a
    city-wide team), so they can pick up new targets.
    """
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.COUNTY_HEAD:
        return WhitelistEntry.region_id == user.region_id if user.region_id else false()
    if user.role not in (Role.LEAD, Role.MEMBER):
        return false()  # admin keeps reference data, not the campaign's records
    teams, led_regions, _led = _teams_of(user)
    mine = or_(WhitelistEntry.team_id.in_(teams), WhitelistEntry.proposer_id == user.id)
    if user.role == Role.MEMBER or not led_regions:
        return mine
    if None in led_regions:  # a city-wide team's lead picks up unassigned targets anywhere
        return or_(mine, WhitelistEntry.team_id.is_(None))
    nearby = and_(WhitelistEntry.team_id.is_(None), WhitelistEntry.region_id.in_(sorted(led_regions)))
    return or_(mine, nearby)


def _teams_of(user: User) -> tuple[list[int], set[int | None], list[int]]:
    """The ids of the teams `user` leads or belongs to, and the counties of the active teams they lead (None for
    a city-wide one), read in one statement so that the entry scope names them: with the ids written out,
    PostgreSQL reads each branch of the scope from its index (a lead's list count at 100,000 entries 27 → 6 ms);
    with subqueries it read every entry. Read once per request (a page asks for the scope three to five times:
    its list, its counts, the navigation), and again after a flush that touched a team or a membership."""
    if not has_request_context():
        return _read_teams_of(user)
    memo = request.__dict__.setdefault("_teams_of", {})
    found = memo.get(user.id)
    if found is None:
        found = memo[user.id] = _read_teams_of(user)
    return found


def team_ids_of(user: User) -> list[int]:
    """The ids of the teams `user` leads or belongs to (read once per request, with the scope)."""
    return _teams_of(user)[0]


def led_team_ids(user: User) -> list[int]:
    """The ids of the active teams `user` leads (read once per request, with the scope)."""
    return _teams_of(user)[2]


@event.listens_for(Session, "after_flush")
def _forget_teams(session: Session, _context: UOWTransaction) -> None:
    if not (has_request_context() and "_teams_of" in request.__dict__):
        return
    if any(isinstance(o, (Team, TeamMember)) for o in (*session.new, *session.dirty, *session.deleted)):
        del request.__dict__["_teams_of"]


@event.listens_for(Session, "after_rollback")
def _forget_teams_rolled_back(_session: Session) -> None:
    """A rolled-back membership must not stay in the request's team ids (in_team, the scope): read them again."""
    if has_request_context():
        request.__dict__.pop("_teams_of", None)


def _read_teams_of(user: User) -> tuple[list[int], set[int | None], list[int]]:
    rows = db.session.execute(
        select(Team.id, Team.region_id, and_(Team.leader_id == user.id, Team.active.is_(True))).where(
            or_(
                Team.leader_id == user.id,
                Team.id.in_(select(TeamMember.team_id).where(TeamMember.user_id == user.id)),
            )
        )
    ).all()
    return _teams_from(rows)


def _teams_from(rows: Iterable[tuple[int, int | None, bool]]) -> tuple[list[int], set[int | None], list[int]]:
    """(team id, its county, whether the user leads it and it is active) rows as _teams_of's answer."""
    rows = list(rows)
    return (
        sorted(team_id for team_id, _region, _leads in rows),
        {region for _id, region, leads in rows if leads},
        sorted(team_id for team_id, _region, leads in rows if leads),
    )


def teams_read_with_user(user: User, rows: Iterable[tuple[int, int | None, bool]]) -> None:
    """The user's teams, read with their session's statement (crm.auth.sessions: the same columns of the same
    teams as _read_teams_of), kept for this request so that the scope reads no statement of its own."""
    if has_request_context():
        request.__dict__.setdefault("_teams_of", {})[user.id] = _teams_from(rows)


def visible_entries(user: User) -> Select:
    return select(WhitelistEntry).where(entry_scope(user))


def get_entry_or_404(user: User, entry_id: int, *options: ORMOption) -> WhitelistEntry:
    """The entry if `user` may see it, else 404. `options` change what is loaded with it, for a page that shows
    less than the entry's page (by default its fourteen eager joins: enterprise, team, people, counties …)."""
    query = visible_entries(user).where(WhitelistEntry.id == entry_id)
    entry = db.session.scalar(query.options(*options) if options else query)
    if entry is None:
        abort(404)
    return entry


def get_entry_page_or_404(user: User, entry_id: int) -> tuple[WhitelistEntry, bool]:
    """get_entry_or_404 for the entry's page, with whether the entry merely claims an enterprise another county
    holds (held_elsewhere_first) read in the same statement. When it does not, the user may open the enterprise
    (they see an entry of it that is no mere claim: enterprise_scope's own test), and the page needs no second
    statement to ask."""
    query = select(WhitelistEntry, held_elsewhere_first().label("claims")).where(
        entry_scope(user), WhitelistEntry.id == entry_id
    )
    found = db.session.execute(query).first()
    if found is None:
        abort(404)
    return found[0], bool(found[1])


@cache
def _rival() -> type[WhitelistEntry]:
    """One alias for every scope: building an alias of the entries' table (forty-odd columns) took ~4 ms of CPU,
    on every entry page and enterprise list; an alias is immutable and serves any number of statements. Made on
    first use, once the mappers can be configured (not at import)."""
    return aliased(WhitelistEntry, name="rival_entry")


@cache
def held_elsewhere_first() -> ColumnElement[bool]:
    """Built once (an expression is immutable; building this one took ~0.4 ms of every entry page). On
    WhitelistEntry: another county held the entry's enterprise before this entry claimed it (首报首谈). Such
    an entry is a claim for the city to decide, not a key to the enterprise: its county sees the entry (the name,
    the pending conflict), but the enterprise's page, contacts and history stay with the holding county until the
    city decides for it (the holder's entries are then dropped, and this no longer holds)."""
    rival = _rival()
    return exists().where(
        rival.enterprise_id == WhitelistEntry.enterprise_id,
        rival.region_id != WhitelistEntry.region_id,
        rival.state.in_(HOLDING_STATES),
        or_(
            rival.created_at < WhitelistEntry.created_at,
            and_(rival.created_at == WhitelistEntry.created_at, rival.id < WhitelistEntry.id),
        ),
    )


def enterprise_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Enterprise: visible when the user sees one of its entries that does not merely claim what
    another county holds, or created it."""
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.ADMIN:
        return false()
    has_visible_entry = exists().where(
        WhitelistEntry.enterprise_id == Enterprise.id, entry_scope(user), ~held_elsewhere_first()
    )
    return or_(has_visible_entry, Enterprise.created_by_id == user.id)


# The roles that see every team (team_scope).
ALL_TEAMS = (Role.MANAGER, Role.ADMIN)


def team_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Team: managers and admins see all teams; a county head those of their county and the
    city-wide ones; leads and members their own teams."""
    if user.role in ALL_TEAMS:
        return true()
    if user.role == Role.COUNTY_HEAD:
        return or_(Team.region_id == user.region_id, Team.region_id.is_(None))
    return Team.id.in_(my_team_ids(user))


def get_team_or_404(user: User, team_id: int) -> Team:
    team = db.session.scalar(select(Team).where(Team.id == team_id, team_scope(user)))
    if team is None:
        abort(404)
    return team


def get_enterprise_or_404(user: User, enterprise_id: int) -> Enterprise:
    enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_scope(user))
    )
    if enterprise is None:
        abort(404)
    return enterprise


def can_see_enterprise_ids(user: User, ids: list[int]) -> set[int]:
    """Of `ids`, the enterprises `user` may open (used to decide which duplicate warnings get a link)."""
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Enterprise.id).where(Enterprise.id.in_(ids), enterprise_scope(user)))
    )


def project_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Project: the projects of the entries `user` sees, and for a county head or lead the
    projects that land in their county (held or hosted)."""
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.ADMIN:
        return false()
    if user.role == Role.COUNTY_HEAD:
        # Their entries are their county's, whose projects carry it (held_region_id): two index lookups.
        if not user.region_id:
            return false()
        return or_(Project.region_id == user.region_id, Project.held_region_id == user.region_id)
    # An uncorrelated IN, which PostgreSQL hashes once: a correlated EXISTS inside the OR below made it probe the
    # entries once per project (bench/projects.py, 150,000 projects).
    held = Project.entry_id.in_(select(WhitelistEntry.id).where(entry_scope(user)))
    if user.role == Role.LEAD and user.region_id:
        return or_(Project.region_id == user.region_id, held)
    return held


def counted_project_scope(user: User) -> ColumnElement[bool]:
    """The projects whose figures count in `user`'s dashboard: a project counts where it lands."""
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.COUNTY_HEAD and user.region_id:
        return Project.region_id == user.region_id
    return false()


def get_project_or_404(user: User, project_id: int) -> Project:
    project = db.session.scalar(select(Project).where(Project.id == project_id, project_scope(user)))
    if project is None:
        abort(404)
    return project


def return_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on FundReturn: managers all; a county head or lead their county's returns and those
    reporting a project their county holds; nobody else."""

    if user.role == Role.MANAGER:
        return true()
    if user.role not in (Role.COUNTY_HEAD, Role.LEAD) or not user.region_id:
        return false()
    holds = exists().where(
        FundArrival.return_id == FundReturn.id,
        Project.id == FundArrival.project_id,
        WhitelistEntry.id == Project.entry_id,
        WhitelistEntry.region_id == user.region_id,
    )
    return or_(FundReturn.region_id == user.region_id, holds)


def get_return_or_404(user: User, return_id: int) -> FundReturn:
    ret = db.session.scalar(select(FundReturn).where(FundReturn.id == return_id, return_scope(user)))
    if ret is None:
        abort(404)
    return ret
