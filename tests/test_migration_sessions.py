"""a9c1e3f5b7d2 with data, on SQLite and PostgreSQL: the sessions and clearances tables and the login attempts'
device and throttled columns come and go; the attempts on file keep every value (old ones counted, not
throttled, no device), and an attempt, a session and a clearance written at the new revision survive nothing but
the downgrade that removes them."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "e7a9c1b3d5f8", "a9c1e3f5b7d2"
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
ATTEMPTS = "SELECT id, username, ip, succeeded FROM login_attempts ORDER BY id"


def _schema() -> tuple[bool, bool, set[str]]:
    with db.engine.connect() as conn:
        found = inspect(conn)
        columns = {c["name"] for c in found.get_columns("login_attempts")}
        return found.has_table("user_sessions"), found.has_table("login_throttle_resets"), columns


def _attempt(conn, username: str, succeeded: bool) -> None:
    conn.execute(text("INSERT INTO login_attempts (username, ip, succeeded, at) VALUES (:u, '10.0.0.1', :s, :at)"),
                 {"u": username, "s": succeeded, "at": AT})  # fmt: skip


def test_sessions_migration_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        with db.engine.begin() as conn:
            _attempt(conn, "mgr", True)
            _attempt(conn, "张三", False)
        before = _rows(ATTEMPTS)
        has_sessions, has_resets, columns = _schema()
        assert not has_sessions and not has_resets and not {"device", "throttled"} & columns
        for _round in range(2):
            upgrade(revision=REVISION)
            has_sessions, has_resets, columns = _schema()
            assert has_sessions and has_resets and {"device", "throttled"} <= columns
            assert _rows(ATTEMPTS)[: len(before)] == before
            assert _rows("SELECT device, throttled FROM login_attempts ORDER BY id")[: len(before)] == [
                (None, False)
            ] * len(before)
            user = _rows("SELECT id FROM users ORDER BY id LIMIT 1")[0][0]
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO login_attempts (username, ip, succeeded, at, device, throttled) "
                         "VALUES ('mgr', '10.0.0.2', :f, :at, 'abcd', :t)"), {"f": False, "t": True, "at": AT}
                )  # fmt: skip
                conn.execute(
                    text("INSERT INTO user_sessions (user_id, token_hash, created_at, last_seen_at, expires_at) "
                         "VALUES (:u, :h, :at, :at, :at)"), {"u": user, "h": "0" * 64, "at": AT}
                )  # fmt: skip
                conn.execute(text("INSERT INTO login_throttle_resets (username, cleared_by_id, at) "
                                  "VALUES ('张三', :u, :at)"), {"u": user, "at": AT})  # fmt: skip
            assert _rows("SELECT user_id, remember FROM user_sessions") == [(user, False)]
            assert _rows("SELECT username, ip FROM login_throttle_resets") == [("张三", None)]
            downgrade(revision=BEFORE)
            has_sessions, has_resets, columns = _schema()
            assert not has_sessions and not has_resets and not {"device", "throttled"} & columns
            after = _rows(ATTEMPTS)
            assert after[: len(before)] == before and after[len(before)][1:] == ("mgr", "10.0.0.2", False)
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM login_attempts WHERE ip = '10.0.0.2'"))
