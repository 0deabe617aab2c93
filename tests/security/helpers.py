"""What the security tests share: a copy of every table (to prove that a request changed nothing, or only added
to the audit trail), signing in by session cookie, and the URL map's rules turned into concrete URLs."""

import re
from dataclasses import dataclass

from sqlalchemy import select

from crm.extensions import db
from tests.conftest import PASSWORD

ANONYMOUS = "anonymous"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask itself from GET and the rule's methods


@dataclass(frozen=True)
class AuditRule:
    """An audit table: rows are only ever added. `changeable` columns may change on an existing row, by the one
    legitimate action named in `why`; every other column of every existing row stays byte-identical."""

    changeable: frozenset = frozenset()
    why: str = ""


AUDIT_TABLES = {
    "events": AuditRule(),  # the record's history (crm/history.py)
    "assignments": AuditRule(),  # every hand-over of a target
    "enterprise_merges": AuditRule(),  # what a merge folded into what
    "contact_logs": AuditRule(),  # the teams' contact trail
    "instruction_steps": AuditRule(),  # the thread of a leader's instruction
    "login_attempts": AuditRule(),  # throttling and the login record
    "import_batches": AuditRule(
        frozenset({"status", "reverted_at", "reverted_by_id", "version"}), "imports.revert marks it reverted"
    ),
    "import_items": AuditRule(
        frozenset({"entry_id", "enterprise_id"}), "imports.revert unlinks the records it removed"
    ),
    "escalations": AuditRule(frozenset({"acknowledged_at", "note"}), "the recipient acknowledges it once"),
}


def _read_all(conn) -> dict[str, dict[tuple, dict]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        key = [c.name for c in table.primary_key.columns]
        rows = conn.execute(select(table)).mappings().all()
        tables[table.name] = {tuple(row[k] for k in key): dict(row) for row in rows}
    return tables


def snapshot() -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by primary key, as committed (read on a connection of its own)."""
    with db.engine.connect() as conn:
        return _read_all(conn)


class Watcher:
    """Snapshots for a long series of requests: the tables are read again only when the database says something
    was committed since the last read (SQLite's data_version; PostgreSQL's next transaction id, which any writer
    in the cluster moves, so it errs on the side of reading again)."""

    def __init__(self):
        self.conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        sqlite = self.conn.dialect.name == "sqlite"
        self.probe = "PRAGMA data_version" if sqlite else "SELECT pg_snapshot_xmax(pg_current_snapshot())"
        self.marker, self.tables = None, None

    def take(self) -> dict[str, dict[tuple, dict]]:
        marker = self.conn.exec_driver_sql(self.probe).scalar()
        if marker != self.marker or self.tables is None:
            # The marker is from before the read: a commit landing during the read is seen next time.
            self.tables, self.marker = _read_all(self.conn), marker
        return self.tables

    def close(self) -> None:
        self.conn.close()


def counts(tables: dict) -> dict[str, int]:
    return {name: len(rows) for name, rows in tables.items()}


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, in words ('events: +2', 'teams #3: name')."""
    out = []
    for name, old in before.items():
        new = after[name]
        added, removed = new.keys() - old.keys(), old.keys() - new.keys()
        if added:
            out.append(f"{name}: +{len(added)}")
        if removed:
            out.append(f"{name}: -{len(removed)} {sorted(removed)[:5]}")
        for key in old.keys() & new.keys():
            changed = [c for c in old[key] if old[key][c] != new[key][c]]
            if changed:
                out.append(f"{name} {key}: {', '.join(changed)}")
    return out


def audit_changes(before: dict, after: dict) -> list[str]:
    """Rows of the audit tables that were removed, or changed beyond what AUDIT_TABLES allows."""
    out = []
    for name, rule in AUDIT_TABLES.items():
        old, new = before[name], after[name]
        gone = old.keys() - new.keys()
        if gone:
            out.append(f"{name}: rows removed {sorted(gone)[:5]}")
        for key in old.keys() & new.keys():
            changed = {c for c in old[key] if old[key][c] != new[key][c]} - rule.changeable
            if changed:
                out.append(f"{name} {key}: {', '.join(sorted(changed))} changed")
    return out


def sign_in(client, user) -> str:
    """Log `user` in through the login form; returns the session cookie, to be put back before each request."""
    client.delete_cookie("session")
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.data.decode()[:300]
    return client.get_cookie("session").value


def use_session(client, cookie: str | None) -> None:
    """Be this user again (a logout or a flash in the previous request changed the cookie), or nobody."""
    if cookie is None:
        client.delete_cookie("session")
    else:
        client.set_cookie("session", cookie)


ARG = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<opts>[^)]*)\))?:)?(?P<name>\w+)>")


def rule_args(rule) -> list[tuple[str, str, list[str]]]:
    """(name, converter, options) of each argument in the rule's path; options only for any(...)."""
    return [
        (m["name"], m["conv"] or "default", [o.strip() for o in (m["opts"] or "").split(",") if o.strip()])
        for m in ARG.finditer(rule.rule)
    ]


def fill(rule, values: dict) -> list[str]:
    """The rule's path with its arguments filled from `values`; an any(...) argument gives one URL per option."""
    urls = [rule.rule]
    for name, conv, options in rule_args(rule):
        choices = options if conv == "any" else [values[name]]
        pattern = re.compile(r"<(?:[^<>]*:)?" + name + ">")
        urls = [pattern.sub(str(choice), url, count=1) for url in urls for choice in choices]
    return urls


def rules_by_endpoint(app) -> dict[str, list]:
    found: dict[str, list] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, []).append(rule)
    return found


def methods(rule) -> list[str]:
    return sorted(rule.methods - SKIPPED_METHODS)
