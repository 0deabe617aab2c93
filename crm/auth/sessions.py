"""Server-side sessions: every signed-in browser is a row of user_sessions (crm/auth/models.py UserSession).

The session cookie and the remember-me cookie carry "<row id>:<secret>"; only the secret's SHA-256 is stored.
Logging out deletes this browser's row; a new password and an administrator's "sign out everywhere" delete all of
the user's rows. A copy of either cookie taken before that is refused afterwards, because the row is gone."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, has_request_context, request
from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload

from crm.api.models import ApiToken
from crm.auth.models import User, UserSession
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.scope import teams_read_with_user
from crm.teams.models import Team, TeamMember

# The request's {user id: unread inbox messages when the session loaded the user}.
UNREAD_AT_LOAD = "unread_at_load"
# last_seen_at (and an unremembered session's expiry) is written at most this often per session.
TOUCH_EVERY = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _idle() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])


def remember_duration() -> timedelta:
    return timedelta(days=current_app.config["REMEMBER_DAYS"])


def start_session(user: User, remember: bool, now: datetime) -> str:
    """A new signed-in session for `user`; returns the reference the cookies carry (also set on `user`).

    The user's expired sessions are removed on the way, so the table holds only live ones and the recent dead."""
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
    )
    secret = secrets.token_urlsafe(24)
    expires = now + (remember_duration() if remember else _idle())
    row = UserSession(user_id=user.id, token_hash=_hash(secret), remember=remember, created_at=now,
                      last_seen_at=now, expires_at=expires)  # fmt: skip
    db.session.add(row)
    db.session.commit()
    user.session_ref = f"{row.id}:{secret}"
    return user.session_ref


def _parse(ref: str) -> tuple[int, str] | None:
    session_id, _sep, secret = (ref or "").partition(":")
    if not (session_id.isdigit() and len(session_id) <= 18 and 20 <= len(secret) <= 64):
        return None
    return int(session_id), secret


# The user of a session with the navigation's unread count and the user's teams in the same statement (every page
# showed the count, and nearly every page's scope asked for the teams, with a statement of its own); a row per team
# (one row with no team for a user in none). Built once: it runs on every request.
_USER_OF_SESSION = (
    select(
        User,
        UserSession,
        select(func.count())
        .where(InboxItem.user_id == User.id, InboxItem.read_at.is_(None))
        .correlate(User)
        .scalar_subquery(),
        # crm.scope's teams of a user: the teams they lead or belong to, with the county of those they lead
        Team.id,
        Team.region_id,
        and_(Team.leader_id == User.id, Team.active.is_(True)),
    )
    .join(UserSession, UserSession.user_id == User.id)
    .outerjoin(
        Team,
        or_(
            Team.leader_id == User.id,
            Team.id.in_(select(TeamMember.team_id).where(TeamMember.user_id == User.id).correlate(User)),
        ),
    )
    .where(UserSession.id == bindparam("session_id"))
    .options(joinedload(User.region))  # the navigation shows the user's county
)


def user_for_session(ref: str, now: datetime) -> User | None:
    """The active user of a live session, in one query (the user row joined to its session row, with their teams
    for crm.scope and their unread count for the navigation), or None."""
    parsed = _parse(ref)
    if parsed is None:
        return None
    session_id, secret = parsed
    rows = db.session.execute(_USER_OF_SESSION, {"session_id": session_id}).all()
    if not rows:
        return None
    user, row, unread_count = rows[0][:3]
    if has_request_context():  # for this request's navigation (crm.inbox.services.unread_for_navigation)
        request.__dict__.setdefault(UNREAD_AT_LOAD, {})[user.id] = unread_count
    if not hmac.compare_digest(row.token_hash, _hash(secret)) or row.expires_at <= now or not user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        values = {"last_seen_at": now} if row.remember else {"last_seen_at": now, "expires_at": now + _idle()}
        db.session.execute(update(UserSession).where(UserSession.id == row.id).values(**values))
        db.session.commit()
    teams_read_with_user(
        user, [(team, region, leads) for *_, team, region, leads in rows if team is not None]
    )
    user.session_ref = ref
    return user


def end_session(ref: str) -> None:
    """Log out this browser: its session (and the remember-me cookie that carries the same reference) ends."""
    parsed = _parse(ref)
    if parsed is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == parsed[0]))
        db.session.commit()


def end_all_sessions(user_id: int) -> int:
    """Sign the user out everywhere (every browser, remembered or not); returns how many sessions ended.
    The caller commits."""
    result = cast(CursorResult, db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)))
    return result.rowcount


def revoke_api_tokens(user_id: int, now: datetime) -> int:
    """Revoke every API token of the user still usable (a leaver, a new password); the caller commits."""
    usable = or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)
    query = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), usable)
    result = cast(CursorResult, db.session.execute(query.values(revoked_at=now)))
    return result.rowcount


def live_sessions(user_id: int, now: datetime) -> int:
    query = select(func.count()).where(UserSession.user_id == user_id, UserSession.expires_at > now)
    return cast(int, db.session.scalar(query))  # count() always yields a row


def usable_tokens(user_id: int, now: datetime) -> int:
    usable = or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)
    query = select(func.count()).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), usable)
    return cast(int, db.session.scalar(query))
