"""Fault points for the fault tests (test-only; the application never imports this module).

A process that reaches a fault point writes a marker file (its pid, its PostgreSQL backend pid, what it was doing)
and then sleeps, so the test can SIGKILL it at a known moment. The fault points are SQLAlchemy event listeners on
the real engine and session, armed by a plan the test writes to a JSON file:

    {"match": "<regex on the SQL>", "nth": 3, "point": "statement" | "commit" | "after_commit",
     "marker": "/tmp/.../hit.json"}

- "statement": stop right after the nth matching statement ran (inside its transaction, not committed);
- "commit": stop when the transaction that ran the nth matching statement is about to COMMIT (everything flushed);
- "after_commit": stop right after that transaction committed, before the code that follows the commit.

A plan fires once: when its marker exists it is spent (so the worker that replaces a killed one runs normally).
"""

import json
import os
import re
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

HOLD_SECONDS = 60  # far longer than any test waits for its marker; the test kills the process well before


def pause(marker: str | Path, **info) -> None:
    """Write the marker (atomically: the test never reads half of it) and wait to be killed."""
    marker = Path(marker)
    partial = marker.with_name(marker.name + ".partial")
    partial.write_text(json.dumps({"pid": os.getpid(), **info}))
    partial.rename(marker)
    time.sleep(HOLD_SECONDS)
    os._exit(3)  # nobody killed us: the test failed; do not carry on as if nothing happened


def backend_pid(conn: Connection) -> int | None:
    """The PostgreSQL server process serving this connection (None on SQLite)."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.connection.dbapi_connection.info.backend_pid


class FaultPoints:
    def __init__(self, plan_path: str | Path, info: dict):
        self.plan_path = Path(plan_path)
        self.info = info  # written into the marker too
        self.counts: dict[str, int] = {}
        self.armed: dict | None = None  # the plan whose transaction is to stop at commit / after commit

    def plan(self) -> dict | None:
        try:
            plan = json.loads(self.plan_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return None if Path(plan["marker"]).exists() else plan

    def after_statement(self, conn, _cursor, statement, _params, _context, _executemany) -> None:
        plan = self.plan()
        if plan is None or not re.search(plan["match"], statement):
            return
        count = self.counts[plan["marker"]] = self.counts.get(plan["marker"], 0) + 1
        if count != plan.get("nth", 1):
            return
        info = {
            **self.info,
            "backend_pid": backend_pid(conn),
            "statement": statement[:200],
            "point": plan["point"],
        }
        if plan["point"] == "statement":
            pause(plan["marker"], **info)
        self.armed = {"marker": plan["marker"], "point": plan["point"], "info": info}

    def before_commit(self, _conn) -> None:
        if self.armed and self.armed["point"] == "commit":
            armed, self.armed = self.armed, None
            pause(armed["marker"], **armed["info"])

    def after_commit(self, _session) -> None:
        if self.armed and self.armed["point"] == "after_commit":
            armed, self.armed = self.armed, None
            pause(armed["marker"], **armed["info"])

    def rolled_back(self, _conn) -> None:
        self.armed = None  # that transaction will not commit; the plan waits for a later one


def install(engine: Engine, plan_path: str | Path, **info) -> FaultPoints:
    """Arm the fault points of the plan in `plan_path` on `engine`; `info` goes into the marker."""
    points = FaultPoints(plan_path, info)
    event.listen(engine, "after_cursor_execute", points.after_statement)
    # ConnectionEvents.commit runs before the COMMIT itself is sent.
    event.listen(engine, "commit", points.before_commit)
    event.listen(engine, "rollback", points.rolled_back)
    event.listen(Session, "after_commit", points.after_commit)
    return points
