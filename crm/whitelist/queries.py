"""Read queries for whitelist screens. Every query starts from crm.scope."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    Interval,
    Select,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import joinedload, lazyload, selectinload

from crm import list_counts
from crm.auth.models import User
from crm.drill import NONE, Drill, code_or_none, drill_clauses, no_category
from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.enterprises.search import enterprise_search
from crm.extensions import db
from crm.pagination import paginate_short
from crm.plans.lights import light_clause
from crm.refdata.aliases import search_terms
from crm.refdata.choices import industry_with_descendants
from crm.refdata.models import Industry
from crm.rows import rows
from crm.scope import entry_scope, visible_entries
from crm.settings import get_setting
from crm.sqlin import among
from crm.types import local_date, utcnow
from crm.vocab import Action, ApprovalChain, ReviewStage, Role, State
from crm.whitelist.models import Event, WhitelistEntry

SORTS: dict[str, ColumnElement[Any]] = {
    "updated": WhitelistEntry.updated_at.desc(),
    "name": Enterprise.name_initials.asc(),
    "investment": WhitelistEntry.planned_investment.desc().nulls_last(),
    "priority": WhitelistEntry.priority.asc(),
    "state": WhitelistEntry.state.asc(),
}


@dataclass
class Filters:
    q: str = ""
    region: int = 0
    tag: int = 0
    industry: int = 0
    state: str = ""
    campaign: str = ""
    mode: str = ""
    conflict: bool = False
    team: int = 0
    light: str = ""  # red | yellow, as the lights show them today
    drill: Drill = field(default_factory=Drill)
    sort: str = "updated"


def filtered_entries(user: User, f: Filters) -> Select:
    """The entries the user may see that pass the list's search and filters, unsorted; joined with their
    enterprise only for a search (the names are there)."""
    query = visible_entries(user)
    if f.q:
        # A join, not `enterprise_id IN (matching enterprises)`: SQLite would build that whole set before
        # picking the page's 20 rows (30 ms instead of 4 at 100,000 entries); PostgreSQL does the same either way.
        query = query.join(WhitelistEntry.enterprise).where(
            or_(enterprise_search(f.q), *_reference_search(f.q))
        )
    return query.where(*filter_clauses(f))


def _reference_search(q: str) -> list[ColumnElement[bool]]:
    """A search that names a county/zone or a category (as people write them: 经开区, 临清, 中国500强) also finds
    the targets in that county or with that category."""
    region_id, tag_id = search_terms(q)
    clauses = []
    if region_id is not None:
        clauses.append(WhitelistEntry.region_id == region_id)
    if tag_id is not None:
        tagged = select(EnterpriseCategory.enterprise_id).where(EnterpriseCategory.tag_id == tag_id)
        clauses.append(WhitelistEntry.enterprise_id.in_(tagged))
    return clauses


def whitelist_query(user: User, f: Filters) -> Select:
    """The list's entries, filtered and sorted."""
    return _sorted(filtered_entries(user, f), f)


# A search matching at most this many entries is sorted whole rather than read in the list's order (see list_page).
FEW_MATCHES = 5000


def _sorted(query: Select, f: Filters, few: bool = False, joined: bool | None = None) -> Select:
    """`query` in the list's order (the enterprise is joined only to sort by its name). `few`: the rows are known
    to be few, so the newest-first order is written so that no index serves it (see list_page). `joined`: the
    enterprise is joined already (by default when the filters search: the names are there)."""
    query = query.options(selectinload(WhitelistEntry.enterprise).selectinload(Enterprise.categories))
    if f.sort == "name" and not (bool(f.q) if joined is None else joined):
        query = query.join(WhitelistEntry.enterprise)
    sort = f.sort if f.sort in SORTS else "updated"
    order = (
        (WhitelistEntry.updated_at + literal(timedelta(0), Interval())).desc()
        if few and sort == "updated"
        else SORTS[sort]
    )
    return query.order_by(order, WhitelistEntry.id.desc())


def list_page(user: User, f: Filters, page: int, per_page: int) -> Pagination:
    """One page of the list, loading only what its rows show, and the total: a count over the filtered entries
    (counting the sorted query's rows joined every enterprise to all 100,000 entries, for the sort by name and
    once for nothing: that count was most of the list's time).

    The total is counted first because a search's page depends on it on PostgreSQL: the planner guesses how
    many entries a search matches and, guessing a few hundred, walks the newest-first index until twenty match.
    The matches of a credit-code prefix are the entries imported together, all far down that order: it read
    17,875 entries and their enterprises for a page of twenty (18 ms at 100,000). When the count says the
    matches are few, they are fetched from the search indexes and sorted (under 1 ms); when they are many, the
    walk finds twenty of them soon."""
    filtered = filtered_entries(user, f)  # once: a light filter reads the calendar and the settings
    # A manager's list is the whole city: their searches often match more than FEW_MATCHES, which _few_matches
    # would read in vain before counting.
    if f.q and user.role != Role.MANAGER and db.engine.dialect.name == "postgresql":
        matched = _few_matches(filtered)
        if matched is not None:
            return _page_of(matched, f, page, per_page)
    total = filtered.with_only_columns(func.count(), maintain_column_froms=True)
    key = ("whitelist", user.id, repr(f), local_date(utcnow()))  # the light filter depends on the day
    count = list_counts.counted(key, lambda: cast(int, db.session.scalar(total)))  # count(): always a row
    few = bool(f.q) and count <= FEW_MATCHES and db.engine.dialect.name == "postgresql"
    result = db.paginate(
        shown_in_list(_sorted(filtered, f, few)), page=page, per_page=per_page, error_out=False, count=False
    )
    result.total = count
    return result


def _few_matches(filtered: Select) -> list[int] | None:
    """The ids of a search's matches when there are at most FEW_MATCHES of them (None when more), in one statement.

    A lead's or a member's search reads their scope and its enterprises' names once for these ids, where the count
    and then the page's statement read them twice (a lead's scope is 1,000-odd entries spread over as many heap
    pages: 6–9 ms each, with a one- or two-character term up to 39 ms, a third of PostgreSQL's time under
    `make load`); the page is then the matches read by primary key and sorted (see _page_of)."""
    # The limit written into the statement: as a parameter, PostgreSQL's generic plan for it (a prepared statement
    # after five runs) walked the enterprises matching the term one by one, 11 ms where the count's hash join
    # takes 5.
    few: ColumnElement[int] = literal_column(str(int(FEW_MATCHES) + 1))
    ids = rows(filtered.with_only_columns(WhitelistEntry.id).limit(few)).scalars().all()
    return list(ids) if len(ids) <= FEW_MATCHES else None


def _page_of(ids: list[int], f: Filters, page: int, per_page: int) -> Pagination:
    """One page of the entries with those ids in the list's order, with their count."""
    query = select(WhitelistEntry).where(among(WhitelistEntry.id, ids))
    result = db.paginate(
        shown_in_list(_sorted(query, f, few=True, joined=False)),
        page=page,
        per_page=per_page,
        error_out=False,
        count=False,
    )
    result.total = len(ids)
    return result


def shown_in_list(query: Select) -> Select:
    """Load what a row of the list page shows, and no more: the enterprise with its categories, the county, the
    industry, the team's name and the owner's name. Each entry otherwise eager-joins about fifteen tables
    (proposer, team leader, their counties, parent companies …), and PostgreSQL spent longer planning that join
    than running it. Only the two small reference tables are joined: at 100,000 entries PostgreSQL planned six
    eager joins in 6 ms (16 ms with a search) to run the statement in 0.5 ms; the team, the owner and the chain
    node come in a statement each, by primary key."""
    return query.options(
        selectinload(WhitelistEntry.enterprise).options(
            lazyload(Enterprise.parent), lazyload(Enterprise.industry), selectinload(Enterprise.categories)
        ),
        lazyload(WhitelistEntry.proposer),
        joinedload(WhitelistEntry.region),
        joinedload(WhitelistEntry.industry).lazyload(Industry.parent),
        selectinload(WhitelistEntry.chain_node).lazyload("*"),
        selectinload(WhitelistEntry.team).lazyload("*"),
        selectinload(WhitelistEntry.owner).lazyload("*"),
    )


def filter_clauses(f: Filters, today: date | None = None) -> list:
    """WHERE clauses for the list's filters (besides search); the dashboard counts with the same clauses."""

    clauses = []
    if f.region:
        clauses.append(WhitelistEntry.region_id == f.region)
    if f.tag == NONE:
        clauses.append(no_category())
    elif f.tag:
        tagged = select(EnterpriseCategory.enterprise_id).where(EnterpriseCategory.tag_id == f.tag)
        clauses.append(WhitelistEntry.enterprise_id.in_(tagged))
    if f.industry == NONE:
        clauses.append(WhitelistEntry.industry_id.is_(None))
    elif f.industry:
        clauses.append(WhitelistEntry.industry_id.in_(industry_with_descendants(f.industry)))
    if f.state:
        clauses.append(WhitelistEntry.state == f.state)
    if f.campaign:
        clauses.append(code_or_none(WhitelistEntry.campaign, f.campaign))
    if f.mode:
        clauses.append(code_or_none(WhitelistEntry.mode, f.mode))
    if f.conflict:
        clauses.append(WhitelistEntry.conflict.is_(True))
    if f.team == NONE:
        clauses.append(WhitelistEntry.team_id.is_(None))
    elif f.team:
        clauses.append(WhitelistEntry.team_id == f.team)
    if f.light in ("red", "yellow"):
        clauses.append(light_clause(f.light, today))
    return clauses + drill_clauses(f.drill)


def _manager_reviews() -> ColumnElement[bool]:
    """SQL for crm.whitelist.policy.can_review's rule for a manager: every city stage, and the county stage only when
    the chain is city-only or the county (or zone) has no active county head."""
    if get_setting("approval_chain") != ApprovalChain.COUNTY_THEN_CITY:
        return true()
    head = exists().where(
        User.role == Role.COUNTY_HEAD,
        User.region_id == WhitelistEntry.region_id,
        User.is_active_flag.is_(True),
    )
    stage = WhitelistEntry.review_stage
    return or_(stage.is_(None), stage != ReviewStage.COUNTY, ~head)


def _proposals_for(user: User) -> Select:
    return visible_entries(user).where(
        WhitelistEntry.state == State.PROPOSED, WhitelistEntry.proposer_id != user.id
    )


def review_queue(user: User) -> Select:
    """Proposals `user` can decide now: a county head's county at its first stage; for a manager the city stage, and
    the county stage where no county head reviews it (the policy's rule). Conflicts first, then the oldest."""
    query = _proposals_for(user)
    if user.role == Role.COUNTY_HEAD:
        query = query.where(WhitelistEntry.review_stage == ReviewStage.COUNTY)
    elif user.role == Role.MANAGER:
        query = query.where(_manager_reviews())
    else:
        return query.where(false())
    return query.order_by(WhitelistEntry.conflict.desc(), WhitelistEntry.submitted_at)


def waiting_for_county(user: User) -> Select:
    """For a manager, the proposals still with a county head: not theirs to decide yet (only to drop), so listed
    apart from the review queue and not counted in it. Nothing for other roles."""
    if user.role != Role.MANAGER:
        return _proposals_for(user).where(false())
    return _proposals_for(user).where(~_manager_reviews()).order_by(WhitelistEntry.submitted_at)


def review_count(user: User) -> int:
    """How many proposals `user` can decide now (the review queue's length)."""
    return cast(  # count(): always a row
        int, db.session.scalar(select(func.count()).select_from(review_queue(user).order_by(None).subquery()))
    )


EVENTS_PER_PAGE = 30


def timeline(enterprise_id: int, user: User, page: int = 1, per_page: int = EVENTS_PER_PAGE) -> Pagination:
    """One page of the enterprise's events, newest first: its own, and those of the entries the user can see."""
    visible_ids = select(WhitelistEntry.id).where(
        WhitelistEntry.enterprise_id == enterprise_id, entry_scope(user)
    )
    query = (
        select(Event)
        .where(
            Event.enterprise_id == enterprise_id,
            or_(Event.entry_id.is_(None), Event.entry_id.in_(visible_ids)),
        )
        .order_by(Event.at.desc(), Event.id.desc())
    )
    return paginate_short(query, page, per_page)


def claim_timeline(entry_id: int, page: int = 1, per_page: int = EVENTS_PER_PAGE) -> Pagination:
    """The events of one entry only, for a county whose entry claims an enterprise another county holds: its own
    proposal's steps, without the enterprise's history or the conflict's note (which describes the other claim)."""
    query = (
        select(Event)
        .where(Event.entry_id == entry_id, Event.action != Action.CONFLICT)
        .order_by(Event.at.desc(), Event.id.desc())
    )
    return paginate_short(query, page, per_page)


def entries_of(enterprise_id: int, user: User) -> list[WhitelistEntry]:
    query = (
        visible_entries(user).where(WhitelistEntry.enterprise_id == enterprise_id).order_by(WhitelistEntry.id)
    )
    return list(db.session.scalars(query))


def my_returned(user: User) -> Select:
    return visible_entries(user).where(
        WhitelistEntry.state == State.RETURNED, WhitelistEntry.proposer_id == user.id
    )
