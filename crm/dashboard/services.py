"""Everything the dashboard shows, collected once for the page, the A4 print view and the Excel export."""

from dataclasses import dataclass
from datetime import date

from crm.auth.models import User
from crm.dashboard import breakdowns, figures, progress, rankings, watchlist, weekly
from crm.dashboard.goals import goal_for
from crm.dashboard.models import YearGoal
from crm.dashboard.period import Period


@dataclass
class Dashboard:
    year: int
    today: date
    goal: YearGoal
    goals: list[progress.GoalRow]
    rates: list[progress.Rate]
    funnel: list[figures.Stage]
    signed: figures.Signed
    funds: figures.Funds
    chains: list[figures.CountyChain]
    weeks: list[weekly.Week]
    breakdowns: dict[str, list[breakdowns.Row]]
    lights: dict[str, watchlist.Watch]
    orders: watchlist.Orders
    week: Period
    team_ranking: list[rankings.Ranked]
    county_ranking: list[rankings.Ranked]

    @property
    def chainless(self) -> list:
        return [c.region for c in self.chains if c.count.value < self.goal.chain_per_county]


def collect(user: User, year: int, today: date) -> Dashboard:
    period = Period.year(year)
    goal = goal_for(year)
    signed = figures.signed(user, period)
    funds = figures.funds(user, period)
    big = figures.big_projects(user, period)
    chains = figures.chain_by_county(user, period)
    week = Period.last_full_week(today)
    return Dashboard(
        year=year,
        today=today,
        goal=goal,
        goals=progress.goal_rows(goal, signed, funds, big, chains),
        rates=progress.rates(signed),
        funnel=figures.funnel(user),
        signed=signed,
        funds=funds,
        chains=chains,
        weeks=weekly.weeks(user, period, today),
        breakdowns={d: breakdowns.breakdown(user, d, period) for d in breakdowns.DIMENSIONS},
        lights=watchlist.lights(user, today),
        orders=watchlist.open_orders(user),
        week=week,
        team_ranking=rankings.teams(user, week),
        county_ranking=rankings.counties(user, week),
    )
