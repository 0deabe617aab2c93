"""e1a3c5b7d9f2 with data, on SQLite and PostgreSQL: crm_short_grams changes its body (PL/pgSQL) and not what it
finds: every one- and two-character term of the names on file (full-width brackets, repeated characters, a
one-character name, an English name with capitals) finds the same enterprises from the index before, after, and
after the downgrade; the rows stay as they were; on SQLite nothing changes."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "d8f0a2c4e6b9", "e1a3c5b7d9f2"
AT = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
ENTERPRISES = "SELECT id, name, name_key, name_en, name_initials FROM enterprises ORDER BY id"
NAMES = [  # name, its key as the app folds it, English name, initials
    ("精密精密（聊城）轴承有限公司", "精密精密(聊城)轴承有限公司", "Jingmi Bearing (LC) Co", "jmjmlczcyxgs"),
    ("华", "华", None, "h"),
    ("ＨＸ华夏科技", "hx华夏科技", "HX Huaxia TECH", "hxhxkj"),
]


def _language() -> str | None:
    if db.engine.dialect.name != "postgresql":
        return None
    query = (
        "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.proname = :f AND p.pronamespace = current_schema()::regnamespace"
    )
    with db.engine.connect() as conn:
        return conn.scalar(text(query), {"f": "crm_short_grams"})


def _found(terms: list[str]) -> dict[str, list[int]]:
    """Each term's enterprises, read from the gram indexes only (sequential scans off)."""
    found = {}
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        for term in terms:
            found[term] = [r[0] for r in conn.execute(text(
                "SELECT id FROM enterprises WHERE crm_short_grams(name_key) @> ARRAY[:t]::text[] "
                "OR crm_short_grams(lower(name_en)) @> ARRAY[lower(:t)]::text[] "
                "OR crm_short_grams(name_initials) @> ARRAY[:t]::text[] ORDER BY id"), {"t": term})]  # fmt: skip
    return found


def test_short_grams_body_up_down_and_up_with_data(old_schema_app):  # noqa: F811
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO enterprises (id, name, name_key, name_norm, name_en, name_initials, kind, "
                     "created_at, updated_at, version) VALUES (:id, :n, :k, :k, :en, :i, 'target', :at, :at, 1)"),
                [{"id": 901 + x, "n": n, "k": k, "en": en, "i": i, "at": AT} for x, (n, k, en, i) in enumerate(NAMES)],
            )  # fmt: skip
        rows = _rows(ENTERPRISES)
        postgres = db.engine.dialect.name == "postgresql"
        keys = [r[2] for r in rows] + [r[4] or "" for r in rows]
        terms = sorted({k[i : i + n] for k in keys for n in (1, 2) for i in range(len(k) - n + 1)})
        before = _found(terms) if postgres else None
        assert _language() == ("sql" if postgres else None)
        for _round in range(2):
            upgrade(revision=REVISION)
            assert _language() == ("plpgsql" if postgres else None)
            assert _rows(ENTERPRISES) == rows
            if postgres:
                assert _found(terms) == before
                assert before["精密"] and before["hx"] and before["华"]  # the test's names are among them
            downgrade(revision=BEFORE)
            assert _language() == ("sql" if postgres else None)
            assert _rows(ENTERPRISES) == rows
            if postgres:
                assert _found(terms) == before
        upgrade()
        assert _language() == ("plpgsql" if postgres else None)
