"""What a report says: the edition (weekly or monthly, its period and scope) and the figures, read from the same
services as the dashboard, so a number in the report is the number on the dashboard for the same day."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.dashboard import figures, rankings
from crm.dashboard.export import dashboard_sheets
from crm.dashboard.period import Period
from crm.dashboard.services import Dashboard, collect
from crm.extensions import db
from crm.projects.models import Project
from crm.projects.queries import between, counted_clause
from crm.refdata.models import Region
from crm.scope import counted_project_scope
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry
from crm.xlsx import Sheet

WEEKLY, MONTHLY = "weekly", "monthly"
KINDS = (WEEKLY, MONTHLY)


def period_for(kind: str, day: date) -> Period:
    """The period an edition published on `day` reports: the last full Monday–Sunday week before it (weekly), or
    the calendar month before it (monthly)."""
    if kind == WEEKLY:
        return Period.last_full_week(day)
    if kind == MONTHLY:
        last = day.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    raise ValueError(kind)


def scope_of(user: User) -> str:
    """The scope a user's report covers: the city for a manager, their county for a county head."""
    if user.role == Role.MANAGER:
        return "city"
    if user.role == Role.COUNTY_HEAD and user.region_id:
        return f"county:{user.region_id}"
    raise ValueError(f"no report scope for role {user.role}")


@dataclass(frozen=True)
class SignedProject:
    name: str
    enterprise: str
    county: str  # where it lands
    signed_on: date
    amount: int | None  # 签约金额, 万元
    planned: int | None  # 计划总投资, 万元


@dataclass
class Report:
    kind: str
    period: Period
    scope_name: str  # 全市 or the county's name
    dash: Dashboard  # the year's figures on `today`, as the dashboard shows them
    signed: figures.Signed  # projects signed in the period
    funds: figures.Funds  # 到位资金 verified in the period
    signed_projects: list[SignedProject]
    sheets: dict[
        str, Sheet
    ]  # the dashboard's tables by their (translated) title, as its Excel export writes them
    formula: list[str]  # the ranking formula in words

    @property
    def title(self) -> str:
        if self.kind == WEEKLY:
            return _("%(scope)s: the strong-enterprise campaign's weekly report", scope=self.scope_name)
        return _("%(scope)s: the strong-enterprise campaign's monthly report", scope=self.scope_name)


def signed_in(user: User, period: Period) -> list[SignedProject]:
    """The projects with a counted agreement signed in the period, in the user's counted scope, by date."""
    rows = db.session.scalars(
        select(Project)
        .options(joinedload(Project.entry).joinedload(WhitelistEntry.enterprise))
        .where(
            counted_project_scope(user),
            counted_clause(),
            between(Project.signed_on, period.start, period.end),
        )
        .order_by(Project.signed_on, Project.id)
    ).all()
    counties = {region_id: name for region_id, name in db.session.execute(select(Region.id, Region.name))}
    return [
        SignedProject(p.name, p.entry.enterprise.name, counties.get(p.region_id, ""), p.signed_on,
                      p.contract_amount, p.planned_investment)
        for p in rows
    ]  # fmt: skip


def report(user: User, kind: str, published: date, period: Period | None = None) -> Report:
    """The report a manager (the city) or a county head (their county) gets on `published`: of the period before
    it, or of `period` (an edition rebuilt later keeps its period)."""
    period = period or period_for(kind, published)
    scope = scope_of(user)
    county = db.session.get(Region, user.region_id) if scope != "city" else None
    scope_name = county.name if county is not None else _("The whole city")
    dash = collect(user, period.end.year, published)
    return Report(
        kind=kind,
        period=period,
        scope_name=scope_name,
        dash=dash,
        signed=figures.signed(user, period),
        funds=figures.funds(user, period),
        signed_projects=signed_in(user, period),
        sheets={sheet.title: sheet for sheet in dashboard_sheets(dash)},
        formula=rankings.formula_words(),
    )
