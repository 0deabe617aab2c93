"""Authentication with throttling, and user creation."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.auth.models import LoginAttempt, User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.vocab import Role

MIN_PASSWORD_LENGTH = 8


class LoginLocked(DomainError):
    pass


class BadCredentials(DomainError):
    pass


def _recent_failures(username: str, now: datetime) -> int:
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    last_success = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
    )
    since = max(now - window, db.session.scalar(last_success) or now - window)
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    )


def authenticate(username: str, password: str, ip: str | None, now: datetime) -> User:
    """Return the user for good credentials; raise LoginLocked after too many recent failures."""
    username = username.strip()
    if _recent_failures(username, now) >= current_app.config["LOGIN_MAX_FAILURES"]:
        raise LoginLocked(
            _(
                "Too many failed attempts. This account is locked for %(n)d minutes.",
                n=current_app.config["LOGIN_WINDOW_MINUTES"],
            )
        )
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.is_active and user.check_password(password)
    db.session.add(LoginAttempt(username=username, ip=ip, succeeded=ok, at=now))
    db.session.commit()
    if not ok:
        raise BadCredentials(_("Wrong user name or password."))
    return user


def create_user(
    username: str,
    password: str,
    role: Role | str,
    full_name: str,
    region_id: int | None = None,
    **extra,
) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(_("The user name %(name)s is already taken.", name=username))
    user = User(username=username, full_name=full_name, role=Role(role), region_id=region_id, **extra)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
