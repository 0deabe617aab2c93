"""领导批示 screens: my instructions, writing one on a target, one instruction's thread, and its steps."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth.permissions import CAMPAIGN_ROLES, REVIEWER_ROLES, roles_required
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.instructions import bp, services
from crm.instructions.forms import InstructionForm, StepForm
from crm.parsing import form_version, local_path
from crm.scope import get_entry_or_404
from crm.types import local_date, utcnow
from crm.viewhelpers import refusal, refused_status


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def mine():
    todo = services.open_instructions_for(current_user)
    user = current_user._get_current_object()
    to_close = [i for i in todo if i.author_id == user.id and i.status == "reported"]
    to_handle = [i for i in todo if i not in to_close]
    issued = services.issued_by(user) if user.role in REVIEWER_ROLES else []
    return render_template(
        "instructions/mine.html", to_handle=to_handle, to_close=to_close, issued=issued,
        actions=services.listed_actions(user, todo), today=local_date(utcnow()),
    )  # fmt: skip


@bp.route("/entries/<int:entry_id>/new", methods=["GET", "POST"])
@roles_required(*REVIEWER_ROLES)
def new(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not services.may_instruct(current_user, entry):
        abort(403)
    form = InstructionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.issue(current_user, entry, form.data_for_service(), utcnow())
        except Forbidden:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
            status = 422
        else:
            flash(_("The instruction is sent to the target's team."), "success")
            return redirect(url_for("whitelist.detail", entry_id=entry.id) + "#instructions")
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
        status = 422
    return render_template("instructions/new.html", entry=entry, form=form), status


def _visible_or_404(instruction_id: int):
    instruction = services.visible_instruction(current_user, instruction_id)
    if instruction is None:
        abort(404)
    return instruction


@bp.route("/<int:instruction_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(instruction_id: int):
    instruction = _visible_or_404(instruction_id)
    return _render_detail(instruction, StepForm(version=instruction.version))


def _render_detail(instruction, form: StepForm, status: int = 200):
    entry = instruction.entry
    return render_template(
        "instructions/detail.html",
        instruction=instruction,
        entry=entry,
        steps=services.steps_of(instruction),
        actions=services.allowed_actions(current_user, instruction, entry),
        form=form,
    ), status


STEPS = {
    "acknowledge": lambda user, i, form, now, v: services.acknowledge(user, i, now, v),
    "report": lambda user, i, form, now, v: services.report(user, i, form.text.data or "", now, v),
    "close": lambda user, i, form, now, v: services.close(user, i, now, v, form.reason.data),
    "return": lambda user, i, form, now, v: services.return_report(user, i, form.reason.data or "", now, v),
}
DONE_MESSAGES = {
    "acknowledge": _l("Acknowledged."),
    "report": _l("Reported to the leader."),
    "close": _l("The instruction is closed."),
    "return": _l("The report is returned."),
}


@bp.route("/<int:instruction_id>/<any(acknowledge, report, close, return):action>", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def act(instruction_id: int, action: str):
    instruction = _visible_or_404(instruction_id)
    form = StepForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors if hasattr(form, "csrf_token") else False:
            abort(400)
        flash(_("Please correct the marked fields."), "danger")
        return _render_detail(instruction, form, 422)
    error = refusal(lambda: STEPS[action](current_user, instruction, form, utcnow(), form_version(form)))
    if error:
        # Again with what was typed, and the instruction as it is now (acting again acts on it).
        db.session.refresh(instruction)
        form.version.data = instruction.version
        return _render_detail(instruction, form, refused_status(error))
    flash(str(DONE_MESSAGES[action]), "success")
    back = local_path(request.form.get("back"))
    return redirect(back or url_for("instructions.detail", instruction_id=instruction.id))
