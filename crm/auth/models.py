"""Users, roles, their signed-in sessions, and the login-attempt log used for throttling."""

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow
from crm.vocab import ROLE_LABELS, Role


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), index=True)
    # County (or zone) the user works for; empty for city-level staff.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # On access (a county is one of a dozen rows, mostly in the session already): joined by default, every
    # statement that loads a person (an event's actor, a task's owner, a log's participants) joined it for nothing.
    # The signed-in user's comes with them (crm.auth.sessions).
    region = relationship("Region", lazy="select")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_flag

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # The signed-in session this object was loaded for (or just started): "<session id>:<secret>", see
    # crm/auth/sessions.py. Not a column: one user has a session per device.
    session_ref: str = ""

    def get_id(self) -> str:  # what Flask-Login keeps in the session cookie and the remember-me cookie
        return self.session_ref

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(Model):
    """One signed-in browser: the session cookie (and, with "keep me logged in", the remember-me cookie) carries
    the row's id and a secret whose SHA-256 is kept here. Deleting the row ends that browser's session on the
    server, whatever copy of the cookies exists."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttempt(Model):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The known-device cookie's number for this user name, when the browser presented a valid one.
    device: Mapped[str | None] = mapped_column(String(32))
    # Refused without checking the password, because the attempt came too soon (crm/auth/throttle.py).
    throttled: Mapped[bool] = mapped_column(default=False, server_default=false())


class LoginThrottleReset(Model):
    """A manager cleared the failures of a user name or of an address: attempts before `at` no longer slow it."""

    __tablename__ = "login_throttle_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    cleared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
