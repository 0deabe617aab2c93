"""Dashboard screens: the page, its A4 print view, its Excel export, the weekly rankings and the goals page."""

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.permissions import REVIEWER_ROLES, roles_required
from crm.chains.gaps import cached_summaries as chain_summaries
from crm.dashboard import bp, fragments, goals, rankings, snapshots
from crm.dashboard.export import chain_sheet, dashboard_sheets
from crm.dashboard.figures import PROJECTS, WHITELIST
from crm.dashboard.forms import GoalForm
from crm.dashboard.period import Period
from crm.dashboard.services import dashboard
from crm.errors_domain import DomainError
from crm.figure_cache import REFRESH_MIN_SECONDS, scope_key, ttl
from crm.parsing import form_version, parse_int
from crm.types import local_date, utcnow
from crm.vocab import Role
from crm.xlsx import build, download

GOAL_ROLES = (Role.MANAGER, Role.ADMIN)


def _year() -> int:
    this_year = local_date(utcnow()).year
    year = parse_int(request.args.get("year"), this_year, maximum=2100) or this_year
    return year if year >= 2020 else this_year


# What werkzeug leaves unescaped in a query string (werkzeug.urls._urlencode, urllib's quote_plus with these safe
# characters): drill_links() builds exactly the address url_for("whitelist.index" or "projects.index", **args)
# would.
QUERY_SAFE = "!$'()*,/:;?@"
_PLAIN = re.compile(r"[A-Za-z0-9_.~!$'()*,/:;?@-]*\Z")  # what quote_plus returns unchanged


@lru_cache(maxsize=4096, typed=True)  # typed: True and 1 are different text
def _pair(key: str, value) -> str:
    text = str(value)
    if _PLAIN.match(key) and _PLAIN.match(text):
        return f"{key}={text}"
    return urlencode([(key, text)], safe=QUERY_SAFE)


def drill_links() -> Callable[..., str]:
    """drill(args, target="whitelist"): the list showing the records behind a figure, the whitelist list or the
    project list (target "projects"). The page has about 1,800 of these links, which took 150–300 ms through
    url_for; here each list's address is built once per page and the filters appended (the same key=value pairs
    recur all over the page, so each is escaped once)."""
    bases = {WHITELIST: url_for("whitelist.index"), PROJECTS: url_for("projects.index")}

    def drill(args: dict, target: str = WHITELIST) -> str:
        base = bases[target]
        query = "&".join(_pair(k, v) for k, v in args.items() if v is not None)
        return f"{base}?{query}" if query else base

    return drill


def drill(args: dict, target: str = WHITELIST) -> str:
    """One drill-down link (a page full of them takes drill_links() once)."""
    return drill_links()(args, target)


def chart_data(dash, drill: Callable[..., str], printable: bool = False) -> dict:
    region = dash.breakdowns["region"]
    return {
        "renderer": "svg" if printable else "canvas",
        "animation": not printable,
        "funnel": [
            {
                "name": s.label,
                "value": s.count,
                "investment": round(s.investment / 10000, 2),
                "url": drill(s.args, s.target),
            }
            for s in dash.funnel
        ],
        "funnel_labels": {"count": _("Targets or projects"), "investment": _("Planned investment (亿元)")},
        "weekly": {
            "labels": [f"{w.start.month}月{w.start.day}日" for w in dash.weeks],
            "series": [
                {
                    "name": _("Projects signed this year (cumulative)"),
                    "data": [w.signed for w in dash.weeks],
                    "urls": [drill(w.args, w.target) for w in dash.weeks],
                },
                {
                    "name": _("In the pipeline"),
                    "data": [w.pipeline for w in dash.weeks],
                    "urls": [None] * (len(dash.weeks) - 1) + [drill({"phase": "pipeline"})]
                    if dash.weeks
                    else [],
                },
            ],
        },  # fmt: skip
        "region": {
            "labels": [r.label for r in region],
            "series": [
                {
                    "name": _("In the pipeline"),
                    "data": [r.pipeline.value for r in region],
                    "urls": [drill(r.pipeline.args) for r in region],
                },
                {
                    "name": _("Projects signed"),
                    "data": [r.signed.value for r in region],
                    "urls": [drill(r.signed.args, r.signed.target) for r in region],
                },
            ],
        },  # fmt: skip
    }


def _kept() -> bool:
    """Figures may be older than the request (in-process cache or snapshots): the page offers to refresh them."""
    return ttl() > 0 or snapshots.max_age() > 0


@bp.route("/")
@roles_required(*REVIEWER_ROLES)
def index():
    year = _year()
    if request.args.get("refresh") and _kept():
        # Compute again (unless the figures are only seconds old), then show the page at its usual address.
        dash = dashboard(current_user, year, local_date(utcnow()), refresh=True)
        if dash.cached:
            flash(_("The figures were computed less than %(n)d seconds ago, so they are shown as they are.",
                    n=REFRESH_MIN_SECONDS), "info")  # fmt: skip
        return redirect(url_for("dashboard.index", year=year))
    dash = dashboard(current_user, year, local_date(utcnow()))
    links = drill_links()
    tables = fragments.tables(scope_key(current_user), dash, lambda: render_template(
        "dashboard/_tables.html", dash=dash, drill=links, formula=rankings.formula_words()))  # fmt: skip
    return render_template("dashboard/index.html", dash=dash, charts=chart_data(dash, links), drill=links,
                           tables=tables, cache_on=_kept(),
                           chains=chain_summaries(current_user, local_date(utcnow())))  # fmt: skip


@bp.route("/print")
@roles_required(*REVIEWER_ROLES)
def printable():
    dash = dashboard(current_user, _year(), local_date(utcnow()))
    links = drill_links()
    return render_template("dashboard/print.html", dash=dash, charts=chart_data(dash, links, printable=True),
                           drill=links, formula=rankings.formula_words())  # fmt: skip


@bp.route("/export.xlsx")
@roles_required(*REVIEWER_ROLES)
def export():
    dash = dashboard(current_user, _year(), local_date(utcnow()))
    chains = chain_sheet(chain_summaries(current_user, local_date(utcnow())))
    chains.rows = tuple(tuple(row) for row in chains.rows)
    body = fragments.workbook(
        scope_key(current_user),
        dash,
        chains.rows,
        lambda: build([*dashboard_sheets(dash), chains]).getvalue(),
    )
    return download(body, _("Campaign dashboard %(year)d.xlsx", year=dash.year))


def _week_asked() -> Period | None:
    """The week holding ?week=YYYY-MM-DD, or None when it is missing, junk or out of range."""
    try:
        chosen = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return None
    return Period.week_of(chosen) if 2020 <= chosen.year <= 2100 else None


@bp.route("/rankings")
@roles_required(*REVIEWER_ROLES)
def ranking():
    today = local_date(utcnow())
    week = _week_asked() or Period.last_full_week(today)
    teams, counties = rankings.kept_both(current_user, week)
    return render_template(
        "dashboard/rankings.html",
        week=week,
        teams=teams,
        counties=counties,
        formula=rankings.formula_words(),
        drill=drill_links(),
        has_next=week.end < today,
    )


@bp.route("/goals", methods=["GET", "POST"])
@roles_required(*GOAL_ROLES)
def goal_page():
    year = _year()
    goal = goals.goal_for(year)
    form = GoalForm()
    if request.method == "GET":
        form.fill(goal)
    elif form.validate_on_submit():
        try:
            goals.save_goal(current_user, year, form.data_out(), form_version(form), utcnow())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash(_("The goals for %(year)d are saved.", year=year), "success")
            return redirect(url_for("dashboard.goal_page", year=year))
    return render_template("dashboard/goals.html", form=form, goal=goal, year=year)
