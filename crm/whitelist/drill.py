"""The dashboard's drill-down filters on the whitelist list: each figure on the dashboard is the count of the
list filtered with these, so a number and the list behind it cannot disagree."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from crm.enterprises.models import EnterpriseCategory
from crm.plans.models import FundArrival
from crm.refdata.models import CategoryTag, Industry
from crm.vocab import PIPELINE, WORKING_STATES, State
from crm.whitelist.models import WhitelistEntry

NONE = -1  # an id filter's value for "not filled in" (no team, no industry, no category)
NONE_CODE = "none"  # the same for code filters (campaign, mode)

PHASES = {
    # Approved targets still in the pipeline (not paused, not dropped).
    "targets": PIPELINE,
    # Before signing: 在谈.
    "pipeline": (State.WHITELISTED, State.ASSIGNED, State.CONTACTING, State.NEGOTIATING),
    # Signed and beyond.
    "signed": (State.SIGNED, State.LANDED, State.STARTED, State.PRODUCING),
    # Being worked by a team (what the rankings divide by).
    "working": WORKING_STATES,
}
MILESTONE_DATES = {
    "signed": WhitelistEntry.signed_on,
    "landed": WhitelistEntry.landed_on,
    "started": WhitelistEntry.started_on,
    "producing": WhitelistEntry.producing_on,
}
MILESTONES = (*MILESTONE_DATES, "whitelisted", "funds")
FLAGS = {"manufacturing": Industry.is_manufacturing, "emerging": Industry.is_emerging}
# 全国性链主企业 and 头部企业: the tags behind "every county at least one 链主/头部 firm".
CHAIN_TAGS = ("chain_leader", "head_firm")


@dataclass
class Drill:
    phase: str = ""
    milestone: str = ""
    period_from: date | None = None
    period_to: date | None = None
    min_investment: int = 0  # 万元, on the planned total investment
    flag: str = ""
    chain: bool = False
    reached: str = ""
    escalated: bool = False  # an open (unacknowledged) 督办 on one of its tasks

    def active(self) -> bool:
        return bool(
            self.phase
            or self.milestone
            or self.min_investment
            or self.flag
            or self.chain
            or self.reached
            or self.escalated
        )


def local_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants of local midnight at `start` and after `end` (a period of whole local days)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    lower = datetime.combine(start, time(), zone) if start else None
    upper = datetime.combine(end + timedelta(days=1), time(), zone) if end else None
    return lower, upper


def _between(column, start, end) -> ColumnElement[bool]:
    conds = [column.isnot(None)]
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(
            column <= end if isinstance(end, date) and not isinstance(end, datetime) else column < end
        )
    return and_(*conds)


def milestone_clause(milestone: str, start: date | None, end: date | None) -> ColumnElement[bool]:
    """Entries that reached `milestone` within [start, end] (local dates; open ends allowed)."""
    if milestone in MILESTONE_DATES:
        return _between(MILESTONE_DATES[milestone], start, end)
    if milestone == "whitelisted":
        lower, upper = local_bounds(start, end)
        return _between(WhitelistEntry.whitelisted_at, lower, upper)
    if milestone == "funds":
        arrived = select(FundArrival.id).where(
            FundArrival.entry_id == WhitelistEntry.id, _between(FundArrival.arrived_on, start, end)
        )
        return exists(arrived)
    return true()


def flag_clause(flag: str) -> ColumnElement[bool]:
    return exists(select(Industry.id).where(Industry.id == WhitelistEntry.industry_id, FLAGS[flag].is_(True)))


def chain_clause() -> ColumnElement[bool]:
    tagged = (
        select(EnterpriseCategory.enterprise_id)
        .join(CategoryTag, CategoryTag.id == EnterpriseCategory.tag_id)
        .where(
            CategoryTag.code.in_(CHAIN_TAGS), EnterpriseCategory.enterprise_id == WhitelistEntry.enterprise_id
        )
    )
    return exists(tagged)


def drill_clauses(d: Drill) -> list[ColumnElement[bool]]:
    clauses = []
    if d.phase in PHASES:
        clauses.append(WhitelistEntry.state.in_(PHASES[d.phase]))
    if d.milestone in MILESTONES:
        clauses.append(milestone_clause(d.milestone, d.period_from, d.period_to))
    if d.min_investment:
        clauses.append(WhitelistEntry.planned_investment >= d.min_investment)
    if d.flag in FLAGS:
        clauses.append(flag_clause(d.flag))
    if d.chain:
        clauses.append(chain_clause())
    if d.reached in MILESTONE_DATES:
        clauses.append(MILESTONE_DATES[d.reached].isnot(None))
    if d.escalated:
        clauses.append(escalated_clause())
    return clauses


def escalated_clause() -> ColumnElement[bool]:
    from crm.reminders.models import Escalation

    return exists(
        select(Escalation.id).where(
            Escalation.entry_id == WhitelistEntry.id, Escalation.acknowledged_at.is_(None)
        )
    )


def no_category() -> ColumnElement[bool]:
    return ~exists(
        select(EnterpriseCategory.tag_id).where(
            EnterpriseCategory.enterprise_id == WhitelistEntry.enterprise_id
        )
    )


def code_or_none(column, value: str) -> ColumnElement[bool]:
    return or_(column.is_(None), column == "") if value == NONE_CODE else column == value
