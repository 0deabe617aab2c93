"""The dashboard as an Excel workbook: one sheet per section, Chinese headers."""

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from crm.dashboard import rankings
from crm.dashboard.progress import yi
from crm.xlsx import Sheet

if TYPE_CHECKING:
    from crm.chains.gaps import ChainSummary
    from crm.dashboard.services import Dashboard

BREAKDOWN_TITLES = {
    "region": "按县(市、区)",
    "category": "按企业类别",
    "industry": "按产业",
    "team": "按攻坚团队",
    "campaign": "按攻坚行动",
    "mode": "按招商方式",
}


def _pending(dash: "Dashboard") -> list[tuple]:
    """The 到位资金 still waiting for the city's verification, under the goal it will count toward."""
    return [
        (_("Funds awaiting verification (亿元)"), yi(g.pending.value), "", "")
        for g in dash.goals
        if g.pending is not None
    ]


def dashboard_sheets(dash: "Dashboard") -> list[Sheet]:
    sheets = [
        Sheet(_("Goals"), [_("Goal"), _("Actual"), _("Target"), _("Gap")],
              [(g.label, g.actual, g.target, g.gap) for g in dash.goals] + _pending(dash), [40, 16, 24, 50]),
        Sheet(_("Rates"), [_("Rate"), _("Percent"), _("Numerator"), _("Denominator"), _("Definition")],
              [(r.label, r.percent, r.numerator.value, r.denominator.value, r.words) for r in dash.rates],
              [28, 10, 14, 14, 60]),
        Sheet(_("Funnel"), [_("Stage"), _("Targets or projects"), _("Planned investment (10,000 yuan)")],
              [(s.label, s.count, s.investment) for s in dash.funnel], [16, 10, 24]),
        Sheet(_("Weekly"), [_("Week from"), _("Week to"), _("Projects signed this year (cumulative)"),
                            _("In the pipeline")],
              [(w.start, w.end, w.signed, w.pipeline) for w in dash.weeks], [14, 14, 24, 16]),
    ]  # fmt: skip
    headers = [
        _("Name"),
        _("Targets"),
        _("In the pipeline"),
        _("Projects signed"),
        _("Projects signed this year"),
        _("Planned investment (10,000 yuan)"),
        _("Verified funds arrived this year (10,000 yuan)"),
    ]
    for dimension, rows in dash.breakdowns.items():
        sheets.append(
            Sheet(BREAKDOWN_TITLES[dimension], headers,
                  [(r.label, r.targets.value, r.pipeline.value, r.signed.value, r.signed_in_period.value,
                    r.investment.value, r.funds.value) for r in rows], [30, 10, 10, 12, 12, 22, 26])
        )  # fmt: skip
    ranking_headers = [
        _("Rank"), _("Name"), _("Targets being worked"), _("Visits"), _("Enterprise visits to Liaocheng"),
        _("Signings"), _("Construction starts"), _("Weighted points"), _("Activity index"),
    ]  # fmt: skip
    for title, ranked in ((_("Team ranking"), dash.team_ranking), (_("County ranking"), dash.county_ranking)):
        ranked_rows: list[tuple] = (
            [(None, _("No activity this week: nobody is ranked."), *([None] * 7))]
            if rankings.quiet(ranked)
            else [(r.rank, r.label, r.targets, r.visits, r.inbound, r.signings, r.starts, r.points, r.index)
                  for r in ranked]
        )  # fmt: skip
        sheets.append(Sheet(title, ranking_headers, ranked_rows, [6, 30, 12, 8, 14, 8, 10, 12, 12]))
    watch = []
    for colour, title in (("red", _("Red")), ("yellow", _("Yellow"))):
        w = dash.lights[colour]
        for entry in w.entries:
            reasons = "；".join(w.lights[entry.id].reasons) if entry.id in w.lights else ""
            watch.append((title, entry.enterprise.name, entry.region.name, entry.team.name if entry.team else "",
                          entry.state_label, reasons))  # fmt: skip
    sheets.append(
        Sheet(_("Stuck targets"), [_("Light"), _("Enterprise"), _("County"), _("Team"), _("State"), _("Reason")],
              watch, [8, 36, 14, 30, 10, 60])
    )  # fmt: skip
    sheets.append(
        Sheet(_("Project lights"), [_("Light"), _("Projects")],
              [(title, dash.project_lights[colour].value) for colour, title in (("red", _("Red")),
                                                                                 ("yellow", _("Yellow")))], [8, 10])
    )  # fmt: skip
    return sheets


def chain_sheet(chains: "list[ChainSummary]") -> Sheet:
    """The key-chains card (crm.chains.gaps.summaries) as a sheet of its own."""
    headers = [_("Chain"), _("Nodes"), _("Covered"), _("With targets"), _("Gaps"), _("Filled this year"), _("Score"),
               _("Nodes with a local chain leader")]  # fmt: skip
    rows = [(c.name, c.score.nodes, c.score.covered, c.score.targeted, c.score.gaps, c.score.filled_this_year,
             c.score.value, "、".join(f"{n.name}（{n.county}）" for n in c.leader_nodes)) for c in chains]  # fmt: skip
    return Sheet(_("Industry chains"), headers, rows, [30, 8, 8, 12, 8, 12, 8, 50])
