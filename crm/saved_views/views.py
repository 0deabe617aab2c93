"""Saved-view screens: the user's views (rename, share, lock, pin, copy, delete) and the list bar's actions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.permissions import CAMPAIGN_ROLES, roles_required
from crm.parsing import form_version, local_path
from crm.saved_views import bp, services
from crm.saved_views.forms import EditViewForm, PinForm, QueryForm, SaveViewForm, clean_query
from crm.saved_views.models import LISTS, SavedView
from crm.saved_views.services import Sharing
from crm.types import utcnow
from crm.viewhelpers import attempt


def _view_or_404(view_id: int) -> SavedView:
    view = services.visible_view(current_user, view_id)
    if view is None:
        abort(404)
    return view


def _edit_form(view: SavedView, formdata=None) -> EditViewForm:
    current = Sharing(view.audience, view.team_id)
    form = EditViewForm(
        formdata=formdata, name=view.name, sharing=current.code, locked=view.locked, version=view.version
    )
    form.init_sharing(current_user, current=current)
    return form


def _render_index(save_form: SaveViewForm | None = None, failed: SavedView | None = None, status: int = 200):
    views = services.available_views(current_user)
    forms = {v.id: _edit_form(v) for v in views}
    if failed is not None:  # the refused form again, with what was typed
        forms[failed.id] = _edit_form(failed, request.form)
        forms[failed.id].validate()
    return render_template(
        "saved_views/index.html",
        views=views,
        forms=forms,
        pinned=services.pinned_ids(current_user),
        save_form=save_form,
        may_change=lambda v: services.may_change(current_user, v),
        is_owner=lambda v: services.is_owner(current_user, v),
        lists=LISTS,
    ), status


@bp.route("/")
@roles_required(*CAMPAIGN_ROLES)
def index():
    return _render_index()


@bp.route("/", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def create():
    form = SaveViewForm()
    form.init_sharing(current_user)
    list_key = form.list_key.data if form.list_key.data in LISTS else "whitelist"
    query = clean_query(list_key, form.query.data or "")
    form.query.data = query
    if form.validate_on_submit():
        made: list[SavedView] = []

        def save() -> None:
            made.append(
                services.create_view(
                    current_user,
                    form.name.data,
                    query,
                    utcnow(),
                    form.chosen_sharing(),
                    form.locked.data,
                    list_key,
                )
            )

        if attempt(save, _("The view is saved.")):
            return redirect(made[0].url)
    else:
        flash(_("Please correct the marked fields."), "danger")
    # Refused: the form again on the views page, with the name, the sharing and the list's filters kept.
    return _render_index(save_form=form, status=422)


@bp.route("/<int:view_id>/save", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def save_into(view_id: int):
    view = _view_or_404(view_id)
    form = QueryForm()
    query = clean_query(view.list_key, form.query.data or "")
    if form.validate_on_submit():
        attempt(
            lambda: services.save_query(current_user, view, query, form_version(form), utcnow()),
            _("The view now keeps these filters."),
        )
    return redirect(view.url)


@bp.route("/<int:view_id>/edit", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def edit(view_id: int):
    view = _view_or_404(view_id)
    form = _edit_form(view, request.form)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
        return _render_index(failed=view, status=422)
    owner = services.is_owner(current_user, view)  # the others rename only
    done = attempt(
        lambda: services.edit_view(
            current_user,
            view,
            form.name.data,
            form.chosen_sharing() if owner else None,
            form.locked.data if owner else None,
            form_version(form),
            utcnow(),
        ),
        _("The view is changed."),
    )
    if not done:
        return _render_index(failed=view, status=422)
    return redirect(url_for("saved_views.index"))


@bp.route("/<int:view_id>/delete", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def delete(view_id: int):
    view = _view_or_404(view_id)
    attempt(lambda: services.delete_view(current_user, view), _("The view is deleted."))
    return redirect(url_for("saved_views.index"))


@bp.route("/<int:view_id>/copy", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def copy(view_id: int):
    view = _view_or_404(view_id)
    made: list[SavedView] = []
    if attempt(lambda: made.append(services.copy_view(current_user, view, utcnow())), _("A copy is yours.")):
        return redirect(url_for("saved_views.index", _anchor=f"view-{made[0].id}"))
    return redirect(url_for("saved_views.index"))


@bp.route("/<int:view_id>/pin", methods=["POST"])
@roles_required(*CAMPAIGN_ROLES)
def pin(view_id: int):
    view = _view_or_404(view_id)
    form = PinForm()
    pinned = form.pinned.data == "1"
    attempt(
        lambda: services.set_pinned(current_user, view, pinned, utcnow()),
        _("Pinned to your start page.") if pinned else _("Taken off your start page."),
    )
    return redirect(local_path(form.back.data) or url_for("saved_views.index"))
