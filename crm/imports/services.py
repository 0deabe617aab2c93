"""Import services: the dry run over a whole file, the all-or-nothing commit and the revert."""

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from crm.auth.models import User
from crm.enterprises.models import Contact, Enterprise, EnterpriseCategory, EnterpriseMerge
from crm.enterprises.names import normalise_name
from crm.enterprises.services import CategoryChoice, EnterpriseData, create_enterprise, update_enterprise
from crm.errors_domain import DomainError, Forbidden
from crm.extensions import db
from crm.imports import chain_rows, chain_writer, ledger, ledger_rows
from crm.imports.columns import BY_KEY, COLUMNS, cell_text
from crm.imports.matching import CHOICE_CREATE, CHOICE_SKIP, check_duplicates
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.reader import Table
from crm.imports.rows import (
    CREATE,
    DUPLICATE,
    REJECT,
    LedgerRow,
    Lookups,
    RowResult,
    check_holdings,
    check_row,
)
from crm.types import local_date, utcnow
from crm.vocab import Role, State
from crm.whitelist import services as whitelist
from crm.whitelist.models import Event, WhitelistEntry

KINDS = ("enterprises", "proposals", *ledger_rows.KINDS, *chain_rows.KINDS)
IMPORT_ROLES = (Role.LEAD, Role.COUNTY_HEAD, Role.MANAGER)
log = logging.getLogger(__name__)


@dataclass
class Plan:
    kind: str
    rows: Sequence[RowResult]  # LedgerRow or ChainRow for those kinds of import
    missing: list[str] = field(default_factory=list)  # headers of required columns the mapping lacks

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def can_commit(self) -> bool:
        return not self.missing and not self.count(REJECT) and any(r.choices for r in self.rows)

    def fingerprint(self, data: bytes) -> str:
        """What the preview showed: the file, and each row's outcome and choices (which name the enterprises on
        file it matched). The commit refuses decisions made on a preview whose fingerprint differs."""
        digest = hashlib.sha256(data)
        digest.update(json.dumps([self.kind, self.missing, [[r.number, r.action, r.choices] for r in self.rows]],
                                 ensure_ascii=False).encode())  # fmt: skip
        return digest.hexdigest()[:32]

    def decide(self, decisions: dict[int, str], include_flagged: bool = False) -> None:
        """Take the preview's choice for each row (the row's default where none was sent); a choice the row was
        not offered is refused. `include_flagged` creates the possible duplicates no choice was sent for."""
        for row in self.rows:
            chosen = decisions.get(row.number)
            if chosen is None:
                chosen = CHOICE_CREATE if include_flagged and row.action == DUPLICATE else row.default
            if chosen not in row.choices and row.choices:
                raise DomainError(_("Row %(row)d: that choice is not offered for this row. Check the rows again.",
                                    row=row.number))  # fmt: skip
            row.decision = chosen if row.choices else CHOICE_SKIP
        decided = {row.number: row.decision for row in self.rows}
        for row in self.rows:
            kind, _sep, target = row.decision.partition(":")
            if kind == "parent_row" and decided.get(int(target)) != CHOICE_CREATE:
                raise DomainError(_("Row %(row)d is to join the group of row %(parent)s, which is then to be created "
                                    "as a new enterprise.", row=row.number, parent=target))  # fmt: skip


def _offer_ledger_choices(rows: Sequence[RowResult]) -> None:
    for row in rows:
        if row.action == CREATE:
            row.choices, row.default = [CHOICE_CREATE], CHOICE_CREATE
        elif row.action == DUPLICATE:
            row.choices, row.default = [CHOICE_CREATE, CHOICE_SKIP], CHOICE_SKIP


def dry_run(
    actor: User, table: Table, mapping: dict[str, int | None], kind: str, today: date | None = None
) -> Plan:
    """What every row will do. `today` (Beijing) bounds the dates of projects and arrivals."""
    rows: Sequence[RowResult]
    if kind in ledger_rows.KINDS:
        rows, missing = ledger_rows.check_file(actor, table, mapping, kind, today or local_date(utcnow()))
        _offer_ledger_choices(rows)
        return Plan(kind, rows, missing)
    if kind in chain_rows.KINDS:
        chain_plan, missing = chain_rows.check_file(
            actor, table, mapping, kind, today or local_date(utcnow())
        )
        return Plan(kind, list(chain_plan), missing)
    proposals = kind == "proposals"
    missing = [
        c.header
        for c in COLUMNS
        if (c.required or (proposals and c.for_proposals)) and mapping.get(c.key) is None
    ]
    if missing:
        return Plan(kind, [], missing)
    seen: dict[str, dict[str, int]]  # "uscc" → credit code → the row that has it
    lookups, seen = Lookups(), {"uscc": {}}
    rows = []
    for number, cells in table.rows:
        values = {
            key: cell_text(BY_KEY.get(key), cells[index])
            for key, index in mapping.items()
            if index is not None and index < len(cells)
        }
        rows.append(check_row(number, values, lookups, actor, proposals, seen))
    check_duplicates(rows, lookups.index)
    check_holdings(rows, lookups.refs.region_names)
    return Plan(kind, rows)


def _merged(enterprise: Enterprise, data: EnterpriseData) -> EnterpriseData:
    """The enterprise as it is, with the imported non-empty values on top and the imported categories added. A
    name that the name on file contains (the row says 格力电器, the record 珠海格力电器股份有限公司) is the clerk's
    short name, not a rename: the legal name on file is kept."""
    current = {name: getattr(enterprise, name) for name in EnterpriseData.FIELDS}
    imported = {name: getattr(data, name) for name in EnterpriseData.FIELDS if getattr(data, name)}
    short = normalise_name(data.name)
    if short and short != enterprise.name_norm and short in (enterprise.name_norm or ""):
        imported.pop("name")
    categories = [CategoryChoice(c.tag_id, c.rank, c.list_year) for c in enterprise.categories]
    have = {c.tag_id for c in categories}
    categories += [c for c in data.categories if c.tag_id not in have]
    return EnterpriseData(**{**current, **imported}, categories=categories)


def _snapshot(enterprise: Enterprise) -> str:
    fields = {name: getattr(enterprise, name) for name in EnterpriseData.FIELDS}
    fields["categories"] = [[c.tag_id, c.rank, c.list_year] for c in enterprise.categories]
    return json.dumps(fields, ensure_ascii=False)


def commit(
    actor: User,
    plan: Plan,
    filename: str,
    now: datetime,
    include_flagged: bool = False,
    decisions: dict[int, str] | None = None,
) -> ImportBatch:
    """Write every row as decided (Plan.decide), or nothing: one transaction, rolled back on any refusal or crash."""
    if actor.role not in IMPORT_ROLES:
        raise Forbidden(_("You may not import."))
    if not plan.can_commit:
        raise DomainError(_("Fix the rejected rows (or the column mapping) and upload the file again."))
    plan.decide(decisions or {}, include_flagged)
    if all(row.decision == CHOICE_SKIP for row in plan.rows):
        raise DomainError(_("Every row is skipped, so there is nothing to import."))
    batch = ImportBatch(kind=plan.kind, filename=filename[:200], rows_total=len(plan.rows), created_by_id=actor.id,
                        created_at=now)  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    items: list[dict] = []
    written: dict[int, int] = {}  # row number → the enterprise it created or updated
    writer: ledger.Writer | chain_writer.ChainWriter | None = None
    if plan.kind in ledger_rows.KINDS:
        writer = ledger.Writer(actor, now, cast(list[LedgerRow], plan.rows))  # a ledger import's rows
    elif plan.kind in chain_rows.KINDS:
        writer = chain_writer.ChainWriter(actor, now)
    row: RowResult | None = None
    try:
        for row in plan.rows:
            if row.decision == CHOICE_SKIP:
                batch.skipped_count += 1
            else:
                # A ledger writer is given LedgerRows, a chain writer ChainRows: the plan's kind decides both.
                items.append(writer.write(cast(Any, row)) if writer else _write(actor, row, now, written))
        row = None  # what fails from here on is the batch's, not a row's
        if isinstance(writer, ledger.Writer):
            writer.finish(items)
        if items:
            db.session.execute(insert(ImportItem), [{**item, "batch_id": batch.id} for item in items])
        batch.created_count = sum(1 for item in items if item["action"] == "created")
        batch.updated_count = len(items) - batch.created_count
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if isinstance(error, SQLAlchemyError):
            log.warning("import %s refused by the database: %s", filename, error)
            error = DomainError(_database_refusal(error))
        if isinstance(error, DomainError):
            if row is None:
                raise DomainError(_("%(reason)s Nothing was imported.", reason=str(error))) from error
            raise DomainError(_("Row %(row)d: %(reason)s Nothing was imported.", row=row.number,
                                reason=str(error))) from error  # fmt: skip
        raise
    return batch


def _database_refusal(error: SQLAlchemyError) -> str:
    """The database's refusal of a write the dry run let through, in words (the dry run checks what it knows;
    the database has the last word on lengths, types and references that changed since the preview)."""
    if isinstance(error, DataError):
        return _("The database refused a value that is too long for its field or of the wrong kind.")
    if isinstance(error, IntegrityError):
        return _("The database refused a value that clashes with a record on file or refers to reference data "
                 "removed since the preview.")  # fmt: skip
    return _("The database could not save the import; try again in a moment.")


def _write(actor: User, row: RowResult, now: datetime, written: dict[int, int]) -> dict:
    """Write one row as decided; returns its import item (inserted with the others at the end)."""
    kind, _sep, target = row.decision.partition(":")
    data = row.enterprise
    assert data is not None  # a row that is written has passed its checks, which give it its enterprise
    if kind in ("parent", "parent_row"):  # joins the group of an enterprise on file or of a row above
        parent_id = int(target) if kind == "parent" else written[int(target)]
        data = EnterpriseData(**{**{n: getattr(data, n) for n in EnterpriseData.FIELDS}, "parent_id": parent_id},
                              categories=data.categories)  # fmt: skip
    item = {"row_number": row.number, "action": "updated" if kind == "update" else "created", "before": None,
            "entry_id": None}  # fmt: skip
    if kind == "update":
        enterprise = db.session.get(Enterprise, int(target))
        assert enterprise is not None  # the enterprise on file the row was matched with
        before = json.loads(_snapshot(enterprise))
        update_enterprise(enterprise, _merged(enterprise, data), None, actor, now, commit=False)
        db.session.flush()  # the version the revert expects to find
        item["before"] = json.dumps({**before, "_version": enterprise.version}, ensure_ascii=False)
    else:
        enterprise = create_enterprise(data, actor, now, commit=False)
    item["enterprise_id"] = written[row.number] = enterprise.id
    if row.entry is not None:
        item["entry_id"] = whitelist.propose(actor, enterprise, row.entry, now, commit=False).id
    return item


def may_revert(user: User, batch: ImportBatch) -> bool:
    return batch.status == "committed" and (user.role == Role.MANAGER or batch.created_by_id == user.id)


def revert(actor: User, batch: ImportBatch, now: datetime) -> None:
    """Undo an import: its proposals and the enterprises it created are removed, the enterprises it updated get
    their old values back. Refused, with the rows named, when anything has moved on since."""
    if not may_revert(actor, batch):
        raise Forbidden(_("Only the person who imported the file or a manager may revert it."))
    items = list(db.session.scalars(select(ImportItem).where(ImportItem.batch_id == batch.id)))
    if batch.kind in ledger_rows.KINDS or batch.kind in chain_rows.KINDS:
        if batch.kind in ledger_rows.KINDS:
            ledger.revert(batch, items)
        else:
            chain_writer.revert(actor, batch, items, now)
        batch.status, batch.reverted_at, batch.reverted_by_id = "reverted", now, actor.id
        db.session.commit()
        return
    problems = _unrevertible_rows(items)
    if problems:
        raise DomainError(_("Rows %(rows)s have been worked on since the import (reviewed, edited or proposed "
                            "again), so the import cannot be reverted.", rows="、".join(map(str, problems[:20]))))  # fmt: skip
    entry_ids = [i.entry_id for i in items if i.entry_id]
    created = [i.enterprise_id for i in items if i.action == "created" and i.enterprise_id]
    # Set-based deletes, without syncing the session per statement (per-row deletes took 16 s for 2,000 rows).
    bulk = {"synchronize_session": False}
    db.session.execute(update(ImportItem).where(ImportItem.batch_id == batch.id).values(entry_id=None),
                       execution_options=bulk)  # fmt: skip
    db.session.execute(update(ImportItem).where(ImportItem.batch_id == batch.id, ImportItem.action == "created")
                       .values(enterprise_id=None), execution_options=bulk)  # fmt: skip
    db.session.execute(delete(Event).where(Event.entry_id.in_(entry_ids)), execution_options=bulk)
    db.session.execute(delete(WhitelistEntry).where(WhitelistEntry.id.in_(entry_ids)), execution_options=bulk)
    for model in (Event, EnterpriseCategory, Contact):
        db.session.execute(delete(model).where(model.enterprise_id.in_(created)), execution_options=bulk)
    db.session.execute(delete(Enterprise).where(Enterprise.id.in_(created)), execution_options=bulk)
    for item in items:
        if item.action == "updated" and item.enterprise_id:
            assert item.before is not None  # an update keeps what it replaced
            before = json.loads(item.before)
            data = EnterpriseData(**{k: before[k] for k in EnterpriseData.FIELDS},
                                  categories=[CategoryChoice(*c) for c in before["categories"]])  # fmt: skip
            enterprise = db.session.get(Enterprise, item.enterprise_id)
            assert enterprise is not None  # the enterprise on file the import updated
            update_enterprise(enterprise, data, None, actor, now, commit=False)
    batch.status, batch.reverted_at, batch.reverted_by_id = "reverted", now, actor.id
    db.session.commit()


def _unrevertible_rows(items: list[ImportItem]) -> list[int]:
    """Rows whose records moved on since the import, found with a handful of set-based queries: a proposal that was
    reviewed or edited, a created enterprise that was edited, proposed again, joined by a subsidiary or merged
    into, an updated enterprise edited again."""
    entry_ids = [i.entry_id for i in items if i.entry_id]
    created = [i.enterprise_id for i in items if i.action == "created" and i.enterprise_id]
    all_ids = [i.enterprise_id for i in items if i.enterprise_id]
    worked_entries = set(
        db.session.scalars(
            select(WhitelistEntry.id).where(
                WhitelistEntry.id.in_(entry_ids),
                or_(WhitelistEntry.state != State.PROPOSED, WhitelistEntry.version != 1),
            )
        )
    )
    busy = set(
        db.session.scalars(
            select(WhitelistEntry.enterprise_id).where(
                WhitelistEntry.enterprise_id.in_(created), WhitelistEntry.id.notin_(entry_ids)
            )
        )
    )
    busy |= set(db.session.scalars(select(Enterprise.parent_id).where(Enterprise.parent_id.in_(created))))
    busy |= set(
        db.session.scalars(select(Enterprise.id).where(Enterprise.id.in_(created), Enterprise.version != 1))
    )
    busy |= set(
        db.session.scalars(
            select(EnterpriseMerge.survivor_id).where(EnterpriseMerge.survivor_id.in_(all_ids))
        )
    )
    versions = dict(db.session.execute(select(Enterprise.id, Enterprise.version).where(
        Enterprise.id.in_([i.enterprise_id for i in items if i.action == "updated"]))).all())  # fmt: skip
    rows = []
    for item in items:
        moved = item.entry_id in worked_entries or item.enterprise_id in busy
        if item.action == "updated" and item.enterprise_id in versions:
            assert item.before is not None  # an update keeps what it replaced
            moved = moved or versions[item.enterprise_id] != json.loads(item.before).get("_version")
        if moved:
            rows.append(item.row_number)
    return rows
