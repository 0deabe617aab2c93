"""Whitelist screens: list, propose, detail, edit, review queue and the workflow actions."""

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth.models import User
from crm.auth.permissions import CAMPAIGN_ROLES, REVIEWER_ROLES, roles_required
from crm.chains import gaps
from crm.chains.models import ChainNode
from crm.drill import DRILL_KEYS, describe, query_args
from crm.enterprises.elsewhere import found_elsewhere
from crm.enterprises.forms import CategoryPicker
from crm.enterprises.names import uscc_key
from crm.enterprises.services import EnterpriseData
from crm.errors_domain import DomainError, StaleRecord
from crm.extensions import db
from crm.instructions import services as instruction_services
from crm.pagination import page_number
from crm.parsing import form_version, parse_int
from crm.plans import logs as plan_logs
from crm.plans import policy as plan_policy
from crm.plans import services as plan_services
from crm.plans.lights import light_from_plan, lights_for
from crm.projects import stages
from crm.projects.services import project_summary, projects_per_entry
from crm.refdata.choices import leaf_industry_choices
from crm.reminders.services import is_muted
from crm.saved_views.forms import list_bar, whitelist_query_of
from crm.scope import can_see_enterprise_ids, get_entry_or_404, get_entry_page_or_404
from crm.teams import assignment
from crm.teams import policy as team_policy
from crm.teams.policy import team_actions
from crm.teams.queries import TeamOption, team_owners
from crm.types import local_date, utcnow
from crm.viewhelpers import refusal, refused_status
from crm.vocab import Role
from crm.whitelist import bp, policy, proposals, queries, services
from crm.whitelist.forms import EntryForm, FilterForm, ProposeForm, ReasonForm, columns_from, filters_from


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def index():
    form = FilterForm(request.args)
    form.validate()
    filters = filters_from(form)
    page = queries.list_page(current_user, filters, page_number(), current_app.config["PER_PAGE"])
    lights = lights_for(page.items, local_date(utcnow()))
    project_counts = projects_per_entry([e.id for e in page.items])
    assignable = [e.id for e in page.items if team_policy.can_assign(current_user, e)]
    # The filter form has loaded the teams the user can see: the active ones among them, without a second query.
    user = current_user._get_current_object()  # once, not through the proxy for each of 200 teams
    bulk_teams = [t for t in form.teams if t.active and _may_bulk_assign_to(user, t)] if assignable else []
    bulk_owners = team_owners(bulk_teams) if bulk_teams else {}
    kept_args: dict[str, Any] = {
        k: v for k, v in request.args.items() if k not in DRILL_KEYS and k not in ("page", "view")
    }
    my_teams = [(t.id, t.name) for t in form.teams if t.active]  # whom a member or lead may share a view with
    saved = list_bar(
        user, "whitelist", whitelist_query_of(form, request.args), request.args.get("view"), my_teams
    )
    return render_template(
        "whitelist/index.html",
        **saved,
        columns=columns_from(request.args),
        lights=lights,
        project_counts=project_counts,
        form=form,
        page=page,
        sort=request.args.get("sort", "updated"),
        assignable=assignable,
        bulk_teams=bulk_teams,
        bulk_owners=bulk_owners,
        drill_words=describe(filters.drill),
        drill_args=query_args(filters.drill),
        without_drill=url_for("whitelist.index", **kept_args),
        elsewhere=found_elsewhere(current_user, filters.q) if filters.q and not page.total else [],
    )


def _may_bulk_assign_to(user: User, team: TeamOption) -> bool:
    """Whether `user` may assign at least their own county's entries to `team` (checked per entry on submit)."""
    if user.role == Role.MANAGER:
        return True
    if user.role == Role.COUNTY_HEAD:
        return team.region_id in (None, user.region_id)
    return user.role == Role.LEAD and team.leader_id == user.id


@bp.route("/review")
@roles_required(*REVIEWER_ROLES)
def review():
    entries = db.session.scalars(queries.review_queue(current_user)).all()
    at_county = db.session.scalars(queries.waiting_for_county(current_user)).all()
    return render_template("whitelist/review.html", entries=entries, at_county=at_county, form=ReasonForm())


@bp.route("/propose", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def propose():
    form = ProposeForm()
    if request.method == "GET":
        form.enterprise_id.data = request.args.get("enterprise_id", "")
        form.region_id.data = current_user.region_id or 0
        _prefill_node(form, parse_int(request.args.get("chain_node_id")))
    existing = form.existing = _chosen_enterprise(form)
    picker = CategoryPicker(request.form if request.method == "POST" else None)
    duplicates, blocking = [], False
    if form.validate_on_submit() and (existing or picker.validate()):
        try:
            if existing:
                entry = services.propose(current_user, existing, form.entry_data(), utcnow())
            else:
                data = form.enterprise_data(picker.choices())
                entry = proposals.propose_new(
                    current_user, data, form.entry_data(), utcnow(), form.confirm_new.data
                )
        except proposals.DuplicatesFound as found:
            db.session.rollback()
            duplicates, blocking = found.duplicates, found.blocking
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash(_("Proposal submitted for review."), "success")
            return redirect(url_for("whitelist.detail", entry_id=entry.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template(
        "whitelist/propose.html",
        form=form,
        picker=picker,
        existing=existing,
        duplicates=duplicates,
        blocking=blocking,
    )


def _prefill_node(form: ProposeForm, node_id: int | None) -> None:
    """A proposal started from a chain node's recommendations fills the node (and its industry, when it is a
    sub-industry: group nodes are not selectable)."""
    node = db.session.get(ChainNode, node_id) if node_id else None
    if node is None:
        return
    form.chain_node_id.data = node.id
    if node.industry is not None and node.industry.parent_id is not None:  # a sub-industry: selectable
        form.industry_id.data = node.industry_id


def _chosen_enterprise(form: ProposeForm):
    """The enterprise on file being proposed (from its page, or picked among the duplicates), or None. A POST
    naming one the user may not propose (junk, unknown, out of scope) gets None, which the form reports; a link
    naming one gets a 404, as the enterprise page would."""
    enterprise_id = parse_int(form.enterprise_id.data)
    if enterprise_id is None:
        return None
    described = None
    if request.method == "POST" and form.name.data:
        described = EnterpriseData(name=form.name.data, uscc=uscc_key(form.uscc.data) or None)
    enterprise = proposals.existing_for_proposal(
        current_user, enterprise_id, described, parse_int(request.values.get("chain_node_id"))
    )
    if enterprise is None and request.method == "GET":
        abort(404)
    return enterprise


@bp.route("/<int:entry_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(entry_id: int):
    entry, claims = get_entry_page_or_404(current_user, entry_id)
    return _render_detail(entry, ReasonForm(version=entry.version), claims=claims)


def _page(name: str) -> int:
    return parse_int(request.args.get(name), 1, maximum=100_000) or 1


def _render_detail(entry, form: ReasonForm, status: int = 200, claims: bool = True):
    """The entry's page. `claims`: False when the entry is known to be no mere claim on an enterprise another
    county holds (crm.scope.get_entry_page_or_404), so its enterprise is the user's to open."""
    today = local_date(utcnow())
    # An entry claiming an enterprise another county holds shows the name and the pending conflict only.
    held_elsewhere = claims and not can_see_enterprise_ids(current_user, [entry.enterprise_id])
    timeline = (
        queries.claim_timeline(entry.id, page=_page("history_page"))
        if held_elsewhere
        else queries.timeline(entry.enterprise_id, current_user, page=_page("history_page"))
    )
    plan = plan_services.plan_of(entry.id)
    logs = plan_logs.logs_of(entry.id, page=_page("logs_page"))
    page = render_template(
        "whitelist/detail.html",
        entry=entry,
        light=light_from_plan(entry, plan, today),
        plan=plan,
        logs=logs,
        log_names=plan_logs.names_of(logs.items),
        funds=stages.funds_of(entry.id),
        **project_summary(entry.id, today),
        next_stage=stages.next_stage(entry),
        can_log=plan_policy.can_log(current_user, entry),
        can_shape=plan_policy.can_shape_plan(current_user, entry),
        muted=is_muted(current_user, entry.id),
        today=today,
        actions=policy.allowed_actions(current_user, entry) | team_actions(current_user, entry),
        assignments=assignment.history(entry.id),
        chain_node=gaps.node_status(entry.chain_node_id, today) if entry.chain_node_id else None,
        **instruction_services.entry_panel(current_user, entry),
        timeline=timeline,
        held_elsewhere=held_elsewhere,
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
    form.industry_id.choices = leaf_industry_choices(blank=_("— not set —"), keep=entry.industry_id)
    if request.method == "GET":
        form.fill_from_entry(entry)
        form.version.data = entry.version
    elif form.validate_on_submit():
        try:
            services.edit(current_user, entry, form.entry_data(), utcnow(), form_version(form))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("whitelist.detail", entry_id=entry.id))
    else:
        flash(_("Please correct the marked fields."), "danger")
    return render_template("whitelist/edit.html", form=form, entry=entry)


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
    error = refusal(
        lambda: ACTIONS[action](current_user, entry, form.reason.data, utcnow(), form_version(form))
    )
    if error:
        # Show the page again with what the user typed, and the record as it is now (so acting again acts on it).
        db.session.refresh(entry)
        form.version.data = entry.version
        return _render_detail(entry, form, refused_status(error))
    flash(str(DONE_MESSAGES[action]), "success")
    if request.form.get("back") == "review":
        return redirect(url_for("whitelist.review"))
    return redirect(url_for("whitelist.detail", entry_id=entry.id))
