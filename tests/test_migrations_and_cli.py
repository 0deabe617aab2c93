"""The migrations match the models, and the `flask crm` commands behave."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from config import ProdConfig
from crm.auth.models import User
from crm.cli import crm_cli
from crm.extensions import db, include_object
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry


def test_migrated_schema_matches_the_models(app):
    """The session's database was built by `flask db upgrade`; autogenerate must find nothing left to do."""
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": include_object(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_seed_demo_covers_every_state_and_the_demo_accounts(app):
    result = app.test_cli_runner().invoke(crm_cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    states = set(db.session.scalars(select(WhitelistEntry.state).distinct()))
    assert states == {s.value for s in State}
    names = set(db.session.scalars(select(User.username)))
    assert {"admin", "manager", "head_dcf", "lead1", "member1"} <= names
    head = db.session.scalar(select(User).where(User.username == "head_dcf"))
    assert head.region.name == "东昌府区" and head.check_password("demo2026")
    assert db.session.scalar(select(func.count()).where(WhitelistEntry.conflict.is_(True))) >= 1
    regions = set(db.session.scalars(select(WhitelistEntry.region_id).distinct()))
    assert len(regions) >= 8
    _demo_chains_have_gaps_targets_and_candidates()


def _demo_chains_have_gaps_targets_and_candidates() -> None:
    from datetime import UTC, date, datetime

    from crm.chains import gaps, recommend
    from crm.chains.models import Chain, ChainNode

    chains = list(db.session.scalars(select(Chain).order_by(Chain.sort)))
    assert len(chains) == 5 and all(c.is_demo for c in chains)
    scores = gaps.scores([c.id for c in chains], date(2026, 12, 5))
    assert all(s.gaps and s.covered for s in scores.values())  # every chain shows a gap and a covered node
    assert db.session.scalar(select(func.count()).where(WhitelistEntry.chain_node_id.isnot(None))) == 6
    foil = db.session.scalar(select(ChainNode).where(ChainNode.name == "电池铝箔"))
    assert [c.enterprise.name for c in recommend.candidates(foil, None, datetime(2026, 12, 5, tzinfo=UTC))][
        :1
    ] == ["华创电池铝箔股份有限公司"]


def test_seed_demo_only_fills_an_empty_database(app):
    runner = app.test_cli_runner()
    assert runner.invoke(crm_cli, ["seed-demo"]).exit_code == 0
    again = runner.invoke(crm_cli, ["seed-demo"])
    assert again.exit_code != 0
    assert runner.invoke(crm_cli, ["seed-demo", "--if-empty"]).exit_code == 0


def test_seed_demo_refuses_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "IS_PRODUCTION", True)
    result = app.test_cli_runner().invoke(crm_cli, ["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_production_config_needs_a_secret_and_a_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/crm")
    with pytest.raises(RuntimeError):  # the development secret is refused even with a database set
        ProdConfig.check()
    monkeypatch.setattr(ProdConfig, "SECRET_KEY", "a-real-secret")
    ProdConfig.check()  # both set: accepted
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(RuntimeError):
        ProdConfig.check()


def test_production_starts_when_the_environment_sets_the_secret_and_the_database(tmp_path):
    """The real path: the variables are read at import, as under gunicorn (a check comparing the key with the
    base class's would refuse every real deployment)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = "import config; config.get_config().check(); print('accepted')"
    env = {**os.environ, "CRM_CONFIG": "prod", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env["SECRET_KEY"] = "a-real-secret-from-the-environment"
    accepted = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0 and "accepted" in accepted.stdout, accepted.stderr
    del env["SECRET_KEY"]
    refused = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def test_unset_config_name_means_production(monkeypatch):
    from config import get_config

    monkeypatch.delenv("CRM_CONFIG", raising=False)
    assert get_config() is ProdConfig


def test_create_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        crm_cli, ["create-user", "zhang", "--role", "county_head", "--name", "张三", "--region", "371502",
                  "--password", "long-enough-1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert (
        user.role == "county_head" and user.region.code == "371502" and user.check_password("long-enough-1")
    )
    short = runner.invoke(
        crm_cli, ["create-user", "li", "--role", "member", "--name", "李四", "--password", "short"]
    )
    assert short.exit_code != 0
    unknown = runner.invoke(
        crm_cli,
        [
            "create-user",
            "wu",
            "--role",
            "member",
            "--name",
            "吴",
            "--region",
            "999999",
            "--password",
            "long-enough-1",
        ],
    )
    assert unknown.exit_code != 0 and "999999" in unknown.output


# -- the projects migration (209735a7cf45) with data, up and down --------------------------------------------------

PREVIOUS, PROJECTS = "8a1b3d744171", "209735a7cf45"


@pytest.fixture
def old_schema_app(tmp_path):
    """An app on a database of its own, so the session's migrated database is left alone: a SQLite file, or on
    PostgreSQL a schema of its own inside TEST_DATABASE_URL's database (search_path)."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

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
    from datetime import UTC, date, datetime

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
    from sqlalchemy import text

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


def test_projects_migration_moves_signings_and_funds_and_comes_back(old_schema_app):
    """209735a7cf45 with data, up, down and up again, on a database of its own built at the revision before."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from crm.refdata.seed import seed_reference

    with old_schema_app.app_context():
        upgrade(revision=PREVIOUS)
        seed_reference()
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        entries, arrivals = _rows(ENTRY_ROW), _rows(ARRIVAL_ROW)
        db.session.commit()

        upgrade(revision=PROJECTS)
        _check_projects(entries)
        assert _rows(ENTRY_ROW) == entries and _rows(ARRIVAL_ROW) == arrivals
        db.session.commit()

        downgrade(revision=PREVIOUS)
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == PREVIOUS
        assert _rows(ENTRY_ROW) == entries and _rows(ARRIVAL_ROW) == arrivals
        with db.engine.connect() as conn:
            assert not {"projects", "fund_returns", "fund_plans"} & set(inspect(conn).get_table_names())
            assert "project_id" not in {c["name"] for c in inspect(conn).get_columns("fund_arrivals")}
        db.session.commit()

        upgrade(revision=PROJECTS)
        _check_projects(entries)


STANDING = "b7d4e1f2a9c3"


def test_standing_migration_fills_each_projects_funds_standing_and_comes_back(old_schema_app):
    """b7d4e1f2a9c3 with data: each project's verified total and first month behind its plan, computed by the
    migration as crm.projects.standing computes them; down drops the two derived columns, up fills them again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from crm.projects import standing

    with old_schema_app.app_context():
        _old_world_with_projects()
        ids = dict(_rows("SELECT entry_id, id FROM projects"))
        plans = [
            (1, "2026-02-01", 2000),
            (1, "2026-03-01", 1000),
            (2, "2026-02-01", 1500),
            (3, "2026-01-01", 10),
        ]
        db.session.execute(
            text("INSERT INTO fund_plans (project_id, month, amount) VALUES (:p, :m, :a)"),
            [{"p": ids[e], "m": date.fromisoformat(m), "a": a} for e, m, a in plans],
        )
        db.session.commit()
        expected = [
            (1, 2100, "2026-03-01"),  # 2,000 planned by February is covered, 3,000 by March is not
            (2, 2000, None),  # ahead of its plan
            (3, 0, "2026-01-01"),  # nothing verified
            (4, 100, None),  # no plan
        ]
        standing_row = "SELECT entry_id, funds_verified, funds_behind_from FROM projects ORDER BY entry_id"
        for _round in range(2):
            upgrade(revision=STANDING)
            assert _rows(standing_row) == expected
            assert standing.refresh() == 0  # the app's rule agrees with the migration's
            db.session.commit()
            downgrade(revision="5c2e7a9d1f03")
            with db.engine.connect() as conn:
                columns = {c["name"] for c in inspect(conn).get_columns("projects")}
            assert not {"funds_verified", "funds_behind_from"} & columns
            db.session.commit()


def test_held_region_migration_copies_each_targets_county_and_comes_back(old_schema_app):
    """e5b2c7d9f0a4 with data: every project gets its entry's county (a project landing in a zone included)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    with old_schema_app.app_context():
        _old_world_with_projects()
        db.session.execute(text("UPDATE projects SET region_id = (SELECT id FROM regions WHERE code = '371503')"
                                " WHERE entry_id = 1"))  # fmt: skip
        db.session.commit()
        held = "SELECT p.entry_id, p.held_region_id = w.region_id, p.region_id = w.region_id FROM projects p " \
               "JOIN whitelist_entries w ON w.id = p.entry_id ORDER BY p.entry_id"  # fmt: skip
        for _round in range(2):
            upgrade(revision="e5b2c7d9f0a4")
            assert _rows(held) == [(1, True, False), (2, True, True), (3, True, True), (4, True, True)]
            db.session.commit()
            downgrade(revision="d4f9a2b6c8e1")
            with db.engine.connect() as conn:
                assert "held_region_id" not in {c["name"] for c in inspect(conn).get_columns("projects")}
            db.session.commit()


def test_holiday_years_migration_fills_template_step_offsets_and_comes_back(old_schema_app):
    """f3b4c5d6e7f8 with data: plan steps get their template step's offset (a step added by hand and a follow-up
    none), holiday_years appears; down drops both and up again gives the same offsets."""
    from datetime import UTC, date, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import MetaData, inspect

    from crm.refdata.seed import seed_reference

    at = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    with old_schema_app.app_context():
        upgrade(revision=PREVIOUS)
        seed_reference()
        with db.engine.begin() as conn:
            _insert_old_world(conn)
        upgrade(revision="f2a3b4c5d6e7")
        with db.engine.begin() as conn:
            tables = MetaData()
            tables.reflect(conn, only=["plan_templates", "template_steps", "tasks"])
            t = tables.tables
            # The default template is seeded by an earlier migration; a second one shares a step name.
            seeded = conn.execute(text("SELECT s.name, s.sort, s.offset_workdays FROM template_steps s JOIN "
                                       "plan_templates p ON p.id = s.template_id WHERE p.is_default "
                                       "ORDER BY s.sort")).all()[:2]  # fmt: skip
            conn.execute(t["plan_templates"].insert(), [{"id": 99, "name": "旧模板", "is_default": False,
                                                         "active": False}])  # fmt: skip
            conn.execute(t["template_steps"].insert(), [{"id": 99, "template_id": 99, "name": seeded[0][0],
                         "offset_workdays": 99, "owner_role": "owner", "evidence": "any", "sort": seeded[0][1]}])  # fmt: skip
            task = {"entry_id": 5, "owner_id": 1, "due_date": date(2027, 1, 4), "status": "open", "kind": "step",
                    "created_at": at, "version": 1, "notes": None, "evidence": "any"}  # fmt: skip
            conn.execute(t["tasks"].insert(), [
                {**task, "id": 1, "title": seeded[0][0], "sort": seeded[0][1], "due_date": date(2026, 12, 11)},
                {**task, "id": 2, "title": seeded[1][0], "sort": seeded[1][1]},
                {**task, "id": 3, "title": "项目推介会", "sort": 2},  # added by hand
                {**task, "id": 4, "title": seeded[0][0], "sort": seeded[0][1], "kind": "followup"},
            ])  # fmt: skip
        offsets = "SELECT id, offset_workdays FROM tasks ORDER BY id"
        for _round in range(2):
            upgrade(revision="f3b4c5d6e7f8")
            assert _rows(offsets) == [(1, seeded[0][2]), (2, seeded[1][2]), (3, None), (4, None)]
            db.session.execute(text("INSERT INTO holiday_years (year, confirmed_by_id, confirmed_at, note) "
                                    "VALUES (2027, 1, :at, '通知')"), {"at": at})  # fmt: skip
            db.session.commit()
            assert _rows("SELECT year, note FROM holiday_years") == [(2027, "通知")]
            downgrade(revision="f2a3b4c5d6e7")
            with db.engine.connect() as conn:
                inspector = inspect(conn)
                assert "offset_workdays" not in {c["name"] for c in inspector.get_columns("tasks")}
                assert "holiday_years" not in inspector.get_table_names()
            assert _rows("SELECT id, title, due_date FROM tasks ORDER BY id")[1] == (
                2,
                seeded[1][0],
                "2027-01-04",
            )
            db.session.commit()
