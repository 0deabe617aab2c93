"""The palette's search: what the user may open that matches what they typed.

Every record comes through the one scope filter (crm/scope.py) and the list's search clause
(crm/enterprises/search.py: name, pinyin initials, credit code, all from indexes), a few of each kind, so a
search costs one statement per kind whatever the size of the campaign."""

from dataclasses import asdict, dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.search import enterprise_search
from crm.extensions import db
from crm.palette.pages import pages_for
from crm.refdata.models import Region
from crm.scope import enterprise_scope, entry_scope, team_scope
from crm.teams.models import Team
from crm.vocab import STATE_LABELS, Role
from crm.whitelist.models import WhitelistEntry

PER_KIND = 6
QUERY_LENGTH = 64
CAMPAIGN = {Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER}


@dataclass(frozen=True)
class Hit:
    kind: str  # page | entry | enterprise | team
    kind_label: str
    label: str
    detail: str
    url: str


def search(user: User, q: str) -> list[dict]:
    """Pages, then whitelist entries, enterprises and teams matching `q`, as dicts for the JSON answer."""
    q = " ".join((q or "").split())[:QUERY_LENGTH]
    hits = [Hit("page", _("Page"), label, "", url) for label, url in pages_for(user, q)][:PER_KIND]
    if q:
        if user.role in CAMPAIGN:  # the administrator sees no campaign records
            hits += _entries(user, q) + _enterprises(user, q)
        hits += _teams(user, q)
    return [asdict(h) for h in hits]


def _entries(user: User, q: str) -> list[Hit]:
    rows = db.session.execute(
        select(WhitelistEntry.id, Enterprise.name, Region.name, WhitelistEntry.state)
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .join(Region, Region.id == WhitelistEntry.region_id)
        .where(entry_scope(user), enterprise_search(q))
        .order_by(WhitelistEntry.updated_at.desc(), WhitelistEntry.id.desc())
        .limit(PER_KIND)
    )
    kind = _("Whitelist")
    return [
        Hit("entry", kind, name, f"{region} · {STATE_LABELS.get(state, state)}",
            url_for("whitelist.detail", entry_id=entry_id))
        for entry_id, name, region, state in rows
    ]  # fmt: skip


def _enterprises(user: User, q: str) -> list[Hit]:
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.uscc)
        .where(enterprise_scope(user), enterprise_search(q))
        .order_by(Enterprise.name_initials, Enterprise.id)
        .limit(PER_KIND)
    )
    kind = _("Enterprise")
    return [
        Hit("enterprise", kind, name, uscc or "", url_for("enterprises.detail", enterprise_id=eid))
        for eid, name, uscc in rows
    ]


def _teams(user: User, q: str) -> list[Hit]:
    rows = db.session.execute(
        select(Team.id, Team.name, Region.name)
        .outerjoin(Region, Region.id == Team.region_id)
        .where(team_scope(user), Team.name.contains(q, autoescape=True))
        .order_by(Team.name)
        .limit(PER_KIND)
    )
    kind, city = _("Team"), _("City-wide")
    return [
        Hit("team", kind, name, region or city, url_for("teams.detail", team_id=tid))
        for tid, name, region in rows
    ]
