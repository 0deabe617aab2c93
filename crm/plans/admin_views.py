"""Administration of the plan template, the holiday table, confirmed years and re-planning open steps."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import admin_required
from crm.extensions import db
from crm.plans import bp, holiday_admin
from crm.plans.calendar import WorkCalendar
from crm.plans.forms import HolidayForm, HolidayYearForm, TemplateStepForm
from crm.plans.models import Holiday, HolidayYear, TemplateStep
from crm.plans.replan import pending_moves, replan
from crm.plans.services import default_template
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt


@bp.route("/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        holiday_admin.save_holiday(form.day.data, form.is_workday.data, form.name.data)
        flash(_("Saved."), "success")
        return redirect(url_for("plans.holidays"))
    rows = db.session.scalars(select(Holiday).order_by(Holiday.day.desc())).all()
    cal, today = WorkCalendar.load(), local_date(utcnow())
    return render_template(
        "plans/holidays.html", form=form, rows=rows, years=holiday_admin.year_statuses(today, cal),
        year_form=HolidayYearForm(formdata=None), moves=pending_moves(cal),
    )  # fmt: skip


@bp.route("/holidays/years", methods=["POST"])
@admin_required
def confirm_year():
    form = HolidayYearForm()
    if not form.validate_on_submit():
        flash(_("Give the year (2000–2100)."), "danger")
    else:
        year = form.year.data
        attempt(lambda: holiday_admin.confirm_year(current_user, year, form.note.data, utcnow()),
                _("%(year)d is confirmed.", year=year))  # fmt: skip
    return redirect(url_for("plans.holidays"))


@bp.route("/holidays/years/<int:year>/withdraw", methods=["POST"])
@admin_required
def withdraw_year(year: int):
    db.get_or_404(HolidayYear, year)  # only a confirmed year can be withdrawn
    attempt(lambda: holiday_admin.withdraw_year(year), _("%(year)d is provisional again.", year=year))
    return redirect(url_for("plans.holidays"))


@bp.route("/holidays/replan", methods=["POST"])
@admin_required
def replan_steps():
    moved = replan(current_user, utcnow())
    flash(_("%(n)d plan steps moved; their owners are notified.", n=len(moved)), "success")
    return redirect(url_for("plans.holidays"))


@bp.route("/holidays/<day>/delete", methods=["POST"])
@admin_required
def delete_holiday(day: str):
    row = next((h for h in db.session.scalars(select(Holiday)) if h.day.isoformat() == day), None)
    if row is None:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("plans.holidays"))


@bp.route("/template", methods=["GET", "POST"], defaults={"step_id": None})
@bp.route("/template/<int:step_id>", methods=["GET", "POST"])
@admin_required
def template(step_id: int | None):
    plan = default_template() or abort(404)
    step = db.session.get(TemplateStep, step_id) if step_id else None
    if step_id and (step is None or step.template_id != plan.id):
        abort(404)
    form = TemplateStepForm(obj=step if request.method == "GET" else None)
    if form.validate_on_submit():
        step = step or TemplateStep(template_id=plan.id)
        form.populate_obj(step)
        db.session.add(step)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.template"))
    return render_template("plans/template.html", plan=plan, form=form, step=step)
