"""Whitelist entries (one enterprise targeted by one county) and the event trail."""

import re
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow
from crm.vocab import SEVERITY_WORDS, STATE_COLOURS, STATE_LABELS, Action, State


class WhitelistEntry(Model):
    __tablename__ = "whitelist_entries"
    __table_args__ = (
        Index("ix_whitelist_entries_state_region", "state", "region_id"),
        # The dashboard's longest-stuck lists order by it.
        Index("ix_whitelist_entries_state_changed", "state_changed_at", "id"),
        # The red/yellow lights in SQL (crm.plans.lights.light_clause) read these columns of the worked entries:
        # from the index alone, without visiting the table.
        Index("ix_whitelist_entries_state_contact", "state", "last_contact_at", "plan_start", "id"),
        # The list's default order (updated_at DESC, id DESC) read straight from the index, ties included: an
        # import gives thousands of entries one updated_at, and the list then sorted all of them for 20 rows.
        Index("ix_whitelist_entries_updated_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"), index=True)
    # The industry-chain node the target would fill (补链/强链/延链), if any.
    chain_node_id: Mapped[int | None] = mapped_column(ForeignKey("chain_nodes.id"), index=True)
    campaign: Mapped[str | None] = mapped_column(String(20), index=True)
    mode: Mapped[str | None] = mapped_column(String(20), index=True)
    planned_investment: Mapped[int | None]  # 万元
    summary: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(default=2)
    state: Mapped[str] = mapped_column(String(20), default=State.PROPOSED)
    state_before_pause: Mapped[str | None] = mapped_column(String(20))
    review_stage: Mapped[str | None] = mapped_column(String(10))
    conflict: Mapped[bool] = mapped_column(default=False, index=True)
    # The one attack team working the entry, and the primary owner in it (一企一攻坚).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    conflict_note: Mapped[str | None] = mapped_column(Text)
    # Look-alike enterprises the proposer said were different (comma-separated ids); their claims still conflict.
    lookalike_ids: Mapped[str | None] = mapped_column(String(200))
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The plan and the pipeline's evidence (filled by the plans feature).
    plan_start: Mapped[date | None] = mapped_column(Date)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_on: Mapped[date | None] = mapped_column(Date, index=True)
    contract_amount: Mapped[int | None]  # 签约金额, 万元
    landed_on: Mapped[date | None] = mapped_column(Date, index=True)
    landed_uscc: Mapped[str | None] = mapped_column(String(18))
    started_on: Mapped[date | None] = mapped_column(Date)
    producing_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    whitelisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise = relationship("Enterprise", lazy="joined", innerjoin=True)
    region = relationship("Region", lazy="joined", innerjoin=True)
    industry = relationship("Industry", lazy="joined")
    chain_node = relationship("ChainNode", lazy="joined")
    proposer = relationship("User", lazy="joined", innerjoin=True, foreign_keys=[proposer_id])
    team = relationship("Team", lazy="joined")
    owner = relationship("User", lazy="joined", foreign_keys=[owner_id])
    events = relationship("Event", back_populates="entry", order_by="Event.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def lookalikes(self) -> list[int]:
        return [int(i) for i in (self.lookalike_ids or "").split(",") if i]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[State(self.state)]

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS[State(self.state)]


class Event(Model):
    """One change on the record: who, when, what, from which state to which, and why. Never edited."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    # Field-level changes as "field: old → new" lines, for edits.
    detail: Mapped[str | None] = mapped_column(Text)

    entry = relationship("WhitelistEntry", back_populates="events")
    actor = relationship("User", lazy="joined")

    @property
    def shown_detail(self) -> str | None:
        """The detail as users read it. Acknowledgements of a 督办 written before issue 19 stored the level's English
        code after the step ('需求摸底（blue）'); the trail is never edited, so the word is put in Chinese here."""
        if self.detail and self.action == Action.ESCALATION_ACK:
            return _ENGLISH_SEVERITY.sub(lambda m: f"（{SEVERITY_WORDS[m.group(1)]}）", self.detail, count=1)
        return self.detail


_ENGLISH_SEVERITY = re.compile(r"（(" + "|".join(SEVERITY_WORDS) + r")）")
