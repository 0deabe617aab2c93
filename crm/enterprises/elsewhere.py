"""A search that finds nothing in the user's scope may still match an enterprise another county holds: say so, with
its name and county only (no link, no other field), so that two counties do not chase one firm unknowingly.

Only exact matches are told: the full credit code, or the name once normalised (the legal form left out, as the
duplicate check compares names), never a fragment: a guess at a few characters reveals nothing."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.names import normalise_name, uscc_key
from crm.extensions import db
from crm.refdata.models import Region
from crm.scope import enterprise_scope
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry

USCC_LENGTH = 18
MIN_NAME = 2  # characters of a normalised name
LIMIT = 5


@dataclass(frozen=True)
class Elsewhere:
    """An enterprise on file outside the user's scope: what may be told about it."""

    name: str
    counties: tuple[str, ...]  # of its whitelist entries, or of whoever put it on file; may be empty


def _exact(q: str) -> list[ColumnElement[bool]]:
    terms = []
    code = uscc_key(q)
    if len(code) == USCC_LENGTH:
        terms.append(Enterprise.uscc == code)
    norm = normalise_name(q)
    if len(norm) >= MIN_NAME:
        terms.append(Enterprise.name_norm == norm)
    return terms


def found_elsewhere(user: User, q: str) -> list[Elsewhere]:
    """Enterprises outside `user`'s scope matching `q` exactly (see the module's docstring); none for a manager,
    who sees every enterprise, or an administrator, who works on none."""
    terms = _exact(q)
    if not terms or user.role in (Role.MANAGER, Role.ADMIN):
        return []
    found = db.session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.created_by_id)
        .where(or_(*terms), ~enterprise_scope(user))
        .order_by(Enterprise.name, Enterprise.id)
        .limit(LIMIT)
    ).all()
    if not found:
        return []
    ids = [row.id for row in found]
    held: dict[int, list[str]] = {}
    entries = db.session.execute(
        select(WhitelistEntry.enterprise_id, Region.name)
        .join(Region, Region.id == WhitelistEntry.region_id)
        .where(WhitelistEntry.enterprise_id.in_(ids))
        .group_by(WhitelistEntry.enterprise_id, Region.name, Region.sort)
        .order_by(Region.sort, Region.name)
    )
    for enterprise_id, county in entries:
        held.setdefault(enterprise_id, []).append(county)
    creators = dict(
        db.session.execute(
            select(User.id, Region.name)
            .join(Region, Region.id == User.region_id)
            .where(User.id.in_([row.created_by_id for row in found if row.created_by_id]))
        ).all()
    )
    return [
        Elsewhere(
            row.name,
            tuple(
                held.get(row.id) or ([creators[row.created_by_id]] if row.created_by_id in creators else [])
            ),
        )
        for row in found
    ]
