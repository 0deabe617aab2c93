"""Everything the dashboard shows, collected once for the page, the A4 print view and the Excel export.

`compute` reads the figures from the records; `collect` adds the year's goals (read on every request) and the
progress towards them. The screens go through `dashboard`, which keeps the figures a short while per scope in the
process (crm.dashboard.cache) and reads the snapshots the scheduler computes ahead (crm.dashboard.snapshots), for
the page and the API alike; the tests call `collect` and always get fresh figures.
"""

import time
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import delete, select

from crm.auth.models import User
from crm.dashboard import breakdowns, figures, progress, rankings, snapshots, watchlist, weekly
from crm.dashboard.cache import figure_cache
from crm.dashboard.goals import goal_for
from crm.dashboard.models import DashboardSnapshot, YearGoal
from crm.dashboard.period import Period
from crm.extensions import db
from crm.figure_cache import scope_key, ttl
from crm.plans.calendar import WorkCalendar
from crm.projects.queries import counted_clause
from crm.types import local_date, utcnow
from crm.vocab import Role


@dataclass
class Figures:
    """The figures read from the records for one scope, year and day (what the cache keeps)."""

    year: int
    today: date
    signed: figures.Signed
    funds: figures.Funds
    big: figures.Figure
    chains: list[figures.CountyChain]
    funnel: list[figures.Stage]
    weeks: list[weekly.Week]
    breakdowns: dict[str, list[breakdowns.Row]]
    lights: dict[str, watchlist.Watch]
    project_lights: dict[str, figures.Figure]
    orders: watchlist.Orders
    week: Period
    team_ranking: list[rankings.Ranked]
    county_ranking: list[rankings.Ranked]


@dataclass
class Dashboard(Figures):
    """The figures with the year's goals and the progress towards them (read on every request)."""

    goal: YearGoal
    goals: list[progress.GoalRow]
    rates: list[progress.Rate]
    computed_at: datetime  # when the figures were read from the records (UTC)
    cached: bool = False  # the figures were computed for an earlier request

    @property
    def chainless(self) -> list:
        return [c.region for c in self.chains if c.count.value < self.goal.chain_per_county]


def compute(user: User, year: int, today: date) -> Figures:
    period = Period.year(year)
    week = Period.last_full_week(today)
    team_ranking, county_ranking = rankings.both(user, week)
    counted = counted_clause()  # reads the `signing_agreements` setting once for every figure
    cal = WorkCalendar.load()
    return Figures(
        year=year,
        today=today,
        signed=figures.signed(user, period, counted),
        funds=figures.funds(user, period),
        big=figures.big_projects(user, period),
        chains=figures.chain_by_county(user, period, counted),
        funnel=figures.funnel(user),
        weeks=weekly.weeks(user, period, today, counted),
        breakdowns=breakdowns.breakdowns(user, period, counted),
        lights=watchlist.lights(user, today, cal),
        project_lights=watchlist.project_lights(user, today, cal),
        orders=watchlist.open_orders(user),
        week=week,
        team_ranking=team_ranking,
        county_ranking=county_ranking,
    )


def assemble(f: Figures, computed_at: datetime, cached: bool = False) -> Dashboard:
    """The dashboard from its figures and the year's goals as they are now."""
    goal = goal_for(f.year)
    return Dashboard(
        **{item.name: getattr(f, item.name) for item in fields(Figures)},
        goal=goal,
        goals=progress.goal_rows(goal, f.signed, f.funds, f.big, f.chains),
        rates=progress.rates(f.signed),
        computed_at=computed_at,
        cached=cached,
    )


def collect(user: User, year: int, today: date) -> Dashboard:
    """The dashboard with figures computed now."""
    return assemble(compute(user, year, today), utcnow())


@dataclass(frozen=True)
class Computed:
    """Figures with when they were computed (now, or by whoever stored the snapshot they were read from)."""

    figures: Figures
    computed_at: datetime
    from_snapshot: bool = False


def _computed(user: User, scope: str, year: int, today: date, refresh: bool) -> Computed:
    """The scope's figures: the stored snapshot when it is recent (crm.dashboard.snapshots), unless asked to
    refresh; otherwise computed now and stored for the other workers."""
    now = utcnow()
    if not refresh:
        kept = snapshots.load(scope, year, today, now)
        if kept is not None:
            return Computed(kept[0], kept[1], from_snapshot=True)
    return _compute_and_store(user, scope, year, today, now)


def _compute_and_store(user: User, scope: str, year: int, today: date, now: datetime) -> Computed:
    started = time.perf_counter()
    figures = compute(user, year, today)
    snapshots.store(scope, year, today, figures, now, time.perf_counter() - started)
    return Computed(figures, now)


def dashboard(user: User, year: int, today: date, refresh: bool = False) -> Dashboard:
    """The dashboard for the screens: figures kept per scope for DASHBOARD_CACHE_SECONDS in the process
    (crm.dashboard.cache), behind them the snapshots the scheduler computes ahead (crm.dashboard.snapshots);
    `refresh` asks for them to be computed again (granted when they are at least a few seconds old)."""
    scope = scope_key(user)
    if scope is None:
        return collect(user, year, today)
    found = figure_cache().get(
        (scope, year, today.isoformat()),
        ttl(),
        lambda: _computed(user, scope, year, today, refresh),
        refresh=refresh,
    )
    kept: Computed = found.value
    return assemble(kept.figures, kept.computed_at, cached=found.hit or kept.from_snapshot)


def scope_users() -> dict[str, User]:
    """A user to compute each scope's figures as: an active manager for the city, an active county head for each
    county that has one (crm.figure_cache.scope_key: the scope depends on the role and the county alone)."""
    found: dict[str, User] = {}
    users = db.session.scalars(
        select(User)
        .where(User.is_active_flag.is_(True), User.role.in_((Role.MANAGER, Role.COUNTY_HEAD)))
        .order_by(User.id)
    )
    for user in users:
        key = scope_key(user)
        if key and (user.role == Role.MANAGER or user.region_id):
            found.setdefault(key, user)
    return found


def refresh_snapshots(now: datetime) -> int:
    """The scheduler's `figures` pass: this year's figures of every scope computed and stored; earlier days' rows
    deleted. Returns how many scopes were computed (none when snapshots are off)."""
    if snapshots.max_age() <= 0:
        return 0
    today = local_date(now)
    done = 0
    for scope, user in scope_users().items():
        _compute_and_store(user, scope, today.year, today, now)
        done += 1
    db.session.execute(delete(DashboardSnapshot).where(DashboardSnapshot.day < today))
    db.session.commit()
    return done
