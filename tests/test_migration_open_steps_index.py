"""d8f0a2c4e6b9 with data, on SQLite and PostgreSQL: the partial index on open tasks comes and goes, the tasks on
file are untouched, and each target's next open step reads the same through it (done steps and 2027 dates
included)."""

from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "c2d4e6f8a0b1", "d8f0a2c4e6b9"
INDEX = "ix_tasks_open_entry_due"
AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TASKS = "SELECT id, entry_id, title, status, due_date FROM tasks ORDER BY id"
# The team page's question, per target: its next open step (none: no open step).
NEXT_DUE = ("SELECT e.id, (SELECT min(t.due_date) FROM tasks t WHERE t.entry_id = e.id AND t.status = 'open') "
            "FROM whitelist_entries e ORDER BY e.id")  # fmt: skip


def _indexes() -> set[str]:
    with db.engine.connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("tasks")} & {INDEX}


def _definition() -> str:
    """The index's definition as the database keeps it (its WHERE clause included)."""
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        if db.engine.dialect.name == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    )
    with db.engine.connect() as conn:
        return " ".join(conn.scalar(text(query), {"name": INDEX}).split())


def test_open_steps_index_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        steps = [  # entry, title, status, due date
            (1, "首次对接（电话）", "done", date(2026, 11, 2)),
            (1, "实地拜访", "open", date(2027, 1, 15)),
            (1, "春节后回访", "open", date(2027, 2, 22)),
            (2, "报送项目材料", "done", date(2026, 12, 1)),
            (3, "约见投资部负责人", "open", date(2026, 12, 31)),
        ]
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO tasks (entry_id, title, owner_id, due_date, status, kind, sort, created_at, "
                     "version) VALUES (:entry, :title, 1, :due, :status, 'step', 0, :at, 1)"),
                [{"entry": e, "title": t, "status": s, "due": d, "at": AT} for e, t, s, d in steps],
            )  # fmt: skip
        tasks, next_due = _rows(TASKS), _rows(NEXT_DUE)
        assert next_due[:3] == [(1, "2027-01-15"), (2, None), (3, "2026-12-31")]
        assert _indexes() == set()
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _indexes() == {INDEX}
            assert "(entry_id, due_date)" in _definition() and "WHERE" in _definition()
            assert "status" in _definition() and "'open'" in _definition()
            assert _rows(TASKS) == tasks and _rows(NEXT_DUE) == next_due
            downgrade(revision=BEFORE)
            assert _indexes() == set()
            assert _rows(TASKS) == tasks and _rows(NEXT_DUE) == next_due
        upgrade()
        assert _indexes() == {INDEX}
