"""A database at an older revision with a campaign's rows in it (`old_schema_app`, `_insert_old_world`), for the
data migrations' tests: each upgrades it, checks the rows, downgrades and checks again."""

from datetime import date

import pytest
from sqlalchemy import text

from crm.extensions import db

# -- the projects migration (209735a7cf45) with data, up and down --------------------------------------------------

PREVIOUS, PROJECTS = "8a1b3d744171", "209735a7cf45"


@pytest.fixture
def old_schema_app(tmp_path):
    """An app on a database of its own, so the session's migrated database is left alone: a SQLite file, or on
    PostgreSQL a schema of its own inside TEST_DATABASE_URL's database (search_path)."""
    import os
    import uuid

    from sqlalchemy import create_engine

    from config import TestConfig
    from crm import create_app

    url = os.environ.get("TEST_DATABASE_URL")
    schema = None
    if url:
        schema = f"migration_check_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    else:
        url = f"sqlite:///{tmp_path / 'migration.db'}"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        if schema:
            SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-c jit=off -c search_path={schema}"}}

    app = create_app(Config)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def _insert_old_world(conn) -> None:
    """Five targets at the revision before projects: signed with three arrivals over two months, landed in a zone
    with one, producing without any, in talks but with money arrived (funded), and one in contact only."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, text

    tables = MetaData()
    tables.reflect(conn, only=["users", "enterprises", "whitelist_entries", "fund_arrivals"])
    t = tables.tables
    region = {code: rid for rid, code in conn.execute(text("SELECT id, code FROM regions"))}
    at = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    conn.execute(t["users"].insert(), [{"id": 1, "username": "mgr", "full_name": "局领导", "password_hash": "x",
                                        "role": "manager", "is_active": True, "created_at": at}])  # fmt: skip
    conn.execute(t["enterprises"].insert(), [
        {"id": i, "name": f"迁移测试企业{i}有限公司", "name_norm": f"迁移测试企业{i}", "name_initials": "qy",
         "created_at": at, "updated_at": at, "version": 1} for i in range(1, 6)
    ])  # fmt: skip
    entry = {"priority": 2, "conflict": False, "proposer_id": 1, "state_changed_at": at, "created_at": at,
             "updated_at": at, "version": 3}  # fmt: skip
    blank = (
        "signed_on",
        "contract_amount",
        "landed_on",
        "landed_uscc",
        "started_on",
        "producing_on",
        "planned_investment",
    )
    none = dict.fromkeys(blank)
    conn.execute(t["whitelist_entries"].insert(), [
        {**entry, **none, "id": 1, "enterprise_id": 1, "region_id": region["371502"], "state": "signed",
         "signed_on": date(2026, 2, 10), "contract_amount": 50_000, "planned_investment": 60_000},
        {**entry, **none, "id": 2, "enterprise_id": 2, "region_id": region["ZONE-ETDZ"], "state": "landed",
         "signed_on": date(2026, 1, 20), "contract_amount": 120_000, "landed_on": date(2026, 2, 1),
         "landed_uscc": "91371500MA0000001X"},
        {**entry, **none, "id": 3, "enterprise_id": 3, "region_id": region["371502"], "state": "producing",
         "signed_on": date(2025, 11, 3), "contract_amount": 8_000, "landed_on": date(2025, 11, 20),
         "landed_uscc": "91371500MA0000003X", "started_on": date(2025, 12, 1), "producing_on": date(2026, 3, 1)},
        {**entry, **none, "id": 4, "enterprise_id": 4, "region_id": region["ZONE-ETDZ"], "state": "negotiating"},
        {**entry, **none, "id": 5, "enterprise_id": 5, "region_id": region["371502"], "state": "contacting"},
    ])  # fmt: skip
    arrivals = [
        (1, date(2026, 2, 15), 1000, 200),
        (1, date(2026, 2, 20), 300, 100),
        (1, date(2026, 3, 5), 500, 0),
        (2, date(2026, 2, 25), 2000, 0),
        (4, date(2026, 3, 10), 100, 0),
    ]
    conn.execute(t["fund_arrivals"].insert(), [
        {"id": i, "entry_id": e, "arrived_on": on, "fixed_amount": fixed, "other_amount": other, "note": None,
         "created_by_id": 1, "created_at": at} for i, (e, on, fixed, other) in enumerate(arrivals, start=1)
    ])  # fmt: skip


def _rows(sql: str) -> list[tuple]:
    """Rows as plain tuples with dates as text (SQLite gives strings, PostgreSQL dates)."""

    rows = [
        tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in db.session.execute(text(sql))
    ]
    db.session.commit()  # an open read would hold PostgreSQL's next ALTER/DROP TABLE (on another connection) forever
    return rows


ENTRY_ROW = ("SELECT id, state, region_id, signed_on, contract_amount, landed_on, landed_uscc, started_on, "
             "producing_on, version FROM whitelist_entries ORDER BY id")  # fmt: skip
ARRIVAL_ROW = "SELECT id, entry_id, arrived_on, fixed_amount, other_amount, created_by_id FROM fund_arrivals ORDER BY id"


def _check_projects(before_entries: list[tuple]) -> None:
    """After 209735a7cf45: a project per signed-or-funded entry carrying its signing, every arrival on it and in
    a verified return of the project's county and month, the same money."""
    by_id = {row[0]: row for row in before_entries}
    projects = _rows("SELECT entry_id, region_id, agreement, state, signed_on, contract_amount, landed_on, "
                     "landed_uscc, started_on, producing_on FROM projects ORDER BY entry_id")  # fmt: skip
    assert [p[0] for p in projects] == [
        1,
        2,
        3,
        4,
    ]  # signed, landed, producing, funded; not the one in contact
    for p in projects[:3]:
        e = by_id[p[0]]
        assert p[1:] == (e[2], "contract", e[1], e[3], e[4], e[5], e[6], e[7], e[8])
    assert projects[3][1:6] == (by_id[4][2], "contract", "signed", "2026-03-10", None)  # dated by its money
    assert _rows("SELECT sum(contract_amount) FROM projects") == [(178_000,)]
    lines = _rows("""SELECT f.id, f.entry_id = p.entry_id, r.status, r.seq, r.region_id = p.region_id, r.month
                     FROM fund_arrivals f JOIN projects p ON p.id = f.project_id
                     JOIN fund_returns r ON r.id = f.return_id ORDER BY f.id""")
    assert lines == [
        (1, True, "verified", 0, True, "2026-02-01"),
        (2, True, "verified", 0, True, "2026-02-01"),
        (3, True, "verified", 0, True, "2026-03-01"),
        (4, True, "verified", 0, True, "2026-02-01"),
        (5, True, "verified", 0, True, "2026-03-01"),
    ]
    # One return per county and month: 东昌府区 February and March, the zone February and March.
    assert len(_rows("SELECT id FROM fund_returns")) == 4
    verified = _rows("""SELECT sum(f.fixed_amount + f.other_amount) FROM fund_arrivals f
                        JOIN fund_returns r ON r.id = f.return_id WHERE r.status = 'verified'""")
    assert verified == [(4200,)]


def _old_world_with_projects() -> None:
    """The five targets at the revision before projects, then migrated to it (for the migrations after it)."""
    from flask_migrate import upgrade

    from crm.refdata.seed import seed_reference

    upgrade(revision=PREVIOUS)
    seed_reference()
    with db.engine.begin() as conn:
        _insert_old_world(conn)
    db.session.commit()
    upgrade(revision=PROJECTS)


def old_world_at(revision: str) -> None:
    """The database migrated to the revision before projects, the reference data and `_insert_old_world`'s rows
    written there, then migrated on to `revision` (the one before the migration a test checks)."""
    from flask_migrate import upgrade

    from crm.refdata.seed import seed_reference

    upgrade(revision=PREVIOUS)
    seed_reference()
    with db.engine.begin() as conn:
        _insert_old_world(conn)
    upgrade(revision=revision)
