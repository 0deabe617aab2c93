"""The project endpoints: the project list with its page's filters (crm.projects.queries.project_query, scoped by
crm.scope.project_scope), a project with its schedule, 到位资金 lines and light, and adding a line to the landing
county's monthly return through crm.projects.returns.add_arrival (only verified returns count)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from crm.api import project_schemas as ps
from crm.api.inputs import ArrivalBody, ProjectQuery
from crm.api.operations import operation, page
from crm.auth.models import User
from crm.auth.permissions import CAMPAIGN_ROLES
from crm.extensions import db
from crm.plans.models import FundArrival
from crm.projects import lights, returns
from crm.projects.models import FundReturn, Project
from crm.projects.queries import ProjectFilters, list_order, project_query
from crm.scope import get_project_or_404
from crm.types import local_date, utcnow
from crm.whitelist.models import Event, WhitelistEntry

PROJECTS = "projects"
UNSUBMITTED = ("draft", "returned")


def project_filters(args: dict) -> ProjectFilters:
    """The API's query string as the list page's filters (the same names as ProjectFilters.args())."""
    return ProjectFilters(
        q=args["q"].strip(), region=args["region"] or None, state=args["state"], agreement=args["agreement"],
        band=args["band"], industry=args["industry"] or None, light=args["light"], milestone=args["milestone"],
        period_from=args["period_from"], period_to=args["period_to"], min_investment=args["min_investment"],
        flag=args["flag"], chain=args["chain"], campaign=args["campaign"], counted=args["counted"],
        funds=args["funds"], reached=args["reached"], entry=args["entry"] or None, team=args["team"] or None,
        tag=args["tag"] or None, mode=args["mode"],
    )  # fmt: skip


def _with_lights(projects: list[Project], today) -> list[Project]:
    found = lights.lights_for(projects, today)
    for project in projects:
        shown: Any = project  # the response schema reads attributes the model does not declare
        shown.light = found.get(project.id)  # None for a terminated project
    return projects


@operation("/projects", tag=PROJECTS, summary=_l("Projects you can see, with the project list's filters"),
           query=ProjectQuery, response=ps.ProjectPageSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def list_projects(user: User, args: dict):
    today = local_date(utcnow())
    filters = project_filters(args)
    query = project_query(user, filters, today).order_by(*list_order(filters))
    query = query.options(
        selectinload(Project.entry).options(
            selectinload(WhitelistEntry.enterprise).options(lazyload("*")),
            selectinload(WhitelistEntry.region).options(lazyload("*")),
            lazyload("*"),
        ),
        selectinload(Project.plan),  # the lights read the schedule
    )  # fmt: skip
    result = page(query, args)
    _with_lights(result["items"], today)
    return result


def _arrivals(project: Project) -> list[FundArrival]:
    """The project's 到位资金 lines, each with its return and who added it (three queries)."""
    rows = db.session.execute(
        select(FundArrival, FundReturn).join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundArrival.project_id == project.id).order_by(FundArrival.arrived_on, FundArrival.id)
    ).all()  # fmt: skip
    ids = {arrival.created_by_id for arrival, _ret in rows}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    for arrival, ret in rows:
        shown: Any = arrival  # the response schema reads attributes the model does not declare
        shown.fund_return, shown.created_by = ret, people[arrival.created_by_id]
    return [arrival for arrival, _ret in rows]


def project_detail(user: User, project: Project) -> Project:
    _with_lights([project], local_date(utcnow()))
    shown: Any = project  # the response schema reads attributes the model does not declare
    shown.arrivals = _arrivals(project)

    def total(statuses: tuple[str, ...]) -> int:
        return sum(a.total for a in shown.arrivals if a.fund_return.status in statuses)

    shown.funds = {"verified": total(("verified",)), "pending": total(("submitted",)),
                   "unsubmitted": total(UNSUBMITTED), "planned": sum(p.amount for p in project.plan)}  # fmt: skip
    shown.may_report_funds = returns.may_add(user, project)
    shown.events = list(
        db.session.scalars(select(Event).where(Event.project_id == project.id).order_by(Event.id))
    )
    return project


@operation("/projects/<int:project_id>", tag=PROJECTS,
           summary=_l("A project: its schedule, its 到位资金 lines with their returns, and its light"),
           response=ps.ProjectDetailSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def get_project(user: User, project_id: int):
    return project_detail(user, get_project_or_404(user, project_id))


@operation("/projects/<int:project_id>/arrivals", "POST", tag=PROJECTS,
           summary=_l("Report 到位资金 of a project in its landing county's monthly return (counted once verified)"),
           body=ArrivalBody, response=ps.ArrivalSchema, status=201, roles=CAMPAIGN_ROLES)  # fmt: skip
def create_arrival(user: User, project_id: int, data: dict):
    project = get_project_or_404(user, project_id)
    line = returns.ArrivalData(**data)
    row = returns.add_arrival(user, project, line, utcnow(), local_date(utcnow()))
    shown: Any = row  # the response schema reads attributes the model does not declare
    shown.fund_return, shown.created_by = db.session.get(FundReturn, row.return_id), user
    return row
