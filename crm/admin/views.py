"""Administration of users and reference data, built from one table of resources."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from crm.admin import bp, services
from crm.admin.forms import IndustryForm, RegionForm, TagForm, UserForm
from crm.auth import sessions
from crm.auth.models import User
from crm.auth.permissions import admin_required
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.refdata.choices import industry_tree
from crm.refdata.models import CategoryTag, Industry, Region
from crm.settings import SPECS, get_setting, set_setting
from crm.types import utcnow
from crm.vocab import REGION_KINDS, ROLE_LABELS, TAG_GROUPS, Role


@dataclass(frozen=True)
class Resource:
    model: type[Any]
    form: type
    save: Callable[[Any, dict], object]
    title: object
    columns: tuple  # (attribute, heading) pairs for the list


RESOURCES = {
    "users": Resource(
        User,
        UserForm,
        services.save_user,
        _l("Users"),
        (
            ("username", _l("User name")),
            ("full_name", _l("Full name")),
            ("role_label", _l("Role")),
            ("region", _l("County / zone")),
            ("is_active_flag", _l("Active")),
        ),
    ),
    "regions": Resource(
        Region,
        RegionForm,
        services.save_region,
        _l("Counties and zones"),
        (
            ("code", _l("Code")),
            ("name", _l("Name")),
            ("kind", _l("Kind")),
            ("sort", _l("Sort order")),
            ("active", _l("Active")),
        ),
    ),
    "industries": Resource(Industry, IndustryForm, services.save_industry, _l("Industry tree"), ()),
    "tags": Resource(
        CategoryTag,
        TagForm,
        services.save_tag,
        _l("Enterprise categories"),
        (
            ("code", _l("Code")),
            ("name", _l("Name")),
            ("group", _l("Group")),
            ("has_rank", _l("Has a rank")),
            ("active", _l("Active")),
        ),
    ),
}
DISPLAY = {"kind": REGION_KINDS, "group": TAG_GROUPS, "role": {k.value: v for k, v in ROLE_LABELS.items()}}


def _resource(name: str) -> Resource:
    if name not in RESOURCES:
        abort(404)
    return RESOURCES[name]


@bp.route("/")
@admin_required
def index():
    return render_template("admin/index.html", resources=RESOURCES)


@bp.route("/<name>/")
@admin_required
def listing(name: str):
    res = _resource(name)
    if name == "industries":
        return render_template(
            "admin/industries.html", tree=industry_tree(include_inactive=True), res=res, name=name
        )
    order = getattr(res.model, "sort", None)
    query = select(res.model).order_by(*(c for c in (order, res.model.id) if c is not None))
    rows = db.session.scalars(query).all()
    return render_template("admin/list.html", rows=rows, res=res, name=name, display=DISPLAY)


@bp.route("/<name>/new", methods=["GET", "POST"], defaults={"obj_id": None})
@bp.route("/<name>/<int:obj_id>", methods=["GET", "POST"])
@admin_required
def edit(name: str, obj_id: int | None):
    res = _resource(name)
    obj = db.session.get(res.model, obj_id) if obj_id else None
    if obj_id and obj is None:
        abort(404)
    form = _make_form(res, obj)
    if form.validate_on_submit():
        data = {key: field.data for key, field in form._fields.items() if key != "csrf_token"}
        try:
            res.save(obj, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.listing", name=name))
    elif request.method == "POST":
        flash(_("Please correct the marked fields."), "danger")
    access = _access(obj) if isinstance(obj, User) else None
    return render_template("admin/form.html", form=form, res=res, name=name, obj=obj, access=access)


def _access(user: User) -> dict[str, int]:
    """What the user is signed in with: live sessions (browsers) and usable API tokens."""
    now = utcnow()
    return {"sessions": sessions.live_sessions(user.id, now), "tokens": sessions.usable_tokens(user.id, now)}


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@admin_required
def sign_out_everywhere(user_id: int):
    user = _user_or_404(user_id)
    ended = services.sign_out_everywhere(current_user, user)
    flash(_("%(name)s is signed out on every device (%(n)d sessions ended).", name=user.full_name, n=ended),
          "success")  # fmt: skip
    return redirect(url_for("admin.edit", name="users", obj_id=user.id))


@bp.route("/users/<int:user_id>/revoke-tokens", methods=["POST"])
@admin_required
def revoke_user_tokens(user_id: int):
    user = _user_or_404(user_id)
    revoked = services.revoke_tokens_of(current_user, user, utcnow())
    flash(_("%(n)d API tokens of %(name)s are revoked.", name=user.full_name, n=revoked), "success")
    return redirect(url_for("admin.edit", name="users", obj_id=user.id))


def _make_form(res: Resource, obj):
    kwargs = {"new": obj is None} if res.form is UserForm else {}
    if request.method == "POST" or obj is None:
        return res.form(**kwargs)
    form = res.form(obj=obj, **kwargs)
    if isinstance(obj, User):
        form.active.data = obj.is_active_flag
        form.region_id.data = obj.region_id or 0
        form.password.data = ""
    elif hasattr(form, "parent_id"):
        form.parent_id.data = obj.parent_id or 0
    return form


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    values = {key: get_setting(key) for key in SPECS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        for key in SPECS:
            values[key] = request.form.get(key, values[key]).strip()
            try:
                set_setting(key, values[key])
            except ValueError:
                errors[key] = _("Not a valid value.")
        if errors:
            db.session.rollback()
            flash(_("Please correct the marked fields."), "danger")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", specs=SPECS, values=values, errors=errors, Role=Role)
