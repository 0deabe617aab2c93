"""Proposing an enterprise for the whitelist from the propose screen (and, later, imports and the API):
the duplicate check decides whether a new enterprise record may be created or an existing one must be used."""

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from crm.auth.models import User
from crm.chains import recommend
from crm.chains.models import ChainNode
from crm.enterprises.models import Enterprise
from crm.enterprises.services import Duplicate, EnterpriseData, create_enterprise, find_duplicates
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.scope import can_see_enterprise_ids
from crm.types import utcnow
from crm.whitelist.models import WhitelistEntry
from crm.whitelist.services import EntryData, propose


class DuplicatesFound(DomainError):
    """Possible duplicates the proposer has not waved through (a same-USCC match never can be)."""

    def __init__(self, duplicates: list[Duplicate], blocking: bool):
        super().__init__(_("Enterprises on file that may be the same:"))
        self.duplicates = duplicates
        self.blocking = blocking


def duplicates_for(actor: User, data: EnterpriseData) -> list[Duplicate]:
    """Possible duplicates of `data`, each marked `visible` when the actor may open it."""
    dups = find_duplicates(data.name, data.uscc, data.parent_id)
    visible = can_see_enterprise_ids(actor, [d.enterprise.id for d in dups])
    for dup in dups:
        shown: Any = dup  # `visible` is for the page only: Duplicate does not declare it
        shown.visible = dup.enterprise.id in visible
    return dups


def propose_new(
    actor: User, data: EnterpriseData, entry: EntryData, now: datetime, confirm_new: bool = False
) -> WhitelistEntry:
    """Create the enterprise record and its proposal, unless it may already be on file.

    Look-alikes the actor confirms are different stay linked to the proposal, so another county's claim on one of
    them still reaches the city as a conflict."""
    dups = duplicates_for(actor, data)
    blocking = any(data.uscc and d.enterprise.uscc == data.uscc for d in dups)
    if blocking or (dups and not confirm_new):
        raise DuplicatesFound(dups, blocking)
    enterprise = create_enterprise(data, actor, now, commit=False)
    return propose(actor, enterprise, entry, now, similar_ids=[d.enterprise.id for d in dups])


def existing_for_proposal(
    actor: User, enterprise_id: int, described: EnterpriseData | None, chain_node_id: int | None = None
) -> Enterprise | None:
    """The enterprise on file the actor wants to propose: one they can see, one recommended for the chain node
    they are proposing it for, or one the duplicate check offered them for what they typed (it may belong to
    another county, which then shows up as a conflict)."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        return None
    if can_see_enterprise_ids(actor, [enterprise_id]):
        return enterprise
    node = db.session.get(ChainNode, chain_node_id) if chain_node_id else None
    if node is not None and recommend.is_candidate(node, enterprise_id, actor.region_id, utcnow()):
        return enterprise
    if described and any(
        d.enterprise.id == enterprise_id for d in find_duplicates(described.name, described.uscc, None)
    ):
        return enterprise
    return None
