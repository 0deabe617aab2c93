"""Flask-Login wiring."""

import hmac

from flask import Flask
from flask_babel import lazy_gettext as _l

from crm.auth.models import User
from crm.extensions import db, login_manager


def init_login(app: Flask) -> None:

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user of a session id "<id>:<key>" whose key still matches the password (see User.session_key)."""
        user_id, _sep, key = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not hmac.compare_digest(key, user.session_key()):
            return None
        return user
