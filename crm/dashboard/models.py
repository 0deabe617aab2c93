"""The year's campaign goals, one row per year, edited by the bureau; the figures computed ahead per scope."""

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import Model
from crm.types import UTCDateTime, utcnow


class YearGoal(Model):
    """The city's goals for one year (DOMAIN.md, 2026): money in 万元, shares in whole per cent."""

    __tablename__ = "year_goals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # 强企业攻坚: 推动 5—8 家知名企业签约落地 (signings of the 夺标争先 campaign).
    signings_low: Mapped[int] = mapped_column(default=5)
    signings_high: Mapped[int] = mapped_column(default=8)
    funds: Mapped[int] = mapped_column(default=5_600_000)  # 到位资金 ≥ 560 亿元 = 5,600,000 万元
    big_projects: Mapped[int] = mapped_column(default=340)  # 新落地过亿元项目 ≥ 340 个
    manufacturing_pct: Mapped[int] = mapped_column(default=60)  # 制造业引资占比 ≥ 60%
    emerging_pct: Mapped[int] = mapped_column(default=10)  # 战略性新兴和未来产业项目占比 > 10%
    chain_per_county: Mapped[int] = mapped_column(default=1)  # 每个县(市、区)至少 1 家链主/头部企业
    # 超50亿元项目倍增: last year's count; the goal is twice it.
    mega_baseline: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def mega_target(self) -> int:
        return self.mega_baseline * 2


class DashboardSnapshot(Model):
    """The dashboard's figures for one scope ("city", "county:<id>"), year and day, computed ahead by the scheduler
    (crm.dashboard.snapshots) and shared by every web worker."""

    __tablename__ = "dashboard_snapshots"
    __table_args__ = (UniqueConstraint("scope", "year", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    day: Mapped[date] = mapped_column(Date)  # the local day the lights and the ranking week were read for
    payload: Mapped[str] = mapped_column(Text)  # the figures as JSON (crm.dashboard.snapshots.encode)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float)  # how long computing them took
