"""Everything the dashboard shows, collected once for the page, the A4 print view and the Excel export.

`compute` reads the figures from the records; `collect` adds the year's goals (read on every request) and the
progress towards them. The screens go through `dashboard`, which keeps the figures a short while per scope
(crm.dashboard.cache), for the page and the API alike; the tests call `collect` and always get fresh figures.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime

from crm.auth.models import User
from crm.dashboard import breakdowns, figures, progress, rankings, watchlist, weekly
from crm.dashboard.cache import figure_cache, scope_key, ttl
from crm.dashboard.goals import goal_for
from crm.dashboard.models import YearGoal
from crm.dashboard.period import Period
from crm.plans.calendar import WorkCalendar
from crm.projects.queries import counted_clause
from crm.types import utcnow


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


def dashboard(user: User, year: int, today: date, refresh: bool = False) -> Dashboard:
    """The dashboard for the screens: figures kept per scope for DASHBOARD_CACHE_SECONDS (crm.dashboard.cache);
    `refresh` asks for them to be computed again (granted when they are at least a few seconds old)."""
    scope = scope_key(user)
    if scope is None:
        return collect(user, year, today)
    found = figure_cache().get(
        (scope, year, today.isoformat()), ttl(), lambda: compute(user, year, today), refresh=refresh
    )
    return assemble(found.value, found.computed_at, cached=found.hit)
