"""The outbox of notifications, 督办 escalations, users' channel choices and mutes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class Notification(Model):
    """One message for one recipient on one channel. `dedupe_key` makes every reminder exist once, however many
    scans run; the status column is the delivery state machine pending → sending → sent | failed."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # inbox | email | webhook
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id")
    )  # webhook messages go to a team's robot
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("whitelist_entries.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # A report edition sent with the email as its attachment (crm.reports.editions).
    report_edition_id: Mapped[int | None] = mapped_column(ForeignKey("report_editions.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class Escalation(Model):
    """A 督办 record: a task overdue long enough is escalated, with rising severity, to someone who must
    acknowledge it."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("task_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # lead | county | city
    severity: Mapped[str] = mapped_column(String(10))  # blue | yellow | red
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    overdue_days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when its task was completed or cancelled before anyone acknowledged it (crm.plans.escalations): then the
    # 督办 is no longer open.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    task = relationship("Task", lazy="joined")
    recipient = relationship("User", lazy="joined")


class ChannelPreference(Model):
    """Which channels besides the in-app inbox (always on) a user wants."""

    __tablename__ = "channel_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[bool] = mapped_column(default=True)


class Mute(Model):
    __tablename__ = "mutes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Heartbeat(Model):
    """When each scheduler job last ran (the admin page and /healthz read it)."""

    __tablename__ = "heartbeats"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(String(200))
