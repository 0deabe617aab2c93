"""Writing and reverting the 项目台账 (projects) and 月度到位资金 (arrivals) imports.

Every row goes through the service the screens use (crm.projects.services.add_project,
crm.projects.returns.add_arrival) inside the import's single transaction. What a row created (the project or the
return line, its events, its milestone task, a new draft return) and what it changed (the target's stage when its
first counted project signed it, the contact-plan steps that signing cancelled) are kept on the import item as
JSON, so a revert removes exactly that and puts the target back as it was.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, event, func, select, update

from crm.auth.models import User
from crm.errors_domain import DomainError
from crm.extensions import db
from crm.imports.models import ImportBatch, ImportItem
from crm.imports.rows import LedgerRow
from crm.plans.models import CANCELLED, OPEN, FundArrival, Task
from crm.projects.models import FundPlan, FundReturn, Project
from crm.projects.returns import EDITABLE, add_arrival
from crm.projects.services import add_project
from crm.types import local_date
from crm.vocab import State
from crm.whitelist.models import Event, WhitelistEntry

ENTRY_FIELDS = ("state", "signed_on", "landed_on", "started_on", "producing_on", "contract_amount", "landed_uscc",
                "state_changed_at", "updated_at")  # fmt: skip
BULK = {"synchronize_session": False}


@contextmanager
def _created(*models: type) -> Iterator[dict[type, list]]:
    """The rows of `models` the session inserts inside the block (flush before leaving it)."""
    found: dict[type, list] = {model: [] for model in models}
    session = db.session()

    def collect(_session, instance) -> None:
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

    def __init__(self, actor: User, now: datetime) -> None:
        self.actor, self.now, self.today = actor, now, local_date(now)
        self.entries: dict[
            int, tuple[dict, dict, list[int]]
        ] = {}  # id → (its item, snapshot, open plan steps)

    def write(self, row: LedgerRow) -> dict:
        item = {"row_number": row.number, "action": "created", "entry_id": row.entry_id, "before": {}}
        if row.project is not None:
            self._project(row, item)
        else:
            self._arrival(row, item)
        return item

    def _project(self, row: LedgerRow, item: dict) -> None:
        entry = db.session.get(WhitelistEntry, row.entry_id)
        item["enterprise_id"] = entry.enterprise_id
        if entry.id not in self.entries:
            steps = []
            if entry.state == State.NEGOTIATING:
                steps = list(db.session.scalars(
                    select(Task.id).where(Task.entry_id == entry.id, Task.kind == "step", Task.status == OPEN)
                ))  # fmt: skip
            self.entries[entry.id] = (item, _snapshot(entry), steps)
        with _created(Event, Task) as new:
            project = add_project(self.actor, entry, row.project, self.now, self.today, commit=False)
            db.session.flush()
        item["before"] = {"project_id": project.id, "version": project.version,
                          "events": [e.id for e in new[Event]], "tasks": [t.id for t in new[Task]]}  # fmt: skip

    def _arrival(self, row: LedgerRow, item: dict) -> None:
        project = db.session.get(Project, row.project_id)
        item["enterprise_id"] = project.entry.enterprise_id
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
        for entry_id, (item, snapshot, steps) in self.entries.items():
            entry = db.session.get(WhitelistEntry, entry_id)
            if _snapshot(entry) != snapshot:
                cancelled = list(db.session.scalars(select(Task.id).where(Task.id.in_(steps),
                                                                          Task.status == CANCELLED)))  # fmt: skip
                item["before"].update(entry=snapshot, entry_version=entry.version, steps=cancelled)
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
    events = [i for _item, d in done for i in d.get("events", [])]
    db.session.execute(delete(Event).where(Event.id.in_(events)), execution_options=BULK)
    if batch.kind == "projects":
        _remove_projects(done)
    else:
        _remove_lines(done)


def _moved_projects(done: list[tuple[ImportItem, dict]], imported_at: datetime) -> list[int]:
    ids = [d["project_id"] for _i, d in done]
    ours = [e for _i, d in done for e in d["events"]]
    versions = dict(db.session.execute(select(Project.id, Project.version).where(Project.id.in_(ids))).all())
    busy = set(
        db.session.scalars(select(Event.project_id).where(Event.project_id.in_(ids), Event.id.notin_(ours)))
    )
    busy |= set(db.session.scalars(select(FundArrival.project_id).where(FundArrival.project_id.in_(ids))))
    busy |= set(
        db.session.scalars(select(Task.project_id).where(Task.project_id.in_(ids), Task.status != OPEN))
    )
    rows = [
        i.row_number
        for i, d in done
        if versions.get(d["project_id"]) != d["version"] or d["project_id"] in busy
    ]
    for item, d in done:
        if "entry" not in d:
            continue
        entry = db.session.get(WhitelistEntry, item.entry_id)
        others = db.session.scalar(
            select(func.count()).where(  # projects added by hand since the import
                Project.entry_id == item.entry_id, Project.id.notin_(ids), Project.created_at >= imported_at
            )
        )
        if entry is None or entry.version != d["entry_version"] or others:
            rows.append(item.row_number)
    return sorted(set(rows))


def _remove_projects(done: list[tuple[ImportItem, dict]]) -> None:
    ids = [d["project_id"] for _i, d in done]
    db.session.execute(delete(Task).where(Task.project_id.in_(ids)), execution_options=BULK)
    db.session.execute(delete(FundPlan).where(FundPlan.project_id.in_(ids)), execution_options=BULK)
    db.session.execute(delete(Project).where(Project.id.in_(ids)), execution_options=BULK)
    for item, d in done:
        if "entry" in d:
            _restore(db.session.get(WhitelistEntry, item.entry_id), d["entry"])
            db.session.execute(
                update(Task).where(Task.id.in_(d["steps"]), Task.status == CANCELLED)
                .values(status=OPEN, version=Task.version + 1), execution_options=BULK,
            )  # fmt: skip


def _submitted_lines(done: list[tuple[ImportItem, dict]]) -> list[int]:
    ids = [d["arrival_id"] for _i, d in done]
    status = dict(db.session.execute(
        select(FundArrival.id, FundReturn.status).join(FundReturn, FundReturn.id == FundArrival.return_id)
        .where(FundArrival.id.in_(ids))
    ).all())  # fmt: skip
    return [
        i.row_number for i, d in done if d["arrival_id"] in status and status[d["arrival_id"]] not in EDITABLE
    ]


def _remove_lines(done: list[tuple[ImportItem, dict]]) -> None:
    """The lines go (one a county removed by hand since is simply gone); a draft return the import opened goes too
    when nothing else was reported in it."""
    ids = [d["arrival_id"] for _i, d in done]
    db.session.execute(delete(FundArrival).where(FundArrival.id.in_(ids)), execution_options=BULK)
    opened = {d["return_id"] for _i, d in done if d.get("new_return")}
    empty = select(FundReturn.id).where(
        FundReturn.id.in_(opened), FundReturn.status == "draft",
        ~select(FundArrival.id).where(FundArrival.return_id == FundReturn.id).exists(),
    )  # fmt: skip
    db.session.execute(delete(FundReturn).where(FundReturn.id.in_(list(db.session.scalars(empty)))),
                       execution_options=BULK)  # fmt: skip
