"""Backups and restores of the whole database: `flask crm backup` / `flask crm restore`.

SQLite uses the online backup API, so a backup can be taken while the app and the scheduler write: the copy is a
consistent snapshot. PostgreSQL uses pg_dump's custom format and pg_restore in one transaction (so a restore that
fails half-way leaves the old data); both programs must be on PATH and match the server's major version.
"""

import os
import sqlite3
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from crm.errors_domain import DomainError
from crm.extensions import db


class BackupError(DomainError):
    """The backup or restore could not be done; nothing was changed."""


@dataclass
class Outcome:
    path: Path
    revision: str | None  # the schema revision the data is at
    tables: int
    rows: int


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string without the password, which goes to the child's environment instead (so it
    does not show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def default_path(now: datetime) -> Path:
    suffix = "sqlite3" if _url().get_backend_name() == "sqlite" else "dump"
    return Path(current_app.config["BACKUP_DIR"]) / f"crm-{now:%Y%m%d-%H%M%S}.{suffix}"


# Ordinary tables only: the search index's virtual table and its shadow tables are rebuilt from the
# enterprises by their triggers, so they are copied with the file but are not counted as data.
_SQLITE_TABLES = "PRAGMA main.table_list"


def _sqlite_tables(rows: Iterable[Sequence[Any]]) -> list[str]:
    """Names of the ordinary tables among PRAGMA table_list's rows (schema, name, type, ...)."""
    return [name for _schema, name, kind, *_ in rows if kind == "table" and not name.startswith("sqlite_")]


def _sqlite_summary(conn: sqlite3.Connection) -> tuple[str | None, int, int]:
    """(revision, tables, rows) of a SQLite database after checking its integrity."""
    try:
        healthy = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError as error:
        raise BackupError(f"not a SQLite database: {error}") from None
    if not healthy:
        raise BackupError("the SQLite file fails its integrity check")
    names = _sqlite_tables(conn.execute(_SQLITE_TABLES))
    if "alembic_version" not in names:
        raise BackupError("the file is not a CRM database (it has no schema revision)")
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    rows = sum(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names)
    return (revision[0] if revision else None), len(names), rows


def _summary() -> tuple[str | None, int, int]:
    """(revision, tables, rows) of the configured database, read through the app's engine."""
    db.session.remove()
    db.engine.dispose()  # connections opened before a restore must not serve stale pages
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            tables = _sqlite_tables(conn.exec_driver_sql(_SQLITE_TABLES))
        else:
            tables = db.inspect(conn).get_table_names()
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        rows = sum(
            cast(int, conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()) for name in tables
        )
    return revision, len(tables), rows


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def head_revisions() -> set[str]:
    return set(_scripts().get_heads())


def backup(path: Path) -> Outcome:
    """Write a consistent copy of the whole database to `path` (which must not exist)."""
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            revision, tables, rows = _sqlite_summary(target)
        finally:
            target.close()
            source.close()
        return Outcome(path, revision, tables, rows)
    conninfo, env = _libpq(url)
    try:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", conninfo], env)
    except BackupError:
        path.unlink(missing_ok=True)
        raise
    return Outcome(path, *_summary())


def restore(path: Path) -> Outcome:
    """Replace the configured database's contents with the backup at `path`, all or nothing. Stop the web
    servers and the scheduler first; run `flask db upgrade` afterwards if the backup is from an older release."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            revision, _tables, _rows = _sqlite_summary(source)
            if revision not in known_revisions():
                raise BackupError(f"the backup's schema revision {revision} is unknown to this release")
            db.session.remove()
            db.engine.dispose()
            target = sqlite3.connect(_sqlite_file(url))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    else:
        conninfo, env = _libpq(url)
        db.session.remove()
        db.engine.dispose()
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             f"--dbname={conninfo}", str(path)],
            env,
        )  # fmt: skip
    return Outcome(path, *_summary())
