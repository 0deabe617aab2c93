"""Claims on an enterprise across counties: same-county duplicates are refused, other counties' claims on the
enterprise or its group are flagged as conflicts for the city (首报首谈)."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.formatting import local_time
from crm.settings import get_int
from crm.vocab import HOLDING_STATES
from crm.whitelist.models import WhitelistEntry


def group_member_ids(enterprise_id: int) -> list[int]:
    """The enterprise, its group parent and every subsidiary of that parent."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    assert enterprise is not None  # callers pass an enterprise on file
    group = enterprise.parent_id or enterprise.id
    return list(
        db.session.scalars(
            select(Enterprise.id).where(or_(Enterprise.id == group, Enterprise.parent_id == group))
        )
    )


def holding_entries(enterprise_ids: list[int]) -> Select[WhitelistEntry]:
    return select(WhitelistEntry).where(
        WhitelistEntry.enterprise_id.in_(enterprise_ids), WhitelistEntry.state.in_(HOLDING_STATES)
    )


def refuse_same_region_duplicate(
    enterprise_id: int, region_id: int, exclude_entry_id: int | None = None
) -> None:
    query = holding_entries([enterprise_id]).where(WhitelistEntry.region_id == region_id)
    if exclude_entry_id:
        query = query.where(WhitelistEntry.id != exclude_entry_id)
    existing = db.session.scalar(query.limit(1))
    if existing:
        raise DomainError(
            _(
                "This enterprise is already on %(region)s's whitelist (entry %(id)d, %(state)s).",
                region=existing.region.name,
                id=existing.id,
                state=existing.state_label,
            )
        )


def other_county_claims(entry: WhitelistEntry) -> list[WhitelistEntry]:
    """Entries of other counties that hold this enterprise, another member of its group, or one of the look-alikes
    the proposer waved through; first claims first."""
    ids = {*group_member_ids(entry.enterprise_id), *entry.lookalikes}
    query = (
        holding_entries(list(ids))
        .where(WhitelistEntry.region_id != entry.region_id)
        .order_by(WhitelistEntry.created_at, WhitelistEntry.id)
    )
    if entry.id is not None:
        query = query.where(WhitelistEntry.id != entry.id)
    return list(db.session.scalars(query))


def conflict_note(entry: WhitelistEntry, now: datetime) -> str | None:
    """A sentence for the city describing the other claims, with the 首报首谈 protection status; None if none.

    A claim is dated from its first proposal (created_at): revising a returned proposal keeps its place."""
    others = other_county_claims(entry)
    if not others:
        return None
    days = get_int("first_claim_days")
    parts = []
    for other in others:
        submitted = other.created_at
        until = submitted + timedelta(days=days)
        status = (
            _("first-claim protection until %(date)s", date=local_time(until, "%Y-%m-%d"))
            if now < until
            else _("first-claim protection expired on %(date)s", date=local_time(until, "%Y-%m-%d"))
        )
        parts.append(
            _(
                "%(region)s claimed %(name)s on %(date)s (entry %(id)d, %(state)s; %(status)s)",
                region=other.region.name,
                name=other.enterprise.name,
                date=local_time(submitted, "%Y-%m-%d"),
                id=other.id,
                state=other.state_label,
                status=status,
            )
        )
    return "；".join(parts)


def claim_reason(entry: WhitelistEntry, other: WhitelistEntry) -> str:
    """Why `other` (another county's entry) conflicts with `entry`, in words for the city's queue: the same
    enterprise, the same credit code, a shared group parent (named), or a look-alike name the proposer went ahead
    with. The conflict queue says it on each row."""
    mine, theirs = entry.enterprise, other.enterprise
    if mine.id == theirs.id:
        return _("the same enterprise")
    if mine.uscc and mine.uscc == theirs.uscc:
        return _("the same unified social credit code")
    if mine.group_id == theirs.group_id:
        parent = mine if mine.parent_id is None else mine.parent
        return _("the same group: %(parent)s", parent=parent.name)
    if theirs.id in entry.lookalikes:
        return _("a similar name (the proposer went ahead anyway)")
    return _("the same group")
