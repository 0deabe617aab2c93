"""crm/pgcursor.py: on PostgreSQL the app's cursors build `description` only when it is read, and what they build
is what psycopg's own cursor gives, for the result it was read for."""

import psycopg
import pytest
from sqlalchemy import select, text

from crm.auth.models import User
from crm.extensions import db
from crm.pgcursor import Cursor, Description

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def raw():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's cursors are PostgreSQL's (run with TEST_DATABASE_URL)")
    connection = db.engine.raw_connection()
    try:
        yield connection.driver_connection
    finally:
        connection.close()


def _described(cursor) -> list[tuple]:
    return [
        (c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale)
        for c in cursor.description
    ]


def test_the_app_connections_make_lazy_cursors(raw):
    assert raw.cursor_factory is Cursor
    with raw.cursor() as cursor:
        cursor.execute("SELECT 1 AS one")
        assert isinstance(cursor.description, Description)


SQL = (
    "SELECT 1 AS one, '聊城'::text AS 名称, now() AS at, 12.50::numeric(12, 2) AS amount, NULL::int[] AS ids"
)


def test_a_description_equals_psycopgs_own(raw):
    with raw.cursor() as ours, psycopg.Cursor(raw) as theirs:
        ours.execute(SQL)
        theirs.execute(SQL)
        assert len(ours.description) == len(theirs.description) == 5
        assert _described(ours) == _described(theirs)
        assert [c.name for c in ours.description] == ["one", "名称", "at", "amount", "ids"]
        assert ours.description[1].name == "名称"
        assert [c.name for c in ours.description[3:]] == ["amount", "ids"]
        assert ours.fetchone()[1] == "聊城"


def test_a_description_stays_with_its_result(raw):
    """Read before the cursor runs its next statement, built after: it still describes the first result."""
    with raw.cursor() as cursor:
        cursor.execute("SELECT 1 AS first_column, 2 AS second_column")
        first = cursor.description
        cursor.execute("SELECT 'x' AS other")
        assert [c.name for c in first] == ["first_column", "second_column"]
        assert [c.name for c in cursor.description] == ["other"]


def test_no_rows_no_description(raw):
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1000")
        assert cursor.description is None
        cursor.execute("SELECT")  # a result of rows without columns, as psycopg says
        assert cursor.description is not None and len(cursor.description) == 0


def test_the_orm_reads_through_it(raw, make_user):
    user = make_user("member", "371502")
    user.full_name = "张　晓明"
    db.session.commit()
    row = db.session.execute(select(User.id, User.full_name).where(User.id == user.id)).one()
    assert row._mapping["full_name"] == "张　晓明"
    assert db.session.execute(text("SELECT 2 AS two")).keys() == ["two"]
