"""The city's conflict queue (首报首谈) and its decision."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.auth.permissions import roles_required
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.formbase import Form
from crm.scope import get_entry_or_404
from crm.types import utcnow
from crm.vocab import Role
from crm.whitelist import bp, conflicts


class ResolveForm(Form):
    winner_region_id = SelectField(_l("County that keeps the enterprise"), coerce=int)
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")), Length(max=2000)]
    )


def _form(entry, involved=None) -> ResolveForm:
    form = ResolveForm()
    seen: dict[int, str] = {}
    for candidate in involved if involved is not None else conflicts.candidates(entry):
        seen.setdefault(
            candidate.region_id, f"{candidate.region.name}（#{candidate.id} {candidate.state_label}）"
        )
    form.winner_region_id.choices = list(seen.items())
    return form


@bp.route("/conflicts")
@roles_required(Role.MANAGER)
def conflict_queue():
    entries = db.session.scalars(conflicts.conflict_queue()).all()
    return render_template(
        "whitelist/conflicts.html",
        items=[
            (e, involved, _form(e, involved), conflicts.reasons(e, involved))
            for e in entries
            for involved in [conflicts.candidates(e)]
        ],
    )


@bp.route("/<int:entry_id>/resolve", methods=["POST"])
@roles_required(Role.MANAGER)
def resolve_conflict(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not entry.conflict:
        abort(404)
    form = _form(entry)
    if form.validate_on_submit():
        try:
            closed = conflicts.resolve(
                current_user, entry, form.winner_region_id.data, form.reason.data, utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash(_("Conflict decided; %(n)d claims closed.", n=len(closed)), "success")
    else:
        flash(_("Choose a county and give a reason."), "danger")
    return redirect(url_for("whitelist.conflict_queue"))
