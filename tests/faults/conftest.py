"""Fault tests: real processes on the suite's database (its temporary SQLite file, or the PostgreSQL database of
TEST_DATABASE_URL), stopped at a known point by tests/faults/pause.py and killed with SIGKILL.

`server` is gunicorn (one sync worker) serving tests/faults/slow_wsgi.py; `fault` arms one fault point for a test
and makes sure nothing stays stopped after it; the helpers wait with timeouts and check that a dead process left no
lock behind."""

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from crm.extensions import db
from tests.conftest import PASSWORD
from tests.reminders.conftest import smtp, worked  # noqa: F401  (the reminder fixtures, reused)
from tests.teams.conftest import campaign  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
STEP_TIMEOUT = (
    20  # seconds for any one thing to happen (a marker, a process exit, a new worker); generous for
)
# a loaded CI machine: the tests poll, so on a quiet one each step takes what it takes (well under a second to ~2 s)


def wait_for(predicate: Callable[[], object], what: str, timeout: float = STEP_TIMEOUT) -> object:
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def gone(pid: int) -> bool:
    """The process has exited (a zombie that its parent has not reaped yet counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def sigkill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: gone(pid), f"process {pid} to die")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def row_is_locked(table: str, row_id: int) -> bool:
    """Whether another transaction holds a write lock that a writer of this row would wait for (PostgreSQL: a
    lock on the row; SQLite: the database's write lock), asked without waiting."""
    if is_postgres():
        with db.engine.connect() as conn:
            try:
                conn.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE NOWAIT"), {"id": row_id})
            except OperationalError:  # lock_not_available
                return True
            finally:
                conn.rollback()
        return False
    conn = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError:  # database is locked
        return True
    finally:
        conn.close()
    return False


def in_transaction(backend_pid: int | None) -> bool:
    """Whether a stopped process is inside an open write transaction (PostgreSQL: its backend is 'idle in
    transaction'; SQLite: someone holds the database's write lock)."""
    if not is_postgres():
        return row_is_locked("notifications", 0)
    with db.engine.connect() as conn:
        state = conn.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid}
        )
        return state.scalar() == "idle in transaction"


def assert_nothing_left_locked(backend_pid: int | None, table: str, row_id: int) -> None:
    """What the dead process was writing is free again, without anyone's help.

    PostgreSQL: its backend notices the closed connection and exits (rolling back), nothing in pg_locks is left
    from it, no other session holds a lock on `table`, and the row can be locked at once. SQLite: the database is
    not left locked and passes its integrity check (the next reader replays the dead writer's rollback journal)."""
    db.session.remove()
    if is_postgres():
        assert backend_pid, "the fault point did not record its PostgreSQL backend"
        active = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")

        def backend_gone() -> bool:
            count = db.session.scalar(active, {"pid": backend_pid})
            db.session.rollback()  # pg_stat_activity is a snapshot per transaction: look afresh each time
            return count == 0

        wait_for(backend_gone, "the dead process's backend to exit")
        assert (
            db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE pid = :pid"), {"pid": backend_pid})
            == 0
        )
        others = text("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                      "WHERE c.relname = :table AND l.pid <> pg_backend_pid()")  # fmt: skip
        assert db.session.scalar(others, {"table": table}) == 0
        db.session.rollback()
    else:
        conn = sqlite3.connect(db.engine.url.database)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
    assert not row_is_locked(table, row_id)
    db.session.remove()


@dataclass
class Fault:
    """One fault point armed for a test (see tests/faults/pause.py for the points)."""

    plan: Path
    marker: Path

    def arm(self, match: str, point: str, nth: int = 1) -> None:
        self.plan.write_text(
            json.dumps({"match": match, "point": point, "nth": nth, "marker": str(self.marker)})
        )

    def hit(self, timeout: float = STEP_TIMEOUT, running: Callable[[], bool] = lambda: True) -> dict:
        """Wait until a process stops at the fault point; returns what it wrote (pid, backend_pid, statement)."""
        wait_for(lambda: self.marker.exists() or not running(), "the fault point", timeout)
        assert self.marker.exists(), "the process finished without reaching the fault point"
        return json.loads(self.marker.read_text())


@pytest.fixture
def fault(tmp_path, request) -> Iterator[Fault]:
    """A fault plan for this test; gunicorn's worker reads it from the server's plan file, subprocesses from their
    own. Afterwards the plan is removed and a process still stopped at the point is killed."""
    plan = (
        request.getfixturevalue("server").plan if "server" in request.fixturenames else tmp_path / "plan.json"
    )
    armed = Fault(plan, tmp_path / "hit.json")
    try:
        yield armed
    finally:
        plan.unlink(missing_ok=True)
        if armed.marker.exists():
            pid = json.loads(armed.marker.read_text())["pid"]
            if not gone(pid):
                sigkill(pid)


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    plan: Path
    uploads: Path
    log: Path

    def login(self, user) -> requests.Session:
        session = requests.Session()
        response = session.post(f"{self.url}/auth/login", data={"username": user.username, "password": PASSWORD},
                                allow_redirects=False, timeout=STEP_TIMEOUT)  # fmt: skip
        assert response.status_code == 302, response.text[:500]
        return session

    def in_flight(self, session: requests.Session, path: str, **kwargs) -> Future:
        """Send a POST from a thread: it hangs while the worker is stopped at the fault point."""
        pool = ThreadPoolExecutor(1)
        future = pool.submit(
            session.post, self.url + path, allow_redirects=False, timeout=3 * STEP_TIMEOUT, **kwargs
        )
        pool.shutdown(wait=False)
        return future

    def alive(self) -> bool:
        return self.process.poll() is None


def _stop(process: subprocess.Popen) -> None:
    """TERM the master (it stops its worker); if it does not go, KILL its process group (gunicorn's own)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group started for this server (start_new_session)
    process.wait(timeout=10)


@pytest.fixture(scope="package")
def server(app, tmp_path_factory) -> Iterator[Server]:
    """gunicorn with one sync worker (as in production, where `gunicorn -w 4 wsgi:app` runs) on the suite's
    database; its master replaces a worker that dies."""
    folder = tmp_path_factory.mktemp("gunicorn")
    plan, log, uploads = folder / "plan.json", folder / "gunicorn.log", folder / "uploads"
    env = {**ENV, "FAULT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "FAULT_PLAN": str(plan),
           "FAULT_UPLOAD_FOLDER": str(uploads)}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync",
               "--bind", "127.0.0.1:0", "--timeout", "120", "--graceful-timeout", "5",
               "--error-logfile", str(log), "--log-level", "info", "tests.faults.slow_wsgi:app"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:

        def listening():
            assert process.poll() is None, log.read_text() if log.exists() else "gunicorn exited"
            found = re.search(r"Listening at: (http://\S+)", log.read_text()) if log.exists() else None
            return found and found.group(1)

        url = wait_for(listening, "gunicorn to listen", timeout=30)
        wait_for(lambda: _answers(url), "gunicorn's worker to answer", timeout=30)
        yield Server(process, url, plan, uploads, log)
    finally:
        _stop(process)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/auth/login", timeout=STEP_TIMEOUT).status_code == 200
    except requests.ConnectionError:
        return False


def kill_during(
    server, fault, session, path: str, match: str, point: str, nth: int = 1, locked=None, **request
) -> dict:
    """POST `path`; when the worker stops at the fault point, SIGKILL it. The client sees the connection drop.
    `locked` (table, id): a row the stopped worker's open transaction must hold locked at that moment."""
    fault.arm(match, point, nth)
    answer = server.in_flight(session, path, **request)
    try:
        hit = fault.hit(running=lambda: not answer.done())
    except AssertionError:
        ended = answer.exception() or answer.result()
        raise AssertionError(f"the request ended without reaching the fault point: {ended!r}") from None
    if locked:
        assert row_is_locked(*locked), "the worker stopped outside its transaction?"
    sigkill(hit["pid"])
    with pytest.raises(requests.ConnectionError):
        answer.result(timeout=STEP_TIMEOUT)
    assert server.alive(), "gunicorn's master died with its worker"
    return hit


def next_request(server, session, path: str, killed: int) -> requests.Response:
    """The user reloads the page: the master has started a new worker, which answers (the request waits in the
    listening socket's queue meanwhile). Timed: recovering takes seconds, not minutes."""
    started = time.monotonic()
    page = session.get(server.url + path, timeout=2 * STEP_TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["X-Worker-Pid"] != str(killed), "the dead worker answered?"
    assert time.monotonic() - started < STEP_TIMEOUT
    return page
