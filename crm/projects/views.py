"""The project list (with the dashboard's drill-downs and an Excel export), a project's page with its stages,
schedule and funds, and adding a project to a target."""

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, selectinload

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.extensions import db
from crm.pagination import page_number
from crm.parsing import form_version, parse_int
from crm.plans import policy
from crm.plans.logs import Upload
from crm.plans.models import FundArrival
from crm.plans.views import upload_dir
from crm.projects import bp, lights, returns, services
from crm.projects.editing import edit_project
from crm.projects.forms import (
    ArrivalForm,
    FilterForm,
    ProjectForm,
    ScheduleForm,
    StageForm,
    TerminateForm,
    filters_from,
    parse_month,
    parse_schedule,
)
from crm.projects.models import FundReturn, Project
from crm.projects.queries import describe, list_order, project_query
from crm.refdata.choices import leaf_industry_choices
from crm.scope import get_entry_or_404, get_project_or_404
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import AGREEMENTS, PROJECT_STATES
from crm.whitelist.models import Event, WhitelistEntry
from crm.xlsx import Sheet, download

DRILL_KEYS = ("milestone", "from", "to", "min_investment", "flag", "chain", "campaign", "counted", "funds",
              "reached", "entry", "team", "tag", "mode")  # fmt: skip


def _filtered():
    form = FilterForm(request.args)
    form.validate()
    return form, filters_from(form, request.args)


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def index():
    form, filters = _filtered()
    today = local_date(utcnow())
    query = project_query(current_user, filters, today)
    total = db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True))
    page = db.paginate(
        query.order_by(*list_order(filters)).options(
            selectinload(Project.entry).options(
                selectinload(WhitelistEntry.enterprise).options(lazyload("*")), lazyload("*")
            ),
            selectinload(Project.plan),  # the lights read the schedule (crm.projects.lights)
        ),
        page=page_number(), per_page=current_app.config["PER_PAGE"], error_out=False, count=False,
    )  # fmt: skip
    page.total = total
    kept_args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in DRILL_KEYS and k != "page"}
    return render_template(
        "projects/index.html", form=form, page=page, lights=lights.lights_for(page.items, today),
        drill_words=describe(filters), drill_args={k: v for k, v in request.args.items() if k in DRILL_KEYS},
        without_drill=url_for("projects.index", **kept_args),
    )  # fmt: skip


HEADERS = ["项目名称", "企业名称", "提报县(市、区)", "落地县区/功能区", "状态", "协议类型", "签约日期", "签约金额(万元)",
           "计划总投资(万元)", "产业", "落地主体信用代码", "落地日期", "开工日期", "投产日期", "已核验到位资金(万元)"]  # fmt: skip


@bp.route("/export.xlsx")
@roles_required(*CAMPAIGN_ROLES)
def export():

    _form, filters = _filtered()
    query = project_query(current_user, filters, local_date(utcnow()))
    verified = (
        select(
            FundArrival.project_id,
            func.sum(FundArrival.fixed_amount + FundArrival.other_amount).label("total"),
        )
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status == "verified")
        .group_by(FundArrival.project_id)
        .subquery()
    )
    rows_query = query.add_columns(func.coalesce(verified.c.total, 0)).outerjoin(
        verified, verified.c.project_id == Project.id
    )

    def rows():
        for p, funds in db.session.execute(rows_query.order_by(Project.id).execution_options(yield_per=1000)):
            yield (p.name, p.entry.enterprise.name, p.entry.region.name, p.region.name, PROJECT_STATES[p.state],
                   AGREEMENTS.get(p.agreement), p.signed_on, p.contract_amount, p.planned_investment,
                   p.industry.name if p.industry else None, p.landed_uscc, p.landed_on, p.started_on,
                   p.producing_on, funds)  # fmt: skip

    name = _("Projects %(day)s.xlsx", day=local_date(utcnow()).isoformat())
    return download([Sheet(_("Projects"), HEADERS, rows())], name)


@bp.route("/<int:project_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(project_id: int):
    return _render_detail(get_project_or_404(current_user, project_id))


def _render_detail(project: Project, arrival: ArrivalForm | None = None, status: int = 200):
    """The project's page; `arrival` is a rejected funds line, shown again with what was typed."""
    today = local_date(utcnow())
    arrivals = db.session.execute(
        select(FundArrival, FundReturn).join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundArrival.project_id == project.id).order_by(FundArrival.arrived_on, FundArrival.id)
    ).all()  # fmt: skip
    events = list(db.session.scalars(select(Event).where(Event.project_id == project.id).order_by(Event.id)))
    may = policy.can_advance(current_user, project.entry)
    stage = StageForm(formdata=None, target=services.next_state(project), version=project.version)
    schedule = ScheduleForm(formdata=None, version=project.version,
                            schedule="\n".join(f"{p.month:%Y-%m} {p.amount}" for p in project.plan))  # fmt: skip
    arrival = arrival or ArrivalForm(formdata=None)
    arrival.project_id.choices = [(project.id, project.name)]
    return render_template(
        "projects/detail.html", project=project, light=lights.lights_for([project], today).get(project.id),
        arrivals=arrivals, events=events, may=may, may_report=returns.may_add(current_user, project),
        stage=stage, schedule=schedule, terminate=TerminateForm(formdata=None, version=project.version),
        arrival=arrival, next_state=services.next_state(project), today=today,
    ), status  # fmt: skip


def project_data(form: ProjectForm, schedule: dict | None = None) -> services.ProjectData:
    """The project's facts from the add or edit form (blank industry, campaign, mode: the target's)."""
    return services.ProjectData(
        name=form.name.data, region_id=form.region_id.data, agreement=form.agreement.data,
        signed_on=form.signed_on.data, contract_amount=form.contract_amount.data,
        planned_investment=form.planned_investment.data, industry_id=form.industry_id.data or None,
        campaign=form.campaign.data or None, mode=form.mode.data or None, schedule=schedule or {},
    )  # fmt: skip


@bp.route("/new/<int:entry_id>", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def new(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not policy.can_advance(current_user, entry):
        abort(403)
    form = ProjectForm()
    if request.method == "GET":
        form.region_id.data = entry.region_id
        form.planned_investment.data = None
    if form.validate_on_submit():
        data = project_data(form, parse_schedule(form.schedule.data))
        created = []
        if attempt(lambda: created.append(services.add_project(current_user, entry, data, utcnow(),
                                                               local_date(utcnow()))), _("Project added.")):  # fmt: skip
            return redirect(url_for("projects.detail", project_id=created[0].id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template("projects/new.html", form=form, entry=entry,
                           projects=services.projects_of(entry.id)), 200 if request.method == "GET" else 422  # fmt: skip


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit(project_id: int):

    project = get_project_or_404(current_user, project_id)
    if not policy.can_advance(current_user, project.entry) or project.state == "terminated":
        abort(403)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    form.industry_id.choices = leaf_industry_choices(blank=_("— as the target —"), keep=project.industry_id)
    if request.method == "GET":
        form.industry_id.data, form.campaign.data, form.mode.data = (
            project.industry_id or 0,
            project.campaign or "",
            project.mode or "",
        )
    if form.validate_on_submit():
        data = project_data(form)
        version = parse_int(request.form.get("version"), -1)
        if attempt(lambda: edit_project(current_user, project, data, utcnow(), local_date(utcnow()), version),
                   _("Project saved.")):  # fmt: skip
            return redirect(url_for("projects.detail", project_id=project.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    status = 200 if request.method == "GET" else 422
    return render_template("projects/edit.html", form=form, project=project), status


@bp.route("/<int:project_id>/stage", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def advance(project_id: int):
    project = get_project_or_404(current_user, project_id)
    form = StageForm()
    if form.validate_on_submit():
        ev = services.Evidence(on=form.on.data, uscc=form.uscc.data)
        attempt(lambda: services.advance(current_user, project, form.target.data, ev, utcnow(),
                                         local_date(utcnow()), form_version(form)), _("Stage updated."))  # fmt: skip
    else:
        flash(_("Please correct the marked fields."), "danger")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/<int:project_id>/terminate", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def terminate(project_id: int):
    project = get_project_or_404(current_user, project_id)
    form = TerminateForm()
    if form.validate_on_submit():
        attempt(lambda: services.terminate(current_user, project, form.reason.data, utcnow(), form_version(form)),
                _("Project terminated."))  # fmt: skip
    else:
        flash(_("Give the reason."), "danger")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/<int:project_id>/schedule", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def schedule(project_id: int):
    project = get_project_or_404(current_user, project_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        plan = parse_schedule(form.schedule.data)
        attempt(lambda: services.set_schedule(current_user, project, plan, utcnow(), form_version(form)),
                _("Planned funds saved."))  # fmt: skip
    else:
        for error in form.schedule.errors:
            flash(error, "danger")
    return redirect(url_for("projects.detail", project_id=project.id) + "#schedule")


def read_arrival(form: ArrivalForm, month) -> returns.ArrivalData:
    upload = form.attachment.data
    attachment = Upload(upload.filename, upload.read()) if upload and upload.filename else None
    return returns.ArrivalData(
        month=month, fixed=form.fixed.data or 0, other=form.other.data or 0,
        out_of_province=form.out_of_province.data, source_province=form.source_province.data or None,
        note=form.note.data, attachment=attachment,
    )  # fmt: skip


@bp.route("/<int:project_id>/arrivals", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def add_arrival(project_id: int):

    project = get_project_or_404(current_user, project_id)
    form = ArrivalForm()
    form.project_id.choices = [(project.id, project.name)]
    month = parse_month(request.form.get("month"))
    if month is None:
        flash(_("Choose the month."), "danger")
    elif form.validate_on_submit():
        done = _("Funds added to the county's return; they count once the city verifies it.")
        if attempt(lambda: returns.add_arrival(current_user, project, read_arrival(form, month), utcnow(),
                                               local_date(utcnow()), upload_dir()), done):  # fmt: skip
            return redirect(url_for("projects.detail", project_id=project.id) + "#funds")
    else:
        flash(_("Please correct the marked fields."), "danger")
    return _render_detail(project, form, 422)
