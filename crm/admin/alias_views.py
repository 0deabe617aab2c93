"""The aliases page: the other spellings of counties, zones and categories the importer, the API and the search
understand. Administrators add and delete them; managers may look."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.admin import bp, services
from crm.admin.forms import AliasForm
from crm.auth.permissions import admin_required, roles_required
from crm.extensions import db
from crm.refdata.models import Alias
from crm.types import utcnow
from crm.viewhelpers import attempt
from crm.vocab import Role


def _page(forms: dict, status: int = 200):
    rows = db.session.scalars(
        select(Alias).order_by(Alias.kind, Alias.region_id, Alias.tag_id, Alias.id)
    ).all()
    grouped = {kind: [a for a in rows if a.kind == kind] for kind in ("region", "category")}
    may_edit = current_user.role == Role.ADMIN
    return render_template("admin/aliases.html", grouped=grouped, forms=forms, may_edit=may_edit), status


@bp.route("/aliases/")
@roles_required(Role.ADMIN, Role.MANAGER)
def aliases():
    return _page({kind: AliasForm(kind=kind, formdata=None) for kind in ("region", "category")})


@bp.route("/aliases/add", methods=["POST"])
@admin_required
def add_alias():
    form = AliasForm()
    if form.kind.data not in ("region", "category"):
        abort(400)
    forms = {kind: AliasForm(kind=kind, formdata=None) for kind in ("region", "category")}
    forms[form.kind.data] = form
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
        return _page(forms, 422)
    done = _("Saved: “%(alias)s”.", alias=form.alias.data.strip())
    if attempt(lambda: services.add_alias(current_user, form.kind.data, form.target_id.data, form.alias.data,
                                          utcnow()), done):  # fmt: skip
        return redirect(url_for("admin.aliases"))
    return _page(forms, 422)


@bp.route("/aliases/<int:alias_id>/delete", methods=["POST"])
@admin_required
def delete_alias(alias_id: int):
    alias = db.session.get(Alias, alias_id) or abort(404)
    services.delete_alias(current_user, alias)
    flash(_("Deleted."), "success")
    return redirect(url_for("admin.aliases"))
