"""Enterprise screens: search, the enterprise page with its entries, contacts and timeline, edit, contacts."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.enterprises import bp, services
from crm.enterprises.forms import CategoryPicker, ContactForm, EnterpriseForm
from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError, StaleRecord
from crm.extensions import db
from crm.parsing import form_version, paginate
from crm.scope import enterprise_scope, get_enterprise_or_404
from crm.types import utcnow
from crm.vocab import Role
from crm.whitelist import queries


def can_edit_enterprise(enterprise: Enterprise) -> bool:
    """Members keep the records they created; leads, county heads and managers edit what they can see."""
    return current_user.role != Role.MEMBER or enterprise.created_by_id == current_user.id


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def index():
    q = request.args.get("q", "").strip()[:64]
    query = select(Enterprise).where(enterprise_scope(current_user)).order_by(Enterprise.name_initials)
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                Enterprise.name.ilike(like),
                Enterprise.name_initials.like(like.lower()),
                Enterprise.uscc.like(like.upper()),
            )
        )
    page = paginate(query)
    return render_template("enterprises/index.html", page=page, q=q)


@bp.route("/<int:enterprise_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        entries=queries.entries_of(enterprise.id, current_user),
        timeline=queries.timeline(enterprise.id, current_user),
        contact_form=ContactForm(),
        can_edit=can_edit_enterprise(enterprise),
    )


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    if not can_edit_enterprise(enterprise):
        abort(403)
    form = EnterpriseForm()
    picker = CategoryPicker(request.form if request.method == "POST" else None, enterprise)
    if request.method == "GET":
        form.fill_from_enterprise(enterprise)
        form.version.data = enterprise.version
    elif form.validate_on_submit() and picker.validate():
        try:
            services.update_enterprise(
                enterprise, form.enterprise_data(picker.choices()), form_version(form), current_user, utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "warning" if isinstance(error, StaleRecord) else "danger")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    else:
        flash(_("Please correct the marked fields."), "danger")
    return render_template("enterprises/edit.html", form=form, picker=picker, enterprise=enterprise)


@bp.route("/<int:enterprise_id>/contacts", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def add_contact(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    form = ContactForm()
    if form.validate_on_submit():
        fields = {
            name: (getattr(form, name).data or "").strip() or None
            for name in ("name", "title", "phone", "email", "notes")
        }
        services.add_contact(enterprise, current_user, utcnow(), **fields)
        flash(_("Contact added."), "success")
        return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id) + "#contacts")
    flash(_("Please correct the marked fields."), "danger")
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        entries=queries.entries_of(enterprise.id, current_user),
        timeline=queries.timeline(enterprise.id, current_user),
        contact_form=form,
        can_edit=can_edit_enterprise(enterprise),
    ), 422
