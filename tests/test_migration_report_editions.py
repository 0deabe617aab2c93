"""d6e8f0a2b4c7 with data, on SQLite and PostgreSQL: the report archive's table and the notifications' attachment
column come and go without touching the notifications on file; an edition and a notification carrying it survive
nothing but the downgrade that removes them."""

from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "c5d7e9f1a3b6", "d6e8f0a2b4c7"
AT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
NOTIFICATIONS = "SELECT id, dedupe_key, channel, kind, title, status FROM notifications ORDER BY id"


def _schema() -> tuple[bool, bool]:
    with db.engine.connect() as conn:
        found = inspect(conn)
        return found.has_table("report_editions"), "report_edition_id" in {
            c["name"] for c in found.get_columns("notifications")
        }


def _notify(conn, key: str, edition: int | None = None) -> None:
    columns = "dedupe_key, channel, kind, title, status, attempts, next_attempt_at, created_at"
    values = ":key, 'inbox', 'report', :title, 'pending', 0, :at, :at"
    if edition is not None:
        columns, values = columns + ", report_edition_id", values + ", :edition"
    conn.execute(text(f"INSERT INTO notifications ({columns}) VALUES ({values})"),
                 {"key": key, "title": "全市“强企业攻坚”工作周报（２０２６年第４７周）", "at": AT, "edition": edition})  # fmt: skip


def test_report_editions_migration_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        with db.engine.begin() as conn:
            _notify(conn, "task:1:due_today:2026-11-23:inbox")
        before = _rows(NOTIFICATIONS)
        assert _schema() == (False, False)
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _schema() == (True, True)
            assert _rows(NOTIFICATIONS)[: len(before)] == before
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO report_editions (kind, scope, period_start, period_end, published_on, docx, "
                         "size, built_at, version) VALUES ('weekly', 'city', :start, :end, :on, :docx, 4, :at, 1)"),
                    {"start": date(2026, 11, 16), "end": date(2026, 11, 22), "on": date(2026, 11, 23),
                     "docx": b"PK\x03\x04", "at": AT},
                )  # fmt: skip
                edition = conn.execute(text("SELECT id FROM report_editions")).scalar_one()
                _notify(conn, f"report:{edition}:1:inbox:round{_round}", edition)
            assert _rows("SELECT kind, scope, period_start, size FROM report_editions") == [
                ("weekly", "city", "2026-11-16", 4)
            ]
            with db.engine.begin() as conn:  # the same edition twice is refused
                try:
                    with conn.begin_nested():
                        conn.execute(
                            text("INSERT INTO report_editions (kind, scope, period_start, period_end, published_on,"
                                 " docx, size, built_at, version) VALUES ('weekly', 'city', :start, :end, :on, :docx,"
                                 " 4, :at, 1)"),
                            {"start": date(2026, 11, 16), "end": date(2026, 11, 22), "on": date(2026, 11, 23),
                             "docx": b"PK", "at": AT},
                        )  # fmt: skip
                    duplicate = True
                except Exception:  # noqa: BLE001  (the unique constraint's error differs by driver)
                    duplicate = False
            assert not duplicate
            downgrade(revision=BEFORE)  # the notification that carried the edition stays, without it
            assert _schema() == (False, False)
            after = _rows(NOTIFICATIONS)
            assert after[: len(before)] == before
            assert [row[1] for row in after[len(before) :]] == [
                f"report:1:1:inbox:round{r}" for r in range(_round + 1)
            ]
