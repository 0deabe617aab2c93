"""Build an expensive fixture's records once per test run and put them back for every later test that asks.

`kept(key, build)` runs `build()` the first time, then copies every table's rows and the upload folder; a later test
gets the same rows written back (with their ids) and the same objects, loaded afresh in its own session. It only
restores onto a database holding reference data alone (no users yet): a test that wrote something first gets a
fresh build instead, so nothing it wrote is wiped. The per-test cleanup in conftest.py still empties everything
afterwards, so tests stay independent; only the building is shared. On PostgreSQL the sequences are never reset,
so the ids written back stay below the ones a test's own inserts draw.
"""

import copy
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, func, inspect, select
from sqlalchemy.orm import InstanceState, make_transient_to_detached

from crm.auth.models import User
from crm.extensions import db


@dataclass(frozen=True)
class Ref:
    """An ORM object by class and primary key, with its columns' values as they were saved."""

    cls: type
    pk: tuple
    values: dict[str, Any] = field(compare=False, hash=False)


@dataclass
class Snapshot:
    rows: dict[str, list[dict[str, Any]]]
    uploads: Path
    shape: Any  # what build() returned, with each ORM object replaced by its Ref


_kept: dict[str, Snapshot] = {}


def kept(key: str, build: Callable[[], Any]) -> Any:
    snapshot = _kept.get(key)
    if snapshot is None or db.session.scalar(select(func.count()).select_from(User)):
        result = build()
        db.session.commit()
        if snapshot is None:
            _kept[key] = take(result)
        return result
    restore(snapshot)
    return thaw(snapshot.shape, {})


def take(result: Any) -> Snapshot:
    rows = {}
    for table in db.metadata.sorted_tables:
        keys = [c.key for c in table.c]
        read = db.session.execute(select(*table.c).order_by(*table.primary_key.columns))
        rows[table.name] = parents_first(table, [dict(zip(keys, row, strict=True)) for row in read])
    uploads = Path(tempfile.mkdtemp(prefix="crm-test-snapshot-")) / "uploads"
    shutil.copytree(upload_folder(), uploads)
    return Snapshot(rows, uploads, freeze(result))


def parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a table that references itself (an enterprise's group parent, an industry's parent) in an order
    its foreign key accepts on insert: each after the row it names. PostgreSQL returns rows in no set order (an
    updated row moves), and a parent may have a higher id than its child."""
    links = [(fk.parent.key, fk.column.key) for fk in table.foreign_keys if fk.column.table is table]
    if not links:
        return rows
    placed: dict[str, set] = {target: set() for _child, target in links}
    ordered, pending = [], rows
    while pending:
        ready = [r for r in pending if all(r[c] is None or r[c] in placed[t] for c, t in links)]
        if not ready:  # a cycle or a dangling reference: left as it is, for the insert to report
            return ordered + pending
        for row in ready:
            for _child, target in links:
                placed[target].add(row[target])
        ordered += ready
        done = {id(row) for row in ready}
        pending = [r for r in pending if id(r) not in done]
    return ordered


def restore(snapshot: Snapshot) -> None:
    db.session.rollback()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if snapshot.rows[table.name]:
                conn.execute(table.insert(), snapshot.rows[table.name])
    db.session.expunge_all()
    folder = upload_folder()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(snapshot.uploads, folder)


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(freeze(v) for v in value)
    state = inspect(value, raiseerr=False)
    if isinstance(state, InstanceState) and state.identity is not None:
        values = {attr.key: getattr(value, attr.key) for attr in state.mapper.column_attrs}
        return Ref(type(value), state.identity, values)
    return value


def thaw(value: Any, made: dict[Ref, Any]) -> Any:
    """The shape with each Ref made into a persistent object of the session, from its saved values (no SELECT;
    its relationships load when read)."""
    if isinstance(value, Ref):
        if value not in made:
            obj = inspect(value.cls).class_manager.new_instance()
            for key, saved in value.values.items():
                setattr(obj, key, copy.deepcopy(saved))
            make_transient_to_detached(obj)
            db.session.add(obj)
            made[value] = obj
        return made[value]
    if isinstance(value, dict):
        return {k: thaw(v, made) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(thaw(v, made) for v in value)
    return value
