"""Report editions: every weekly and monthly report built, kept with its file (the archive)."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class ReportEdition(Model):
    """One edition: a kind (weekly/monthly), a scope ("city" or "county:<region id>") and the period it reports.
    Unique per kind, scope and period, so two schedulers (or a restart) build an edition once; a rebuild replaces
    the file in place and says who rebuilt it when."""

    __tablename__ = "report_editions"
    __table_args__ = (UniqueConstraint("kind", "scope", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # crm.reports.content.KINDS
    scope: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)  # None: the city
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    published_on: Mapped[date] = mapped_column(Date)  # the local day it was built for (its figures' day)
    docx: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size: Mapped[int]
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the scheduler
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rebuilt_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)


class ScreenLink(Model):
    """An address for the hall's big screen (大屏): whoever has it sees the city's figures, read-only, without
    logging in, until a manager revokes it. Only the token's SHA-256 is kept; the address is shown once."""

    __tablename__ = "screen_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))  # where the screen is, e.g. 一楼大厅
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
