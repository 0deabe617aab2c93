"""The dashboard's drill-down filters on the whitelist list: each figure on the dashboard is the count of the
list filtered with these, so a number and the list behind it cannot disagree."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, or_, select, true

from crm.enterprises.models import EnterpriseCategory
from crm.plans.models import FundArrival
from crm.projects.models import FundReturn
from crm.refdata.models import CategoryTag, Industry
from crm.reminders.models import Escalation
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
# The query-string names of the drill-down filters.
DRILL_KEYS = ("phase", "milestone", "from", "to", "min_investment", "flag", "chain", "reached", "escalated")
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


def _between(
    column: SQLColumnExpression[date | datetime | None],
    start: date | datetime | None,
    end: date | datetime | None,
) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = [column.isnot(None)]
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
        arrived = (
            select(FundArrival.id)
            .join(FundReturn, FundReturn.id == FundArrival.return_id)
            .where(
                FundArrival.entry_id == WhitelistEntry.id,
                FundReturn.status == "verified",
                _between(FundArrival.arrived_on, start, end),
            )
        )  # fmt: skip  (only verified funds count, as on the dashboard)
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
    clauses: list[ColumnElement[bool]] = []
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

    return exists(
        select(Escalation.id).where(
            Escalation.entry_id == WhitelistEntry.id,
            Escalation.acknowledged_at.is_(None),
            Escalation.closed_at.is_(None),
        )
    )


def no_category() -> ColumnElement[bool]:
    return ~exists(
        select(EnterpriseCategory.tag_id).where(
            EnterpriseCategory.enterprise_id == WhitelistEntry.enterprise_id
        )
    )


def code_or_none(column: SQLColumnExpression[str | None], value: str) -> ColumnElement[bool]:
    return or_(column.is_(None), column == "") if value == NONE_CODE else column == value


def describe(d: Drill) -> list[str]:
    """The drill-down filters in words, shown above the list so the user knows what they are looking at."""

    words = []
    if d.phase:
        words.append(
            {
                "targets": _("Targets in the pipeline (approved, not paused or dropped)"),
                "pipeline": _("Not yet signed"),
                "signed": _("Signed or beyond"),
                "working": _("Being worked by a team"),
            }[d.phase]
        )
    if d.milestone:
        what = {
            "signed": _("signed"),
            "landed": _("landed"),
            "started": _("construction started"),
            "producing": _("in production"),
            "whitelisted": _("whitelisted"),
            "funds": _("funds arrived"),
        }[d.milestone]
        start = d.period_from.isoformat() if d.period_from else "…"
        end = d.period_to.isoformat() if d.period_to else "…"
        words.append(_("%(what)s between %(start)s and %(end)s", what=what, start=start, end=end))
    if d.min_investment:
        words.append(_("Planned investment at least %(yi).2f 亿元", yi=d.min_investment / 10000))
    if d.flag:
        words.append(_("Manufacturing") if d.flag == "manufacturing" else _("Emerging or future industry"))
    if d.chain:
        words.append(_("National chain-leader or head firm"))
    if d.reached:
        words.append(
            {
                "landed": _("Has landed"),
                "started": _("Construction has started"),
                "producing": _("In production"),
            }[d.reached]
        )
    if d.escalated:
        words.append(_("Has a follow-up order not yet acknowledged"))
    return words


def query_args(d: Drill) -> dict:
    """The drill-down filters back as query-string arguments (kept by the list's filter form and export)."""
    args = {
        "phase": d.phase,
        "milestone": d.milestone,
        "from": d.period_from.isoformat() if d.period_from else "",
        "to": d.period_to.isoformat() if d.period_to else "",
        "min_investment": d.min_investment or "",
        "flag": d.flag,
        "chain": "1" if d.chain else "",
        "reached": d.reached,
        "escalated": "1" if d.escalated else "",
    }
    return {k: v for k, v in args.items() if v}
