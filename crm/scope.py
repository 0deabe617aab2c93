"""The one place that decides which records a user may see (DESIGN.md principle 6).

Every list, detail, export and count of whitelist entries or enterprises goes through these functions.
"""

from flask import abort
from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.extensions import db
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry


def entry_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on WhitelistEntry: the entries `user` may see.

    Managers see everything; a county head their county; leads and members the entries of their county and the
    ones they proposed themselves. (Team-based scope for leads and members arrives with teams.)
    """
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.COUNTY_HEAD:
        return WhitelistEntry.region_id == user.region_id if user.region_id else false()
    if user.role in (Role.LEAD, Role.MEMBER):
        own = WhitelistEntry.proposer_id == user.id
        return or_(own, WhitelistEntry.region_id == user.region_id) if user.region_id else own
    return false()  # admin keeps reference data, not the campaign's records


def visible_entries(user: User) -> Select:
    return select(WhitelistEntry).where(entry_scope(user))


def get_entry_or_404(user: User, entry_id: int) -> WhitelistEntry:
    entry = db.session.scalar(visible_entries(user).where(WhitelistEntry.id == entry_id))
    if entry is None:
        abort(404)
    return entry


def enterprise_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Enterprise: visible when the user sees one of its entries or created it."""
    if user.role == Role.MANAGER:
        return true()
    if user.role == Role.ADMIN:
        return false()
    has_visible_entry = exists().where(WhitelistEntry.enterprise_id == Enterprise.id, entry_scope(user))
    return or_(has_visible_entry, Enterprise.created_by_id == user.id)


def get_enterprise_or_404(user: User, enterprise_id: int) -> Enterprise:
    enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_scope(user))
    )
    if enterprise is None:
        abort(404)
    return enterprise


def can_see_enterprise_ids(user: User, ids: list[int]) -> set[int]:
    """Of `ids`, the enterprises `user` may open (used to decide which duplicate warnings get a link)."""
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Enterprise.id).where(Enterprise.id.in_(ids), enterprise_scope(user)))
    )
