"""crm.sqlin.among: `column IN (ids)` that finds what IN finds, written on PostgreSQL as one statement whatever
the list's length (so it is prepared once)."""

import pytest
from sqlalchemy import select, text

from crm.auth.models import User
from crm.extensions import db
from crm.sqlin import among

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def people(make_user):
    users = [make_user("member", "371502") for _ in range(12)]
    db.session.commit()
    return [u.id for u in users]


@pytest.mark.parametrize("take", [0, 1, 2, 7, 12])
def test_it_finds_what_in_finds(people, take):
    wanted = people[:take] + [10**9]  # and an id nobody has
    found = set(db.session.scalars(select(User.id).where(among(User.id, wanted))))
    assert found == set(db.session.scalars(select(User.id).where(User.id.in_(wanted)))) == set(people[:take])


def test_an_empty_list_finds_nothing(people):
    assert db.session.scalars(select(User.id).where(among(User.id, []))).all() == []


def test_postgresql_runs_one_statement_whatever_the_length(people):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no arrays: it keeps IN (run with TEST_DATABASE_URL)")
    texts = {str(select(User.id).where(among(User.id, people[:n])).compile(db.engine)) for n in (1, 2, 5, 12)}
    assert len(texts) == 1 and "= ANY (" in texts.pop()
    db.session.remove()
    db.engine.dispose()  # one connection from here on, so its prepared statements are what it ran
    with db.engine.connect() as connection:
        for n in range(1, 9):  # eight lengths: psycopg prepares a statement on its fifth run
            query = select(User.id).where(among(User.id, people[:n]))
            assert len(connection.execute(query).all()) == n
        prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("= ANY(" in s.replace(" ANY (", " ANY(") for s in prepared), prepared
