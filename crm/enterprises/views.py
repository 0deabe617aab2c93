"""Enterprise screens: search, the enterprise page with its entries, contacts and timeline, edit, contacts."""

from collections.abc import Sequence

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.enterprises import bp, services
from crm.enterprises import merge as merging
from crm.enterprises.elsewhere import found_elsewhere
from crm.enterprises.forms import CategoryPicker, ContactForm, EnterpriseForm, MergeForm
from crm.enterprises.models import Enterprise, EnterpriseMerge
from crm.enterprises.search import enterprise_search
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.pagination import paginate
from crm.parsing import form_version, parse_int
from crm.refdata.choices import leaf_industry_choices
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
        query = query.where(enterprise_search(q))
    page = paginate(query)
    elsewhere = found_elsewhere(current_user, q) if q and not page.total else []
    return render_template("enterprises/index.html", page=page, q=q, elsewhere=elsewhere)


@bp.route("/<int:enterprise_id>")
@roles_required(*CAMPAIGN_ROLES)
def detail(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    return _render_detail(enterprise, ContactForm())


def _render_detail(enterprise: Enterprise, contact_form: ContactForm, status: int = 200):
    merges = db.session.scalars(
        select(EnterpriseMerge)
        .where(EnterpriseMerge.survivor_id == enterprise.id)
        .order_by(EnterpriseMerge.at)
    )
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        entries=queries.entries_of(enterprise.id, current_user),
        timeline=queries.timeline(
            enterprise.id,
            current_user,
            page=parse_int(request.args.get("history_page"), 1, maximum=100_000) or 1,
        ),
        contact_form=contact_form,
        can_edit=can_edit_enterprise(enterprise),
        can_merge=current_user.role == Role.MANAGER,
        merges=[(m, merging.moved_words(m)) for m in merges],
    ), status


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    if not can_edit_enterprise(enterprise):
        abort(403)
    form = EnterpriseForm()
    form.ent_industry_id.choices = leaf_industry_choices(blank=_("— not set —"), keep=enterprise.industry_id)
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
    return _render_detail(enterprise, form, 422)


@bp.route("/<int:enterprise_id>/merge", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def merge(enterprise_id: int):
    """Pick the duplicate (suggestions and a search), preview what moves, and confirm with a reason."""
    form = MergeForm()
    if request.method == "POST":
        gone = _merged_away(enterprise_id, parse_int(form.duplicate_id.data))
        if gone is not None:
            return gone
        return _confirm_merge(get_enterprise_or_404(current_user, enterprise_id), form)
    survivor = get_enterprise_or_404(current_user, enterprise_id)
    duplicate_id = parse_int(request.args.get("duplicate"))
    duplicate = get_enterprise_or_404(current_user, duplicate_id) if duplicate_id is not None else None
    if duplicate is not None:
        _stamp(form, survivor, duplicate)
    return _render_merge(survivor, duplicate, form)


def _stamp(form: MergeForm, survivor: Enterprise, duplicate: Enterprise) -> None:
    """The records' versions as the page shows them: confirming acts on exactly what was previewed."""
    form.duplicate_id.data = duplicate.id
    form.survivor_version.data, form.duplicate_version.data = survivor.version, duplicate.version


def _confirm_merge(survivor: Enterprise, form: MergeForm):
    duplicate_id = parse_int(form.duplicate_id.data)
    if duplicate_id is None:
        abort(400)
    duplicate = get_enterprise_or_404(current_user, duplicate_id)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
        return _render_merge(survivor, duplicate, form, 422)
    name = duplicate.name
    versions = parse_int(form.survivor_version.data, -1), parse_int(form.duplicate_version.data, -1)
    survivor_id = survivor.id
    try:
        merging.merge(current_user, survivor, duplicate, form.reason.data, *versions, utcnow())
    except merging.MergedAway as error:
        db.session.rollback()
        return _show_merged_away(error.record, form, survivor_id)
    except Forbidden:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        stale = isinstance(error, StaleRecord)
        flash(str(error), "warning" if stale else "danger")
        # Show both records as they are now, with what the user typed, so confirming again acts on them.
        reloaded, again = _reload(survivor.id), _reload(duplicate_id)
        if reloaded is None:
            abort(404)
        if again is not None:
            _stamp(form, reloaded, again)
        return _render_merge(reloaded, again, form, 409 if stale else 422)
    flash(_("%(name)s was merged into this record.", name=name), "success")
    return redirect(url_for("enterprises.detail", enterprise_id=survivor.id))


def _merged_away(*ids: int | None):
    """A confirmation for a record that a merge has folded into another meanwhile (another manager's, or this
    one's from another tab): a 409 saying who merged what, on the merge screen of the record that holds it now."""
    for enterprise_id in ids:
        if enterprise_id is None or db.session.get(Enterprise, enterprise_id) is not None:
            continue
        record = merging.merge_record_of(enterprise_id)
        if record is not None:
            return _show_merged_away(record, MergeForm(), ids[0])
    return None


def _show_merged_away(record: EnterpriseMerge, form: MergeForm, survivor_id: int | None):
    flash(merging.merged_away_message(record), "warning")
    # The survivor of the page if it is still there, else the record everything went into.
    kept = (_reload(survivor_id) if survivor_id is not None else None) or _reload(record.survivor_id)
    if kept is None:
        abort(404)
    form.duplicate_id.data = None
    return _render_merge(kept, None, form, 409)


def _reload(enterprise_id: int) -> Enterprise | None:
    return db.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_scope(current_user))
    )


def _render_merge(survivor: Enterprise, duplicate: Enterprise | None, form: MergeForm, status: int = 200):
    q = request.args.get("q", "").strip()[:64]
    results: Sequence[Enterprise] = []
    if q and duplicate is None:
        query = select(Enterprise).where(
            enterprise_scope(current_user), Enterprise.id != survivor.id, enterprise_search(q)
        )
        results = db.session.scalars(query.order_by(Enterprise.name_initials).limit(20)).all()
    suggestions = []
    if duplicate is None:
        suggestions = services.find_duplicates(
            survivor.name, survivor.uscc, survivor.parent_id, exclude_id=survivor.id
        )
    return render_template(
        "enterprises/merge.html",
        survivor=survivor,
        duplicate=duplicate,
        plan=merging.preview(survivor, duplicate) if duplicate is not None else None,
        form=form,
        q=q,
        results=results,
        suggestions=suggestions,
        entries={
            e.id: queries.entries_of(e.id, current_user) for e in (survivor, duplicate) if e is not None
        },
    ), status
