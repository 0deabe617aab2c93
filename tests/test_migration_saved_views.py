"""f8b0d2c4e6a1 with data, on SQLite and PostgreSQL: the saved views and their pins come and go, the users they
belong to stay; a view's pins go with it (ON DELETE CASCADE)."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "d6e8f0a2b4c7", "f8b0d2c4e6a1"
AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
USERS = "SELECT id, username, role FROM users ORDER BY id"


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return {"saved_views", "saved_view_pins"} & set(inspect(conn).get_table_names())


def test_saved_views_migration_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        users = _rows(USERS)
        owner = users[0][0]
        assert _tables() == set()
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _tables() == {"saved_views", "saved_view_pins"}
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO saved_views (owner_id, list_key, name, query, audience, locked, created_at, "
                         "updated_at, version) VALUES (:o, 'whitelist', '红灯（东昌府）', 'light=red&sort=name', "
                         "'city', :t, :at, :at, 1)"),
                    {"o": owner, "t": True, "at": AT},
                )  # fmt: skip
                view = conn.execute(text("SELECT id FROM saved_views")).scalar_one()
                conn.execute(text("INSERT INTO saved_view_pins (user_id, view_id, pinned_at) VALUES (:u, :v, :at)"),
                             {"u": owner, "v": view, "at": AT})  # fmt: skip
            assert _rows("SELECT name, query, audience FROM saved_views") == [
                ("红灯（东昌府）", "light=red&sort=name", "city")
            ]
            with db.engine.begin() as conn:  # the same name twice for one owner is refused
                try:
                    with conn.begin_nested():
                        conn.execute(
                            text("INSERT INTO saved_views (owner_id, list_key, name, query, audience, locked, "
                                 "created_at, updated_at, version) VALUES (:o, 'whitelist', '红灯（东昌府）', '', "
                                 "'private', :f, :at, :at, 1)"),
                            {"o": owner, "f": False, "at": AT},
                        )  # fmt: skip
                    duplicate = True
                except Exception:  # noqa: BLE001  (the unique constraint's error differs by driver)
                    duplicate = False
            assert not duplicate
            if (
                db.engine.dialect.name == "postgresql"
            ):  # SQLite enforces foreign keys per connection (app's own)
                with db.engine.begin() as conn:
                    conn.execute(text("DELETE FROM saved_views"))
                assert _rows("SELECT user_id FROM saved_view_pins") == []
            downgrade(revision=BEFORE)
            assert _tables() == set()
            assert _rows(USERS) == users
