"""The in-app inbox: one row per message per user. The reminders feature adds delivery channels on top."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class InboxItem(Model):
    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the message came through the outbox: delivering the same notification twice adds nothing.
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), unique=True)

    entry = relationship("WhitelistEntry", lazy="joined")
