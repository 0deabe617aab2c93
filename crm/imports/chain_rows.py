"""The dry run of the two industry-chain imports (issue 15):

- 产业链图谱 (`chain_map`): one row per node — the chain, its link (上游 / 中游 / 下游 or a segment), the node and
  its industry; chains and links not on file are created with their first node, nodes already on the chain are
  skipped.
- 本地企业名单 (`chain_firms`): one row per local firm on a node — the chain and node (on file), the firm by credit
  code or name (a new 本地企业 record when the library has neither), its county and its role (链主 / 骨干 / 配套).

Names are compared without width or spaces (the bureau's sheets pad them); what is created is stored as written.
Everything a row is checked against is read once per file."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.chains.models import BACKBONE, LEADER, SUPPLIER, Chain, ChainLink, ChainNode, NodeFirm
from crm.chains.services import NAME_LENGTH, can_edit
from crm.enterprises.models import Enterprise
from crm.enterprises.names import InvalidCreditCode, normalise_name, normalise_uscc
from crm.extensions import db
from crm.imports import ledger_rows, values
from crm.imports.columns import columns_for
from crm.imports.matching import CHOICE_CREATE, CHOICE_SKIP
from crm.imports.reader import Table
from crm.imports.rows import CREATE, DUPLICATE, LedgerRow

KINDS = ("chain_map", "chain_firms")
ROLE_WORDS = {"链主": LEADER, "链主企业": LEADER, "骨干": BACKBONE, "骨干企业": BACKBONE, "配套": SUPPLIER,
              "配套企业": SUPPLIER, "": SUPPLIER}  # fmt: skip


@dataclass
class ChainRow(LedgerRow):
    """A row of a chain import: what the writer (crm.imports.chain_writer) needs, resolved."""

    chain_name: str = ""
    chain_id: int | None = None  # None: the chain is created (by the first row naming it)
    link_name: str = ""
    link_id: int | None = None
    node_name: str = ""
    node_id: int | None = None
    industry_id: int | None = None
    description: str | None = None
    enterprise_id: int | None = None  # None: a new 本地企业 named `firm_name`
    firm_name: str = ""
    uscc: str | None = None
    region_id: int | None = None
    role: str = SUPPLIER


def _key(text: str | None) -> str:
    return values.compact(text)


class _Chains:
    """The chains, links and nodes on file, by compared name."""

    def __init__(self) -> None:
        self.chains = {
            _key(name): (id_, name) for id_, name in db.session.execute(select(Chain.id, Chain.name))
        }
        self.links = {
            (chain_id, _key(name)): id_
            for id_, chain_id, name in db.session.execute(
                select(ChainLink.id, ChainLink.chain_id, ChainLink.name)
            )
        }
        self.nodes: dict[tuple[int, str], tuple[int, str]] = {}
        query = select(ChainNode.id, ChainNode.chain_id, ChainNode.name, ChainLink.name).join(
            ChainLink, ChainLink.id == ChainNode.link_id
        )
        for id_, chain_id, name, link in db.session.execute(query):
            self.nodes[chain_id, _key(name)] = (id_, link)


def _name(row: ChainRow, cells: dict[str, str], key: str, what: str) -> str:
    text = values.plain(cells.get(key, ""))
    if not text:
        row.reject(key, _("Give the %(what)s's name.", what=what))
    elif len(text) > NAME_LENGTH:
        row.reject(key, _("At most %(n)d characters.", n=NAME_LENGTH))
    return text


def _map_row(
    row: ChainRow, cells: dict[str, str], on_file: _Chains, refs: values.ReferenceNames, seen: dict
) -> None:
    row.chain_name = _name(row, cells, "chain", _("chain"))
    row.link_name = _name(row, cells, "link", _("link"))
    row.node_name = _name(row, cells, "node", _("node"))
    row.name = row.node_name
    if cells.get("industry"):
        try:
            row.industry_id = values.industry(refs, cells["industry"])
        except ValueError as error:
            row.reject("industry", str(error))
    row.description = values.plain(cells.get("description", "")) or None
    if row.errors:
        return
    chain = on_file.chains.get(_key(row.chain_name))
    if chain is None:
        row.notes.append(_("New chain %(name)s.", name=row.chain_name))
        return _first_in_file(row, seen)
    row.chain_id, row.chain_name = chain
    row.link_id = on_file.links.get((row.chain_id, _key(row.link_name)))
    if row.link_id is None:
        row.notes.append(_("New link %(name)s.", name=row.link_name))
    node = on_file.nodes.get((row.chain_id, _key(row.node_name)))
    if node is not None:
        row.node_id, row.action = node[0], DUPLICATE
        row.notes.append(_("%(chain)s already has the node %(node)s (link %(link)s): the row is skipped.",
                           chain=row.chain_name, node=row.node_name, link=node[1]))  # fmt: skip
        return
    _first_in_file(row, seen)


def _first_in_file(row: ChainRow, seen: dict) -> None:
    key = (_key(row.chain_name), _key(row.node_name))
    if key in seen:
        row.reject("node", _("Row %(row)d already has this node of this chain.", row=seen[key]))
    else:
        seen[key] = row.number


class _Firms:
    """What the local-firm rows are checked against: the enterprises they name, the firms already on the nodes."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        codes, norms = set(), set()
        for cells in rows:
            try:
                code = normalise_uscc(cells.get("uscc"))
            except InvalidCreditCode:
                code = None
            codes.add(code)
            norms.add(normalise_name(cells.get("enterprise", ""))[:128])
        found = db.session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.name_norm).where(
                (Enterprise.uscc.in_(codes - {None})) | (Enterprise.name_norm.in_(norms - {""}))
            )
        ).all()
        self.by_code = {code: (id_, name) for id_, name, code, _norm in found if code}
        self.by_norm: dict[str, tuple[int, str]] = {}
        for id_, name, _code, norm in sorted(found):
            self.by_norm.setdefault(norm, (id_, name))
        ids = [id_ for id_, *_rest in found]
        self.placed = set(
            db.session.execute(
                select(NodeFirm.node_id, NodeFirm.enterprise_id).where(NodeFirm.enterprise_id.in_(ids))
            ).all()
        )


def _firm_row(
    row: ChainRow,
    cells: dict[str, str],
    on_file: _Chains,
    firms: _Firms,
    regions: values.RegionNames,
    seen: dict,
) -> None:
    chain_name, node_name = values.plain(cells.get("chain", "")), values.plain(cells.get("node", ""))
    row.firm_name = values.plain(cells.get("enterprise", ""))
    row.name = row.firm_name
    chain = on_file.chains.get(_key(chain_name))
    if not chain_name:
        row.reject("chain", _("Give the %(what)s's name.", what=_("chain")))
    elif chain is None:
        row.reject("chain", _("There is no chain called %(name)s: import the chain map first or create the chain.",
                              name=chain_name))  # fmt: skip
    else:
        row.chain_id, row.chain_name = chain
        node = on_file.nodes.get((row.chain_id, _key(node_name)))
        if node is None:
            row.reject("node", _("%(chain)s has no node called %(node)s.", chain=row.chain_name,
                                 node=node_name or "—"))  # fmt: skip
        else:
            row.node_id, row.node_name = node[0], node_name
    try:
        row.uscc = normalise_uscc(cells.get("uscc"))
    except InvalidCreditCode as error:
        row.reject("uscc", str(error))
    by_code = firms.by_code.get(row.uscc) if row.uscc else None
    by_name = firms.by_norm.get(normalise_name(row.firm_name)[:128]) if row.firm_name else None
    if not row.firm_name and by_code is None:
        row.reject("enterprise", _("Give the enterprise's name or its credit code."))
    elif by_code and by_name and by_code[0] != by_name[0]:
        row.reject("uscc", _("The credit code %(code)s belongs to another enterprise than %(name)s.",
                             code=row.uscc, name=row.firm_name))  # fmt: skip
    elif len(row.firm_name) > 200:
        row.reject("enterprise", _("At most %(n)d characters.", n=200))
    found = by_code or by_name
    if found:
        row.enterprise_id, row.name = found
        row.notes.append(_("%(name)s is in the enterprise library.", name=found[1]))
    elif row.firm_name:
        row.notes.append(
            _("A new local firm %(name)s is added to the enterprise library.", name=row.firm_name)
        )
    raw_region = cells.get("county", "")
    row.region_id = regions.find(raw_region) if raw_region else None
    if row.region_id is None:
        row.reject("county", regions.error(raw_region) if raw_region else _("Give the firm's county."))
    role = ROLE_WORDS.get(values.compact(cells.get("role", "")))
    if role is None:
        row.reject("role", _("Write 链主, 骨干 or 配套."))
    row.role = role or SUPPLIER
    if row.errors:
        return
    if row.enterprise_id and (row.node_id, row.enterprise_id) in firms.placed:
        row.action = DUPLICATE
        row.notes.append(_("%(name)s is already on this node: the row is skipped.", name=row.name))
        return
    key = (row.node_id, row.enterprise_id or normalise_name(row.firm_name))
    if key in seen:
        row.reject("enterprise", _("Row %(row)d already puts this firm on this node.", row=seen[key]))
    else:
        seen[key] = row.number


def check_file(
    actor: User, table: Table, mapping: dict[str, int | None], kind: str, today: date
) -> tuple[list[ChainRow], list[str]]:
    """(the rows with what each will do, the headers of required columns the mapping lacks). Only the chains'
    editors import them: anyone else gets every row refused."""
    columns = columns_for(kind)
    missing = [c.header for c in columns if c.required and mapping.get(c.key) is None]
    if kind == "chain_firms" and mapping.get("enterprise") is None and mapping.get("uscc") is None:
        missing.insert(0, _("%(a)s or %(b)s", a="企业名称", b="统一社会信用代码"))
    if missing:
        return [], missing
    headers = {c.key: c.header for c in columns}
    cells = ledger_rows.mapped_cells(table, mapping, columns)
    seen: dict[tuple[object, object], int]  # a row's chain and node (or node and firm) → its number
    on_file, seen, rows = _Chains(), {}, []
    if kind == "chain_map":
        refs = values.reference_names()
        check = lambda row, c: _map_row(row, c, on_file, refs, seen)  # noqa: E731
    else:
        firms, regions = _Firms([c for _n, c in cells]), values.RegionNames()
        check = lambda row, c: _firm_row(row, c, on_file, firms, regions, seen)  # noqa: E731
    for number, row_cells in cells:
        row = ChainRow(number, "", headers=headers)
        if not can_edit(actor):
            row.reject("chain", _("Only managers and the administrator edit industry chains."))
        else:
            check(row, row_cells)
        rows.append(row)
    for row in rows:
        if row.action == CREATE:
            row.choices, row.default = [CHOICE_CREATE], CHOICE_CREATE
        elif row.action == DUPLICATE:
            row.choices, row.default = [CHOICE_SKIP], CHOICE_SKIP
    return rows, []
