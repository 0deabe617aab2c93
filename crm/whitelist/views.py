"""Whitelist screens: list, propose, detail, edit, review queue and the workflow actions."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth.permissions import CAMPAIGN_ROLES, REVIEWER_ROLES, roles_required
from crm.enterprises import services as enterprise_services
from crm.enterprises.forms import CategoryPicker
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.scope import can_see_enterprise_ids, get_enterprise_or_404, get_entry_or_404
from crm.teams import assignment
from crm.teams import policy as team_policy
from crm.teams.policy import team_actions
from crm.teams.queries import visible_teams
from crm.types import utcnow
from crm.vocab import Role
from crm.whitelist import bp, policy, queries, services
from crm.whitelist.forms import EntryForm, FilterForm, ProposeForm, ReasonForm


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def index():
    form = FilterForm(request.args)
    form.validate()
    filters = queries.Filters(
        q=form.q.data or "",
        region=form.region.data or 0,
        tag=form.tag.data or 0,
        industry=form.industry.data or 0,
        state=form.state.data or "",
        campaign=form.campaign.data or "",
        mode=form.mode.data or "",
        conflict=bool(form.conflict.data),
        team=form.team.data or 0,
        sort=request.args.get("sort", "updated"),
    )
    page = db.paginate(
        queries.whitelist_query(current_user, filters),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    assignable = [e.id for e in page.items if team_policy.can_assign(current_user, e)]
    bulk_teams = [t for t in visible_teams(active_only=True) if assignable and _may_bulk_assign_to(t)]
    return render_template(
        "whitelist/index.html",
        form=form,
        page=page,
        sort=filters.sort,
        assignable=assignable,
        bulk_teams=bulk_teams,
    )


def _may_bulk_assign_to(team) -> bool:
    """Whether the user may assign at least their own county's entries to `team` (checked per entry on submit)."""
    if current_user.role == Role.MANAGER:
        return True
    if current_user.role == Role.COUNTY_HEAD:
        return team.region_id in (None, current_user.region_id)
    return current_user.role == Role.LEAD and team.leader_id == current_user.id


@bp.route("/review")
@roles_required(*REVIEWER_ROLES)
def review():
    entries = db.session.scalars(queries.review_queue(current_user)).all()
    return render_template("whitelist/review.html", entries=entries, form=ReasonForm())


@bp.route("/propose", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def propose():
    form = ProposeForm()
    if request.method == "GET":
        form.enterprise_id.data = request.args.get("enterprise_id", "")
        form.region_id.data = current_user.region_id or 0
    existing = _chosen_enterprise(form.enterprise_id.data)
    picker = CategoryPicker(request.form if request.method == "POST" else None)
    duplicates = []
    if form.validate_on_submit() and (existing or picker.validate()):
        if existing is None:
            duplicates = _unconfirmed_duplicates(form)
        if not duplicates:
            try:
                entry = _create_proposal(form, existing, picker)
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "danger")
            else:
                flash(_("Proposal submitted for review."), "success")
                return redirect(url_for("whitelist.detail", entry_id=entry.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template(
        "whitelist/propose.html", form=form, picker=picker, existing=existing, duplicates=duplicates
    )


def _chosen_enterprise(raw: str | None):
    return get_enterprise_or_404(current_user, int(raw)) if raw and raw.isdigit() else None


def _unconfirmed_duplicates(form: ProposeForm) -> list:
    """Possible duplicates the user has not yet waved through (a same-USCC match can never be waved through)."""
    dups = enterprise_services.find_duplicates(
        form.name.data, form.uscc.data, form.parent.id if getattr(form, "parent", None) else None
    )
    visible = can_see_enterprise_ids(current_user, [d.enterprise.id for d in dups])
    for dup in dups:
        dup.visible = dup.enterprise.id in visible
    same_uscc = any(d.enterprise.uscc and d.enterprise.uscc == form.uscc.data for d in dups)
    if dups and (same_uscc or not form.confirm_new.data):
        return dups
    return []


def _create_proposal(form: ProposeForm, existing, picker: CategoryPicker):
    now = utcnow()
    enterprise = existing or enterprise_services.create_enterprise(
        form.enterprise_data(picker.choices()), current_user, now, commit=False
    )
    return services.propose(current_user, enterprise, form.entry_data(), now)


@bp.route("/<int:entry_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    return _render_detail(entry, ReasonForm(version=entry.version))


def _render_detail(entry, form: ReasonForm, status: int = 200):
    page = render_template(
        "whitelist/detail.html",
        entry=entry,
        actions=policy.allowed_actions(current_user, entry) | team_actions(current_user, entry),
        assignments=assignment.history(entry.id),
        timeline=queries.timeline(entry.enterprise_id, current_user),
        form=form,
    )
    return page, status


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not policy.can_edit(current_user, entry):
        abort(403)
    form = EntryForm()
    if request.method == "GET":
        form.fill_from_entry(entry)
        form.version.data = entry.version
    elif form.validate_on_submit():
        try:
            services.edit(current_user, entry, form.entry_data(), utcnow(), _version(form))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("whitelist.detail", entry_id=entry.id))
    else:
        flash(_("Please correct the marked fields."), "danger")
    return render_template("whitelist/edit.html", form=form, entry=entry)


def _version(form) -> int | None:
    raw = form.version.data
    return int(raw) if raw and str(raw).isdigit() else None


# Workflow actions: each is a POST with an optional or required reason and the version the user saw.
ACTIONS = {
    "approve": lambda user, entry, reason, now, v: services.approve(user, entry, now, reason, v),
    "return": lambda user, entry, reason, now, v: services.return_for_revision(user, entry, reason, now, v),
    "resubmit": lambda user, entry, reason, now, v: services.resubmit(user, entry, now, reason, v),
    "pause": lambda user, entry, reason, now, v: services.pause(user, entry, reason, now, v),
    "resume": lambda user, entry, reason, now, v: services.resume(user, entry, now, reason, v),
    "drop": lambda user, entry, reason, now, v: services.drop(user, entry, reason, now, v),
}
DONE_MESSAGES = {
    "approve": _l("Approved."),
    "return": _l("Returned to the proposer for revision."),
    "resubmit": _l("Resubmitted for review."),
    "pause": _l("Paused."),
    "resume": _l("Resumed."),
    "drop": _l("Dropped from the whitelist."),
}


@bp.route("/<int:entry_id>/<any(approve, return, resubmit, pause, resume, drop):action>", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def transition(entry_id: int, action: str):
    entry = get_entry_or_404(current_user, entry_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ACTIONS[action](current_user, entry, form.reason.data, utcnow(), _version(form))
    except Forbidden:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        # Show the page again with what the user typed, and the record as it is now.
        db.session.refresh(entry)
        return _render_detail(entry, form, 409 if isinstance(error, StaleRecord) else 422)
    flash(str(DONE_MESSAGES[action]), "success")
    if request.form.get("back") == "review":
        return redirect(url_for("whitelist.review"))
    return redirect(url_for("whitelist.detail", entry_id=entry.id))
