"""The user's personal API tokens: create one (shown once), list them, revoke one."""

from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.api import tokens
from crm.auth import bp
from crm.auth.forms import TokenForm
from crm.errors_domain import DomainError
from crm.types import utcnow


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens_page():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        now = utcnow()
        expires = now + timedelta(days=form.days.data) if form.days.data else None
        try:
            _token, created = tokens.create_token(current_user, form.name.data, now, expires)
        except DomainError as error:
            flash(str(error), "danger")
        else:
            form = TokenForm(formdata=None)
    response = make_response(render_template("auth/tokens.html", form=form, created=created,
                                              tokens=tokens.tokens_of(current_user), now=utcnow()))  # fmt: skip
    response.headers["Cache-Control"] = (
        "no-store"  # the new token is on this page once; keep it out of caches
    )
    return response


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    if not tokens.revoke_token(current_user, token_id, utcnow()):
        abort(404)
    flash(_("The token is revoked; programs using it can no longer call the API."), "success")
    return redirect(url_for("auth.tokens_page"))
