"""Writing and reverting the 项目台账 (projects) and 月度到位资金 (arrivals) imports.

Every row goes through the service the screens use (crm.projects.services.add_project,
crm.projects.returns.add_arrival) inside the import's single transaction. What a row created (the project or the
return line, its events, its milestone task, a new draft return) and what it changed (the target's stage when its
first counted project signed it, the contact-plan steps that signing cancelled) are kept on the import item as
JSON, so a revert removes exactly that and puts the target back as it was.
"""

import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, SQLColumnExpression, delete, event, select, update
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.rows import LedgerRow, chunks
from crm.plans.models import CANCELLED, OPEN, FundArrival, Task
from crm.projects.models import FundPlan, FundReturn, Project
from crm.projects.returns import EDITABLE, add_arrival
from crm.projects.services import add_project
from crm.refdata.models import Region
from crm.types import local_date
from crm.vocab import State
from crm.whitelist.models import Event, WhitelistEntry

ENTRY_FIELDS = ("state", "signed_on", "landed_on", "started_on", "producing_on", "contract_amount", "landed_uscc",
                "state_changed_at", "updated_at")  # fmt: skip
BULK = {"synchronize_session": False}
M = TypeVar("M")


@contextmanager
def _created(*models: type) -> Iterator[dict[type, list]]:
    """The rows of `models` the session inserts inside the block (flush before leaving it)."""
    found: dict[type, list] = {model: [] for model in models}
    session = db.session()

    def collect(_session: Session, instance: object) -> None:
        if type(instance) in found:
            found[type(instance)].append(instance)

    event.listen(session, "pending_to_persistent", collect)
    try:
        yield found
    finally:
        event.remove(session, "pending_to_persistent", collect)


def _snapshot(entry: WhitelistEntry) -> dict:
    out = {}
    for name in ENTRY_FIELDS:
        value = getattr(entry, name)
        out[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def _restore(entry: WhitelistEntry, snapshot: dict) -> None:
    for name in ENTRY_FIELDS:
        value = snapshot[name]
        if value is not None and name.endswith("_on"):
            value = date.fromisoformat(value)
        elif value is not None and name.endswith("_at"):
            value = datetime.fromisoformat(value)
        setattr(entry, name, value)


class Writer:
    """Writes the accepted rows of one import; `finish` turns what they did into the import items' JSON."""

    def __init__(self, actor: User, now: datetime, rows: list[LedgerRow]) -> None:
        self.actor, self.now, self.today = actor, now, local_date(now)
        self.entries: dict[int, tuple[dict, dict, list[int]]] = {}  # id → (its item, snapshot, open steps)
        # The targets and projects the rows write to, read in a few queries and held for the whole import.
        self.loaded: dict[tuple[type, int | None], Any] = {}
        self.regions = list(
            db.session.scalars(select(Region))
        )  # held, so the service's look-ups hit the session
        record: Any  # a WhitelistEntry, then a Project (a select() of either is typed as of their base class)
        for model, ids in ((WhitelistEntry, {r.entry_id for r in rows if r.project is not None}),
                           (Project, {r.project_id for r in rows if r.arrival is not None})):  # fmt: skip
            for chunk in chunks(ids - {None}):
                for record in db.session.scalars(select(model).where(model.id.in_(chunk))):
                    self.loaded[model, record.id] = record

    def _get(self, model: type[M], record_id: int | None) -> M:
        record = self.loaded.get((model, record_id)) or db.session.get(model, record_id)
        assert record is not None  # the rows name records on file (read when the file was checked)
        return record

    def write(self, row: LedgerRow) -> dict:
        item = {"row_number": row.number, "action": "created", "entry_id": row.entry_id, "before": {}}
        if row.project is not None:
            self._project(row, item)
        else:
            self._arrival(row, item)
        return item

    def _project(self, row: LedgerRow, item: dict) -> None:
        entry = self._get(WhitelistEntry, row.entry_id)
        item["enterprise_id"] = entry.enterprise_id
        if entry.id not in self.entries:
            steps = []
            if entry.state == State.NEGOTIATING:
                steps = list(db.session.scalars(
                    select(Task.id).where(Task.entry_id == entry.id, Task.kind == "step", Task.status == OPEN)
                ))  # fmt: skip
            self.entries[entry.id] = (item, _snapshot(entry), steps)
        assert row.project is not None  # write() sends the rows with a project here
        with _created(Event, Task) as new:
            project = add_project(self.actor, entry, row.project, self.now, self.today, commit=False)
            db.session.flush()
        item["before"] = {"project_id": project.id, "version": project.version,
                          "events": [e.id for e in new[Event]], "tasks": [t.id for t in new[Task]]}  # fmt: skip

    def _arrival(self, row: LedgerRow, item: dict) -> None:
        project = self._get(Project, row.project_id)
        item["enterprise_id"] = project.entry.enterprise_id
        assert row.arrival is not None  # the rows without a project are arrival lines
        with _created(Event, FundReturn) as new:
            line = add_arrival(self.actor, project, row.arrival, self.now, self.today, commit=False)
            db.session.flush()
        item["before"] = {"arrival_id": line.id, "project_id": project.id, "return_id": line.return_id,
                          "events": [e.id for e in new[Event]],
                          "new_return": bool(new[FundReturn])}  # fmt: skip

    def finish(self, items: list[dict]) -> None:
        """Keep, on the first row that touched each target, how the target was before the import when the import
        changed it (its stage, dates, amount; the plan steps that signing cancelled)."""
        db.session.flush()
        steps = {step for _item, _snapshot, open_steps in self.entries.values() for step in open_steps}
        cancelled = {i for chunk in chunks(steps) for i in db.session.scalars(
            select(Task.id).where(Task.id.in_(chunk), Task.status == CANCELLED))}  # fmt: skip
        for entry_id, (item, snapshot, open_steps) in self.entries.items():
            entry = self._get(WhitelistEntry, entry_id)
            if _snapshot(entry) != snapshot:
                item["before"].update(entry=snapshot, entry_version=entry.version,
                                      steps=[s for s in open_steps if s in cancelled])  # fmt: skip
        for item in items:
            item["before"] = json.dumps(item["before"], ensure_ascii=False)


def revert(batch: ImportBatch, items: list[ImportItem]) -> None:
    """Remove what the import created and put its targets back; refused, naming the rows, when anything moved on
    since (the caller marks the batch and commits)."""
    done = [(item, json.loads(item.before or "{}")) for item in items]
    if batch.kind == "projects" and (problems := _moved_projects(done, batch.created_at)):
        raise DomainError(_("Rows %(rows)s have been worked on since the import (the project moved on, was edited or "
                            "has funds reported, or its target changed), so the import cannot be reverted.",
                            rows="、".join(map(str, problems[:20]))))  # fmt: skip
    if batch.kind == "arrivals" and (problems := _submitted_lines(done)):
        raise DomainError(_("Rows %(rows)s are in a return that has been submitted or verified since, so the "
                            "import cannot be reverted.", rows="、".join(map(str, problems[:20]))))  # fmt: skip
    _delete(Event, Event.id, {i for _item, d in done for i in d.get("events", [])})
    if batch.kind == "projects":
        _remove_projects(done)
    else:
        _remove_lines(done)


def _delete(model: type, column: SQLColumnExpression[Any], ids: set[int]) -> None:
    for chunk in chunks(ids):
        db.session.execute(delete(model).where(column.in_(chunk)), execution_options=BULK)


def _values(query_for: Callable[[list[Any]], Select[*tuple[Any, ...]]], ids: Collection[int | None]) -> list:
    """The rows of `query_for(chunk)` over `ids`, a chunk at a time (an IN list stays within SQLite's limit)."""
    return [row for chunk in chunks(ids) for row in db.session.execute(query_for(chunk))]


def _moved_projects(done: list[tuple[ImportItem, dict]], imported_at: datetime) -> list[int]:
    """Rows whose project was moved on, edited, reported on or worked on in any way since the import (an event
    the import did not write), or whose target the import signed and that changed since (its version, or a
    project added by hand)."""
    ids = {d["project_id"] for _i, d in done}
    ours = {e for _i, d in done for e in d["events"]}
    versions = dict(_values(lambda c: select(Project.id, Project.version).where(Project.id.in_(c)), ids))
    busy = {p for e, p in _values(lambda c: select(Event.id, Event.project_id).where(Event.project_id.in_(c)), ids)
            if e not in ours}  # fmt: skip
    busy |= {
        p
        for (p,) in _values(
            lambda c: select(FundArrival.project_id).where(FundArrival.project_id.in_(c)), ids
        )
    }
    busy |= {p for (p,) in _values(lambda c: select(Task.project_id).where(Task.project_id.in_(c),
                                                                         Task.status != OPEN), ids)}  # fmt: skip
    rows = {
        i.row_number
        for i, d in done
        if versions.get(d["project_id"]) != d["version"] or d["project_id"] in busy
    }
    signed = {item.entry_id: (item, d) for item, d in done if "entry" in d}
    entry_versions = dict(_values(lambda c: select(WhitelistEntry.id, WhitelistEntry.version)
                                  .where(WhitelistEntry.id.in_(c)), set(signed)))  # fmt: skip
    added = {e for e, p in _values(lambda c: select(Project.entry_id, Project.id).where(  # added by hand since
        Project.entry_id.in_(c), Project.created_at >= imported_at), set(signed)) if p not in ids}  # fmt: skip
    for entry_id, (item, d) in signed.items():
        if entry_versions.get(entry_id) != d["entry_version"] or entry_id in added:
            rows.add(item.row_number)
    return sorted(rows)


def _remove_projects(done: list[tuple[ImportItem, dict]]) -> None:
    ids = {d["project_id"] for _i, d in done}
    _delete(Task, Task.project_id, ids)
    _delete(FundPlan, FundPlan.project_id, ids)
    _delete(Project, Project.id, ids)
    signed = {item.entry_id: d for item, d in done if "entry" in d}
    for chunk in chunks(set(signed)):
        for entry in db.session.scalars(select(WhitelistEntry).where(WhitelistEntry.id.in_(chunk))):
            _restore(entry, signed[entry.id]["entry"])
    for chunk in chunks({step for d in signed.values() for step in d["steps"]}):
        db.session.execute(update(Task).where(Task.id.in_(chunk), Task.status == CANCELLED)
                           .values(status=OPEN, version=Task.version + 1), execution_options=BULK)  # fmt: skip


def _submitted_lines(done: list[tuple[ImportItem, dict]]) -> list[int]:
    ids = {d["arrival_id"] for _i, d in done}
    status = dict(_values(lambda c: select(FundArrival.id, FundReturn.status)
                          .join(FundReturn, FundReturn.id == FundArrival.return_id)
                          .where(FundArrival.id.in_(c)), ids))  # fmt: skip
    return [
        i.row_number for i, d in done if d["arrival_id"] in status and status[d["arrival_id"]] not in EDITABLE
    ]


def _remove_lines(done: list[tuple[ImportItem, dict]]) -> None:
    """The lines go (one a county removed by hand since is simply gone); a draft return the import opened goes too
    when nothing else was reported in it."""
    _delete(FundArrival, FundArrival.id, {d["arrival_id"] for _i, d in done})
    opened = {d["return_id"] for _i, d in done if d.get("new_return")}
    empty = _values(lambda c: select(FundReturn.id).where(
        FundReturn.id.in_(c), FundReturn.status == "draft",
        ~select(FundArrival.id).where(FundArrival.return_id == FundReturn.id).exists()), opened)  # fmt: skip
    _delete(FundReturn, FundReturn.id, {i for (i,) in empty})
