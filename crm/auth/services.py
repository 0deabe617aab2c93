"""Authentication with throttling, and user creation."""

import math
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from crm.auth import sessions, throttle
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
    """Too many recent failures: this attempt came too soon (crm/auth/throttle.py)."""


class BadCredentials(DomainError):
    """Unknown user, wrong password or inactive account (deliberately not told apart)."""


def _too_soon(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return _("Too many failed attempts. Try again in %(n)d seconds.", n=seconds)
    return _("Too many failed attempts. Try again in %(n)d minutes.", n=math.ceil(seconds / 60))


def authenticate(
    username: str, password: str, ip: str | None, now: datetime, device: str | None = None
) -> User:
    """Return the user for good credentials.

    The attempt is written (as a failure) before anything is checked, so parallel guesses all count; then an
    attempt that comes too soon after its buckets' failures is refused unchecked (crm/auth/throttle.py). `device`
    is the number of this user name's known-device cookie, when the browser presented a valid one."""
    username = username.strip()[:64]
    attempt = LoginAttempt(username=username, ip=ip, device=device, succeeded=False, throttled=False, at=now)
    db.session.add(attempt)
    db.session.commit()
    wait = throttle.wait_for(attempt, now)
    if wait > timedelta(0):
        attempt.throttled = True  # refused unchecked: it does not count as a failure
        db.session.commit()
        raise LoginLocked(_too_soon(wait))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Unknown names take as long as known ones, so timing does not tell which names exist.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        raise BadCredentials(_("Wrong user name or password."))
    if not (user.is_active and user.check_password(password)):
        raise BadCredentials(_("Wrong user name or password."))
    attempt.succeeded = True
    db.session.commit()
    return user


def change_password(user: User, password: str, now: datetime) -> None:
    """Give `user` a new password (checked by password_problem first): every session on every device ends and
    every API token is revoked, since whoever knew the old password may have made them. The caller commits."""
    user.set_password(password)
    if user.id is not None:
        sessions.end_all_sessions(user.id)
        sessions.revoke_api_tokens(user.id, now)


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
