"""The weekly activity index per team and per county.

index = Σ over targets (visits × w_visit + inbound visits × w_inbound + signings × w_signing + starts × w_start)
        × the target's difficulty factor ÷ the number of targets being worked

Weights and difficulty factors are settings. A target's difficulty is that of its enterprise's hardest category:
四类500强 / 央企 / 跨国公司, then 行业领军 / 链主 / 头部, else 100%. Dividing by the number of targets makes a small
team comparable with a large one; the difficulty factor keeps a team that chases 500强 firms (fewer signings, more
visits per signing) from ranking below one that picks easy targets.
"""

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Case, Exists, and_, case, exists, func, or_, select

from crm.auth.models import User
from crm.drill import local_bounds, milestone_clause
from crm.enterprises.models import EnterpriseCategory
from crm.extensions import db
from crm.figure_cache import FigureCache, scope_key, ttl
from crm.plans.models import ContactLog
from crm.refdata.models import CategoryTag, Region
from crm.scope import entry_scope, team_scope
from crm.settings import get_ints
from crm.teams.models import Team
from crm.vocab import WORKING_STATES, Role
from crm.whitelist.models import WhitelistEntry as E

from .period import Period

TOP_GROUPS = ("top500", "soe", "multinational")
LEADER_GROUPS = ("leader",)
WEIGHTS = (
    "rank_weight_visit",
    "rank_weight_inbound",
    "rank_weight_signing",
    "rank_weight_start",
    "rank_difficulty_top",
    "rank_difficulty_leader",
)


@dataclass
class Ranked:
    key: int
    label: str
    targets: int
    visits: int
    inbound: int
    signings: int
    starts: int
    points: float  # weighted by difficulty
    index: float
    rank: int = 0
    args: dict | None = None  # drill-down: the group's targets

    @property
    def active(self) -> bool:
        """Whether the group did anything that scores this week (a visit, an inbound visit, a signing, a start)."""
        return self.points > 0 or self.visits + self.inbound + self.signings + self.starts > 0


def quiet(rows: list[Ranked]) -> bool:
    """A week in which no group did anything: every one would tie at rank 1 with 0.00, which says nothing; the
    pages, the export, the report and the big screen say there was no activity instead."""
    return bool(rows) and not any(r.active for r in rows)


def _tier(groups: tuple[str, ...]) -> Exists:
    tagged = (
        select(EnterpriseCategory.enterprise_id)
        .join(CategoryTag, CategoryTag.id == EnterpriseCategory.tag_id)
        .where(EnterpriseCategory.enterprise_id == E.enterprise_id, CategoryTag.group.in_(groups))
    )
    return exists(tagged)


def difficulty(w: dict) -> Case[Any]:
    """A target's difficulty factor in per cent, as SQL."""
    return case(
        (_tier(TOP_GROUPS), w["rank_difficulty_top"]),
        (_tier(LEADER_GROUPS), w["rank_difficulty_leader"]),
        else_=100,
    )


def _rows(user: User, week: Period) -> tuple[dict, dict]:
    """The week's figures per team and per county, from one pass: grouped by (team, county) in SQL and added up
    here (a few hundred pairs), so the teams' and the counties' rankings share the work."""
    w = get_ints(*WEIGHTS)
    lower, upper = local_bounds(week.start, week.end)
    logs = (
        select(
            ContactLog.entry_id,
            func.count(case((ContactLog.kind == "visit", 1))).label("visits"),
            func.count(case((ContactLog.kind == "inbound", 1))).label("inbound"),
        )
        .where(ContactLog.occurred_at >= lower, ContactLog.occurred_at < upper)
        .group_by(ContactLog.entry_id)
        .subquery()
    )
    visits, inbound = func.coalesce(logs.c.visits, 0), func.coalesce(logs.c.inbound, 0)
    signed = milestone_clause("signed", week.start, week.end)
    started = milestone_clause("started", week.start, week.end)
    working = E.state.in_(WORKING_STATES)
    raw = (
        visits * w["rank_weight_visit"]
        + inbound * w["rank_weight_inbound"]
        + case((signed, w["rank_weight_signing"]), else_=0)
        + case((started, w["rank_weight_start"]), else_=0)
    )
    # The difficulty's EXISTS run only for targets that scored (most score nothing in a given week).
    points = case((raw == 0, 0), else_=raw * difficulty(w))
    query = (
        select(
            E.team_id,
            E.region_id,
            func.count(case((working, 1))),
            func.coalesce(func.sum(visits), 0),
            func.coalesce(func.sum(inbound), 0),
            func.count(case((signed, 1))),
            func.count(case((started, 1))),
            func.coalesce(func.sum(points), 0),
        )
        .outerjoin(logs, logs.c.entry_id == E.id)
        .where(entry_scope(user), or_(working, logs.c.entry_id.isnot(None), signed, started))
        .group_by(E.team_id, E.region_id)
    )
    by_team: dict = {}
    by_region: dict = {}
    for team, region, *values in db.session.execute(query).all():
        for found, k in ((by_team, team), (by_region, region)):
            if k is not None:
                found[k] = [a + b for a, b in zip(found.get(k, [0] * 6), values, strict=True)]
    return by_team, by_region


def _rank(groups: dict[int, str], found: dict, filter_name: str) -> list[Ranked]:
    out = []
    for k, label in groups.items():
        # PostgreSQL sums bigints as numeric (Decimal): back to plain numbers here.
        targets, visits, inbound, signings, starts = (int(v) for v in found.get(k, (0,) * 6)[:5])
        points = float(found.get(k, (0,) * 6)[5]) / 100  # difficulty is in per cent
        index = round(points / max(targets, 1), 2)
        out.append(
            Ranked(k, label, targets, visits, inbound, signings, starts, round(points, 2), index,
                   args={filter_name: k, "phase": "working"})
        )  # fmt: skip
    order = {k: i for i, k in enumerate(groups)}
    out.sort(key=lambda r: (-r.index, -r.points, order[r.key]))  # ties keep the usual order of counties
    for i, row in enumerate(out):
        # Equal indexes share a rank (1, 2, 2, 4).
        row.rank = (
            out[i - 1].rank
            if i and (row.index, row.points) == (out[i - 1].index, out[i - 1].points)
            else i + 1
        )
    return out


def both(user: User, week: Period) -> tuple[list[Ranked], list[Ranked]]:
    """The teams' and the counties' rankings for the week (one pass over the entries for both)."""
    by_team, by_region = _rows(user, week)
    return _teams(user, by_team), _counties(user, by_region)


# The rankings page's figures per scope and week, kept like the dashboard's for DASHBOARD_CACHE_SECONDS in each
# process: its statement over the week's contact logs and every target cost ~350 ms of PostgreSQL a request at
# 100,000 entries, a third of the database's time under `make load`. (The dashboard's own rankings come with
# its figures, which are kept already.)
_kept = FigureCache(max_entries=64)


def kept_both(user: User, week: Period) -> tuple[list[Ranked], list[Ranked]]:
    """`both`, computed once per scope and week within the dashboard's cache time (the page only reads them)."""
    scope = scope_key(user)
    if scope is None:
        return both(user, week)
    return _kept.get((scope, week.start, week.end), ttl(), lambda: both(user, week)).value


def teams(user: User, week: Period) -> list[Ranked]:
    return _teams(user, _rows(user, week)[0])


def counties(user: User, week: Period) -> list[Ranked]:
    return _counties(user, _rows(user, week)[1])


def _teams(user: User, found: dict) -> list[Ranked]:
    query = select(Team.id, Team.name).where(team_scope(user), or_(Team.active.is_(True), Team.id.in_(found)))
    if user.role == Role.COUNTY_HEAD:
        # City-wide teams also work other counties; rank them here only if they work this one.
        query = query.where(
            or_(Team.region_id == user.region_id, and_(Team.region_id.is_(None), Team.id.in_(found)))
        )
    return _rank(dict(db.session.execute(query.order_by(Team.name)).all()), found, "team")


def _counties(user: User, found: dict) -> list[Ranked]:
    query = select(Region.id, Region.name).where(or_(Region.active.is_(True), Region.id.in_(found)))
    if user.role != Role.MANAGER:
        query = query.where(Region.id == user.region_id)
    return _rank(dict(db.session.execute(query.order_by(Region.sort, Region.id)).all()), found, "region")


def formula_words() -> list[str]:
    w = get_ints(*WEIGHTS)
    return [
        _(
            "Points = visits to the enterprise × %(visit)d + enterprise visits to Liaocheng × %(inbound)d "
            "+ signings × %(signing)d + construction starts × %(start)d, in the week, per target.",
            visit=w["rank_weight_visit"],
            inbound=w["rank_weight_inbound"],
            signing=w["rank_weight_signing"],
            start=w["rank_weight_start"],
        ),
        _(
            "Each target's points are multiplied by its difficulty: %(top)d%% for 四类500强, central SOEs and "
            "multinationals, %(leader)d%% for industry leaders, chain leaders and head firms, 100%% otherwise.",
            top=w["rank_difficulty_top"],
            leader=w["rank_difficulty_leader"],
        ),
        _(
            "Activity index = the sum of the weighted points ÷ the number of targets being worked (at least 1)."
        ),
    ]
