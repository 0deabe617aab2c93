"""Editing the industry chains: a chain's fields and counties, its links and nodes, and the local firms on the nodes.
Managers and the administrator edit; every change is written to the chain's trail (ChainEvent) in the same
transaction, and a chain edited from an old copy is refused with who changed it."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from crm.auth.models import User
from crm.chains.models import FIRM_ROLES, Chain, ChainEvent, ChainLink, ChainNode, ChainRegion, NodeFirm
from crm.enterprises.models import Enterprise
from crm.enterprises.names import normalise_name
from crm.enterprises.services import EnterpriseData, create_enterprise
from crm.errors_domain import DomainError, Forbidden, StaleRecord
from crm.extensions import db
from crm.history import stale_words
from crm.refdata.models import Industry, Region
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry

EDIT_ROLES = (Role.MANAGER, Role.ADMIN)
NAME_LENGTH = 64  # chains', links' and nodes' names (the columns' length)

ROLE_LABELS = {"leader": _l("chain leader"), "backbone": _l("backbone firm"), "supplier": _l("supplier")}
ACTION_LABELS = {
    "create": _l("created the chain"),
    "edit": _l("edited the chain"),
    "link_add": _l("added a link"),
    "link_edit": _l("renamed a link"),
    "link_remove": _l("removed a link"),
    "node_add": _l("added a node"),
    "node_edit": _l("edited a node"),
    "node_remove": _l("removed a node"),
    "firm_add": _l("placed a local firm"),
    "firm_remove": _l("took a local firm off"),
}


@dataclass
class ChainData:
    name: str
    description: str | None = None
    chief_id: int | None = None
    lead_department: str | None = None
    region_ids: list[int] = field(default_factory=list)
    active: bool = True


def can_edit(user: User) -> bool:
    return user.role in EDIT_ROLES


def _require_editor(actor: User) -> None:
    if not can_edit(actor):
        raise Forbidden(_("Only managers and the administrator edit industry chains."))


def _trail(chain: Chain, actor: User, now: datetime, action: str, detail: str | None = None) -> None:
    """Write the edit to the chain's trail; the chain's version moves on with every edit of it or its parts, so a
    form opened before is refused."""
    db.session.add(ChainEvent(chain_id=chain.id, actor_id=actor.id, at=now, action=action, detail=detail))
    chain.updated_at = now
    flag_modified(chain, "updated_at")


def _check(data: ChainData, chain_id: int | None = None) -> None:
    data.name = (data.name or "").strip()
    if not data.name:
        raise DomainError(_("A chain needs a name."))
    clash = select(Chain.id).where(Chain.name == data.name)
    if chain_id:
        clash = clash.where(Chain.id != chain_id)
    if db.session.scalar(clash) is not None:
        raise DomainError(_("There is already a chain called %(name)s.", name=data.name))
    if data.chief_id:
        chief = db.session.get(User, data.chief_id)
        if chief is None or chief.role != Role.MANAGER or not chief.is_active_flag:
            raise DomainError(_("The chain chief must be an active manager."))
    known = set(db.session.scalars(select(Region.id).where(Region.id.in_(data.region_ids))))
    if set(data.region_ids) - known:
        raise DomainError(_("Unknown county."))


def _describe(chain: Chain) -> dict[str, str]:
    return {
        _("Name"): chain.name,
        _("Chain chief"): chain.chief.full_name if chain.chief else "—",
        _("Lead department"): chain.lead_department or "—",
        _("Counties"): "、".join(sorted(r.region.name for r in chain.regions)) or "—",
        _("Active"): _("yes") if chain.active else _("no"),
        _("Description"): chain.description or "—",
    }


def _set_fields(chain: Chain, data: ChainData) -> None:
    chain.name, chain.description = data.name, (data.description or "").strip() or None
    chain.chief_id, chain.active = data.chief_id or None, data.active
    chain.lead_department = (data.lead_department or "").strip() or None
    wanted = set(data.region_ids)
    chain.regions = [r for r in chain.regions if r.region_id in wanted] + [
        ChainRegion(region_id=i) for i in sorted(wanted - set(chain.region_ids))
    ]


def _done(commit: bool) -> None:
    """Commit the edit, or (inside an import's single transaction) only flush it."""
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def create_chain(
    actor: User, data: ChainData, now: datetime, is_demo: bool = False, commit: bool = True
) -> Chain:
    _require_editor(actor)
    _check(data)
    # An aggregate: always one row.
    sort = cast(int, db.session.scalar(select(func.coalesce(func.max(Chain.sort), 0)))) + 1
    chain = Chain(created_at=now, updated_at=now, is_demo=is_demo, sort=sort)
    _set_fields(chain, data)
    db.session.add(chain)
    db.session.flush()
    _trail(chain, actor, now, "create", data.name)
    _done(commit)
    return chain


def update_chain(actor: User, chain: Chain, data: ChainData, now: datetime, version: int | None) -> Chain:
    _require_editor(actor)
    if version is not None and chain.version != version:
        raise StaleRecord(stale_message(chain))
    _check(data, chain.id)
    before = _describe(chain)
    _set_fields(chain, data)
    db.session.flush()
    db.session.expire(chain, ["regions", "chief"])
    after = _describe(chain)
    lines = [f"{k}: {before[k]} → {after[k]}" for k in after if before[k] != after[k]]
    if lines:
        _trail(chain, actor, now, "edit", "\n".join(lines))
    db.session.commit()
    return chain


def stale_message(chain: Chain) -> str:
    last = db.session.scalar(
        select(ChainEvent).where(ChainEvent.chain_id == chain.id).order_by(ChainEvent.id.desc()).limit(1)
    )
    return stale_words(last)


def _link_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A link needs a name (上游, 中游, 下游 or a segment)."))
    if len(name) > NAME_LENGTH:
        raise DomainError(_("At most %(n)d characters.", n=NAME_LENGTH))
    return name


def add_link(actor: User, chain: Chain, name: str, now: datetime, commit: bool = True) -> ChainLink:
    _require_editor(actor)
    name = _link_name(name)
    if any(link.name == name for link in chain.links):
        raise DomainError(_("This chain already has a link called %(name)s.", name=name))
    link = ChainLink(name=name, sort=len(chain.links) + 1)
    chain.links.append(link)  # the collection stays whole for the next node's check inside one import
    _trail(chain, actor, now, "link_add", name)
    _done(commit)
    return link


def rename_link(actor: User, link: ChainLink, name: str, now: datetime) -> None:
    _require_editor(actor)
    name = _link_name(name)
    if any(other.name == name and other.id != link.id for other in link.chain.links):
        raise DomainError(_("This chain already has a link called %(name)s.", name=name))
    old, link.name = link.name, name
    if old != name:
        _trail(link.chain, actor, now, "link_edit", f"{old} → {name}")
    db.session.commit()


def remove_link(actor: User, link: ChainLink, now: datetime) -> None:
    _require_editor(actor)
    if link.nodes:
        raise DomainError(_("Remove the link's nodes first."))
    chain = link.chain
    db.session.delete(link)
    _trail(chain, actor, now, "link_remove", link.name)
    db.session.commit()


@dataclass
class NodeData:
    name: str
    link_id: int
    industry_id: int | None = None
    description: str | None = None


def _check_node(chain: Chain, data: NodeData, node_id: int | None = None) -> None:
    data.name = (data.name or "").strip()
    if not data.name:
        raise DomainError(_("A node needs a name (a product or capability)."))
    if data.link_id not in {link.id for link in chain.links}:
        raise DomainError(_("Choose a link of this chain."))
    clash = select(ChainNode.id).where(ChainNode.chain_id == chain.id, ChainNode.name == data.name)
    if node_id:
        clash = clash.where(ChainNode.id != node_id)
    if db.session.scalar(clash) is not None:
        raise DomainError(_("This chain already has a node called %(name)s.", name=data.name))
    if data.industry_id and db.session.get(Industry, data.industry_id) is None:
        raise DomainError(_("Unknown industry."))


def add_node(actor: User, chain: Chain, data: NodeData, now: datetime, commit: bool = True) -> ChainNode:
    _require_editor(actor)
    _check_node(chain, data)
    sort = cast(  # an aggregate: always one row
        int,
        db.session.scalar(
            select(func.coalesce(func.max(ChainNode.sort), 0)).where(ChainNode.link_id == data.link_id)
        ),
    )
    node = ChainNode(chain_id=chain.id, link_id=data.link_id, name=data.name, industry_id=data.industry_id or None,
                     description=(data.description or "").strip() or None, sort=sort + 1)  # fmt: skip
    db.session.add(node)
    _trail(chain, actor, now, "node_add", data.name)
    _done(commit)
    return node


def update_node(actor: User, node: ChainNode, data: NodeData, now: datetime) -> None:
    _require_editor(actor)
    chain = db.session.get(Chain, node.chain_id)
    assert chain is not None  # the node's chain (a foreign key)
    _check_node(chain, data, node.id)
    before = (node.name, node.link_id, node.industry_id, node.description)
    node.name, node.link_id, node.industry_id = data.name, data.link_id, data.industry_id or None
    node.description = (data.description or "").strip() or None
    if before != (node.name, node.link_id, node.industry_id, node.description):
        _trail(
            chain,
            actor,
            now,
            "node_edit",
            node.name if before[0] == node.name else f"{before[0]} → {node.name}",
        )
        db.session.commit()


def remove_node(actor: User, node: ChainNode, now: datetime) -> None:
    _require_editor(actor)
    firms = db.session.scalar(select(func.count()).where(NodeFirm.node_id == node.id))
    targets = db.session.scalar(select(func.count()).where(WhitelistEntry.chain_node_id == node.id))
    if firms or targets:
        raise DomainError(
            _(
                "%(name)s still has %(firms)d local firms and %(targets)d targets; move them first.",
                name=node.name,
                firms=firms,
                targets=targets,
            )  # fmt: skip
        )
    chain = db.session.get(Chain, node.chain_id)
    assert chain is not None  # the node's chain (a foreign key)
    db.session.delete(node)
    _trail(chain, actor, now, "node_remove", node.name)
    db.session.commit()


def place_firm(
    actor: User,
    node: ChainNode,
    enterprise: Enterprise,
    region_id: int,
    role: str,
    now: datetime,
    commit: bool = True,
) -> NodeFirm:
    """Put a local firm on a node; the enterprise becomes a 本地企业 in the library."""
    _require_editor(actor)
    if role not in FIRM_ROLES:
        raise DomainError(_("Unknown role on the chain."))
    if db.session.get(Region, region_id) is None:
        raise DomainError(_("Unknown county."))
    exists = db.session.scalar(
        select(NodeFirm.id).where(NodeFirm.node_id == node.id, NodeFirm.enterprise_id == enterprise.id)
    )
    if exists:
        raise DomainError(_("%(name)s is already on this node.", name=enterprise.name))
    firm = NodeFirm(node_id=node.id, enterprise_id=enterprise.id, region_id=region_id, role=role,
                    created_by_id=actor.id, created_at=now)  # fmt: skip
    db.session.add(firm)
    if enterprise.kind != "local":
        enterprise.kind = "local"
    chain = db.session.get(Chain, node.chain_id)
    assert chain is not None  # the node's chain (a foreign key)
    _trail(chain, actor, now, "firm_add", f"{node.name}: {enterprise.name}（{ROLE_LABELS[role]}）")
    _done(commit)
    return firm


def remove_firm(actor: User, firm: NodeFirm, now: datetime) -> None:
    _require_editor(actor)
    chain = db.session.get(Chain, firm.node.chain_id)
    assert chain is not None  # the node's chain (a foreign key)
    detail = f"{firm.node.name}: {firm.enterprise.name}"
    db.session.delete(firm)
    _trail(chain, actor, now, "firm_remove", detail)
    db.session.commit()


def trail(chain: Chain) -> list[ChainEvent]:
    return list(
        db.session.scalars(
            select(ChainEvent).where(ChainEvent.chain_id == chain.id).order_by(ChainEvent.id.desc())
        )
    )


def place_firm_named(
    actor: User, node: ChainNode, name: str, region_id: int, role: str, now: datetime
) -> NodeFirm:
    """Put a local firm on a node by its name: the enterprise on file whose normalised name is the same, else a
    new 本地企业 record."""
    _require_editor(actor)
    name = (name or "").strip()  # stored as written: legal names keep their full-width brackets
    if not name:
        raise DomainError(_("Enter the firm's name."))
    key = normalise_name(name)[:128]
    enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.name_norm == key).order_by(Enterprise.id)
    )
    if enterprise is None:
        enterprise = create_enterprise(EnterpriseData(name=name), actor, now, commit=False)
    return place_firm(actor, node, enterprise, region_id, role, now)
