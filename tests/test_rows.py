"""crm.rows.rows: plain rows on the session's connection see what the session holds, as session.execute does."""

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.rows import rows


def test_rows_flush_what_the_session_holds_first(app, make_user):
    make_user("member", "371502", username="张　三")  # committed
    db.session.add(
        User(username="李四（借调）", full_name="李四", role="member", password_hash="x")
    )  # pending
    found = rows(select(User.username, User.full_name).order_by(User.username)).all()
    assert [r.username for r in found] == sorted(["张　三", "李四（借调）"])
    assert ("李四（借调）", "李四") in [tuple(r) for r in found]  # tuple and attribute access, as ORM rows
    db.session.rollback()  # the flush was in the session's transaction: undone with it
    assert rows(select(User.username)).scalars().all() == ["张　三"]


def test_rows_leave_the_session_unflushed_under_no_autoflush(app):
    db.session.add(User(username="王五", full_name="王五", role="member", password_hash="x"))
    with db.session.no_autoflush:
        assert rows(select(User.id).where(User.username == "王五")).all() == []
    assert len(rows(select(User.id).where(User.username == "王五")).all()) == 1
    db.session.rollback()
