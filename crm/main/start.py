"""Each role's start page: what the user works on today, above the counters.

A member: their steps overdue, due today and this week, each one tap from logging the contact. A lead: each team
they lead as a board (lights, steps overdue by member) and their county's targets nobody has picked up. A county
head: the review queue, the county's red lights and the month's 到位资金 return. A manager: what waits for them
(reviews they can decide) and the city's red lights, one tap from the dashboard."""

from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, lazyload

from crm.auth.models import User
from crm.dashboard import watchlist
from crm.drill import NONE
from crm.extensions import db
from crm.plans.lights import Light, light_clause, lights_for
from crm.plans.models import FundArrival, Task
from crm.plans.queries import TaskLine, my_task_buckets, overdue_steps
from crm.projects import returns
from crm.projects.models import FundReturn
from crm.scope import entry_scope, led_team_ids
from crm.settings import get_int
from crm.teams.models import Team
from crm.vocab import PIPELINE, WORKING_STATES, Role, State
from crm.whitelist import queries
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.queries import Filters, filtered_entries

SHOWN = 8  # rows of each list on a start page; the rest are a link away


@dataclass
class TodaysWork:
    """A member's (or anyone's) own steps: overdue, today, this week."""

    overdue: list[TaskLine]
    today: list[TaskLine]
    week: list[TaskLine]
    later: int
    lights: dict[int, Light]
    overdue_total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.week)


@dataclass
class TeamDesk:
    """One team on its lead's start page: its worked targets by light, the red ones named, steps overdue."""

    team: Team
    lights: dict[str, int]  # red / yellow / green → targets
    red: list[watchlist.Watched]
    red_lights: dict[int, Light]
    overdue_by_owner: dict[str, list[Task]]


@dataclass
class Unpicked:
    entries: list[WhitelistEntry]
    total: int


@dataclass
class MonthReturn:
    month: date
    deadline: date
    ret: FundReturn | None
    total: int  # 万元 reported so far


@dataclass
class Start:
    work: TodaysWork
    teams: list[TeamDesk] = field(default_factory=list)
    unpicked: Unpicked | None = None
    reviews: list[WhitelistEntry] = field(default_factory=list)
    review_total: int = 0
    red: watchlist.Watch | None = None
    month_return: MonthReturn | None = None


def todays_work(user: User, today: date) -> TodaysWork:
    buckets, later, overdue = my_task_buckets(user, today, 0, OVERDUE_SHOWN)
    shown = buckets["overdue"] + buckets["today"] + buckets["week"]
    lights = lights_for(list({t.entry_id: t.entry for t in shown}.values()), today)
    return TodaysWork(buckets["overdue"], buckets["today"], buckets["week"], later, lights, overdue)


OVERDUE_SHOWN = 10  # the longest overdue on the start page; 我的任务 has them all


def _led_teams(user: User) -> list[Team]:
    """The active teams `user` leads, by name (their ids come from the scope's per-request read)."""
    ids = led_team_ids(user)
    if not ids:
        return []
    query = select(Team).where(Team.id.in_(ids))
    return list(db.session.scalars(query.order_by(Team.name).options(lazyload("*"))))


def team_desks(user: User, teams: list[Team], today: date) -> list[TeamDesk]:
    """Every led team's desk in a fixed number of statements, however many teams: the lights counted in one
    grouped pass (the list's light clauses), the first RED_SHOWN red targets of each, the overdue steps."""
    if not teams:
        return []
    ids = [t.id for t in teams]
    red, yellow = light_clause("red", today), light_clause("yellow", today)
    colour = case((red, "red"), (yellow, "yellow"), else_="green").label("colour")
    lit = (
        select(WhitelistEntry.id, WhitelistEntry.team_id, WhitelistEntry.state_changed_at, colour)
        .where(WhitelistEntry.team_id.in_(ids), WhitelistEntry.state.in_(WORKING_STATES), entry_scope(user))
        .subquery()
    )
    counts: dict[int, dict[str, int]] = {i: {"red": 0, "yellow": 0, "green": 0} for i in ids}
    for team_id, c, n in db.session.execute(
        select(lit.c.team_id, lit.c.colour, func.count()).group_by(lit.c.team_id, lit.c.colour)
    ):
        counts[team_id][c] = n
    ranked = (
        select(
            lit.c.id,
            lit.c.team_id,
            func.row_number()
            .over(partition_by=lit.c.team_id, order_by=(lit.c.state_changed_at, lit.c.id))
            .label("n"),
        )
        .where(lit.c.colour == "red")
        .subquery()
    )
    red_ids = list(db.session.scalars(select(ranked.c.id).where(ranked.c.n <= RED_SHOWN)))
    watched = watchlist.watched_rows(red_ids) if red_ids else {}
    found = lights_for(list(watched.values()), today) if watched else {}
    overdue: dict[int, dict[str, list[Task]]] = {i: {} for i in ids}
    for task in overdue_steps(user, ids, today):
        overdue[task.entry.team_id].setdefault(task.owner.full_name, []).append(task)
    return [
        TeamDesk(
            team,
            counts[team.id],
            [w for w in watched.values() if w.team and w.team.id == team.id],
            found,
            overdue[team.id],
        )
        for team in teams
    ]


RED_SHOWN = 3


def unpicked(user: User) -> Unpicked:
    """Whitelisted targets without a team that the user can see (a lead: their counties')."""
    query = filtered_entries(user, Filters(team=NONE)).where(WhitelistEntry.state == State.WHITELISTED)
    total = cast(int, db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True)))
    entries = list(
        db.session.scalars(
            query.order_by(WhitelistEntry.whitelisted_at, WhitelistEntry.id)
            .limit(SHOWN)
            .options(
                lazyload("*"),
                joinedload(WhitelistEntry.enterprise).lazyload("*"),
                joinedload(WhitelistEntry.region),
            )  # fmt: skip
        )
    )
    return Unpicked(entries, total)


def month_return(region_id: int, today: date) -> MonthReturn:
    month = returns.month_start(today)
    ret = returns.the_return(region_id, month)
    total = 0
    if ret is not None:
        total = (
            db.session.scalar(
                select(func.coalesce(func.sum(FundArrival.fixed_amount + FundArrival.other_amount), 0)).where(
                    FundArrival.return_id == ret.id
                )
            )
            or 0
        )
    return MonthReturn(month, month.replace(day=get_int("return_deadline_day")), ret, total)


def start_for(user: User, today: date) -> Start:
    start = Start(work=todays_work(user, today))
    if user.role == Role.LEAD:
        start.teams = team_desks(user, _led_teams(user), today)
        start.unpicked = unpicked(user)
    if user.role in (Role.COUNTY_HEAD, Role.MANAGER):
        queue = queries.review_queue(user)
        start.reviews = list(
            db.session.scalars(
                queue.limit(SHOWN).options(
                    lazyload("*"),
                    joinedload(WhitelistEntry.enterprise).lazyload("*"),
                    joinedload(WhitelistEntry.region),
                )  # fmt: skip
            )
        )
        start.review_total = queries.review_count(user)
        start.red = watchlist.lights(user, today)["red"]
    if user.role == Role.COUNTY_HEAD and user.region_id:
        start.month_return = month_return(user.region_id, today)
    return start


def at_or_beyond(counts: dict[str, int]) -> dict[str, int]:
    """The home counters: entries at a stage or any later one (a target that has signed has also been whitelisted
    and negotiated), as the dashboard counts them; proposals as they are."""

    def from_(state: State) -> int:
        return sum(counts.get(s.value, 0) for s in PIPELINE[PIPELINE.index(state) :])

    return {
        State.PROPOSED: counts.get(State.PROPOSED, 0),
        State.WHITELISTED: from_(State.WHITELISTED),
        State.NEGOTIATING: from_(State.NEGOTIATING),
        State.SIGNED: from_(State.SIGNED),
    }
