"""The monthly 到位资金 returns: the month's overview per county, a county's return with its lines, and the
decisions on it (submit, verify, send back, open an adjustment)."""

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.auth.models import User
from crm.auth.permissions import roles_required
from crm.extensions import db
from crm.parsing import form_version, parse_int
from crm.plans.models import FundArrival
from crm.plans.views import upload_dir
from crm.projects import bp, returns
from crm.projects.forms import ArrivalForm, DecisionForm, parse_month
from crm.projects.models import FundReturn, Project
from crm.projects.views import read_arrival
from crm.refdata.choices import regions
from crm.refdata.models import Region
from crm.scope import get_project_or_404, project_scope
from crm.settings import get_int
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry

FILERS = (Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER)


def _month_arg(raw: str | None) -> date:
    return parse_month(raw) or returns.month_start(local_date(utcnow()))


def _month_or_404(raw: str) -> date:
    month = parse_month(raw)
    if month is None:
        abort(404)
    return month


def _sees_all(user: User, region_id: int) -> bool:
    return user.role == Role.MANAGER or user.region_id == region_id


@bp.route("/returns")
@roles_required(*FILERS)
def returns_index():
    month = _month_arg(request.args.get("month"))
    shown = [r for r in regions() if _sees_all(current_user, r.id)]
    ids = [r.id for r in shown]
    status = {(r.region_id, r.seq): r for r in db.session.scalars(
        select(FundReturn).where(FundReturn.month == month, FundReturn.region_id.in_(ids)))}  # fmt: skip
    totals = dict(db.session.execute(
        select(FundReturn.region_id, func.sum(FundArrival.fixed_amount + FundArrival.other_amount))
        .join(FundArrival, FundArrival.return_id == FundReturn.id)
        .where(FundReturn.month == month, FundReturn.region_id.in_(ids)).group_by(FundReturn.region_id)
    ).all())  # fmt: skip
    live = dict(db.session.execute(
        select(Project.region_id, func.count()).where(Project.region_id.in_(ids), Project.state != "terminated",
                                                      Project.signed_on < _next_month(month))
        .group_by(Project.region_id)
    ).all())  # fmt: skip
    rows = [
        {"region": r, "ret": status.get((r.id, 0)), "total": totals.get(r.id, 0), "projects": live.get(r.id, 0),
         "adjustments": [v for (rid, seq), v in sorted(status.items(), key=lambda kv: kv[0]) if rid == r.id and seq]}
        for r in shown
    ]  # fmt: skip
    deadline = month.replace(day=get_int("return_deadline_day"))
    return render_template("projects/returns.html", rows=rows, month=month, deadline=deadline,
                           prev=_prev_month(month), next=_next_month(month))  # fmt: skip


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _prev_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _held_ids(user: User, region_id: int) -> set[int] | None:
    """None when the user sees the county's whole return; else the ids of the projects landing there that the
    user's county holds (possibly none: then the page is not theirs)."""
    if _sees_all(user, region_id):
        return None
    return set(db.session.scalars(
        select(Project.id).join(WhitelistEntry, WhitelistEntry.id == Project.entry_id)
        .where(Project.region_id == region_id, WhitelistEntry.region_id == user.region_id)
    ))  # fmt: skip


@bp.route("/returns/<int:region_id>/<month>")
@roles_required(*FILERS)
def return_detail(region_id: int, month: str):
    return _render_return(region_id, _month_or_404(month))


def _render_return(region_id: int, day: date, form: ArrivalForm | None = None, status: int = 200):
    """A county's return for a month; `form` is a rejected line, shown again with what was typed."""
    region = db.session.get(Region, region_id) or abort(404)
    held = _held_ids(current_user, region_id)
    if held is not None and not held:
        abort(404)
    found = list(db.session.scalars(select(FundReturn).where(FundReturn.region_id == region_id,
                                                              FundReturn.month == day).order_by(FundReturn.seq)))  # fmt: skip
    sheets: list[dict[str, Any]] = []
    for ret in found:
        lines = [(row, p) for row, p in returns.lines(ret) if held is None or p.id in held]
        sheets.append({"ret": ret, "lines": lines, "total": sum(r.fixed_amount + r.other_amount for r, _p in lines),
                       "decision": DecisionForm(formdata=None, version=ret.version)})  # fmt: skip
    projects = list(db.session.scalars(
        select(Project).where(Project.region_id == region_id, Project.state != "terminated",
                              Project.signed_on < _next_month(day), project_scope(current_user))
        .order_by(Project.name)
    ))  # fmt: skip
    if held is not None:
        projects = [p for p in projects if p.id in held]
    reported = {p.id for s in sheets for _r, p in s["lines"]}
    form = form or ArrivalForm(formdata=None)
    form.project_id.choices = [(p.id, f"{p.name}（{p.entry.enterprise.name}）") for p in projects]
    open_ret = returns.open_return(region_id, day)
    first = found[0] if found and found[0].seq == 0 else None
    return render_template(
        "projects/return.html", region=region, month=day, sheets=sheets, form=form, projects=projects,
        missing=[p for p in projects if p.id not in reported], files=returns.files_for(current_user, region_id),
        can_add=(open_ret is not None or first is None) and bool(projects) and day <= local_date(utcnow()),
        adjustable=first is not None and first.status == "verified" and open_ret is None
        and not any(s["ret"].status == "submitted" for s in sheets), partial=held is not None,
        deadline=day.replace(day=get_int("return_deadline_day")),
    ), status  # fmt: skip


def _back(ret_or_region: FundReturn | int, month: date | None = None):
    if isinstance(ret_or_region, FundReturn):
        region_id, month = ret_or_region.region_id, ret_or_region.month
    else:
        region_id = ret_or_region
    return redirect(url_for("projects.return_detail", region_id=region_id, month=f"{month:%Y-%m}"))


@bp.route("/returns/<int:region_id>/<month>/lines", methods=["POST"])
@roles_required(*FILERS)
def add_line(region_id: int, month: str):
    day = _month_or_404(month)
    form = ArrivalForm()
    project = get_project_or_404(current_user, parse_int(request.form.get("project_id"), 0) or 0)
    if project.region_id != region_id:
        abort(404)
    form.project_id.choices = [(project.id, project.name)]
    if form.validate_on_submit():
        if attempt(lambda: returns.add_arrival(current_user, project, read_arrival(form, day), utcnow(),
                                               local_date(utcnow()), upload_dir()), _("Line added.")):  # fmt: skip
            return _back(region_id, day)
    else:
        flash(_("Please correct the marked fields."), "danger")
    return _render_return(region_id, day, form, 422)


def _line_or_404(arrival_id: int) -> tuple[FundArrival, Project]:
    row = db.session.get(FundArrival, arrival_id)
    if row is None or row.project_id is None:
        abort(404)
    return row, get_project_or_404(current_user, row.project_id)


@bp.route("/returns/lines/<int:arrival_id>/delete", methods=["POST"])
@roles_required(*FILERS)
def remove_line(arrival_id: int):
    row, project = _line_or_404(arrival_id)
    month = row.arrived_on
    attempt(lambda: returns.remove_arrival(current_user, row), _("Line removed."))
    return _back(project.region_id, month)


@bp.route("/arrivals/<int:arrival_id>/attachment")
@roles_required(Role.MEMBER, *FILERS)
def attachment(arrival_id: int):
    row, _project = _line_or_404(arrival_id)
    if not row.attachment_path:
        abort(404)
    return send_file(
        upload_dir() / row.attachment_path, download_name=row.attachment_name, as_attachment=True
    )


def _return_or_404(return_id: int) -> FundReturn:
    ret = db.session.get(FundReturn, return_id)
    if ret is None or not (current_user.role == Role.MANAGER or current_user.region_id == ret.region_id):
        abort(404)
    return ret


@bp.route("/returns/filed/<int:return_id>/submit", methods=["POST"])
@roles_required(*FILERS)
def submit(return_id: int):
    ret = _return_or_404(return_id)
    form = DecisionForm()
    if form.validate_on_submit():
        attempt(lambda: returns.submit(current_user, ret, utcnow(), form_version(form)),
                _("Return submitted for the city's verification."))  # fmt: skip
    return _back(ret)


@bp.route("/returns/filed/<int:return_id>/verify", methods=["POST"])
@roles_required(Role.MANAGER)
def verify(return_id: int):
    ret = _return_or_404(return_id)
    form = DecisionForm()
    if form.validate_on_submit():
        attempt(lambda: returns.verify(current_user, ret, utcnow(), form_version(form)),
                _("Return verified: its funds now count."))  # fmt: skip
    return _back(ret)


@bp.route("/returns/filed/<int:return_id>/send-back", methods=["POST"])
@roles_required(Role.MANAGER)
def send_back(return_id: int):
    ret = _return_or_404(return_id)
    form = DecisionForm()
    if form.validate_on_submit():
        attempt(lambda: returns.send_back(current_user, ret, form.reason.data or "", utcnow(), form_version(form)),
                _("Return sent back to the county."))  # fmt: skip
    return _back(ret)


@bp.route("/returns/<int:region_id>/<month>/adjust", methods=["POST"])
@roles_required(*FILERS)
def adjust(region_id: int, month: str):
    day = _month_or_404(month)
    if not _sees_all(current_user, region_id):
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        attempt(lambda: returns.open_adjustment(current_user, region_id, day, form.reason.data or "", utcnow()),
                _("Adjustment opened: add the corrections, then submit it."))  # fmt: skip
    return _back(region_id, day)
