"""The whitelist workflow: propose, review (maker-checker, configurable chain), return, resubmit, edit,
pause, resume and drop. Every change writes an event; every refusal raises a DomainError with a Chinese message."""

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.history import describe_changes, record_event, stale_message
from crm.refdata.models import Industry, Region
from crm.settings import get_setting
from crm.vocab import CAMPAIGNS, MODES, PRIORITIES, Action, ApprovalChain, ReviewStage, Role, State
from crm.whitelist import claims, policy
from crm.whitelist.models import WhitelistEntry


@dataclass
class EntryData:
    region_id: int
    industry_id: int | None = None
    campaign: str | None = None
    mode: str | None = None
    planned_investment: int | None = None  # 万元
    summary: str | None = None
    priority: int = 2


def _first_stage(actor: User) -> ReviewStage:
    """County proposals go to the county head first unless the chain is city-only or the head proposed it."""
    if get_setting("approval_chain") == ApprovalChain.CITY_ONLY:
        return ReviewStage.CITY
    if actor.role in (Role.COUNTY_HEAD, Role.MANAGER):
        return ReviewStage.CITY
    return ReviewStage.COUNTY


def _set_state(entry: WhitelistEntry, state: State, now: datetime) -> None:
    entry.state = state
    entry.state_changed_at = now
    entry.updated_at = now


def _check_version(entry: WhitelistEntry, expected_version: int | None) -> None:
    if expected_version is not None and entry.version != expected_version:
        raise StaleRecord(stale_message(entry_id=entry.id))


def _commit(entry: WhitelistEntry) -> None:
    """Commit; a concurrent write that bumped the version first turns into a StaleRecord."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleRecord(stale_message(entry_id=entry.id)) from None


def _require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise DomainError(_("Please give a reason."))
    return reason.strip()


def _set_conflict(entry: WhitelistEntry, now: datetime) -> None:
    """Flag the entry when other counties claim the enterprise or its group (works before the first flush)."""
    entry.conflict_note = claims.conflict_note(entry, now)
    entry.conflict = entry.conflict_note is not None


def _flag_conflicts(entry: WhitelistEntry, actor: User, now: datetime) -> None:
    _set_conflict(entry, now)
    _record_conflict(entry, actor, now)


def _record_conflict(entry: WhitelistEntry, actor: User, now: datetime) -> None:
    if entry.conflict:
        record_event(
            enterprise_id=entry.enterprise_id,
            entry_id=entry.id,
            actor=actor,
            at=now,
            action=Action.CONFLICT,
            reason=entry.conflict_note,
        )


def propose(actor: User, enterprise: Enterprise, data: EntryData, now: datetime) -> WhitelistEntry:
    """Put `enterprise` forward for the whitelist of `data.region_id`."""
    if not policy.can_propose_for(actor, data.region_id):
        raise Forbidden(_("You can only propose enterprises for your own county."))
    claims.refuse_same_region_duplicate(enterprise.id, data.region_id)
    entry = WhitelistEntry(
        enterprise_id=enterprise.id, proposer_id=actor.id, created_at=now, submitted_at=now
    )
    _apply(entry, data)
    _set_state(entry, State.PROPOSED, now)
    entry.review_stage = _first_stage(actor)
    _set_conflict(entry, now)
    db.session.add(entry)
    db.session.flush()
    record_event(
        enterprise_id=enterprise.id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.PROPOSE,
        to_state=State.PROPOSED,
    )
    _record_conflict(entry, actor, now)
    db.session.commit()
    return entry


def approve(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if entry.state == State.PROPOSED and actor.id == entry.proposer_id:
        raise Forbidden(_("You cannot approve your own proposal; another reviewer must do it."))
    if not policy.can_review(actor, entry):
        raise Forbidden(_("You are not the reviewer for this proposal at its current stage."))
    if entry.conflict and not (reason and reason.strip()):
        raise DomainError(
            _("This proposal conflicts with another county's claim; say why it should go ahead.")
        )
    if actor.role == Role.COUNTY_HEAD:
        entry.review_stage = ReviewStage.CITY
        entry.updated_at = now
        action, to_state = Action.APPROVE_COUNTY, State.PROPOSED
    else:
        entry.review_stage = None
        entry.whitelisted_at = now
        _set_state(entry, State.WHITELISTED, now)
        action, to_state = Action.APPROVE, State.WHITELISTED
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=action,
        from_state=State.PROPOSED,
        to_state=to_state,
        reason=(reason or "").strip() or None,
    )
    _commit(entry)
    return entry


def return_for_revision(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_review(actor, entry):
        raise Forbidden(_("You are not the reviewer for this proposal at its current stage."))
    reason = _require_reason(reason)
    entry.review_stage = None
    _set_state(entry, State.RETURNED, now)
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.RETURN,
        from_state=State.PROPOSED,
        to_state=State.RETURNED,
        reason=reason,
    )
    _commit(entry)
    return entry


def _apply(entry: WhitelistEntry, data: EntryData) -> None:
    if data.campaign and data.campaign not in CAMPAIGNS:
        raise DomainError(_("Unknown campaign."))
    if data.mode and data.mode not in MODES:
        raise DomainError(_("Unknown investment-promotion mode."))
    if data.priority not in PRIORITIES:
        raise DomainError(_("Unknown priority."))
    if data.planned_investment is not None and data.planned_investment < 0:
        raise DomainError(_("Planned investment cannot be negative."))
    for f in fields(EntryData):
        setattr(entry, f.name, getattr(data, f.name))


def _snapshot(entry: WhitelistEntry) -> dict:
    region = db.session.get(Region, entry.region_id)
    industry = db.session.get(Industry, entry.industry_id) if entry.industry_id else None
    return {
        "region": region.name if region else None,
        "industry": industry.name if industry else None,
        "campaign": CAMPAIGNS.get(entry.campaign or ""),
        "mode": MODES.get(entry.mode or ""),
        "planned_investment": entry.planned_investment,
        "summary": entry.summary,
        "priority": PRIORITIES.get(entry.priority),
    }


def edit(
    actor: User, entry: WhitelistEntry, data: EntryData, now: datetime, expected_version: int | None
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_edit(actor, entry):
        raise Forbidden(_("You cannot edit this entry."))
    if data.region_id != entry.region_id:
        if not policy.can_propose_for(actor, data.region_id):
            raise Forbidden(_("You can only propose enterprises for your own county."))
        claims.refuse_same_region_duplicate(entry.enterprise_id, data.region_id, exclude_entry_id=entry.id)
    before = _snapshot(entry)
    _apply(entry, data)
    changes = describe_changes(before, _snapshot(entry))
    if changes:
        entry.updated_at = now
        record_event(
            enterprise_id=entry.enterprise_id,
            entry_id=entry.id,
            actor=actor,
            at=now,
            action=Action.EDIT,
            detail=changes,
        )
        if entry.state in (State.PROPOSED, State.RETURNED):
            _flag_conflicts(entry, actor, now)
    _commit(entry)
    return entry


def resubmit(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_resubmit(actor, entry):
        raise Forbidden(_("Only a returned proposal can be resubmitted, by its proposer or the county."))
    entry.review_stage = _first_stage(actor)
    entry.submitted_at = now
    _set_state(entry, State.PROPOSED, now)
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.RESUBMIT,
        from_state=State.RETURNED,
        to_state=State.PROPOSED,
        reason=(note or "").strip() or None,
    )
    _flag_conflicts(entry, actor, now)
    _commit(entry)
    return entry


def pause(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_pause(actor, entry):
        raise Forbidden(_("You cannot pause this entry."))
    reason = _require_reason(reason)
    previous = entry.state
    entry.state_before_pause = previous
    _set_state(entry, State.PAUSED, now)
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.PAUSE,
        from_state=previous,
        to_state=State.PAUSED,
        reason=reason,
    )
    _commit(entry)
    return entry


def resume(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_resume(actor, entry):
        raise Forbidden(_("You cannot resume this entry."))
    target = State(entry.state_before_pause or State.WHITELISTED)
    entry.state_before_pause = None
    _set_state(entry, target, now)
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.RESUME,
        from_state=State.PAUSED,
        to_state=target,
        reason=(note or "").strip() or None,
    )
    _commit(entry)
    return entry


def drop(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    _check_version(entry, expected_version)
    if not policy.can_drop(actor, entry):
        raise Forbidden(_("You cannot drop this entry."))
    reason = _require_reason(reason)
    previous = entry.state
    entry.review_stage = None
    _set_state(entry, State.DROPPED, now)
    record_event(
        enterprise_id=entry.enterprise_id,
        entry_id=entry.id,
        actor=actor,
        at=now,
        action=Action.DROP,
        from_state=previous,
        to_state=State.DROPPED,
        reason=reason,
    )
    _commit(entry)
    return entry
