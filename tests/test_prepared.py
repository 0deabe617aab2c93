"""crm/prepared.py: on PostgreSQL a request that only read ends in COMMIT, so its connection keeps the statements
psycopg prepared; a transaction that wrote is still rolled back when the view did not commit it."""

import pytest
from sqlalchemy import event, func, select, text

from crm.auth.models import User
from crm.extensions import db
from crm.prepared import end_read_only, reads_only
from crm.whitelist.models import WhitelistEntry


@pytest.mark.parametrize(
    "statement, read",
    [
        ("SELECT whitelist_entries.id FROM whitelist_entries", True),
        ("  select 1", True),
        ("SELECT id FROM tasks WHERE id = 1 FOR UPDATE SKIP LOCKED", True),
        ("SET LOCAL work_mem = '64MB'", True),
        ("SHOW server_version", True),
        ("WITH lit AS MATERIALIZED (SELECT 1) SELECT * FROM lit", True),
        ("WITH moved AS (UPDATE tasks SET status = 'done' RETURNING id) SELECT count(*) FROM moved", False),
        ("WITH n AS (SELECT 1) INSERT INTO notifications (id) SELECT * FROM n", False),
        ("INSERT INTO events (action) VALUES ('x')", False),
        ("UPDATE whitelist_entries SET version = version + 1", False),
        ("DELETE FROM mutes WHERE user_id = 1", False),
        ("CREATE TEMPORARY TABLE scan_days (day date)", False),
        ("SET work_mem = '1GB'", False),  # a session setting outlives the transaction: not the read path's
    ],
)
def test_which_statements_only_read(statement, read):
    assert reads_only(statement) is read


@pytest.fixture
def transaction_ends(app):
    seen: list[str] = []

    def commit(conn):
        seen.append("commit")

    def rollback(conn):
        seen.append("rollback")

    event.listen(db.engine, "commit", commit)
    event.listen(db.engine, "rollback", rollback)
    yield seen
    event.remove(db.engine, "commit", commit)
    event.remove(db.engine, "rollback", rollback)


def test_a_read_only_request_ends_in_commit_on_postgresql_only(app, transaction_ends):
    with app.test_request_context("/"):
        db.session.execute(select(WhitelistEntry.id).limit(1)).all()
        end_read_only(None)
        db.session.remove()
    postgres = db.engine.dialect.name == "postgresql"
    assert transaction_ends[:1] == (["commit"] if postgres else ["rollback"])


def test_a_write_the_view_did_not_commit_is_rolled_back(app, make_user, transaction_ends):
    user = make_user("member", "371502")
    user_id, name = user.id, user.full_name
    db.session.remove()
    transaction_ends.clear()
    with app.test_request_context("/"):
        db.session.execute(
            text("UPDATE users SET full_name = :n WHERE id = :id"), {"n": "未提交的改名", "id": user_id}
        )
        end_read_only(None)  # wrote: left to the close
        db.session.remove()
    assert "commit" not in transaction_ends
    assert db.session.scalar(text("SELECT full_name FROM users WHERE id = :id"), {"id": user_id}) == name


def test_a_failed_request_is_rolled_back(app, transaction_ends):
    with app.test_request_context("/"):
        db.session.execute(select(WhitelistEntry.id).limit(1)).all()
        end_read_only(RuntimeError("the view failed"))
        db.session.remove()
    assert "commit" not in transaction_ends


def test_pages_keep_their_prepared_statements_between_requests(app, client, login, make_user, make_entry):
    """psycopg prepares a statement after five runs on a connection; a ROLLBACK at the end of each request made it
    forget them all."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (run with TEST_DATABASE_URL)")
    manager = make_user("manager")
    entry = make_entry(make_user("member", "371502"), name="聊城预备语句测试（山东）有限公司")
    login(manager)
    entry_id = entry.id
    db.session.remove()
    db.engine.dispose()  # one connection from here on (the requests run one after another), so the check reads it
    for _ in range(8):
        assert client.get(f"/whitelist/{entry_id}").status_code == 200
    db.session.remove()
    prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM whitelist_entries" in s for s in prepared), prepared


def test_what_a_read_only_request_loaded_keeps_its_values(app):
    """The COMMIT that ends a read-only request expires nothing: an object kept past it still reads."""
    with app.test_request_context("/"):
        entry_count = db.session.scalar(select(func.count()).select_from(WhitelistEntry))
        user = db.session.scalars(select(User).limit(1)).first()
        end_read_only(None)
        db.session.remove()
    if user is not None:
        assert user.username  # detached, with its values
    assert entry_count >= 0


def test_an_app_context_without_a_request_is_left_to_the_close(app, transaction_ends):
    """Jobs and commands run in an app context without a request: their transactions end as before."""
    with app.app_context():
        db.session.execute(select(WhitelistEntry.id).limit(1)).all()
    assert transaction_ends[:1] == ["rollback"]
