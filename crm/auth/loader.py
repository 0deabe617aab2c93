"""Flask-Login wiring: sessions are rows on the server (crm/auth/sessions.py), the cookies carry their reference."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from crm.auth.models import User
from crm.auth.sessions import user_for_session
from crm.extensions import SessionCookies, login_manager
from crm.types import utcnow


def init_login(app: Flask) -> None:
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_ref: str) -> User | None:
        """The user of a live server-side session (the session cookie's or the remember-me cookie's)."""
        return user_for_session(session_ref, utcnow())
