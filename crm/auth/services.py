"""Authentication with throttling, and user creation."""

from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from crm.auth.models import LoginAttempt, User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.vocab import Role


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser", method=method)


MIN_PASSWORD_LENGTH = 8
MIN_DIGITS_ONLY_LENGTH = 12  # a PIN-like password needs more length to be as hard to guess
# The passwords guessed first (the all-digit ones are refused by the rules below anyway), this campaign's name,
# and the demo accounts' password, which the README publishes.
COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "11111111", "88888888", "123123123", "password", "password1",
    "passw0rd", "p@ssw0rd", "qwerty123", "qwertyuiop", "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "qwer1234",
    "asdf1234", "abc12345", "abcd1234", "a1b2c3d4", "admin123", "admin888", "iloveyou", "woaini1314",
    "liaocheng", "liaocheng2026", "lc123456", "demo2026",
})  # fmt: skip


class LoginLocked(DomainError):
    """Too many recent failures for this user name or address."""


class BadCredentials(DomainError):
    """Unknown user, wrong password or inactive account (deliberately not told apart)."""


def _failures_since(condition: ColumnElement[bool], now: datetime, reset_on_success: bool) -> int:
    """Failed attempts matching `condition` in the window (after the last success, for a user name)."""
    since = now - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    if reset_on_success:
        last_success = select(func.max(LoginAttempt.at)).where(condition, LoginAttempt.succeeded.is_(True))
        since = max(since, db.session.scalar(last_success) or since)
    query = select(func.count()).where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    return cast(int, db.session.scalar(query))  # count() always yields a row


def authenticate(username: str, password: str, ip: str | None, now: datetime) -> User:
    """Return the user for good credentials.

    The attempt is written (as a failure) before the password is checked, so parallel guesses all count; a user
    name is locked after LOGIN_MAX_FAILURES failures in the window, an address after LOGIN_MAX_FAILURES_PER_IP."""
    username = username.strip()[:64]
    attempt = LoginAttempt(username=username, ip=ip, succeeded=False, at=now)
    db.session.add(attempt)
    db.session.commit()
    config = current_app.config
    locked = _failures_since(LoginAttempt.username == username, now, True) > config["LOGIN_MAX_FAILURES"]
    if ip and not locked:
        locked = _failures_since(LoginAttempt.ip == ip, now, False) > config["LOGIN_MAX_FAILURES_PER_IP"]
    if locked:
        raise LoginLocked(
            _("Too many failed attempts. Try again in %(n)d minutes.", n=config["LOGIN_WINDOW_MINUTES"])
        )
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Unknown names take as long as known ones, so timing does not tell which names exist.
        check_password_hash(_dummy_hash(config["PASSWORD_HASH_METHOD"]), password)
        raise BadCredentials(_("Wrong user name or password."))
    if not (user.is_active and user.check_password(password)):
        raise BadCredentials(_("Wrong user name or password."))
    attempt.succeeded = True
    db.session.commit()
    return user


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is too weak (a sentence for the user), or None. Every path that sets a password asks here:
    the administrator's user form, create_user (the CLI) and save_user."""
    lowered = password.lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if username and lowered == username.strip().lower():
        return _("The password must not be the user name.")
    if len(set(password)) == 1:
        return _("The password must not be one character repeated.")
    if password.isdigit() and len(password) < MIN_DIGITS_ONLY_LENGTH:
        return _("A password of digits only needs at least %(n)d of them.", n=MIN_DIGITS_ONLY_LENGTH)
    if lowered in COMMON_PASSWORDS:
        return _("This password is among the most commonly used ones; choose another.")
    return None


def create_user(
    username: str,
    password: str,
    role: Role | str,
    full_name: str,
    region_id: int | None = None,
    **extra: Any,
) -> User:
    problem = password_problem(password, username)
    if problem:
        raise DomainError(problem)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(_("The user name %(name)s is already taken.", name=username))
    user = User(username=username, full_name=full_name, role=Role(role), region_id=region_id, **extra)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
