"""f2a3b4c5d6e7 with data, on SQLite and PostgreSQL: stored credit codes (enterprises, whitelist entries' and
projects' landed codes) put in their normal form; two enterprises sharing a code never fail the migration, the pair
is reported and stays a merge candidate; the downgrade runs and changes nothing; upgrading again is a no-op."""

from datetime import UTC, datetime

from sqlalchemy import MetaData, text

from crm.extensions import db
from tests.migration_world import PREVIOUS, PROJECTS, _insert_old_world, _rows, old_schema_app  # noqa: F401

BEFORE, REVISION = "f1c2a3b4d5e6", "f2a3b4c5d6e7"
A, B, C, D, E = (
    "91340600MA2PBM9HXD",
    "914403001922038216",
    "91110000600037341L",
    "91371500MA3C8X7B28",
    "91440300MA5DC0M56X",
)


def full_width(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code)


def _enterprises(conn, long_codes: bool) -> dict[int, str]:
    """Stored codes as clerks typed them before the normal form. PostgreSQL's varchar(18) never held a 19-character
    code (the import failed there), so on PostgreSQL the 'long' spellings are 18-character ones."""
    hyphenated_a = "91340600-MA2PBM9HXD" if long_codes else "91340600ma2pbm9hxd"
    spaced_d = " 91371500ma3c8x7b28" if long_codes else "91371500ma3c8x7b28"
    codes = {
        1: hyphenated_a,  # 19 characters (SQLite)
        2: full_width(B),  # full-width digits and letters
        3: C,  # clean already
        4: full_width(D),  # 4 and 5 share D; 5 is older by its creation time, though its id is higher
        5: spaced_d,
        6: full_width(E),  # 6 and 7 share E; 7 already stores the clean form
        7: E,
        8: "12345-ABC",  # not a code at all: left as stored
    }
    tables = MetaData()
    tables.reflect(conn, only=["enterprises"])
    at = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    conn.execute(tables.tables["enterprises"].insert(), [
        {"id": i, "name": f"代码迁移企业{i}有限公司", "name_norm": f"代码迁移企业{i}", "name_initials": "dm",
         "created_at": at, "updated_at": at, "version": 1} for i in (6, 7, 8)
    ])  # fmt: skip
    conn.execute(
        text("UPDATE enterprises SET created_at = :at WHERE id = 5"), {"at": datetime(2025, 1, 1, tzinfo=UTC)}
    )
    for enterprise_id, code in codes.items():
        conn.execute(text("UPDATE enterprises SET uscc = :c WHERE id = :i"), {"c": code, "i": enterprise_id})
    for table in ("whitelist_entries", "projects"):
        key = "id" if table == "whitelist_entries" else "entry_id"
        conn.execute(text(f"UPDATE {table} SET landed_uscc = :c WHERE {key} = 2"), {"c": full_width(A)})
        conn.execute(text(f"UPDATE {table} SET landed_uscc = :c WHERE {key} = 3"), {"c": hyphenated_a})
    return codes


def test_credit_code_migration_normalises_reports_pairs_and_comes_back(old_schema_app, capsys):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from crm.enterprises.duplicates import SAME
    from crm.enterprises.services import find_duplicates
    from crm.refdata.seed import seed_reference

    with old_schema_app.app_context():
        upgrade(revision=PREVIOUS)
        seed_reference()
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        db.session.commit()
        upgrade(revision=PROJECTS)
        upgrade(revision=BEFORE)
        long_codes = db.engine.dialect.name == "sqlite"
        with db.engine.begin() as conn:
            stored = _enterprises(conn, long_codes)
        expected = {1: A, 2: B, 3: C, 4: stored[4], 5: D, 6: stored[6], 7: E, 8: "12345-ABC"}
        landed = [(2, A), (3, A)]
        for _round in range(2):
            upgrade(revision=REVISION)
            assert dict(_rows("SELECT id, uscc FROM enterprises WHERE uscc IS NOT NULL")) == expected
            assert (
                _rows("SELECT id, landed_uscc FROM whitelist_entries WHERE id IN (2, 3) ORDER BY id")
                == landed
            )
            assert _rows(
                "SELECT entry_id, landed_uscc FROM projects WHERE entry_id IN (2, 3) ORDER BY entry_id"
            ) == (landed)
            db.session.commit()
            downgrade(revision=BEFORE)  # nothing to undo: runs, and the codes stay clean
            assert dict(_rows("SELECT id, uscc FROM enterprises WHERE uscc IS NOT NULL")) == expected
            db.session.commit()
        # The migration's output (alembic's log on stderr) names each pair.
        report = capsys.readouterr().err.splitlines()
        pairs = [line for line in report if "merge candidate" in line]
        assert len(pairs) == 4  # two pairs, reported on each of the two upgrades
        assert f"{D} is held by enterprise #5" in pairs[0] and "#4" in pairs[0]
        assert f"{E} is held by enterprise #7" in pairs[1] and "#6" in pairs[1]
        assert any("12345-ABC" in line for line in report)
        upgrade()  # the models are the head's: the ORM reads columns added after this revision
        with old_schema_app.test_request_context():
            # The pairs are found as the same enterprise, so they appear on the merge screen.
            for code, pair in ((D, {4, 5}), (E, {6, 7})):
                found = {d.enterprise.id: d.kind for d in find_duplicates("", code, None)}
                assert found == dict.fromkeys(pair, SAME)
        db.session.commit()
