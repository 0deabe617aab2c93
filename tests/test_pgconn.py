"""crm/pgconn.py: on PostgreSQL a request reads outside a transaction (no BEGIN, no COMMIT) and its first write opens
one, so writes stay atomic and locks are held; a connection is pinged only after it sat idle, and a dead one is
replaced. Real PostgreSQL connections, a real pg_terminate_backend."""

import psycopg
import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from crm import pgconn
from crm.auth.models import User
from crm.extensions import db
from crm.pgconn import plain_read
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "statement, plain",
    [
        ("SELECT whitelist_entries.id FROM whitelist_entries", True),
        ("  select 1", True),
        ("SHOW server_version", True),
        ("WITH lit AS MATERIALIZED (SELECT 1) SELECT * FROM lit", True),
        # conservative: words in a literal count too, which costs that read a transaction and nothing else
        ("SELECT id FROM users WHERE full_name = 'for update'", False),
        ("SELECT id FROM tasks WHERE id = 1 FOR UPDATE", False),
        ("SELECT id FROM tasks WHERE id = 1 FOR UPDATE SKIP LOCKED", False),
        ("SELECT id FROM tasks WHERE id = 1 FOR NO KEY UPDATE", False),
        ("SELECT id FROM tasks FOR SHARE", False),
        ("SELECT id FROM tasks FOR KEY SHARE", False),
        ("WITH moved AS (UPDATE tasks SET status = 'done' RETURNING id) SELECT count(*) FROM moved", False),
        ("WITH n AS (SELECT 1) INSERT INTO notifications (id) SELECT * FROM n", False),
        ("INSERT INTO events (action) VALUES ('x')", False),
        ("UPDATE whitelist_entries SET version = version + 1", False),
        ("DELETE FROM mutes WHERE user_id = 1", False),
        (
            'WITH m AS (UPDATE "user" SET a = 1 RETURNING a) SELECT * FROM m',
            False,
        ),  # a quoted name after UPDATE
        ("UPDATE  tasks SET status = 'done'", False),
        ("SELECT pg_advisory_xact_lock(42)", False),  # a lock held to the end of the transaction
        ("SELECT set_config('work_mem', '64MB', true)", False),
        ("SELECT updated_at, deleted_at, last_update FROM whitelist_entries", True),  # words inside names
        ("SET LOCAL work_mem = '64MB'", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("CREATE TEMPORARY TABLE scan_days (day date)", False),
    ],
)
def test_which_statements_may_run_outside_a_transaction(statement, plain):
    assert plain_read(statement) is plain


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL): SQLite keeps its transactions and has no server to ping"
        )
    return app


def _status() -> psycopg.pq.TransactionStatus:
    """The transaction status of the session's connection, as the server reported it last."""
    return db.session.connection().connection.driver_connection.info.transaction_status


def test_a_request_reads_outside_a_transaction(postgres):
    with postgres.test_request_context("/"):
        assert db.session.scalar(select(User.id).limit(1)) is None
        assert _status() == psycopg.pq.TransactionStatus.IDLE  # no BEGIN was sent
        db.session.remove()


def test_outside_a_request_connections_keep_their_transactions(postgres):
    """The scheduler's jobs and the commands run in an app context only: a read opens a transaction there."""
    with postgres.app_context():
        db.session.scalar(select(User.id).limit(1))
        assert _status() == psycopg.pq.TransactionStatus.INTRANS
        db.session.remove()


def test_the_first_write_opens_a_transaction_and_a_rollback_undoes_every_write(postgres, make_user):
    user = make_user("member", "371502")
    user_id, name = user.id, user.full_name
    db.session.remove()
    with postgres.test_request_context("/"):
        db.session.scalar(select(User.full_name).where(User.id == user_id))
        db.session.add(User(username="未保存的人", full_name="未保存的人", role="member", password_hash="x"))
        db.session.flush()  # INSERT: from here on, one transaction
        assert _status() == psycopg.pq.TransactionStatus.INTRANS
        db.session.execute(text("UPDATE users SET full_name = '改名' WHERE id = :id"), {"id": user_id})
        db.session.rollback()
        db.session.remove()
    assert db.session.scalar(select(User.full_name).where(User.id == user_id)) == name
    assert db.session.scalar(select(User.id).where(User.username == "未保存的人")) is None


def test_a_commit_keeps_the_writes_and_later_reads_are_outside_a_transaction_again(postgres):
    with postgres.test_request_context("/"):
        db.session.add(User(username="新同事", full_name="新同事", role="member", password_hash="x"))
        db.session.commit()
        assert db.session.scalar(select(User.full_name).where(User.username == "新同事")) == "新同事"
        assert _status() == psycopg.pq.TransactionStatus.IDLE
        db.session.remove()


def test_a_write_after_a_commit_in_the_same_request_is_atomic_again(postgres):
    """Commit, then two more writes and a rollback: the committed one stays, both later ones are gone."""
    with postgres.test_request_context("/"):
        db.session.add(User(username="先提交的人", full_name="先提交的人", role="member", password_hash="x"))
        db.session.commit()
        assert db.session.scalar(select(User.id).where(User.username == "先提交的人")) is not None
        assert _status() == psycopg.pq.TransactionStatus.IDLE
        db.session.add(User(username="后来的人", full_name="后来的人", role="member", password_hash="x"))
        db.session.flush()
        db.session.execute(text("UPDATE users SET full_name = '改了' WHERE username = '先提交的人'"))
        assert _status() == psycopg.pq.TransactionStatus.INTRANS
        db.session.rollback()
        db.session.remove()
    names = dict(db.session.execute(select(User.username, User.full_name)).all())
    assert names.get("先提交的人") == "先提交的人" and "后来的人" not in names


def test_a_savepoint_in_a_request_runs_in_its_transaction(postgres):
    with postgres.test_request_context("/"):
        db.session.scalar(select(User.id).limit(1))
        with db.session.begin_nested():  # SAVEPOINT: only inside a transaction
            db.session.add(
                User(username="保存点里的人", full_name="保存点里的人", role="member", password_hash="x")
            )
        db.session.commit()
        db.session.remove()
    assert db.session.scalar(select(User.id).where(User.username == "保存点里的人")) is not None


def test_everyday_pages_read_outside_a_transaction(postgres, client, make_user):
    """Every statement of a member's everyday GETs is sent in autocommit (no BEGIN before any of them)."""
    user = make_user("member", "371502")
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    seen: list[tuple[bool, str]] = []

    def record(_conn, cursor, statement, *_args):  # runs after crm.pgconn's listener
        seen.append((cursor.connection.autocommit, statement))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for url in ("/", "/plans/tasks", "/whitelist/", "/inbox/", "/teams/", "/enterprises/"):
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) > 6
    assert [statement for autocommit, statement in seen if not autocommit] == []


def test_a_locking_read_holds_its_lock_until_the_request_commits(postgres, make_user):
    user_id = make_user("member", "371502").id
    db.session.remove()
    with postgres.test_request_context("/"):
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update()).all()
        assert _status() == psycopg.pq.TransactionStatus.INTRANS
        with db.engine.connect() as other, pytest.raises(Exception, match="could not obtain lock"):
            other.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE NOWAIT"), {"id": user_id})
        db.session.commit()
        with db.engine.connect() as other:
            locked = text("SELECT id FROM users WHERE id = :id FOR UPDATE NOWAIT")
            assert other.execute(locked, {"id": user_id}).scalar() == user_id
        db.session.remove()


def test_a_page_and_a_form_work_through_the_test_client(postgres, client, make_user):
    """The whole path: a signed-in GET reads outside a transaction, a POST writes in one and commits."""
    user = make_user("member", "371502")
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert client.get("/plans/tasks").status_code == 200
    assert client.post("/inbox/read-all").status_code in (302, 303)


@pytest.fixture
def pings(postgres, monkeypatch):
    """Counts the pings the pool's checkout sends (the dialect's own ping, run for real), on an emptied pool (it
    hands out the connection returned longest ago first: one of an earlier test may have been idle for long)."""
    db.session.remove()
    db.engine.dispose()
    sent: list[int] = []
    ping = db.engine.dialect.do_ping

    def counted(dbapi_conn):
        sent.append(1)
        return ping(dbapi_conn)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return sent


def _backend_pid() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(pings):
    first = _backend_pid()
    assert _backend_pid() == first  # the same connection, handed out again
    assert pings == []


def test_a_live_connection_idle_for_a_while_is_pinged_and_kept(pings, monkeypatch):
    first = _backend_pid()
    monkeypatch.setattr(pgconn, "IDLE_PING", 0.0)
    assert _backend_pid() == first
    assert len(pings) == 1


def test_a_connection_idle_for_a_while_is_pinged_and_replaced_when_it_died(pings, monkeypatch):
    dead = _backend_pid()  # now back in the pool
    outside = create_engine(
        db.engine.url, poolclass=NullPool
    )  # ends it from outside the pool, as a restart would
    with outside.connect() as conn:
        # waits (up to 5 s) until the backend is gone, so the ping below cannot race its exit
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": dead})
    outside.dispose()
    monkeypatch.setattr(pgconn, "IDLE_PING", 0.0)  # every connection counts as idle for long
    fresh = _backend_pid()
    assert fresh != dead
    assert len(pings) == 1


def test_a_streamed_read_gets_the_transaction_its_server_side_cursor_needs(postgres, make_user):
    """The exports stream their rows (yield_per: a server-side cursor, which exists only in a transaction)."""
    for n in range(3):
        make_user("member", "371502", username=f"导出{n}")
    db.session.remove()
    with postgres.test_request_context("/"):
        streamed = select(User.username).order_by(User.username).execution_options(yield_per=2)
        assert list(db.session.scalars(streamed)) == ["导出0", "导出1", "导出2"]
        db.session.remove()


@pytest.mark.parametrize("in_request", [True, False], ids=["in a request", "in a job"])
def test_a_connection_asked_for_autocommit_runs_what_cannot_run_in_a_transaction(postgres, in_request):
    """VACUUM (the benchmarks' seeding) and CREATE INDEX CONCURRENTLY refuse a transaction block: a connection
    whose user asked for AUTOCOMMIT by name keeps it, whatever the statement."""
    context = postgres.test_request_context("/") if in_request else postgres.app_context()
    with context, db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE users"))
        conn.execute(text("CREATE INDEX CONCURRENTLY ix_users_autocommit_probe ON users (username)"))
        assert conn.connection.driver_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        conn.execute(text("DROP INDEX CONCURRENTLY ix_users_autocommit_probe"))
