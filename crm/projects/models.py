"""Projects (招商项目), their planned 到位资金 schedule, and the counties' monthly 到位资金 returns.

A whitelist entry (an enterprise × the county that targets it) has 0..n projects. A project lands in a county or
zone (`region_id`), which may differ from the entry's proposing county; the project counts in the figures of the
county where it lands. 到位资金 rows (crm.plans.models.FundArrival) belong to a project and to the return that
reported them; only rows of verified returns count toward the goals.
"""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    Connection,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Mapper, Session, UOWTransaction, mapped_column, relationship

from crm.extensions import Model, pg_only_index
from crm.types import UTCDateTime, utcnow
from crm.whitelist.models import WhitelistEntry


class Project(Model):
    __tablename__ = "projects"
    __table_args__ = (
        Index("ix_projects_state_region", "state", "region_id"),
        Index("ix_projects_region_signed", "region_id", "signed_on"),
        Index("ix_projects_held_region", "held_region_id", "region_id"),
        # The list's order (newest signing, then newest id): many projects share a signing date, and an index on
        # the date alone made PostgreSQL sort a whole day's projects for a page of 20.
        Index("ix_projects_signed_on_id", "signed_on", "id"),
        # The lights' "signed and not registered by date X" (crm.projects.lights): 94,000 signed projects read one
        # by one to test their date, on SQLite, without it (the red count 104 → 24 ms at 150,000 projects).
        Index("ix_projects_state_signed", "state", "signed_on"),
        # Search by any part of the name (PostgreSQL's pg_trgm; migration c3e8f0a1b2d4).
        pg_only_index("ix_projects_name_trgm", "name", "gin", "gin_trgm_ops"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"), index=True)
    campaign: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str | None] = mapped_column(String(20))
    # Where the project lands (a county or a functional zone): its figures count there.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # The county of its target (the entry's region_id), copied so that "held or hosted by my county" is two index
    # lookups (crm.scope.project_scope); kept in step by the listeners at the end of this module.
    held_region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    planned_investment: Mapped[int | None]  # 计划总投资, 万元
    # Indexed for the project list's agreement filter (its count read all 150,000 projects: bench/projects.py).
    agreement: Mapped[str] = mapped_column(String(20), index=True)  # crm.vocab.AGREEMENTS
    contract_amount: Mapped[int | None]  # 签约金额, 万元
    signed_on: Mapped[date] = mapped_column(Date)
    landed_uscc: Mapped[str | None] = mapped_column(String(18))
    landed_on: Mapped[date | None] = mapped_column(Date, index=True)
    started_on: Mapped[date | None] = mapped_column(Date, index=True)
    producing_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="signed")  # crm.vocab.PROJECT_STATES
    terminated_reason: Mapped[str | None] = mapped_column(Text)
    # The 到位资金 standing its light reads (crm.projects.standing keeps them): verified funds so far, 万元, and the
    # first planned month whose running total they fall short of (None: not behind the schedule).
    funds_verified: Mapped[int] = mapped_column(default=0, server_default="0")
    funds_behind_from: Mapped[date | None] = mapped_column(Date, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    entry = relationship("WhitelistEntry", lazy="joined", innerjoin=True)
    region = relationship("Region", lazy="joined", innerjoin=True, foreign_keys=[region_id])
    industry = relationship("Industry", lazy="joined")
    plan = relationship("FundPlan", order_by="FundPlan.month", lazy="selectin", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class FundPlan(Model):
    """The planned 到位资金 of a project in one month (万元): the schedule its arrivals are measured against."""

    __tablename__ = "fund_plans"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    amount: Mapped[int]


class FundReturn(Model):
    """A county's (or zone's) monthly 到位资金 return (月报): filed by its lead or head, verified by a city manager.

    `seq` 0 is the month's return; 1, 2 … are adjustments to a verified month (a verified return is never edited).
    draft → submitted → verified | returned (with a reason) → submitted again …
    """

    __tablename__ = "fund_returns"
    __table_args__ = (
        UniqueConstraint("region_id", "month", "seq"),
        Index("ix_fund_returns_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    seq: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    reason: Mapped[str | None] = mapped_column(Text)  # why an adjustment is needed
    return_reason: Mapped[str | None] = mapped_column(Text)  # why the city sent it back
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    region = relationship("Region", lazy="joined", innerjoin=True)
    submitted_by = relationship("User", lazy="joined", foreign_keys=[submitted_by_id])
    verified_by = relationship("User", lazy="joined", foreign_keys=[verified_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_adjustment(self) -> bool:
        return self.seq > 0

    @property
    def locked(self) -> bool:
        return self.status in ("submitted", "verified")


# -- the held county, kept in step with the entry ------------------------------------------------------------------


@event.listens_for(Project, "before_insert")
def _held_by_the_entrys_county(mapper: Mapper[Project], connection: Connection, project: Project) -> None:
    """A new project is held by its target's county."""
    if project.held_region_id is None:
        project.held_region_id = connection.scalar(
            select(WhitelistEntry.region_id).where(WhitelistEntry.id == project.entry_id)
        )


@event.listens_for(Session, "before_flush")
def _follow_an_entry_that_moves_county(
    session: Session, _context: UOWTransaction, _instances: Sequence[object] | None
) -> None:
    """An entry moved to another county (crm.whitelist.services.edit) takes its projects' holder with it."""
    for obj in session.dirty:
        if not isinstance(obj, WhitelistEntry):
            continue
        added = inspect(obj).attrs.region_id.history.added
        if not added:
            continue
        with session.no_autoflush:
            for project in session.scalars(select(Project).where(Project.entry_id == obj.id)):
                project.held_region_id = added[0]
