"""Who may do what to a whitelist entry. Views, templates and services all ask here."""

from crm.auth.models import User
from crm.vocab import ACTIVE_STATES, ReviewStage, Role, State
from crm.whitelist.models import WhitelistEntry


def can_propose_for(user: User, region_id: int) -> bool:
    if user.role == Role.MANAGER:
        return True
    return user.role in (Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD) and user.region_id == region_id


def can_review(user: User, entry: WhitelistEntry) -> bool:
    """Reviewer for the entry's current stage, and never the proposer (maker-checker)."""
    if entry.state != State.PROPOSED or user.id == entry.proposer_id:
        return False
    if user.role == Role.MANAGER:
        return True
    return (
        user.role == Role.COUNTY_HEAD
        and entry.review_stage == ReviewStage.COUNTY
        and user.region_id == entry.region_id
    )


def _manages(user: User, entry: WhitelistEntry) -> bool:
    """Leads and county heads of the entry's county, and managers, steer an entry."""
    if user.role == Role.MANAGER:
        return True
    return user.role in (Role.LEAD, Role.COUNTY_HEAD) and user.region_id == entry.region_id


def can_edit(user: User, entry: WhitelistEntry) -> bool:
    if entry.state in (State.DROPPED,):
        return False
    if entry.state in (State.PROPOSED, State.RETURNED) and user.id == entry.proposer_id:
        return True
    return _manages(user, entry)


def can_resubmit(user: User, entry: WhitelistEntry) -> bool:
    return entry.state == State.RETURNED and (user.id == entry.proposer_id or _manages(user, entry))


def can_pause(user: User, entry: WhitelistEntry) -> bool:
    return (
        entry.state in ACTIVE_STATES
        and entry.state not in (State.PROPOSED, State.RETURNED)
        and _manages(user, entry)
    )


def can_resume(user: User, entry: WhitelistEntry) -> bool:
    return entry.state == State.PAUSED and _manages(user, entry)


def can_drop(user: User, entry: WhitelistEntry) -> bool:
    if entry.state not in (*ACTIVE_STATES, State.PAUSED):
        return False
    withdrawing = entry.state in (State.PROPOSED, State.RETURNED) and user.id == entry.proposer_id
    return withdrawing or _manages(user, entry)


CHECKS = {
    "review": can_review,
    "edit": can_edit,
    "resubmit": can_resubmit,
    "pause": can_pause,
    "resume": can_resume,
    "drop": can_drop,
}


def allowed_actions(user: User, entry: WhitelistEntry) -> set[str]:
    return {name for name, check in CHECKS.items() if check(user, entry)}
