"""The hall's big screen (大屏): revocable addresses (crm.reports.models.ScreenLink) and the figures the screen
shows, read from the city's dashboard (the same cached figures and snapshots), as plain JSON.

The screen's page polls the figures; when a poll fails (the database down, the network cut) it keeps the last
figures and says since when they are shown (static/js/screen.js)."""

import hashlib
import secrets
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.dashboard import rankings
from crm.dashboard.period import Period
from crm.dashboard.services import dashboard, scope_users
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.formatting import local_time
from crm.refdata.models import Region
from crm.reports.content import signed_in
from crm.reports.models import ScreenLink
from crm.vocab import Role

# The zones have no outline of their own on the county map: they are shown as points at these approximate
# positions (longitude, latitude) inside 东昌府区, for placing them only.
ZONE_POINTS = {
    "ZONE-ETDZ": (116.06, 36.45),  # 聊城经济技术开发区, east of the old town
    "ZONE-HTZ": (116.04, 36.51),  # 聊城高新技术产业开发区, north-east
    "ZONE-JBSC": (115.97, 36.44),  # 江北水城旅游度假区, around 东昌湖
}
TOP_TEAMS = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(actor: User, label: str, now: datetime) -> tuple[ScreenLink, str]:
    """A new screen address; the token is returned once and only its hash is kept."""
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only managers give out screen addresses."))
    label = " ".join(label.split())
    if not label:
        raise DomainError(_("Say where the screen is (for example 一楼大厅)."))
    token = secrets.token_urlsafe(24)
    link = ScreenLink(token_hash=_hash(token), label=label[:100], created_by_id=actor.id, created_at=now)
    db.session.add(link)
    db.session.commit()
    return link, token


def revoke(actor: User, link: ScreenLink, now: datetime) -> None:
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only managers revoke screen addresses."))
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by_id = now, actor.id
        db.session.commit()


def links() -> list[ScreenLink]:
    return list(
        db.session.scalars(
            select(ScreenLink).order_by(ScreenLink.revoked_at.isnot(None), ScreenLink.id.desc())
        )
    )


def by_token(token: str) -> ScreenLink | None:
    """The live link for a token; None for an unknown or revoked one."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(ScreenLink).where(ScreenLink.token_hash == _hash(token)))
    return link if link is not None and link.revoked_at is None else None


def seen(link: ScreenLink, now: datetime) -> None:
    """When the screen last asked for figures (kept to the minute, so a screen polling costs no write a minute)."""
    if link.last_seen_at is None or (now - link.last_seen_at).total_seconds() >= 60:
        link.last_seen_at = now
        db.session.commit()


def figures(today: date) -> dict:
    """What the screen shows: the year's goals, the funnel, this week's signings (the ticker), the rankings and
    the map's figures per county and zone, with when they were computed. Plain values only."""
    user = scope_users().get("city")
    if user is None:
        raise DomainError(_("No active manager: the city's figures have no one to be read for."))
    dash = dashboard(user, today.year, today)
    codes = {r.name: r for r in db.session.scalars(select(Region))}
    regions = []
    for row in dash.breakdowns.get("region", []):
        region = codes.get(row.label)
        point = ZONE_POINTS.get(region.code) if region is not None else None
        regions.append({"name": row.label, "kind": "zone" if point else "county", "coord": list(point) if point else None,
                        "signed": row.signed.value, "signed_this_year": row.signed_in_period.value,
                        "funds": row.funds.value})  # fmt: skip
    week = Period.week_of(today)
    return {
        "as_of": local_time(dash.computed_at),
        "year": dash.year,
        "goals": [
            {"label": g.label, "actual": g.actual, "target": g.target, "percent": g.percent, "met": g.met}
            for g in dash.goals
        ],  # fmt: skip
        "funnel": [{"label": s.label, "count": s.count} for s in dash.funnel],
        "ticker": [
            {
                "name": p.name,
                "enterprise": p.enterprise,
                "county": p.county,
                "signed_on": p.signed_on.isoformat(),
                "amount": p.amount,
            }
            for p in signed_in(user, week)
        ],  # fmt: skip
        "week": {"start": week.start.isoformat(), "end": week.end.isoformat()},
        "ranking_week": {"start": dash.week.start.isoformat(), "end": dash.week.end.isoformat()},
        # A week without activity ranks nobody (every group would tie at 1 with 0.00): empty lists, said so.
        "county_ranking": []
        if rankings.quiet(dash.county_ranking)
        else [{"rank": r.rank, "label": r.label, "index": r.index} for r in dash.county_ranking],
        "team_ranking": []
        if rankings.quiet(dash.team_ranking)
        else [{"rank": r.rank, "label": r.label, "index": r.index} for r in dash.team_ranking[:TOP_TEAMS]],
        "regions": regions,
    }
