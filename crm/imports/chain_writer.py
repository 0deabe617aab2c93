"""Writing and reverting the industry-chain imports (产业链图谱, 本地企业名单).

Every row goes through the chain services the screens use (crm.chains.services: create_chain, add_link,
add_node, place_firm) inside the import's single transaction, so the chains' trail records each change as if it
had been typed. The import item keeps what the row created (the chain and link when it was the first to name
them, the node; the firm, and the enterprise when it was new, with the kind it had), so a revert removes exactly
that."""

import json
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from crm.auth.models import User
from crm.chains import services as chains
from crm.chains.models import Chain, ChainEvent, ChainLink, ChainNode, ChainRegion, NodeFirm
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory
from crm.enterprises.services import EnterpriseData, create_enterprise
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports.chain_rows import ChainRow
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.rows import chunks
from crm.whitelist.models import Event, WhitelistEntry

BULK = {"synchronize_session": False}


class ChainWriter:
    """Writes the accepted rows of one chain import; chains and links a row creates serve the rows below it."""

    def __init__(self, actor: User, now: datetime) -> None:
        self.actor, self.now = actor, now
        self.chains: dict[str, Chain] = {}
        self.links: dict[tuple[int, str], ChainLink] = {}

    def _chain(self, row: ChainRow, item: dict) -> Chain:
        if row.chain_id is not None:
            chain = db.session.get(Chain, row.chain_id)
            assert chain is not None  # a chain on file, found when the file was checked
            return chain
        key = row.chain_name
        if key not in self.chains:
            self.chains[key] = chains.create_chain(self.actor, chains.ChainData(name=row.chain_name), self.now,
                                                   commit=False)  # fmt: skip
            item["chain_created"] = True
        return self.chains[key]

    def _link(self, chain: Chain, row: ChainRow, item: dict) -> ChainLink:
        if row.link_id is not None:
            link = db.session.get(ChainLink, row.link_id)
            assert link is not None  # a link on file, found when the file was checked
            return link
        key = (chain.id, row.link_name)
        if key not in self.links:
            self.links[key] = next((link for link in chain.links if link.name == row.link_name), None) or (
                chains.add_link(self.actor, chain, row.link_name, self.now, commit=False)
            )
            item["link_created"] = self.links[key].id
        return self.links[key]

    def write(self, row: ChainRow) -> dict:
        item = {"row_number": row.number, "action": "created", "entry_id": None, "enterprise_id": None}
        before: dict = {}
        node: ChainNode | None
        enterprise: Enterprise | None
        if row.node_id is None:  # a node of the chain map
            chain = self._chain(row, before)
            link = self._link(chain, row, before)
            data = chains.NodeData(name=row.node_name, link_id=link.id, industry_id=row.industry_id,
                                   description=row.description)  # fmt: skip
            node = chains.add_node(self.actor, chain, data, self.now, commit=False)
            before.update(chain_id=chain.id, link_id=link.id, node_id=node.id)
        else:  # a local firm
            node = db.session.get(ChainNode, row.node_id)
            if row.enterprise_id is None:
                enterprise = create_enterprise(EnterpriseData(name=row.firm_name, uscc=row.uscc), self.actor,
                                               self.now, commit=False)  # fmt: skip
                before["enterprise_created"] = True
            else:
                enterprise = db.session.get(Enterprise, row.enterprise_id)
            # The node and the enterprise on file were found when the file was checked; a firm's row has a county.
            assert node is not None and enterprise is not None and row.region_id is not None
            before["kind"] = enterprise.kind
            firm = chains.place_firm(
                self.actor, node, enterprise, row.region_id, row.role, self.now, commit=False
            )
            before.update(
                chain_id=node.chain_id, firm_id=firm.id, version=enterprise.version
            )  # after the flush
            item["enterprise_id"] = enterprise.id
        item["before"] = json.dumps(before, ensure_ascii=False)
        return item


def revert(actor: User, batch: ImportBatch, items: list[ImportItem], now: datetime) -> None:
    """Remove what the import created; refused, naming the rows, when anything has been built on it since."""
    done = [(item, json.loads(item.before or "{}")) for item in items]
    if batch.kind == "chain_map":
        _revert_map(actor, done, now)
    else:
        _revert_firms(actor, done, now)


def _ids(done: list[tuple[ImportItem, dict]], key: str) -> set[int]:
    return {d[key] for _i, d in done if d.get(key)}


def _refuse(rows: list[int], message: str) -> None:
    if rows:
        raise DomainError(message % {"rows": "、".join(map(str, sorted(rows)[:20]))})


def _revert_map(actor: User, done: list[tuple[ImportItem, dict]], now: datetime) -> None:
    nodes = _ids(done, "node_id")
    used = {n for chunk in chunks(nodes) for n in db.session.scalars(
        select(NodeFirm.node_id).where(NodeFirm.node_id.in_(chunk)).union(
            select(WhitelistEntry.chain_node_id).where(WhitelistEntry.chain_node_id.in_(chunk))))}  # fmt: skip
    _refuse([i.row_number for i, d in done if d["node_id"] in used],
            _("Rows %(rows)s have local firms or targets on their nodes since the import, so the import cannot be "
              "reverted."))  # fmt: skip
    created_chains = {d["chain_id"] for _i, d in done if d.get("chain_created")}
    links = {d["link_created"] for _i, d in done if d.get("link_created")}
    others = set(db.session.scalars(select(ChainNode.link_id).where(ChainNode.link_id.in_(links),
                                                                    ChainNode.id.notin_(nodes))))  # fmt: skip
    others |= set(db.session.scalars(select(ChainLink.chain_id).where(ChainLink.chain_id.in_(created_chains),
                                                                      ChainLink.id.notin_(links))))  # fmt: skip
    _refuse([i.row_number for i, d in done if d.get("link_created") in others or
             (d.get("chain_created") and d["chain_id"] in others)],
            _("Rows %(rows)s created a chain or link that has other nodes or links since the import, so the import "
              "cannot be reverted."))  # fmt: skip
    for _item, d in done:
        if d["chain_id"] not in created_chains:
            chain = db.session.get(Chain, d["chain_id"])
            node = db.session.get(ChainNode, d["node_id"])
            assert chain is not None and node is not None  # the import's, unchanged since (checked above)
            chains._trail(chain, actor, now, "node_remove", node.name)
    for chunk in chunks(nodes):
        db.session.execute(delete(ChainNode).where(ChainNode.id.in_(chunk)), execution_options=BULK)
    for chunk in chunks(links):
        db.session.execute(delete(ChainLink).where(ChainLink.id.in_(chunk)), execution_options=BULK)
    for model in (ChainEvent, ChainRegion):
        db.session.execute(delete(model).where(model.chain_id.in_(created_chains)), execution_options=BULK)
    db.session.execute(delete(Chain).where(Chain.id.in_(created_chains)), execution_options=BULK)


def _revert_firms(actor: User, done: list[tuple[ImportItem, dict]], now: datetime) -> None:
    created = {i.enterprise_id for i, d in done if d.get("enterprise_created") and i.enterprise_id}
    busy = set(db.session.scalars(select(WhitelistEntry.enterprise_id).where(WhitelistEntry.enterprise_id.in_(
        created))))  # fmt: skip
    versions = dict(
        db.session.execute(select(Enterprise.id, Enterprise.version).where(Enterprise.id.in_(created))).all()
    )
    busy |= {i.enterprise_id for i, d in done if i.enterprise_id in created and
             versions.get(i.enterprise_id) != d["version"]}  # fmt: skip
    firm_ids = _ids(done, "firm_id")
    busy |= set(db.session.scalars(select(NodeFirm.enterprise_id).where(NodeFirm.enterprise_id.in_(created),
                                                                        NodeFirm.id.notin_(firm_ids))))  # fmt: skip
    _refuse([i.row_number for i, _d in done if i.enterprise_id in busy],
            _("Rows %(rows)s created enterprises that have been edited, proposed or put on other nodes since the "
              "import, so the import cannot be reverted."))  # fmt: skip
    for firm in db.session.scalars(select(NodeFirm).where(NodeFirm.id.in_(firm_ids))):
        chain = db.session.get(Chain, firm.node.chain_id)
        assert chain is not None  # the node's chain (a foreign key)
        chains._trail(chain, actor, now, "firm_remove", f"{firm.node.name}: {firm.enterprise.name}")
        db.session.delete(firm)
    db.session.flush()
    # An enterprise the import made a 本地企业 gets its kind back when no firm of it is left on any node.
    restore = {i.enterprise_id: d["kind"] for i, d in done if d.get("kind") and d["kind"] != "local"}
    still = set(db.session.scalars(select(NodeFirm.enterprise_id).where(NodeFirm.enterprise_id.in_(restore))))
    for enterprise_id, kind in restore.items():
        if enterprise_id not in still and enterprise_id not in created:
            db.session.execute(update(Enterprise).where(Enterprise.id == enterprise_id)
                               .values(kind=kind, version=Enterprise.version + 1), execution_options=BULK)  # fmt: skip
    if created:
        db.session.execute(update(ImportItem).where(ImportItem.enterprise_id.in_(created)).values(enterprise_id=None),
                           execution_options=BULK)  # fmt: skip
        for model in (Event, EnterpriseCategory, Contact):
            db.session.execute(delete(model).where(model.enterprise_id.in_(created)), execution_options=BULK)
        db.session.execute(delete(Enterprise).where(Enterprise.id.in_(created)), execution_options=BULK)
