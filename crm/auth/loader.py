"""Flask-Login wiring."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from crm.extensions import db, login_manager


def init_login(app: Flask) -> None:
    from crm.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))
