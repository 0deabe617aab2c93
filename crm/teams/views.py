"""Team screens: the list with loads, a team's page with its targets and members, create/edit, membership."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.parsing import parse_int
from crm.plans.lights import lights_for
from crm.scope import get_team_or_404, team_scope
from crm.teams import bp, policy, services
from crm.teams.assignment import team_loads
from crm.teams.forms import MemberForm, TeamForm
from crm.teams.models import Team
from crm.teams.queries import team_targets, with_details
from crm.types import local_date, utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role

ALL_ROLES = (*CAMPAIGN_ROLES, Role.ADMIN)


@bp.route("/")
@roles_required(*ALL_ROLES)
def index():
    query = select(Team).where(team_scope(current_user)).order_by(Team.active.desc(), Team.name)
    teams = db.session.scalars(with_details(query)).all()
    return render_template(
        "teams/index.html",
        teams=teams,
        loads=team_loads([t.id for t in teams]),
        can_edit=policy.can_edit_teams(current_user),
    )


@bp.route("/<int:team_id>")
@roles_required(*ALL_ROLES)
def detail(team_id: int):
    team = get_team_or_404(current_user, team_id)
    rows = team_targets(team, current_user, parse_int(request.args.get("page"), 1, maximum=100_000) or 1)
    can_manage = policy.can_manage_members(current_user, team)
    lights = lights_for([entry for entry, _due in rows.items], local_date(utcnow()))
    return render_template(
        "teams/detail.html", team=team, rows=rows, can_manage=can_manage,
        lights=lights, load=team_loads([team.id]).get(team.id, 0),
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/<int:team_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER, Role.ADMIN)
def edit(team_id: int | None):
    team = get_team_or_404(current_user, team_id) if team_id else None
    form = TeamForm()
    if request.method == "GET" and team:
        form.fill(team)
    if form.validate_on_submit():
        try:
            team = services.save_team(current_user, team, form.data_object())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("teams.detail", team_id=team.id))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    return render_template("teams/edit.html", form=form, team=team)


@bp.route("/<int:team_id>/members/new")
@roles_required(*ALL_ROLES)
def member_form(team_id: int):
    """Adding a member has a page of its own: the choice is every member and lead of the city (a thousand names
    at city scale), which made the team page three times its size on every visit."""
    team = _team_to_manage(team_id)
    return render_template("teams/add_member.html", team=team, form=MemberForm(team))


@bp.route("/<int:team_id>/members", methods=["POST"])
@roles_required(*ALL_ROLES)
def add_member(team_id: int):
    team = _team_to_manage(team_id)
    form = MemberForm(team)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
        return render_template("teams/add_member.html", team=team, form=form)
    newcomer = db.session.get(User, form.user_id.data)
    assert newcomer is not None  # one of the form's choices
    attempt(lambda: services.add_member(current_user, team, newcomer, utcnow()), _("Member added."))
    return redirect(url_for("teams.detail", team_id=team.id))


def _team_to_manage(team_id: int) -> Team:
    team = get_team_or_404(current_user, team_id)
    if not policy.can_manage_members(current_user, team):
        abort(403)
    return team


@bp.route("/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@roles_required(*ALL_ROLES)
def remove_member(team_id: int, user_id: int):
    team = get_team_or_404(current_user, team_id)
    attempt(lambda: services.remove_member(current_user, team, user_id), _("Member removed."))
    return redirect(url_for("teams.detail", team_id=team.id))
