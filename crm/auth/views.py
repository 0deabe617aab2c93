from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crm.api.errors import PREFIX as API_PREFIX
from crm.auth import bp, devices, sessions, throttle
from crm.auth.forms import LoginForm, PasswordForm
from crm.auth.permissions import roles_required
from crm.auth.services import authenticate, change_password, password_problem
from crm.errors_domain import DomainError
from crm.extensions import cookie_secure, db
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


def _sign_in(user, remember: bool) -> None:
    """A new server-side session for this browser (crm/auth/sessions.py), then Flask-Login's cookies."""
    sessions.start_session(user, remember, utcnow())
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        known = devices.read(request.cookies.get(devices.COOKIE))
        username = form.username.data.strip()[:64]
        try:
            user = authenticate(
                username, form.password.data, request.remote_addr, utcnow(), known.get(username)
            )
        except DomainError as error:
            flash(str(error), "danger")
        else:
            _sign_in(user, bool(form.remember.data))
            response = redirect(_safe_next(form.next.data) if form.next.data else _start_page(user))
            value, max_age = devices.remember(known, username)
            response.set_cookie(devices.COOKIE, value, max_age=max_age, path=url_for("auth.login"), httponly=True,
                                samesite="Lax", secure=cookie_secure(bool(current_app.config.get("SESSION_COOKIE_SECURE"))))  # fmt: skip
            return response
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.end_session(session.get("_user_id", ""))  # a copy of this browser's cookies no longer works
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new.data, current_user.username)
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is not right."))
        elif problem:
            form.new.errors.append(problem)
        else:
            user = current_user._get_current_object()
            change_password(user, form.new.data, utcnow())
            db.session.commit()
            _sign_in(user, False)  # this browser stays signed in; every other one is signed out
            flash(_("Your password is changed. You were signed out on every other device, and your API tokens "
                    "are revoked."), "success")  # fmt: skip
            return redirect(url_for("auth.tokens_page"))
    return render_template("auth/password.html", form=form)


LOCKOUT_ROLES = (Role.MANAGER, Role.ADMIN)


@bp.route("/lockouts")
@roles_required(*LOCKOUT_ROLES)
def lockouts():
    names, addresses = throttle.slowed_now(utcnow())
    return render_template("auth/lockouts.html", names=names, addresses=addresses)


@bp.route("/lockouts/clear", methods=["POST"])
@roles_required(*LOCKOUT_ROLES)
def clear_lockout():
    username = request.form.get("username", "").strip()[:64] or None
    address = request.form.get("address", "").strip()[:64] or None
    if not (username or address):
        flash(_("Choose a user name or an address to clear."), "danger")
    else:
        throttle.clear(current_user.id, utcnow(), username=username, ip=address)
        flash(_("Cleared: %(what)s can try again at once.", what=username or address), "success")
    return redirect(url_for("auth.lockouts"))


from crm.auth import token_views as _token_views  # noqa: E402,F401  (the API tokens page)
