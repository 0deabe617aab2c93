"""Administration of the plan template and the holiday table."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.permissions import admin_required
from crm.extensions import db
from crm.plans import bp
from crm.plans.calendar import WorkCalendar
from crm.plans.forms import HolidayForm, TemplateStepForm
from crm.plans.models import Holiday, TemplateStep
from crm.plans.services import default_template
from crm.types import local_date, utcnow


@bp.route("/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        row = db.session.get(Holiday, form.day.data) or Holiday(day=form.day.data)
        row.is_workday, row.name = form.is_workday.data, form.name.data.strip()
        db.session.add(row)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.holidays"))
    rows = db.session.scalars(select(Holiday).order_by(Holiday.day.desc())).all()
    cal, year = WorkCalendar.load(), local_date(utcnow()).year
    missing = [y for y in (year, year + 1) if not cal.covered(y)]
    return render_template("plans/holidays.html", form=form, rows=rows, missing=missing)


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
