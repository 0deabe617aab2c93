"""领导批示: a manager's or county head's instruction on a whitelist entry, and its thread of steps.

An instruction is 批办 (must be acted on by a due date), 指导 (guidance) or 参阅 (for reference). The target's team
acknowledges it (签收), reports what was done (反馈), and the instructing leader closes it (销号) or returns the
report (退回). A 批办 carries a task of kind 'instruction' while it waits to be reported, so the reminders and
the 督办 ladder (crm.reminders.scan) follow it like a plan step."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow
from crm.vocab import INSTRUCTION_COLOURS, INSTRUCTION_KINDS, INSTRUCTION_STATUS

ACTION, GUIDANCE, REFERENCE = "action", "guidance", "reference"
PENDING, IN_PROGRESS, ACKNOWLEDGED, REPORTED, CLOSED = (
    "pending",
    "in_progress",
    "acknowledged",
    "reported",
    "closed",
)
# Waiting for the target's team: to be acknowledged, or (a 批办, or one returned) to be reported.
TEAM_OPEN = (PENDING, IN_PROGRESS)
# Not closed yet (a 指导/参阅 once acknowledged may be closed, but need not be).
UNCLOSED = (PENDING, IN_PROGRESS, ACKNOWLEDGED, REPORTED)


class Instruction(Model):
    __tablename__ = "instructions"
    __table_args__ = (
        # "My instructions": the open ones of a few entries, and the ones a leader issued by status.
        Index("ix_instructions_entry_status", "entry_id", "status"),
        Index("ix_instructions_author_status", "author_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"))
    kind: Mapped[str] = mapped_column(String(10))  # action | guidance | reference
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)  # required for a 批办
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)  # the latest report (every one is in the steps)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 批办's task (kind 'instruction'), open while the instruction waits to be reported.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    entry = relationship("WhitelistEntry")
    author = relationship("User", lazy="joined", foreign_keys=[author_id])
    acknowledged_by = relationship("User", lazy="joined", foreign_keys=[acknowledged_by_id])
    steps = relationship("InstructionStep", order_by="InstructionStep.id", lazy="select",
                         back_populates="instruction")  # fmt: skip

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return INSTRUCTION_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return INSTRUCTION_STATUS[self.status]

    @property
    def status_colour(self) -> str:
        return INSTRUCTION_COLOURS[self.status]

    def is_late(self, today: date) -> bool:
        return (
            self.kind == ACTION
            and self.status in TEAM_OPEN
            and self.due_date is not None
            and self.due_date < today
        )


class InstructionStep(Model):
    """One step of an instruction's thread (issued, acknowledged, reported, closed, returned), with its text.
    Append-only, like the entry's history, which records the same steps."""

    __tablename__ = "instruction_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))  # issue | acknowledge | report | close | return
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User", lazy="joined")
    instruction = relationship("Instruction", back_populates="steps")
