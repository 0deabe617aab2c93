"""The kanban board of the pipeline (by stage, or by light) and moving a card (a JSON answer for the board's script;
without script, each card's move link opens the entry's stage form)."""

from typing import Any

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.parsing import form_version, parse_int
from crm.plans.forms import StageForm
from crm.projects import stages
from crm.scope import get_entry_or_404
from crm.types import local_date, utcnow
from crm.vocab import STATE_LABELS, State
from crm.whitelist import board, bp
from crm.whitelist.board import EVIDENCE_FIELDS
from crm.whitelist.forms import FilterForm, filters_from

BOARDS = ("stage", "light")


@bp.route("/board")
@roles_required(*CAMPAIGN_ROLES)
def board_page():
    by = request.args.get("by") if request.args.get("by") in BOARDS else "stage"
    form = FilterForm(request.args)
    form.validate()
    filters = filters_from(form)
    today = local_date(utcnow())
    build = board.stage_board if by == "stage" else board.light_board
    columns = build(current_user, filters, today)
    kept: dict[str, Any] = {
        k: v for k, v in request.args.items() if k not in ("by", "state", "light", "page")
    }
    return render_template(
        "whitelist/board.html",
        by=by,
        columns=columns,
        form=form,
        kept=kept,
        stage_form=StageForm(),
        evidence_fields=EVIDENCE_FIELDS,
        state_labels=STATE_LABELS,
    )


@bp.route("/board/move", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def board_move():
    """Move a card one stage on: the entry page's stage form, answered in JSON. A refusal says why (409 when
    someone else changed the entry, 422 for a broken rule) and the board puts the card back."""
    entry = get_entry_or_404(current_user, parse_int(request.form.get("entry_id"), 0) or 0)
    form = StageForm()
    if not form.validate_on_submit():
        errors = [str(e) for field in form for e in field.errors]
        return jsonify(ok=False, error=errors[0] if errors else _("Please correct the marked fields.")), 422
    raw_target = form.target.data
    if raw_target == State.ASSIGNED and entry.state == State.WHITELISTED:
        # 已组队 needs a team: that is the assignment page's choice, not a dialog's.
        return jsonify(ok=False, error=_("Assign a team to move a target to 已组队."),
                       link=url_for("whitelist.assign", entry_id=entry.id), link_text=_("Assign")), 422  # fmt: skip
    if raw_target not in {s.value for s in stages.MANUAL}:
        label = STATE_LABELS.get(raw_target or "", raw_target or "")
        return jsonify(ok=False, error=_("A target cannot be moved to %(stage)s by hand.", stage=label)), 422
    target = State(raw_target)
    evidence = stages.StageEvidence(on=form.on.data, amount=form.amount.data, uscc=form.uscc.data)
    now = utcnow()
    try:
        stages.advance(current_user, entry, target, evidence, now, local_date(now), form_version(form))
    except Forbidden as error:
        db.session.rollback()
        return jsonify(ok=False, error=str(error)), 403
    except DomainError as error:
        db.session.rollback()
        answer: dict[str, Any] = {"ok": False, "error": str(error)}
        if target in (State.CONTACTING, State.NEGOTIATING):
            answer.update(link=url_for("plans.log_contact", entry_id=entry.id), link_text=_("Log a contact"))
        return jsonify(answer), 409 if isinstance(error, StaleRecord) else 422
    following = stages.next_stage(entry)
    return jsonify(
        ok=True,
        message=board.move_message(target),
        state=entry.state,
        version=entry.version,
        next_state=following.value if following else None,
        next_label=STATE_LABELS[following] if following else None,
        needs=list(EVIDENCE_FIELDS.get(following, ())) if following else [],
    )
