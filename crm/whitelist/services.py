"""The whitelist workflow: propose, review (maker-checker, configurable chain), return, resubmit, edit,
pause, resume and drop. Every change writes an event; every refusal raises a DomainError with a Chinese message."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from crm.auth.models import User
from crm.chains.models import ChainNode
from crm.chains.queries import node_label
from crm.enterprises import claims
from crm.enterprises.models import Enterprise
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.history import check_version, describe_changes, record_event, stale_guard
from crm.projects.services import terminate_with_target
from crm.refdata.models import Industry, Region
from crm.settings import get_setting
from crm.vocab import CAMPAIGNS, MODES, PRIORITIES, Action, ApprovalChain, ReviewStage, Role, State
from crm.whitelist import policy
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
    chain_node_id: int | None = None  # the industry-chain node the target would fill


def _first_stage(actor: User) -> ReviewStage:
    """County proposals go to the county head first unless the chain is city-only or the head proposed it."""
    if get_setting("approval_chain") == ApprovalChain.CITY_ONLY:
        return ReviewStage.CITY
    if actor.role in (Role.COUNTY_HEAD, Role.MANAGER):
        return ReviewStage.CITY
    return ReviewStage.COUNTY


def _event(entry: WhitelistEntry, actor: User, now: datetime, action: Action, **fields: Any) -> None:
    record_event(
        enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=actor, at=now, action=action, **fields
    )


def _move(
    entry: WhitelistEntry, actor: User, now: datetime, action: Action, to: State, **fields: Any
) -> None:
    """Change the state and record it as one event."""
    _event(entry, actor, now, action, from_state=entry.state, to_state=to, **fields)
    entry.state, entry.state_changed_at, entry.updated_at = to, now, now


def _require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise DomainError(_("Please give a reason."))
    return reason.strip()


def _note(text: str | None) -> str | None:
    return (text or "").strip() or None


def _update_conflict(entry: WhitelistEntry, actor: User, now: datetime) -> None:
    """Recompute the cross-county flag; a newly raised flag is an event on the trail."""
    was = entry.conflict
    entry.conflict_note = claims.conflict_note(entry, now)
    entry.conflict = entry.conflict_note is not None
    if entry.conflict and not was:
        _event(entry, actor, now, Action.CONFLICT, reason=entry.conflict_note)


def propose(
    actor: User,
    enterprise: Enterprise,
    data: EntryData,
    now: datetime,
    similar_ids: Sequence[int] = (),
    commit: bool = True,
) -> WhitelistEntry:
    """Put `enterprise` forward for the whitelist of `data.region_id`.

    `similar_ids` are look-alike enterprises the proposer said are different; other counties' claims on them are
    still shown to the city as a conflict."""
    if not policy.can_propose_for(actor, data.region_id):
        raise Forbidden(_("You can only propose enterprises for your own county."))
    claims.refuse_same_region_duplicate(enterprise.id, data.region_id)
    entry = WhitelistEntry(
        enterprise_id=enterprise.id, proposer_id=actor.id, created_at=now, submitted_at=now
    )
    _apply(entry, data)
    entry.state, entry.state_changed_at, entry.updated_at = State.PROPOSED, now, now
    entry.review_stage = _first_stage(actor)
    entry.lookalike_ids = ",".join(str(i) for i in similar_ids if i != enterprise.id) or None
    entry.conflict_note = claims.conflict_note(entry, now)
    entry.conflict = entry.conflict_note is not None
    db.session.add(entry)
    db.session.flush()
    _event(entry, actor, now, Action.PROPOSE, to_state=State.PROPOSED)
    if entry.conflict:
        _event(entry, actor, now, Action.CONFLICT, reason=entry.conflict_note)
    if commit:
        db.session.commit()
    return entry


def approve(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    reason: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    """A county head passes the county stage; a manager puts the entry on the whitelist."""
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if entry.state == State.PROPOSED and actor.id == entry.proposer_id:
            raise Forbidden(_("You cannot approve your own proposal; another reviewer must do it."))
        if not policy.can_review(actor, entry):
            raise Forbidden(_("You are not the reviewer for this proposal at its current stage."))
        _update_conflict(entry, actor, now)  # the other claim may have been dropped meanwhile
        if entry.conflict and not _note(reason):
            raise DomainError(
                _("This proposal conflicts with another county's claim; say why it should go ahead.")
            )
        if actor.role == Role.COUNTY_HEAD:
            entry.review_stage, entry.updated_at = ReviewStage.CITY, now
            _event(entry, actor, now, Action.APPROVE_COUNTY, from_state=State.PROPOSED, to_state=State.PROPOSED,
                   reason=_note(reason))  # fmt: skip
        else:
            entry.review_stage, entry.whitelisted_at = None, now
            _move(entry, actor, now, Action.APPROVE, State.WHITELISTED, reason=_note(reason))
        db.session.commit()
    return entry


def return_for_revision(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_review(actor, entry):
            raise Forbidden(_("You are not the reviewer for this proposal at its current stage."))
        reason = _require_reason(reason)
        entry.review_stage = None
        _move(entry, actor, now, Action.RETURN, State.RETURNED, reason=reason)
        db.session.commit()
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
    if data.chain_node_id and db.session.get(ChainNode, data.chain_node_id) is None:
        raise DomainError(_("Unknown industry-chain node."))
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
        "chain_node": node_label(entry.chain_node_id),
    }


def edit(
    actor: User, entry: WhitelistEntry, data: EntryData, now: datetime, expected_version: int | None
) -> WhitelistEntry:
    """Change the entry's fields. A proposal edited under review goes back to its first review stage, so nobody
    approves something other than what the reviewers saw."""
    with stale_guard(entry_id=entry.id), db.session.no_autoflush:
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_edit(actor, entry):
            raise Forbidden(_("You cannot edit this entry."))
        if data.region_id != entry.region_id:
            if not policy.can_propose_for(actor, data.region_id):
                raise Forbidden(_("You can only propose enterprises for your own county."))
            claims.refuse_same_region_duplicate(
                entry.enterprise_id, data.region_id, exclude_entry_id=entry.id
            )
        before = _snapshot(entry)
        _apply(entry, data)
        changes = describe_changes(before, _snapshot(entry))
        if changes:
            entry.updated_at = now
            restart = entry.state == State.PROPOSED and entry.review_stage != _first_stage(actor)
            if restart:
                entry.review_stage = _first_stage(actor)
                changes += "\n" + _("The proposal goes back to its first review stage.")
            _event(entry, actor, now, Action.EDIT, detail=changes)
            if entry.state in (State.PROPOSED, State.RETURNED):
                _update_conflict(entry, actor, now)
        db.session.commit()
    return entry


def resubmit(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_resubmit(actor, entry):
            raise Forbidden(_("Only the proposer can resubmit a returned proposal."))
        claims.refuse_same_region_duplicate(entry.enterprise_id, entry.region_id, exclude_entry_id=entry.id)
        entry.review_stage, entry.submitted_at = _first_stage(actor), now
        _move(entry, actor, now, Action.RESUBMIT, State.PROPOSED, reason=_note(note))
        _update_conflict(entry, actor, now)
        db.session.commit()
    return entry


def pause(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_pause(actor, entry):
            raise Forbidden(_("You cannot pause this entry."))
        reason = _require_reason(reason)
        entry.state_before_pause = entry.state
        _move(entry, actor, now, Action.PAUSE, State.PAUSED, reason=reason)
        db.session.commit()
    return entry


def resume(
    actor: User,
    entry: WhitelistEntry,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> WhitelistEntry:
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_resume(actor, entry):
            raise Forbidden(_("You cannot resume this entry."))
        target = State(entry.state_before_pause or State.WHITELISTED)
        entry.state_before_pause = None
        _move(entry, actor, now, Action.RESUME, target, reason=_note(note))
        db.session.commit()
    return entry


def drop(
    actor: User, entry: WhitelistEntry, reason: str, now: datetime, expected_version: int | None = None
) -> WhitelistEntry:
    with stale_guard(entry_id=entry.id):
        check_version(entry, expected_version, entry_id=entry.id)
        if not policy.can_drop(actor, entry):
            raise Forbidden(_("You cannot drop this entry."))
        reason = _require_reason(reason)
        entry.review_stage = None
        _move(entry, actor, now, Action.DROP, State.DROPPED, reason=reason)

        terminate_with_target(actor, entry, reason, now)
        db.session.commit()
    return entry
