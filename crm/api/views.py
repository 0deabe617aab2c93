"""The JSON API's endpoints. Each one goes through crm.scope (the UI's scope filter), the UI's role rules and the
same services as the HTML views; crm.api.operations declares them and crm.api.spec documents them."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from crm.api import bp
from crm.api import chain_views as _chain_views  # noqa: F401  (/chains: list and gap analysis)
from crm.api import docs_views as _docs_views  # noqa: F401  (openapi.json and the docs page)
from crm.api import project_views as _project_views  # noqa: F401  (/projects: list, detail, arrivals)
from crm.api import schemas as s
from crm.api.dashboard_schemas import DashboardSchema
from crm.api.errors import ApiError, init_api_errors
from crm.api.inputs import (
    ActionBody,
    AssignBody,
    DashboardQuery,
    EntryQuery,
    LogBody,
    NotificationQuery,
    PageQuery,
    SearchQuery,
)
from crm.api.operations import operation, page
from crm.auth.models import User
from crm.auth.permissions import CAMPAIGN_ROLES, REVIEWER_ROLES
from crm.dashboard.services import dashboard as dashboard_figures
from crm.drill import Drill
from crm.enterprises.models import Enterprise
from crm.enterprises.search import enterprise_search
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.plans import logs
from crm.plans import policy as plan_policy
from crm.plans.models import ContactLog
from crm.plans.queries import my_open_tasks
from crm.plans.views import upload_dir
from crm.scope import (
    enterprise_scope,
    entry_scope,
    get_enterprise_or_404,
    get_entry_or_404,
    get_team_or_404,
    team_scope,
)
from crm.teams import assignment
from crm.teams import policy as team_policy
from crm.teams.models import Assignment, Team
from crm.teams.queries import with_details
from crm.types import local_date, utcnow
from crm.whitelist import policy, queries
from crm.whitelist.assign_views import ASSIGNERS
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.queries import Filters
from crm.whitelist.views import ACTIONS

init_api_errors(bp)

ENTERPRISES, ENTRIES, TEAMS, WORK, DASHBOARD = (
    "enterprises", "entries", "teams", "work", "dashboard"
)  # fmt: skip


@operation("/enterprises", tag=ENTERPRISES, summary=_l("Enterprises you can see"), query=SearchQuery,
           response=s.EnterprisePageSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def list_enterprises(user: User, args: dict):
    query = select(Enterprise).where(enterprise_scope(user)).order_by(Enterprise.name_initials, Enterprise.id)
    if args["q"].strip():
        query = query.where(enterprise_search(args["q"].strip()))
    return page(query, args)


@operation("/enterprises/<int:enterprise_id>", tag=ENTERPRISES, summary=_l("An enterprise and its entries"),
           response=s.EnterpriseDetailSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def get_enterprise(user: User, enterprise_id: int):
    enterprise = get_enterprise_or_404(user, enterprise_id)
    shown: Any = enterprise  # the response schema reads attributes the model does not declare
    shown.entries = queries.entries_of(enterprise.id, user)
    return enterprise


def _filters(args: dict) -> Filters:
    drill = Drill(
        phase=args["phase"], milestone=args["milestone"], period_from=args["period_from"],
        period_to=args["period_to"], min_investment=args["min_investment"], flag=args["flag"],
        chain=args["chain"], reached=args["reached"], escalated=args["escalated"],
    )  # fmt: skip
    return Filters(
        q=args["q"].strip(), region=args["region"], tag=args["tag"], industry=args["industry"], state=args["state"],
        campaign=args["campaign"], mode=args["mode"], conflict=args["conflict"], team=args["team"],
        light=args["light"], drill=drill, sort=args["sort"],
    )  # fmt: skip


@operation("/entries", tag=ENTRIES, summary=_l("Whitelist entries, with the list page's filters"),
           query=EntryQuery, response=s.EntryPageSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def list_entries(user: User, args: dict):
    return page(queries.whitelist_query(user, _filters(args)), args)


def entry_detail(user: User, entry: WhitelistEntry) -> WhitelistEntry:
    """The entry with what `user` may do to it now (the same checks as the buttons on its page)."""
    allowed = policy.allowed_actions(user, entry) | team_policy.team_actions(user, entry)
    if "review" in allowed:
        allowed = (allowed - {"review"}) | {"approve", "return"}
    if plan_policy.can_log(user, entry):
        allowed.add("log")
    shown: Any = entry  # the response schema reads attributes the model does not declare
    shown.actions = sorted(allowed)
    return entry


@operation("/entries/<int:entry_id>", tag=ENTRIES, summary=_l("An entry, its history and what you may do to it"),
           response=s.EntryDetailSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def get_entry(user: User, entry_id: int):
    return entry_detail(user, get_entry_or_404(user, entry_id))


@operation("/entries/<int:entry_id>/actions/<action>", "POST", tag=ENTRIES,
           summary=_l("Approve, return, resubmit, pause, resume or drop an entry"), body=ActionBody,
           response=s.EntryDetailSchema, roles=CAMPAIGN_ROLES, path_enums={"action": tuple(ACTIONS)})  # fmt: skip
def act_on_entry(user: User, entry_id: int, action: str, data: dict):
    entry = get_entry_or_404(user, entry_id)
    ACTIONS[action](user, entry, data["reason"], utcnow(), data["version"])
    return entry_detail(user, entry)


@operation("/entries/<int:entry_id>/assignments", tag=ENTRIES, summary=_l("The entry's assignment history"),
           query=PageQuery, response=s.AssignmentPageSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def list_assignments(user: User, entry_id: int, args: dict):
    entry = get_entry_or_404(user, entry_id)
    return page(
        select(Assignment).where(Assignment.entry_id == entry.id).order_by(Assignment.id.desc()), args
    )


@operation("/entries/<int:entry_id>/assign", "POST", tag=ENTRIES,
           summary=_l("Give a whitelisted entry to a team (and an owner in it)"), body=AssignBody,
           response=s.EntryDetailSchema, roles=ASSIGNERS)  # fmt: skip
def assign_entry(user: User, entry_id: int, data: dict):
    entry = get_entry_or_404(user, entry_id)
    team = db.session.get(Team, data["team_id"])
    if team is None or db.session.scalar(select(Team.id).where(Team.id == team.id, team_scope(user))) is None:
        raise ApiError(422, "unknown_team", _("There is no such team among those you can see."))
    owner = db.session.get(User, data["owner_id"]) if data["owner_id"] else team.leader
    if owner is None:
        raise ApiError(422, "unknown_owner", _("There is no such user."))
    assignment.assign(user, entry, team, owner, utcnow(), data["version"])
    return entry_detail(user, entry)


@operation("/entries/<int:entry_id>/logs", tag=ENTRIES, summary=_l("Contact logs of an entry"), query=PageQuery,
           response=s.ContactLogPageSchema, roles=CAMPAIGN_ROLES)  # fmt: skip
def list_logs(user: User, entry_id: int, args: dict):
    entry = get_entry_or_404(user, entry_id)
    query = select(ContactLog).where(ContactLog.entry_id == entry.id)
    return page(query.order_by(ContactLog.occurred_at.desc(), ContactLog.id.desc()), args)


def _aware(moment: datetime) -> datetime:
    """A naive time is Beijing time; anything the calendar cannot hold is a 422, not a 500."""
    try:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
        return moment.astimezone(ZoneInfo("UTC"))
    except (OverflowError, ValueError):
        raise ApiError(422, "invalid_body", _("The date is out of range.")) from None


@operation("/entries/<int:entry_id>/logs", "POST", tag=ENTRIES, summary=_l("Log a contact or visit"),
           body=LogBody, response=s.ContactLogSchema, status=201, roles=CAMPAIGN_ROLES)  # fmt: skip
def create_log(user: User, entry_id: int, data: dict):
    entry = get_entry_or_404(user, entry_id)
    occurred = _aware(data.pop("occurred_at"))
    log_data = logs.LogData(occurred_at=occurred, **data)
    return logs.record_log(user, entry, log_data, utcnow(), upload_dir())


@operation("/teams", tag=TEAMS, summary=_l("Teams you can see"), query=PageQuery, response=s.TeamPageSchema)
def list_teams(user: User, args: dict):
    return page(with_details(select(Team).where(team_scope(user)).order_by(Team.name, Team.id)), args)


@operation("/teams/<int:team_id>", tag=TEAMS, summary=_l("A team and how many of its targets you can see"),
           response=s.TeamDetailSchema)  # fmt: skip
def get_team(user: User, team_id: int):
    team = get_team_or_404(user, team_id)
    visible = select(func.count()).select_from(WhitelistEntry).where(WhitelistEntry.team_id == team.id)
    shown: Any = team  # the response schema reads attributes the model does not declare
    shown.targets = db.session.scalar(visible.where(entry_scope(user)))
    return team


@operation("/tasks", tag=WORK, summary=_l("Your open tasks"), query=PageQuery, response=s.TaskPageSchema,
           roles=CAMPAIGN_ROLES)  # fmt: skip
def list_tasks(user: User, args: dict):
    tasks = my_open_tasks(user)
    start = (args["page"] - 1) * args["per_page"]
    return {"items": tasks[start : start + args["per_page"]], "page": args["page"], "per_page": args["per_page"],
            "total": len(tasks)}  # fmt: skip


@operation("/notifications", tag=WORK, summary=_l("Your inbox"), query=NotificationQuery,
           response=s.NotificationPageSchema)  # fmt: skip
def list_notifications(user: User, args: dict):
    query = select(InboxItem).where(InboxItem.user_id == user.id)
    if args["unread"]:
        query = query.where(InboxItem.read_at.is_(None))
    return page(query.order_by(InboxItem.id.desc()), args)


@operation("/dashboard", tag=DASHBOARD, summary=_l("The dashboard's figures for a year"), query=DashboardQuery,
           response=DashboardSchema, roles=REVIEWER_ROLES)  # fmt: skip
def dashboard(user: User, args: dict):
    today = local_date(utcnow())
    return dashboard_figures(user, args["year"] or today.year, today)  # cached per scope, as the page
