from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crm.api.errors import PREFIX as API_PREFIX
from crm.auth import bp
from crm.auth.forms import LoginForm
from crm.auth.services import authenticate
from crm.errors_domain import DomainError
from crm.parsing import has_nul, local_path
from crm.types import utcnow
from crm.vocab import Role


@bp.before_app_request
def refuse_nul_bytes():
    """For every page of the app (not only this blueprint's): input the database cannot hold is a 400 before any
    view runs. The JSON API validates its own input (422)."""
    if not request.path.startswith(API_PREFIX) and has_nul(request):
        abort(400)


def _safe_next(target: str | None) -> str:
    """Only local paths: an absolute or protocol-relative URL would be an open redirect."""
    return local_path(target) or url_for("main.index")


def _start_page(user) -> str:
    """Where a login without a `next` lands: a manager on the dashboard, everyone else on their start page."""
    return url_for("dashboard.index") if user.role == Role.MANAGER else url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr, utcnow())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(form.next.data) if form.next.data else _start_page(user))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


from crm.auth import token_views as _token_views  # noqa: E402,F401  (the API tokens page)
