"""The scan's set-based writes: a plain INSERT refused by the unique key falls back to ON CONFLICT DO NOTHING."""

from sqlalchemy import func, literal, select, union_all

from crm import outbox
from crm.extensions import db, dialect_insert
from crm.reminders import staging
from crm.reminders.models import Notification
from tests.reminders.conftest import beijing

NOW = beijing(2026, 10, 12)


def test_insert_new_adds_each_key_once_when_another_scanner_queued_one_meanwhile(campaign):
    """As if a second scanner had queued "k1" after this one's anti-join looked: the plain INSERT is refused (on
    PostgreSQL), its savepoint rolled back, and the rows go in with ON CONFLICT DO NOTHING; the scan's
    transaction goes on."""
    p, teams, _ = campaign
    outbox.enqueue([{"dedupe_key": "k1", "channel": "inbox", "user_id": p["member"].id, "kind": "due_today",
                     "title": "已排队"}], NOW)  # fmt: skip
    rows = union_all(*[
        select(literal(key).label("k"), literal("inbox").label("c"), literal(p["member"].id).label("u"),
               literal("due_today").label("kind"), literal("新提醒").label("t"), literal("pending").label("s"),
               literal(0).label("a"), literal(NOW).label("n"), literal(NOW).label("at"))
        for key in ("k1", "k2")
    ]).subquery()  # fmt: skip
    columns = ["dedupe_key", "channel", "user_id", "kind", "title", "status", "attempts", "next_attempt_at",
               "created_at"]  # fmt: skip
    statement = dialect_insert(Notification.__table__).from_select(
        columns, select(rows).where(rows.c.k != "")
    )
    assert staging.insert_new(statement) == 1
    db.session.commit()
    keys = dict(db.session.execute(select(Notification.dedupe_key, Notification.title)).all())
    assert keys == {"k1": "已排队", "k2": "新提醒"}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
