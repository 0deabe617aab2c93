"""c2d4e6f8a0b1 with data, on SQLite and PostgreSQL: on PostgreSQL the enterprises and projects already on file
are found by a two-character term from the new indexes at once, and the downgrade removes the indexes and the
function and leaves the rows as they were; on SQLite it changes nothing. Upgrading again works."""

from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "a9c1e3f5b7d2", "c2d4e6f8a0b1"
PG_INDEXES = {
    ("enterprises", "ix_enterprises_name_key_grams"),
    ("enterprises", "ix_enterprises_name_en_grams"),
    ("enterprises", "ix_enterprises_name_initials_grams"),
    ("projects", "ix_projects_name_grams"),
}


def _objects() -> set:
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        found = {(t, i["name"]) for t in ("enterprises", "projects") for i in inspector.get_indexes(t)}
        if db.engine.dialect.name == "postgresql":
            found |= {("function", n) for (n,) in conn.execute(text(
                "SELECT proname FROM pg_proc WHERE proname = 'crm_short_grams' "
                "AND pronamespace = current_schema()::regnamespace"))}  # fmt: skip
    return found & (PG_INDEXES | {("function", "crm_short_grams")})


def test_short_search_migration_indexes_what_is_on_file_and_comes_back(old_schema_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    with old_schema_app.app_context():
        old_world_at(BEFORE)
        enterprises = _rows("SELECT id, name, name_key, name_initials FROM enterprises ORDER BY id")
        first_id, first_key = enterprises[0][0], enterprises[0][2]
        pair = next(first_key[i : i + 2] for i in range(len(first_key) - 1)
                    if all(first_key[i : i + 2] not in row[2] for row in enterprises[1:]))  # fmt: skip
        postgres = db.engine.dialect.name == "postgresql"
        for _round in range(2):
            upgrade(revision=REVISION)
            if postgres:
                assert _objects() == PG_INDEXES | {("function", "crm_short_grams")}
                db.session.execute(text("SET LOCAL enable_seqscan = off"))
                query = "SELECT id FROM enterprises WHERE crm_short_grams(name_key) @> ARRAY[:p]::text[]"
                plan = " ".join(r[0] for r in db.session.execute(text("EXPLAIN " + query), {"p": pair}))
                assert "ix_enterprises_name_key_grams" in plan, plan
                assert [r[0] for r in db.session.execute(text(query), {"p": pair})] == [first_id]
                db.session.commit()
            else:
                assert _objects() == set()  # nothing to do on SQLite
            assert (
                _rows("SELECT id, name, name_key, name_initials FROM enterprises ORDER BY id") == enterprises
            )
            downgrade(revision=BEFORE)
            assert _objects() == set()
            assert (
                _rows("SELECT id, name, name_key, name_initials FROM enterprises ORDER BY id") == enterprises
            )
