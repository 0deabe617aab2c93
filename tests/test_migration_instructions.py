"""e7a9c1b3d5f8 with data, on SQLite and PostgreSQL: the instructions' tables come and go without touching the
tasks on file; a 批办's task stays on the downgrade as an ordinary follow-up of its target."""

from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "b0d2f4a6c8e3", "e7a9c1b3d5f8"
AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TASKS = "SELECT id, entry_id, title, kind, status, due_date FROM tasks ORDER BY id"


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return {"instructions", "instruction_steps"} & set(inspect(conn).get_table_names())


def _task(conn, title: str, kind: str) -> int:
    conn.execute(
        text("INSERT INTO tasks (entry_id, title, owner_id, due_date, status, kind, sort, created_at, version) "
             "VALUES (1, :title, 1, :due, 'open', :kind, 0, :at, 1)"),
        {"title": title, "due": date(2026, 12, 10), "kind": kind, "at": AT},
    )  # fmt: skip
    return conn.execute(text("SELECT max(id) FROM tasks")).scalar_one()


def test_instructions_migration_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        with db.engine.begin() as conn:
            _task(conn, "首次对接", "step")
        before = _rows(TASKS)
        assert _tables() == set()
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _tables() == {"instructions", "instruction_steps"}
            assert _rows(TASKS)[: len(before)] == before
            with db.engine.begin() as conn:
                task = _task(conn, f"落实领导批示：第{_round}次", "instruction")
                conn.execute(
                    text("INSERT INTO instructions (entry_id, kind, text, due_date, status, author_id, created_at, "
                         "task_id, updated_at, version) VALUES (1, 'action', '请尽快拜访', :due, 'pending', 1, :at, "
                         ":task, :at, 1)"),
                    {"due": date(2026, 12, 10), "at": AT, "task": task},
                )  # fmt: skip
                instruction = conn.execute(text("SELECT max(id) FROM instructions")).scalar_one()
                conn.execute(
                    text("INSERT INTO instruction_steps (instruction_id, action, actor_id, at, text) "
                         "VALUES (:i, 'issue', 1, :at, '请尽快拜访')"),
                    {"i": instruction, "at": AT},
                )  # fmt: skip
            assert _rows("SELECT kind, text, status, task_id FROM instructions") == [
                ("action", "请尽快拜访", "pending", task)
            ]
            downgrade(revision=BEFORE)
            assert _tables() == set()
            after = _rows(TASKS)
            assert after[: len(before)] == before
            # the 批办's tasks stay with their targets, as follow-ups
            assert [(row[2], row[3]) for row in after[len(before) :]] == [
                (f"落实领导批示：第{r}次", "followup") for r in range(_round + 1)
            ]
