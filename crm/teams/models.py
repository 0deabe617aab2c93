"""一企一攻坚 teams, their members, and the assignment history of whitelist entries."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class Team(Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # The county the team works for; empty for a city-wide team.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # 包保领导: the accountable senior leader, usually not a user of the system.
    senior_leader: Mapped[str | None] = mapped_column(String(64))
    capacity: Mapped[int | None]  # most active targets at once; empty = no limit
    # A 企业微信/钉钉 group robot that receives the team's reminders (optional).
    webhook_url: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # On access, mostly from the session (the signed-in user's county); lists join it (queries.with_details).
    region = relationship("Region", lazy="select")
    leader = relationship("User", lazy="joined", innerjoin=True)
    # Loaded on access; lists that show them ask for selectinload (crm.teams.queries.with_details).
    industries = relationship("Industry", secondary="team_industries", order_by="Industry.sort")
    memberships = relationship("TeamMember", back_populates="team", cascade="all, delete-orphan")

    @property
    def members(self) -> list:
        return [m.user for m in self.memberships]

    @property
    def people(self) -> list:
        """Leader first, then members: everyone who can own a target of this team."""
        return [self.leader] + [u for u in self.members if u.id != self.leader_id]

    def __str__(self) -> str:
        return self.name


class TeamIndustry(Model):
    __tablename__ = "team_industries"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"), primary_key=True)


class TeamMember(Model):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship("Team", back_populates="memberships")
    user = relationship("User", lazy="joined", innerjoin=True)


class Assignment(Model):
    """One hand-over of a whitelist entry: from which team/owner to which, by whom, when and why."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("whitelist_entries.id"), index=True)
    from_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    to_owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    moved_tasks: Mapped[int] = mapped_column(default=0)  # open tasks handed to the new owner

    from_team = relationship("Team", foreign_keys=[from_team_id], lazy="joined")
    to_team = relationship("Team", foreign_keys=[to_team_id], lazy="joined")
    from_owner = relationship("User", foreign_keys=[from_owner_id], lazy="joined")
    to_owner = relationship("User", foreign_keys=[to_owner_id], lazy="joined")
    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
