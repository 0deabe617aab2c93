"""The project list's filters, and the clauses behind the dashboard's project figures: each figure is the count
of this list with the figure's `args`, computed with the same clauses, so a number and its list agree."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, func, or_, select

from crm.auth.models import User
from crm.drill import NONE, code_or_none
from crm.enterprises.models import Enterprise, EnterpriseCategory
from crm.enterprises.search import enterprise_search, is_short, short_term
from crm.extensions import db
from crm.parsing import like_fragment
from crm.plans.models import FundArrival
from crm.projects.lights import light_clause
from crm.projects.models import FundReturn, Project
from crm.projects.services import counted_agreements
from crm.refdata.models import CategoryTag, Industry
from crm.scope import counted_project_scope, project_scope
from crm.teams.models import Team
from crm.vocab import AGREEMENTS, CAMPAIGNS, MODES, PROJECT_STATES
from crm.whitelist.models import WhitelistEntry

# 计划总投资 bands (万元): [low, high).
BANDS = {
    "lt1": (None, 10_000),
    "1to10": (10_000, 100_000),
    "10to50": (100_000, 500_000),
    "ge50": (500_000, None),
}
BAND_LABELS = {"lt1": "1亿元以下", "1to10": "1–10亿元", "10to50": "10–50亿元", "ge50": "50亿元及以上"}
MILESTONE_DATES = {
    "signed": Project.signed_on,
    "landed": Project.landed_on,
    "started": Project.started_on,
    "producing": Project.producing_on,
}
FLAGS = {"manufacturing": Industry.is_manufacturing, "emerging": Industry.is_emerging}
CHAIN_TAGS = ("chain_leader", "head_firm")
# The query-string names of the list's filters (kept by the export link and the pager).
KEYS = ("q", "region", "state", "agreement", "band", "industry", "light", "milestone", "from", "to",
        "min_investment", "flag", "chain", "campaign", "counted", "funds", "reached", "entry", "team", "tag",
        "mode")  # fmt: skip


@dataclass
class ProjectFilters:
    q: str = ""
    region: int | None = None  # where the project lands
    state: str = ""
    agreement: str = ""
    band: str = ""
    industry: int | None = None  # the industry or any industry under it
    light: str = ""
    milestone: str = ""  # signed | landed | started | producing | funds (in the period)
    period_from: date | None = None
    period_to: date | None = None
    min_investment: int = 0
    flag: str = ""
    chain: bool = False
    campaign: str = ""
    counted: bool = False  # only agreements that count as a signing
    funds: str = ""  # with milestone=funds: "verified" (counted) or "pending" (submitted, not yet verified)
    reached: str = ""  # has a landed / started / producing date
    entry: int | None = None
    # The dashboard's breakdowns by the target's team and category and by 招商方式 (NONE / NONE_CODE: not filled
    # in; the industry and the campaign take NONE / NONE_CODE as well).
    team: int | None = None
    tag: int | None = None
    mode: str = ""

    def args(self) -> dict:
        values = {
            "q": self.q, "region": self.region, "state": self.state, "agreement": self.agreement,
            "band": self.band, "industry": self.industry, "light": self.light, "milestone": self.milestone,
            "from": self.period_from.isoformat() if self.period_from else "",
            "to": self.period_to.isoformat() if self.period_to else "",
            "min_investment": self.min_investment or "", "flag": self.flag, "chain": "1" if self.chain else "",
            "campaign": self.campaign, "counted": "1" if self.counted else "", "funds": self.funds,
            "reached": self.reached, "entry": self.entry, "team": self.team, "tag": self.tag, "mode": self.mode,
        }  # fmt: skip
        return {k: v for k, v in values.items() if v not in (None, "")}


def between(
    column: SQLColumnExpression[date | None], start: date | None, end: date | None
) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = [column.isnot(None)]
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column <= end)
    return and_(*conds)


def counted_clause() -> ColumnElement[bool]:

    return Project.agreement.in_(counted_agreements())


def funds_clause(start: date | None, end: date | None, status: str = "verified") -> ColumnElement[bool]:
    """Projects with 到位资金 in the period in returns of `status` (verified, or submitted = pending)."""
    wanted = ("submitted",) if status == "pending" else ("verified",)
    rows = (
        select(FundArrival.project_id)
        .join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundReturn.status.in_(wanted), between(FundArrival.arrived_on, start, end))
    )
    return Project.id.in_(rows)


def flag_clause(flag: str) -> ColumnElement[bool]:
    return Project.industry_id.in_(select(Industry.id).where(FLAGS[flag].is_(True)))


def chain_clause() -> ColumnElement[bool]:
    tagged = (
        select(WhitelistEntry.id)
        .join(EnterpriseCategory, EnterpriseCategory.enterprise_id == WhitelistEntry.enterprise_id)
        .join(CategoryTag, CategoryTag.id == EnterpriseCategory.tag_id)
        .where(CategoryTag.code.in_(CHAIN_TAGS))
    )
    return Project.entry_id.in_(tagged)


def tag_clause(tag: int) -> ColumnElement[bool]:
    """Projects of targets whose enterprise has the category `tag` (NONE: no category at all)."""
    entries = select(WhitelistEntry.id)
    if tag == NONE:
        tagged = select(EnterpriseCategory.enterprise_id)
        return Project.entry_id.in_(entries.where(WhitelistEntry.enterprise_id.not_in(tagged)))
    tagged = select(EnterpriseCategory.enterprise_id).where(EnterpriseCategory.tag_id == tag)
    return Project.entry_id.in_(entries.where(WhitelistEntry.enterprise_id.in_(tagged)))


def industry_clause(industry_id: int) -> ColumnElement[bool]:
    children = select(Industry.id).where(or_(Industry.id == industry_id, Industry.parent_id == industry_id))
    return Project.industry_id.in_(children)


def clauses(f: ProjectFilters, today: date) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.q.strip():
        q = f.q.strip()
        text, escape = like_fragment(q)
        like = f"%{text}%"
        # A term without case (Chinese, digits) matches the same with LIKE, which does not case-fold every name.
        name = (
            short_term(Project.name, q, lower=True)  # 华夏, 轴承: below a trigram (migration c2d4e6f8a0b1)
            if is_short(q) and db.engine.dialect.name == "postgresql"
            else Project.name.like(like, escape=escape)
            if q.lower() == q.upper()
            else Project.name.ilike(like, escape=escape)
        )
        # By the project's name (a trigram index on PostgreSQL, migration c3e8f0a1b2d4) or its enterprise as the
        # search box finds enterprises (name, initials, credit code; crm.enterprises.search). Kept an OR: written as a UNION of two index searches the count was faster
        # (62 → 38 ms at 150,000 projects) but the page slower (15 → 73 ms: PostgreSQL joined the ids back by
        # reading every project).
        names = select(WhitelistEntry.id).join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        out.append(or_(name, Project.entry_id.in_(names.where(enterprise_search(q)))))
    if f.region:
        out.append(Project.region_id == f.region)
    if f.state in PROJECT_STATES:
        out.append(Project.state == f.state)
    if f.agreement in AGREEMENTS:
        out.append(Project.agreement == f.agreement)
    if f.band in BANDS:
        low, high = BANDS[f.band]
        if low is not None:
            out.append(Project.planned_investment >= low)
        if high is not None:
            out.append(Project.planned_investment < high)
    if f.industry == NONE:
        out.append(Project.industry_id.is_(None))
    elif f.industry:
        out.append(industry_clause(f.industry))
    if f.light in ("red", "yellow", "green"):
        out.append(light_clause(f.light, today))
    if f.milestone in MILESTONE_DATES:
        out.append(between(MILESTONE_DATES[f.milestone], f.period_from, f.period_to))
    elif f.milestone == "funds":
        out.append(funds_clause(f.period_from, f.period_to, f.funds or "verified"))
    if f.min_investment:
        out.append(Project.planned_investment >= f.min_investment)
    if f.flag in FLAGS:
        out.append(flag_clause(f.flag))
    if f.chain:
        out.append(chain_clause())
    if f.campaign:
        out.append(code_or_none(Project.campaign, f.campaign))
    if f.mode:
        out.append(code_or_none(Project.mode, f.mode))
    if f.team == NONE:
        out.append(Project.entry_id.in_(select(WhitelistEntry.id).where(WhitelistEntry.team_id.is_(None))))
    elif f.team:
        out.append(Project.entry_id.in_(select(WhitelistEntry.id).where(WhitelistEntry.team_id == f.team)))
    if f.tag:
        out.append(tag_clause(f.tag))
    if f.counted:
        out.append(counted_clause())
    if f.reached in MILESTONE_DATES:
        out.append(MILESTONE_DATES[f.reached].isnot(None))
    if f.entry:
        out.append(Project.entry_id == f.entry)
    return out


def list_order(f: ProjectFilters) -> list:
    """The list's order: newest signing first. With a red or yellow filter the sort key is wrapped so PostgreSQL
    does not walk the signing-date index from the newest end: late projects are old ones, and it read 124,000
    recent projects to find 20 (bench/projects.py, a county head's red page 85 → 31 ms); it collects the matching
    projects through their indexes and sorts those instead."""
    key = (
        func.coalesce(Project.signed_on, Project.signed_on)
        if f.light in ("red", "yellow")
        else Project.signed_on
    )
    return [key.desc(), Project.id.desc()]


def project_query(user: User, f: ProjectFilters, today: date, counting: bool = False) -> Select:
    """The projects `user` may see (or, `counting`, those that count in their dashboard) with the filters on."""
    scope = counted_project_scope(user) if counting else project_scope(user)
    return select(Project).where(scope, *clauses(f, today))


def describe(f: ProjectFilters) -> list[str]:
    """The drill-down filters in words, above the list."""
    words = []
    if f.milestone:
        what = {"signed": _("signed"), "landed": _("landed"), "started": _("construction started"),
                "producing": _("in production"), "funds": _("funds arrived")}.get(f.milestone, f.milestone)  # fmt: skip
        start = f.period_from.isoformat() if f.period_from else "…"
        end = f.period_to.isoformat() if f.period_to else "…"
        words.append(_("%(what)s between %(start)s and %(end)s", what=what, start=start, end=end))
    if f.milestone == "funds":
        words.append(_("Pending verification") if f.funds == "pending" else _("Verified by the city"))
    if f.counted:
        words.append(_("Agreements that count as a signing"))
    if f.min_investment:
        words.append(_("Planned investment at least %(yi).2f 亿元", yi=f.min_investment / 10000))
    if f.flag:
        words.append(_("Manufacturing") if f.flag == "manufacturing" else _("Emerging or future industry"))
    if f.chain:
        words.append(_("National chain-leader or head firm"))
    if f.reached:
        words.append({"landed": _("Has landed"), "started": _("Construction has started"),
                      "producing": _("In production")}.get(f.reached, f.reached))  # fmt: skip
    words.extend(_breakdown_words(f))
    return words


def _breakdown_words(f: ProjectFilters) -> list[str]:
    """The dashboard breakdowns' conditions the list's form has no field for, in words."""
    words = []
    if f.industry == NONE:
        words.append(_("Industry: %(name)s", name=_("Not filled in")))
    if f.campaign:
        words.append(_("Campaign: %(name)s", name=CAMPAIGNS.get(f.campaign) or _("Not filled in")))
    if f.mode:
        words.append(_("Promotion mode: %(name)s", name=MODES.get(f.mode) or _("Not filled in")))
    if f.team:
        team = db.session.get(Team, f.team) if f.team != NONE else None
        words.append(_("Team: %(name)s", name=team.name if team else _("No team yet")))
    if f.tag:
        tag = db.session.get(CategoryTag, f.tag) if f.tag != NONE else None
        words.append(_("Category: %(name)s", name=tag.name if tag else _("No category")))
    return words
