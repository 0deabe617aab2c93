"""a7c1e9d3b5f2 with data, on SQLite and PostgreSQL: every enterprise on file becomes a 'target', no entry fills a
node; a chain with a link, a node, a local firm and an entry on the node is written; the downgrade drops them and
leaves the enterprises and entries as they were; upgrading again works."""

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from crm.extensions import db
from tests.migration_world import _rows, old_schema_app, old_world_at  # noqa: F401

BEFORE, REVISION = "f3b4c5d6e7f8", "a7c1e9d3b5f2"
CHAINS = ("chains", "chain_links", "chain_nodes", "chain_regions", "node_firms", "chain_events")


def _chain_on_file(at: datetime) -> None:
    db.session.execute(text("INSERT INTO chains (id, name, is_demo, active, sort, created_at, updated_at, version) "
                            "VALUES (1, '有色金属精深加工', false, true, 1, :at, :at, 1)"), {"at": at})  # fmt: skip
    db.session.execute(text("INSERT INTO chain_links (id, chain_id, name, sort) VALUES (1, 1, '中游', 1)"))
    db.session.execute(
        text("INSERT INTO chain_nodes (id, chain_id, link_id, name, sort) VALUES (1, 1, 1, '铝板带箔', 1)")
    )
    db.session.execute(text("INSERT INTO chain_regions (chain_id, region_id) SELECT 1, region_id FROM whitelist_entries "
                            "WHERE id = 1"))  # fmt: skip
    db.session.execute(text("INSERT INTO node_firms (id, node_id, enterprise_id, region_id, role, created_at) "
                            "SELECT 1, 1, 2, region_id, 'leader', :at FROM whitelist_entries WHERE id = 1"), {"at": at})  # fmt: skip
    db.session.execute(text("UPDATE enterprises SET kind = 'local' WHERE id = 2"))
    db.session.execute(text("UPDATE whitelist_entries SET chain_node_id = 1 WHERE id = 1"))
    db.session.commit()


def test_chains_migration_marks_every_enterprise_a_target_and_comes_back(old_schema_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    at = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    with old_schema_app.app_context():
        old_world_at(BEFORE)
        enterprises = _rows("SELECT id, name, uscc FROM enterprises ORDER BY id")
        entries = _rows("SELECT id, state, region_id, version FROM whitelist_entries ORDER BY id")
        assert len(enterprises) >= 2 and entries
        for _round in range(2):
            upgrade(revision=REVISION)
            assert {kind for (kind,) in _rows("SELECT kind FROM enterprises")} == {"target"}
            assert _rows("SELECT count(*) FROM whitelist_entries WHERE chain_node_id IS NOT NULL") == [(0,)]
            db.session.commit()
            _chain_on_file(at)
            assert _rows("SELECT e.id, n.name FROM whitelist_entries e JOIN chain_nodes n ON n.id = e.chain_node_id") == [
                (1, "铝板带箔")
            ]  # fmt: skip
            db.session.commit()
            downgrade(revision=BEFORE)
            with db.engine.connect() as conn:
                inspector = inspect(conn)
                assert not set(CHAINS) & set(inspector.get_table_names())
                assert "kind" not in {c["name"] for c in inspector.get_columns("enterprises")}
                assert "chain_node_id" not in {c["name"] for c in inspector.get_columns("whitelist_entries")}
            assert _rows("SELECT id, name, uscc FROM enterprises ORDER BY id") == enterprises
            assert _rows("SELECT id, state, region_id, version FROM whitelist_entries ORDER BY id") == entries
            db.session.commit()
