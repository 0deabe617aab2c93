"""The data migrations of the projects round with data in them, up and down: projects from signings and funds,
each project's funds standing, the held region, the holiday years' template offsets."""

from datetime import date

from sqlalchemy import text

from crm.extensions import db
from tests.migration_world import (  # noqa: F401
    ARRIVAL_ROW,
    ENTRY_ROW,
    PREVIOUS,
    PROJECTS,
    _check_projects,
    _insert_old_world,
    _old_world_with_projects,
    _rows,
    old_schema_app,  # noqa: F401  (the fixture)
)


def test_projects_migration_moves_signings_and_funds_and_comes_back(old_schema_app):  # noqa: F811
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


def test_standing_migration_fills_each_projects_funds_standing_and_comes_back(old_schema_app):  # noqa: F811
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


def test_held_region_migration_copies_each_targets_county_and_comes_back(old_schema_app):  # noqa: F811
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


def test_holiday_years_migration_fills_template_step_offsets_and_comes_back(old_schema_app):  # noqa: F811
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
