"""The city's decision on a cross-county conflict (首报首谈): one county keeps the enterprise, the others' claims close."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select

from crm.auth.models import User
from crm.enterprises import claims
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import record_event
from crm.refdata.models import Region
from crm.vocab import Action, Role, State
from crm.whitelist.models import WhitelistEntry


def conflict_queue() -> Select[WhitelistEntry]:
    """Flagged entries still waiting for the city, oldest first."""
    return (
        select(WhitelistEntry)
        .where(WhitelistEntry.conflict.is_(True), WhitelistEntry.state != State.DROPPED)
        .order_by(WhitelistEntry.submitted_at, WhitelistEntry.id)
    )


def reasons(entry: WhitelistEntry, involved: list[WhitelistEntry]) -> dict[int, str]:
    """Per other county's entry, why it conflicts with `entry` (crm.enterprises.claims.claim_reason)."""
    return {other.id: claims.claim_reason(entry, other) for other in involved if other.id != entry.id}


def candidates(entry: WhitelistEntry) -> list[WhitelistEntry]:
    """The flagged entry and the other counties' entries holding the enterprise or its group."""
    return [entry, *claims.other_county_claims(entry)]


def resolve(
    actor: User, entry: WhitelistEntry, winner_region_id: int, reason: str, now: datetime
) -> list[WhitelistEntry]:
    """Keep the enterprise with `winner_region_id`; close every other county's claim with the reason.

    Returns the closed entries."""
    if actor.role != Role.MANAGER:
        raise Forbidden(_("Only the city decides cross-county conflicts."))
    if not entry.conflict:
        raise DomainError(_("This entry has no open conflict."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."))
    involved = candidates(entry)
    if winner_region_id not in {e.region_id for e in involved}:
        raise DomainError(_("Choose one of the counties involved in the conflict."))
    winner = db.session.get(Region, winner_region_id)
    assert winner is not None  # the county of one of the entries involved
    note = _("Conflict decided for %(region)s: %(reason)s", region=winner.name, reason=reason)
    closed = []
    for other in involved:
        if other.region_id == winner_region_id:
            other.conflict, other.conflict_note, other.updated_at = False, None, now
            record_event(
                enterprise_id=other.enterprise_id, entry_id=other.id, actor=actor, at=now,
                action=Action.CONFLICT_RESOLVED, reason=note,
            )  # fmt: skip
            continue
        previous = other.state
        other.state, other.state_changed_at, other.updated_at = State.DROPPED, now, now
        other.conflict, other.review_stage = False, None
        record_event(
            enterprise_id=other.enterprise_id, entry_id=other.id, actor=actor, at=now,
            action=Action.CONFLICT_RESOLVED, from_state=previous, to_state=State.DROPPED, reason=note,
        )  # fmt: skip
        closed.append(other)
    db.session.commit()
    return closed
