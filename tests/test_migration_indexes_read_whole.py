"""c5d7e9f1a3b6 with data, on SQLite and PostgreSQL: contact logs and entries on file keep every row, the week's
query and the list's order find the same rows through the new indexes; down and up again swap the indexes back
and forth."""

from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "b8e2f4a6c1d3", "c5d7e9f1a3b6"
OLD, NEW = "ix_contact_logs_occurred_at", "ix_contact_logs_occurred_entry_kind"
LIST_OLD, LIST_NEW = "ix_whitelist_entries_updated_at", "ix_whitelist_entries_updated_id"
LIST = "SELECT id FROM whitelist_entries ORDER BY updated_at DESC, id DESC"
WEEK = "SELECT entry_id, kind, count(*) FROM contact_logs WHERE occurred_at >= :lower AND occurred_at < :upper GROUP BY entry_id, kind ORDER BY entry_id, kind"  # noqa: E501


def _indexes() -> set[str]:
    with db.engine.connect() as conn:
        found = inspect(conn)
        return {i["name"] for t in ("contact_logs", "whitelist_entries") for i in found.get_indexes(t)} & {
            OLD, NEW, LIST_OLD, LIST_NEW}  # fmt: skip


def _week(monday: datetime) -> list[tuple]:
    rows = [
        tuple(r) for r in db.session.execute(text(WEEK), {"lower": monday, "upper": monday + timedelta(7)})
    ]
    db.session.commit()
    return rows


def test_rankings_index_migration_keeps_the_logs_and_comes_back(old_schema_app):  # noqa: F811
    monday = datetime(2026, 11, 30, tzinfo=UTC) - timedelta(hours=8)  # 00:00 in Beijing
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        logs = [
            {"id": i, "entry_id": 1 + i % 5, "occurred_at": monday + timedelta(hours=13 * i),
             "kind": ("visit", "inbound", "phone")[i % 3], "summary": f"第{i}次对接（２０２６）"}
            for i in range(20)
        ]  # fmt: skip
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO contact_logs (id, entry_id, occurred_at, kind, summary, created_by_id, created_at)"
                     " VALUES (:id, :entry_id, :occurred_at, :kind, :summary, 1, :occurred_at)"), logs,
            )  # fmt: skip
        everything = _rows("SELECT id, entry_id, occurred_at, kind, summary FROM contact_logs ORDER BY id")
        week = _week(monday)
        order = _rows(LIST)
        assert (
            _indexes() == {OLD, LIST_OLD} and sum(n for _e, _k, n in week) == 13
        )  # 13 of the 20 in that week
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _indexes() == {NEW, LIST_NEW}
            assert _week(monday) == week and _rows(LIST) == order
            assert (
                _rows("SELECT id, entry_id, occurred_at, kind, summary FROM contact_logs ORDER BY id")
                == everything
            )
            downgrade(revision=BEFORE)
            assert _indexes() == {OLD, LIST_OLD}
            assert _week(monday) == week and _rows(LIST) == order
        upgrade()
        assert _indexes() == {NEW, LIST_NEW}
