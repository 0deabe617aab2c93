"""Progress to each of the year's goals, with the gap in words and the rates (履约率, 开工率, 资金到位率)."""

from dataclasses import dataclass

from flask_babel import gettext as _

from crm.dashboard.figures import CountyChain, Figure, Funds, Signed, project_figure
from crm.dashboard.models import YearGoal


@dataclass
class GoalRow:
    key: str
    label: str
    actual: str
    target: str
    met: bool
    gap: str
    percent: float | None  # progress 0..100 for the bar, None when not meaningful
    figure: Figure
    pending: Figure | None = None  # 到位资金 submitted and not yet verified (万元), shown beside the goal


@dataclass
class Rate:
    label: str
    percent: float | None
    numerator: Figure
    denominator: Figure
    words: str
    money: bool = False  # numerator and denominator are 万元 (shown in 亿元)


def yi(wan: int) -> str:
    """万元 as 亿元 with two decimals."""
    return f"{wan / 10000:,.2f}"


def share(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _count_gap(actual: int, target: int, unit: str) -> tuple[bool, str]:
    if actual >= target:
        return True, _("Reached")
    return False, _("%(n)d %(unit)s to go", n=target - actual, unit=unit)


def goal_rows(
    goal: YearGoal, signed: Signed, funds: Funds, big: Figure, chains: list[CountyChain]
) -> list[GoalRow]:
    rows = []
    n = signed.campaign.value
    if n >= goal.signings_high:
        met, gap = True, _("Upper goal reached")
    elif n >= goal.signings_low:
        met, gap = True, _("Lower goal reached; %(n)d more to the upper goal", n=goal.signings_high - n)
    else:
        met, gap = False, _("%(n)d more to the lower goal", n=goal.signings_low - n)
    rows.append(
        GoalRow("signings", _("Signings in the 夺标争先 campaign"), str(n),
                f"{goal.signings_low}–{goal.signings_high}", met, gap,
                min(100.0, share(n, goal.signings_low) or 0.0) if goal.signings_low else None, signed.campaign)
    )  # fmt: skip
    met = funds.total >= goal.funds
    gap = _("Reached") if met else _("%(amount)s 亿元 to go", amount=yi(goal.funds - funds.total))
    rows.append(
        GoalRow("funds", _("Funds arrived (亿元)"), yi(funds.total), yi(goal.funds), met, gap,
                min(100.0, share(funds.total, goal.funds) or 0.0) if goal.funds else None, funds.projects,
                funds.pending)
    )  # fmt: skip
    met, gap = _count_gap(big.value, goal.big_projects, _("projects"))
    rows.append(
        GoalRow("big", _("New projects of 1 亿元 or more that landed"), str(big.value), str(goal.big_projects),
                met, gap, min(100.0, share(big.value, goal.big_projects) or 0.0) if goal.big_projects else None, big)
    )  # fmt: skip
    ratio = share(funds.manufacturing, funds.total)
    if ratio is None:
        met, gap = False, _("No funds have arrived yet")
    elif ratio >= goal.manufacturing_pct:
        met, gap = True, _("Reached")
    else:
        met, gap = False, _("%(n).1f points below the goal", n=goal.manufacturing_pct - ratio)
    rows.append(
        GoalRow("manufacturing", _("Manufacturing share of funds arrived"), _pct(ratio),
                f"≥ {goal.manufacturing_pct}%", met, gap, ratio, funds.manufacturing_projects)
    )  # fmt: skip
    ratio = share(signed.emerging.value, signed.count.value)
    if ratio is None:
        met, gap = False, _("No projects signed yet")
    elif ratio > goal.emerging_pct:
        met, gap = True, _("Reached")
    else:
        met, gap = False, _("Must exceed %(goal)d%%; %(n).1f points to go", goal=goal.emerging_pct,
                            n=goal.emerging_pct - ratio)  # fmt: skip
    rows.append(
        GoalRow("emerging", _("Share of signed projects in emerging and future industries"), _pct(ratio),
                f"> {goal.emerging_pct}%", met, gap, ratio, signed.emerging)
    )  # fmt: skip
    missing = [c.region.name for c in chains if c.count.value < goal.chain_per_county]
    have = len(chains) - len(missing)
    met = not missing
    gap = _("Reached") if met else _("Still without one: %(names)s", names="、".join(missing))
    rows.append(
        GoalRow("chain", _("Counties with a national chain-leader or head firm signed"), f"{have} / {len(chains)}",
                _("%(n)d per county", n=goal.chain_per_county), met, gap, share(have, len(chains)), signed.chain)
    )  # fmt: skip
    mega = signed.mega.value
    if not goal.mega_baseline:
        met, gap = False, _("Set last year's count on the goals page")
        target = "—"
    else:
        met, gap = _count_gap(mega, goal.mega_target, _("projects"))
        target = _("%(n)d (twice last year's %(base)d)", n=goal.mega_target, base=goal.mega_baseline)
    rows.append(
        GoalRow("mega", _("Signed projects of 50 亿元 or more"), str(mega), target, met, gap,
                min(100.0, share(mega, goal.mega_target) or 0.0) if goal.mega_baseline else None, signed.mega)
    )  # fmt: skip
    return rows


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def rates(signed: Signed) -> list[Rate]:
    total = signed.count.value
    rows = [
        Rate(_("Performance rate (履约率)"), share(signed.landed.value, total), signed.landed, signed.count,
             _("Projects signed this year that have landed, of all signed this year")),
        Rate(_("Start rate (开工率)"), share(signed.started.value, total), signed.started, signed.count,
             _("Projects signed this year whose construction has started")),
        Rate(_("Production rate (投产率)"), share(signed.producing.value, total), signed.producing, signed.count,
             _("Projects signed this year that are in production")),
    ]  # fmt: skip
    rows.append(
        Rate(_("Funds arrival rate (资金到位率)"), share(signed.funds_all_time, signed.amount),
             project_figure(signed.funds_all_time, signed.count.args, entries=total),
             project_figure(signed.amount, signed.count.args, entries=total),
             _("Verified funds arrived for projects signed this year, of their contract amounts"), money=True)
    )  # fmt: skip
    return rows
