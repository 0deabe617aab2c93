"""b8e2f4a6c1d3 with data, on SQLite and PostgreSQL: the enterprises already on file are searchable from the new
indexes at once (SQLite's FTS5 table is filled by the migration), new ones through the triggers; the downgrade
removes the table, its triggers and the indexes and leaves the enterprises as they were (and writable); upgrading
again works."""

from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "a7c1e9d3b5f2", "b8e2f4a6c1d3"
PG_INDEXES = {
    "ix_enterprises_name_en_trgm",
    "ix_enterprises_name_initials_trgm",
    "ix_enterprises_uscc_prefix",
}


def _search_objects() -> set[str]:
    """The migration's objects that exist now (SQLite: the table and triggers; PostgreSQL: the indexes)."""
    if db.engine.dialect.name == "sqlite":
        return {n for (n,) in _rows("SELECT name FROM sqlite_master WHERE name LIKE 'enterprise_search%'")}
    with db.engine.connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("enterprises")} & PG_INDEXES


def _found(fragment: str) -> list[tuple]:
    if db.engine.dialect.name == "sqlite":
        sql = "SELECT rowid FROM enterprise_search WHERE name LIKE :p ORDER BY rowid"
    else:
        sql = "SELECT id FROM enterprises WHERE name LIKE :p ORDER BY id"
    rows = [tuple(r) for r in db.session.execute(text(sql), {"p": f"%{fragment}%"})]
    db.session.commit()
    return rows


def test_search_migration_indexes_what_is_on_file_and_comes_back(old_schema_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    with old_schema_app.app_context():
        old_world_at(BEFORE)
        enterprises = _rows("SELECT id, name, name_initials, uscc FROM enterprises ORDER BY id")
        first_id, first_name = enterprises[0][0], enterprises[0][1]
        others = [row[1] for row in enterprises[1:]]
        fragment = next(
            first_name[i : i + 3]
            for i in range(len(first_name))
            if all(first_name[i : i + 3] not in o for o in others)
        )
        db.session.commit()
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _search_objects()
            assert _found(fragment) == [(first_id,)]  # on file before the migration
            db.session.execute(text("UPDATE enterprises SET name = '聊城迁移测试新材料有限公司' WHERE id = :id"),
                               {"id": first_id})  # fmt: skip
            db.session.commit()
            assert _found("迁移测试新材料") == [(first_id,)]  # the update trigger
            db.session.execute(
                text("UPDATE enterprises SET name = :n WHERE id = :id"), {"n": first_name, "id": first_id}
            )
            db.session.commit()
            downgrade(revision=BEFORE)
            assert _search_objects() == set()
            assert _rows("SELECT id, name, name_initials, uscc FROM enterprises ORDER BY id") == enterprises
            db.session.execute(
                text("UPDATE enterprises SET name = name WHERE id = :id"), {"id": first_id}
            )  # no trigger left
            db.session.commit()
