"""b0d2f4a6c8e3 with data, on SQLite and PostgreSQL: every enterprise on file gets its folded name (name_key) and
its duplicate key again from it (Traditional characters Simplified), the search box finds them from the index at
once; escalations get closed_at. The downgrade removes both columns, brings the duplicate keys back to the old
form and the search index back to the name as typed (kept in step by its triggers again); upgrading again works."""

import re
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from crm.enterprises.models import Enterprise
from crm.enterprises.search import enterprise_search
from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

REVISION = "b0d2f4a6c8e3"
# The revision before it, as the migration names it (its chain is set where the branches are merged).
BEFORE = re.search(
    r'^down_revision = "(\w+)"',
    next(Path(__file__).parents[1].glob(f"migrations/versions/{REVISION}_*.py")).read_text(),
    re.M,
).group(1)
MESSY = {
    "聊城雲啟科技（集團）有限公司": ("聊城云启科技", "聊城雲啟科技集團"),
    "中寰重工(山东)有限公司": ("中寰重工山东", "中寰重工山东"),
}


def _columns() -> tuple[bool, bool]:
    with db.engine.connect() as conn:
        found = inspect(conn)
        return "name_key" in {c["name"] for c in found.get_columns("enterprises")}, "closed_at" in {
            c["name"] for c in found.get_columns("escalations")
        }


def _search_by_name(fragment: str) -> list[str]:
    """The old index, over the name as typed (SQLite: the FTS5 table; PostgreSQL: a LIKE the trigram index reads)."""
    table = "enterprise_search" if db.engine.dialect.name == "sqlite" else "enterprises"
    key = "rowid" if table == "enterprise_search" else "id"
    sql = f"SELECT e.name FROM {table} s JOIN enterprises e ON e.id = s.{key} WHERE s.name LIKE :p"
    rows = [r for (r,) in db.session.execute(text(sql), {"p": f"%{fragment}%"})]
    db.session.commit()
    return rows


def test_name_key_migration_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        with db.engine.begin() as conn:
            for i, (name, (_new, old)) in enumerate(MESSY.items()):  # ids given, as the old world's are
                conn.execute(
                    text("INSERT INTO enterprises (id, name, name_norm, name_initials, kind, created_at, updated_at, "
                         "version) VALUES (:id, :n, :norm, 'x', 'target', '2026-12-01', '2026-12-01', 1)"),
                    {"id": 900 + i, "n": name, "norm": old},
                )  # fmt: skip
        before = _rows("SELECT id, name, name_norm, name_initials, uscc FROM enterprises ORDER BY id")
        assert _columns() == (False, False)
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _columns() == (True, True)
            norms = dict(_rows("SELECT name, name_norm FROM enterprises"))
            assert {n: norms[n] for n in MESSY} == {n: new for n, (new, _old) in MESSY.items()}
            keys = dict(_rows("SELECT name, name_key FROM enterprises"))
            assert keys["聊城雲啟科技（集團）有限公司"] == "聊城云启科技(集团)有限公司"
            assert all(keys[row[1]] for row in before)  # every enterprise on file has its key
            found = db.session.scalars(
                select(Enterprise.name).where(enterprise_search("云启科技（集团）"))
            ).all()
            assert found == ["聊城雲啟科技（集團）有限公司"]
            assert db.session.scalars(
                select(Enterprise.name).where(enterprise_search("中寰重工（山东）"))
            ).all() == ["中寰重工(山东)有限公司"]
            db.session.commit()
            downgrade(revision=BEFORE)
            assert _columns() == (False, False)
            assert (
                _rows("SELECT id, name, name_norm, name_initials, uscc FROM enterprises ORDER BY id")
                == before
            )
            assert _search_by_name("雲啟科技") == ["聊城雲啟科技（集團）有限公司"]  # the old index is back
            db.session.execute(text("UPDATE enterprises SET name = '中寰重工(山东)新材料有限公司' "
                                    "WHERE name = '中寰重工(山东)有限公司'"))  # fmt: skip
            db.session.commit()
            assert _search_by_name("新材料") == ["中寰重工(山东)新材料有限公司"]  # and its triggers
            db.session.execute(text("UPDATE enterprises SET name = '中寰重工(山东)有限公司' "
                                    "WHERE name = '中寰重工(山东)新材料有限公司'"))  # fmt: skip
            db.session.commit()
