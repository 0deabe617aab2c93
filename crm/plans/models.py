"""Tasks (plan steps and follow-ups), plan templates, contact logs, funds arrived and the holiday table."""

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model, db
from crm.types import UTCDateTime, utcnow

OPEN = "open"
DONE = "done"
CANCELLED = "cancelled"


class Task(Model):
    """A plan step (kind 'step', from the template, completed by a contact log with the right evidence) or a
    follow-up (kind 'followup', usually the 'next step' of a log)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_owner_status_due", "owner_id", "status", "due_date"),
        # The lights' SQL twin (crm.plans.lights.light_clause): open plan steps due by a date, with their entry.
        Index("ix_tasks_status_kind_due", "status", "kind", "due_date", "entry_id"),
        # An entry's next open step (the team page's order, crm.teams.queries.team_targets): open tasks only.
        Index(
            "ix_tasks_open_entry_due",
            "entry_id",
            "due_date",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    # A project milestone (kind 'project': register, start) that the reminders and the 督办 ladder follow.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    notes: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="followup")
    evidence: Mapped[str | None] = mapped_column(String(20))  # 'any' or a contact kind, for plan steps
    sort: Mapped[int] = mapped_column(default=0)
    # A template step's working days after the plan's start (entry.plan_start): a re-plan after the holidays change
    # recomputes the due date from it. None for steps added or dated by hand (their date is a person's choice).
    offset_workdays: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    log_id: Mapped[int | None] = mapped_column(ForeignKey("contact_logs.id"))  # the log that completed it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner = relationship("User", lazy="joined", foreign_keys=[owner_id])
    entry = relationship("WhitelistEntry", lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_step(self) -> bool:
        return self.kind == "step"


class PlanTemplate(Model):
    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    steps = relationship(
        "TemplateStep", order_by="TemplateStep.sort", cascade="all, delete-orphan", lazy="selectin"
    )

    def __str__(self) -> str:
        return self.name


class TemplateStep(Model):
    __tablename__ = "template_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    offset_workdays: Mapped[int]
    owner_role: Mapped[str] = mapped_column(String(10), default="owner")  # owner | lead
    evidence: Mapped[str] = mapped_column(String(20), default="any")
    sort: Mapped[int] = mapped_column(default=0)


log_participants = Table(
    "contact_log_participants",
    db.metadata,
    Column("log_id", ForeignKey("contact_logs.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)
log_contacts = Table(
    "contact_log_contacts",
    db.metadata,
    Column("log_id", ForeignKey("contact_logs.id"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True),
)


class ContactLog(Model):
    """One contact or visit with the enterprise: who, when, how, what came of it, and the next step."""

    __tablename__ = "contact_logs"
    __table_args__ = (
        Index("ix_contact_logs_entry_occurred", "entry_id", "occurred_at"),
        # The weekly rankings count a week's visits per entry from this index alone (an index-only scan).
        Index("ix_contact_logs_occurred_entry_kind", "occurred_at", "entry_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(200))
    next_date: Mapped[date | None] = mapped_column(Date)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_path: Mapped[str | None] = mapped_column(String(200))
    attachment_size: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User", lazy="joined")
    participants = relationship("User", secondary=log_participants, lazy="selectin")
    people = relationship("Contact", secondary=log_contacts, lazy="selectin")


class FundArrival(Model):
    """到位资金 of a project reported in a county's monthly return: fixed-asset and other money, in 万元.

    `entry_id` repeats the project's entry (scope and the entry page read it). In an adjustment the amounts may be
    negative. Only rows of a verified return (crm.projects.models.FundReturn) count toward the goals.
    """

    __tablename__ = "fund_arrivals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("fund_returns.id"), index=True)
    arrived_on: Mapped[date] = mapped_column(Date, index=True)
    fixed_amount: Mapped[int] = mapped_column(default=0)
    other_amount: Mapped[int] = mapped_column(default=0)
    out_of_province: Mapped[bool] = mapped_column(default=False)  # 省外到位资金
    source_province: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_path: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def total(self) -> int:
        return self.fixed_amount + self.other_amount


class Holiday(Model):
    """An administrator's entry in the holiday table: a rest day or a make-up working day (调休)."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(64))


class HolidayYear(Model):
    """A year whose State Council holiday notice an administrator has entered in the holiday table: its dates are
    confirmed. A year the holiday package does not cover and that has no row here is provisional."""

    __tablename__ = "holiday_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))

    confirmed_by = relationship("User", lazy="joined")
