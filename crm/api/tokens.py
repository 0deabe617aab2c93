"""Personal API tokens: created (and shown) once, stored as a SHA-256 hash, listed, revoked, checked per request."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from crm.api.models import ApiToken
from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db

PREFIX_LENGTH = 8
# last_used_at is written at most this often per token, so a busy script does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    user: User, name: str, now: datetime, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, so you know later what uses it."))
    raw = "crm_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:64], token_hash=hash_token(raw), prefix=raw[:PREFIX_LENGTH],
                     created_at=now, expires_at=expires_at)  # fmt: skip
    db.session.add(token)
    db.session.commit()
    return token, raw


def tokens_of(user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke_token(user: User, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's own tokens (again is harmless); False when it is not theirs or does not exist."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return False
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.commit()
    return True


def is_usable(token: ApiToken, now: datetime) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def user_for_token(raw: str, now: datetime) -> User | None:
    """The active user a presented token belongs to, or None (unknown, revoked, expired, or the user disabled).

    The lookup is by the hash of what was presented: an equality match on a unique index of a SHA-256, so no
    timing difference reveals how much of a real token an attacker guessed."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not is_usable(token, now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token.user
