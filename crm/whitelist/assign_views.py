"""Assigning a whitelisted entry to a team, reassigning it, and bulk assignment from the list."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import roles_required
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.parsing import form_version, local_path, parse_int
from crm.plans import services as plan_services
from crm.plans.calendar import request_calendar
from crm.scope import get_entry_or_404, visible_entries
from crm.teams import assignment, policy
from crm.teams.forms import AssignForm, ReassignForm
from crm.teams.models import Team
from crm.teams.queries import with_details
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role
from crm.whitelist import bp
from crm.whitelist.models import WhitelistEntry

ASSIGNERS = (Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER)


def _usable_teams(entry: WhitelistEntry | None, reassign: bool) -> list[Team]:
    query = select(Team).where(Team.active.is_(True)).order_by(Team.name)
    if entry is not None:
        query = query.where(policy.teams_worth_checking(current_user))
    teams = db.session.scalars(with_details(query)).all()
    if entry is None:
        return list(teams)
    check = policy.can_reassign if reassign else policy.can_assign
    return [t for t in teams if check(current_user, entry, t)]


def _target(form: AssignForm) -> tuple[Team, User]:
    team = db.session.get(Team, form.team_id.data)
    assert team is not None  # one of the form's choices
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else team.leader
    assert owner is not None  # one of the form's choices, or the team's leader
    return team, owner


@bp.route("/<int:entry_id>/assign", methods=["GET", "POST"])
@roles_required(*ASSIGNERS)
def assign(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not policy.can_assign(current_user, entry):
        abort(403)
    suggestions = assignment.suggest_teams(entry, _usable_teams(entry, reassign=False))
    form = AssignForm(suggestions, version=entry.version)
    if form.validate_on_submit():
        team, owner = _target(form)
        if attempt(lambda: assignment.assign(current_user, entry, team, owner, utcnow(), form_version(form)),
                   _("Assigned to %(team)s.", team=team.name)):  # fmt: skip
            return redirect(url_for("whitelist.detail", entry_id=entry.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    preview = plan_services.preview_plan(local_date(utcnow()), request_calendar())
    form.narrow_owners()
    return render_template(
        "whitelist/assign.html",
        entry=entry,
        form=form,
        suggestions=suggestions,
        reassign=False,
        preview=preview,
    )


@bp.route("/<int:entry_id>/reassign", methods=["GET", "POST"])
@roles_required(*ASSIGNERS)
def reassign(entry_id: int):
    entry = get_entry_or_404(current_user, entry_id)
    if not policy.can_reassign(current_user, entry):
        abort(403)
    suggestions = assignment.suggest_teams(entry, _usable_teams(entry, reassign=True))
    form = ReassignForm(suggestions, version=entry.version)
    if request.method == "GET":
        # The owner starts at "the team leader": a user who only picks another team is not left with an owner
        # who belongs to the old one.
        form.team_id.data, form.owner_id.data = entry.team_id, 0
    if form.validate_on_submit():
        team, owner = _target(form)
        moved = attempt(
            lambda: assignment.reassign(current_user, entry, team, owner, form.reason.data, form.move_tasks.data,
                                        utcnow(), form_version(form)),
            _("Moved to %(team)s.", team=team.name),
        )  # fmt: skip
        if moved:
            return redirect(url_for("whitelist.detail", entry_id=entry.id))
        db.session.refresh(entry)  # show the record as it is now, with what the user typed
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    form.narrow_owners()
    return render_template(
        "whitelist/assign.html", entry=entry, form=form, suggestions=suggestions, reassign=True
    )


@bp.route("/bulk-assign", methods=["POST"])
@roles_required(*ASSIGNERS)
def bulk_assign():
    ids = [i for i in (parse_int(raw) for raw in request.form.getlist("entry_ids")) if i is not None]
    entries = db.session.scalars(visible_entries(current_user).where(WhitelistEntry.id.in_(ids))).all()
    teams = _usable_teams(None, reassign=False)
    team = next((t for t in teams if t.id == parse_int(request.form.get("team_id"))), None)
    back = local_path(request.form.get("back")) or url_for("whitelist.index", state="whitelisted")
    if not entries or len(entries) != len(set(ids)) or team is None:
        flash(_("Select whitelisted entries and a team."), "danger")
        return redirect(back)
    owner_id = parse_int(request.form.get("owner_id")) or team.leader_id
    owner = next((person for person in team.people if person.id == owner_id), None)
    if owner is None:  # a member of another team (the list of the team first shown, without the script)
        flash(_("This person is not in team %(team)s: choose its leader or one of its members below.",
                team=team.name), "danger")  # fmt: skip
        return redirect(back)
    try:
        count = assignment.bulk_assign(current_user, list(entries), team, owner, utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        flash(_("%(n)d entries assigned to %(team)s.", n=count, team=team.name), "success")
    return redirect(back)
