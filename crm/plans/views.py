"""Plan screens: my tasks, the team board, logging a contact (one phone screen), stages, funds, calendars."""

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, lazyload

from crm.auth.models import User
from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.errors_domain import DomainError, StaleRecord
from crm.extensions import db
from crm.parsing import form_version, local_path, parse_int
from crm.plans import bp, logs, policy, services
from crm.plans.calendar import request_calendar
from crm.plans.forms import FundsForm, LogForm, StageForm, StepForm
from crm.plans.ics import tasks_to_ics
from crm.plans.lights import lights_for
from crm.plans.models import OPEN, ContactLog, Task
from crm.plans.queries import my_open_tasks, my_task_buckets, team_open_tasks
from crm.projects import stages
from crm.scope import get_entry_or_404, get_team_or_404
from crm.teams.models import Team
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"] or Path(current_app.instance_path) / "uploads")


@bp.route("/tasks")
@roles_required(*CAMPAIGN_ROLES)
def my_tasks():
    """Everything due today and this week; of the overdue steps the OVERDUE_SHOWN longest overdue and of the later
    ones the first LATER_SHOWN, unless all are asked for (a lead can hold hundreds of steps months ahead, a member
    of a big county a hundred overdue: the page stays about what to do now, and fits a phone)."""
    today = local_date(utcnow())
    all_later, all_overdue = request.args.get("later") == "all", request.args.get("overdue") == "all"
    buckets, later, overdue = my_task_buckets(
        current_user, today, None if all_later else LATER_SHOWN, None if all_overdue else OVERDUE_SHOWN
    )
    shown = [task for bucket in buckets.values() for task in bucket]
    lights = lights_for(list({t.entry_id: t.entry for t in shown}.values()), today, request_calendar())
    return render_template(
        "plans/my_tasks.html", buckets=buckets, later=later, overdue=overdue, lights=lights, today=today
    )


LATER_SHOWN = 20
OVERDUE_SHOWN = 30


@bp.route("/tasks.ics")
@roles_required(*CAMPAIGN_ROLES)
def my_tasks_ics():
    body = tasks_to_ics(my_open_tasks(current_user), _("My tasks"), utcnow(), request_calendar())
    return Response(
        body, mimetype="text/calendar", headers={"Content-Disposition": "attachment; filename=my-tasks.ics"}
    )


@bp.route("/teams/<int:team_id>/board")
@roles_required(*CAMPAIGN_ROLES)
def team_board(team_id: int):
    team = get_team_or_404(current_user, team_id)
    today = local_date(utcnow())
    by_owner: dict[str, list] = {}
    for task in team_open_tasks(team, current_user):
        by_owner.setdefault(task.owner.full_name, []).append(task)
    return render_template("plans/board.html", team=team, by_owner=by_owner, today=today)


# What the contact-log form and its POST read of the entry: its enterprise (name, contacts) and its team (the
# people who may take part: its leader and members); the rest loads if used. The entry's default eager joins were a third of the form's time.
FOR_LOGGING = (
    joinedload(WhitelistEntry.enterprise).lazyload("*"),
    joinedload(WhitelistEntry.team).options(joinedload(Team.leader).lazyload("*"), lazyload("*")),
    lazyload("*"),
)


@bp.route("/entries/<int:entry_id>/log", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def log_contact(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id, *FOR_LOGGING)
    if not policy.can_log(current_user, entry):
        abort(403)
    # A leader's instruction is completed by reporting on it (crm.instructions), not by a contact log.
    open_tasks = [t for t in services.plan_of(entry.id) if t.status == OPEN and t.kind != "instruction"]
    form = LogForm()
    form.set_choices(entry, open_tasks)
    if request.method == "GET":
        now_local = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
        form.occurred_on.data, form.occurred_time.data = (
            now_local.date(),
            now_local.time().replace(second=0, microsecond=0),
        )
        form.participants.data = [current_user.id]
        form.complete_task.data = parse_int(request.args.get("task"), 0)
    if form.validate_on_submit():
        if attempt(lambda: logs.record_log(current_user, entry, _log_data(form), utcnow(), upload_dir()),
                   _("Contact logged.")):  # fmt: skip
            # entry_id, not entry.id: the commit expired the entry, and reading it again is a query of 16 joins.
            return redirect(
                local_path(request.args.get("back")) or url_for("whitelist.detail", entry_id=entry_id)
            )
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template("plans/log.html", entry=entry, form=form)


def _log_data(form: LogForm) -> logs.LogData:
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    occurred = datetime.combine(form.occurred_on.data, form.occurred_time.data or time(9, 0), tz)
    upload = request.files.get(form.attachment.name)
    attachment = logs.Upload(upload.filename, upload.read()) if upload and upload.filename else None
    return logs.LogData(
        occurred_at=occurred, kind=form.kind.data, summary=form.summary.data or "", outcome=form.outcome.data,
        participant_ids=form.participants.data or [], contact_ids=form.contacts.data or [],
        new_contact_name=form.new_contact_name.data, new_contact_title=form.new_contact_title.data,
        next_step=form.next_step.data, next_date=form.next_date.data, complete_task_id=form.complete_task.data or None,
        attachment=attachment,
    )  # fmt: skip


@bp.route("/entries/<int:entry_id>/stage", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def advance_stage(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    form = StageForm()
    if not form.validate_on_submit() or form.target.data not in {s.value for s in stages.MANUAL}:
        flash(_("Please correct the marked fields."), "danger")
        return redirect(url_for("whitelist.detail", entry_id=entry.id))
    evidence = stages.StageEvidence(on=form.on.data, amount=form.amount.data, uscc=form.uscc.data)
    attempt(
        lambda: stages.advance(
            current_user,
            entry,
            State(form.target.data),
            evidence,
            utcnow(),
            local_date(utcnow()),
            form_version(form),
        ),
        _("Stage updated."),
    )
    return redirect(url_for("whitelist.detail", entry_id=entry.id) + "#stage")


@bp.route("/entries/<int:entry_id>/funds", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def add_funds(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    form = FundsForm()
    if form.validate_on_submit():
        attempt(lambda: stages.add_funds(current_user, entry, form.arrived_on.data, form.fixed_amount.data or 0,
                                         form.other_amount.data or 0, form.note.data, utcnow(), local_date(utcnow())),
                _("Funds recorded."))  # fmt: skip
    else:
        flash(_("Please correct the marked fields."), "danger")
    return redirect(url_for("whitelist.detail", entry_id=entry.id) + "#funds")


@bp.route("/entries/<int:entry_id>/plan.ics")
@roles_required(*CAMPAIGN_ROLES)
def plan_ics(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    body = tasks_to_ics(services.plan_of(entry.id), entry.enterprise.name, utcnow(), request_calendar())
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename=plan-{entry.id}.ics"},
    )


@bp.route("/entries/<int:entry_id>/steps", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def add_step(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not policy.can_shape_plan(current_user, entry):
        abort(403)
    form = StepForm()
    form.owner_id.choices = [(p.id, p.full_name) for p in entry.team.people]
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data)
        assert owner is not None  # one of the choices, the team's people
        attempt(lambda: services.add_step(current_user, entry, form.title.data, form.due_date.data,
                                          form.evidence.data, owner, utcnow()),
                _("Step added."))  # fmt: skip
    else:
        flash(_("Please correct the marked fields."), "danger")
    return redirect(url_for("whitelist.detail", entry_id=entry.id) + "#plan")


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit_task(task_id: int):
    # Without its entry's eager joins (SQLite materialised them for every entry); the entry is loaded just below.
    task = db.session.get(Task, task_id, options=[lazyload(Task.entry)]) or abort(404)
    entry = get_entry_or_404(current_user, task.entry_id)
    if not policy.can_shape_plan(current_user, entry):
        abort(403)
    form = StepForm(obj=task if request.method == "GET" else None)
    form.owner_id.choices = [(p.id, p.full_name) for p in entry.team.people]
    if request.method == "GET":
        form.version.data = task.version
    elif form.validate_on_submit():
        try:
            owner = db.session.get(User, form.owner_id.data)
            assert owner is not None  # one of the choices, the team's people
            services.shift_task(current_user, task, form.due_date.data, owner, form_version(form), utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("whitelist.detail", entry_id=entry.id) + "#plan")
    return render_template("plans/task_edit.html", form=form, task=task, entry=entry)


@bp.route("/logs/<int:log_id>/attachment")
@login_required
def attachment(log_id: int):
    log = db.session.get(ContactLog, log_id) or abort(404)
    get_entry_or_404(current_user, log.entry_id)
    path = upload_dir() / log.attachment_path if log.attachment_path else None
    if path is None or not path.is_file():
        abort(404)  # no attachment, or the file is gone (a restore without the upload folder)
    return send_file(path, as_attachment=True, download_name=log.attachment_name)
