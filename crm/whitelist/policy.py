"""Who may do what to a whitelist entry. Views, templates and services all ask here."""

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.settings import get_setting
from crm.vocab import ACTIVE_STATES, ApprovalChain, ReviewStage, Role, State
from crm.whitelist.models import WhitelistEntry


def can_propose_for(user: User, region_id: int) -> bool:
    if user.role == Role.MANAGER:
        return True
    return user.role in (Role.MEMBER, Role.LEAD, Role.COUNTY_HEAD) and user.region_id == region_id


def has_county_head(region_id: int) -> bool:
    query = select(User.id).where(
        User.role == Role.COUNTY_HEAD, User.region_id == region_id, User.is_active_flag.is_(True)
    )
    return db.session.scalar(query.limit(1)) is not None


def can_review(user: User, entry: WhitelistEntry) -> bool:
    """The reviewer for the entry's current stage, and never the proposer (maker-checker).

    Under the county-then-city chain a manager waits for the county head, unless the county (or zone) has none."""
    if entry.state != State.PROPOSED or user.id == entry.proposer_id:
        return False
    county_stage = entry.review_stage == ReviewStage.COUNTY
    if user.role == Role.COUNTY_HEAD:
        return county_stage and user.region_id == entry.region_id
    if user.role != Role.MANAGER:
        return False
    if county_stage and get_setting("approval_chain") == ApprovalChain.COUNTY_THEN_CITY:
        return not has_county_head(entry.region_id)
    return True


def manages(user: User, entry: WhitelistEntry) -> bool:
    """Who steers an entry after approval: a manager; the county head of its county; the lead of its team (or,
    while it has no team, a lead of its county)."""
    if user.role == Role.MANAGER:
        return True
    if user.role == Role.COUNTY_HEAD:
        return user.region_id == entry.region_id
    if user.role == Role.LEAD:
        if entry.team_id is not None:
            return entry.team.leader_id == user.id
        return user.region_id == entry.region_id
    return False


def can_edit(user: User, entry: WhitelistEntry) -> bool:
    """A proposal (under review or returned) is changed by its proposer only; reviewers return it instead."""
    if entry.state == State.DROPPED:
        return False
    if entry.state in (State.PROPOSED, State.RETURNED):
        return user.id == entry.proposer_id
    return manages(user, entry)


def can_resubmit(user: User, entry: WhitelistEntry) -> bool:
    return entry.state == State.RETURNED and user.id == entry.proposer_id


def can_pause(user: User, entry: WhitelistEntry) -> bool:
    working = entry.state in ACTIVE_STATES and entry.state not in (State.PROPOSED, State.RETURNED)
    return working and manages(user, entry)


def can_resume(user: User, entry: WhitelistEntry) -> bool:
    return entry.state == State.PAUSED and manages(user, entry)


def can_drop(user: User, entry: WhitelistEntry) -> bool:
    if entry.state not in (*ACTIVE_STATES, State.PAUSED):
        return False
    withdrawing = entry.state in (State.PROPOSED, State.RETURNED) and user.id == entry.proposer_id
    return withdrawing or manages(user, entry)


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
