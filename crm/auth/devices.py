"""The known-device cookie: after a successful login the browser keeps a signed note "this browser signed in as
<user name>, device <number>". A login carrying it is throttled on that device's own failures only
(crm/auth/throttle.py), so nobody elsewhere can slow the user down there. The cookie grants nothing by itself."""

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "crm_device"
MAX_USERS = 5  # a shared office computer remembers this many user names


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="crm-known-device")


def _max_age() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_KNOWN_DAYS"])


def read(cookie: str | None) -> dict[str, str]:
    """User name → device number, from a cookie that is genuine and not older than LOGIN_KNOWN_DAYS."""
    if not cookie or len(cookie) > 2000:
        return {}
    try:
        data = _serializer().loads(cookie, max_age=int(_max_age().total_seconds()))
    except BadSignature:
        return {}
    if not isinstance(data, list):
        return {}
    return {name: number for name, number in (pair for pair in data if isinstance(pair, list) and len(pair) == 2)
            if isinstance(name, str) and isinstance(number, str)}  # fmt: skip


def remember(known: dict[str, str], username: str) -> tuple[str, int]:
    """The cookie's new value with `username` (most recent first) and its lifetime in seconds."""
    number = known.get(username) or secrets.token_hex(8)
    others = [[name, n] for name, n in known.items() if name != username]
    value = _serializer().dumps([[username, number], *others][:MAX_USERS])
    return value, int(_max_age().total_seconds())
