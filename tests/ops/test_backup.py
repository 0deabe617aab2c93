"""`flask crm backup` / `flask crm restore`: a round trip brings back exactly what was backed up, on SQLite (online
backup API) and PostgreSQL (pg_dump / pg_restore); bad files are refused and change nothing."""

import sqlite3

import pytest
from sqlalchemy import func, select, text

from crm.auth.models import User
from crm.enterprises.models import Enterprise
from crm.enterprises.search import enterprise_search
from crm.extensions import db
from crm.vocab import Role
from crm.whitelist.models import WhitelistEntry


def snapshot() -> dict:
    """Row counts of every table and the enterprises' names: what a restore must bring back."""
    db.session.remove()
    counts = {
        t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
    }
    names = db.session.scalars(select(Enterprise.name).order_by(Enterprise.id)).all()
    return {"counts": counts, "names": names}


def run(app, *args, **kwargs):
    result = app.test_cli_runner().invoke(args=["crm", *args], **kwargs)
    return result.exit_code, result.output


@pytest.fixture
def campaign(make_user, make_entry):
    head = make_user(Role.COUNTY_HEAD, "371502")
    for name in ("聊城甲有限公司", "聊城乙有限公司", "聊城丙有限公司"):
        make_entry(head, name=name)
    return head


def test_backup_then_restore_brings_back_exactly_what_was_saved(app, campaign, make_entry, tmp_path):
    head_id = campaign.id
    before = snapshot()
    path = tmp_path / "crm.backup"
    code, output = run(app, "backup", str(path))
    assert code == 0, output
    assert path.stat().st_size > 0
    written = sum(before["counts"].values()) + 1  # and alembic_version's row
    assert f"{written} rows" in output  # the summary counts what was written

    # Work goes on after the backup: a rename, a new proposal, a deleted row.
    first = db.session.scalar(select(Enterprise).order_by(Enterprise.id))
    first.name = "改过的名字有限公司"
    db.session.commit()
    make_entry(db.session.get(User, head_id), name="备份之后新增有限公司")
    db.session.execute(text("DELETE FROM events WHERE id = (SELECT max(id) FROM events)"))
    db.session.commit()
    assert snapshot() != before

    code, output = run(app, "restore", str(path), "--yes")
    assert code == 0, output
    assert snapshot() == before
    assert "改过的名字有限公司" not in snapshot()["names"]
    # Search answers from its index (an FTS table on SQLite) as it stood at the backup.
    assert db.session.scalars(select(Enterprise.name).where(enterprise_search("甲有限"))).all() == [
        "聊城甲有限公司"
    ]
    assert not db.session.scalars(select(Enterprise.id).where(enterprise_search("改过的名字"))).all()
    # The app works on the restored data: ids continue after the restored rows (sequences came back too).
    entry = make_entry(db.session.get(User, head_id), name="恢复之后新增有限公司")
    assert entry.id > max(db.session.scalars(select(WhitelistEntry.id).where(WhitelistEntry.id != entry.id)))


def test_restore_asks_first_and_refuses_a_file_that_is_not_a_backup(app, campaign, tmp_path):
    before = snapshot()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database" * 100)
    code, output = run(app, "restore", str(junk), "--yes")
    assert code != 0 and "Error" in output
    assert snapshot() == before
    code, output = run(app, "restore", str(junk), input="n\n")
    assert code != 0 and snapshot() == before
    code, output = run(app, "restore", str(tmp_path / "missing.backup"), "--yes")
    assert code != 0 and "does not exist" in output


def test_backup_never_overwrites_a_file(app, campaign, tmp_path):
    path = tmp_path / "taken.backup"
    path.write_bytes(b"keep me")
    code, output = run(app, "backup", str(path))
    assert code != 0 and "exists already" in output
    assert path.read_bytes() == b"keep me"


def test_sqlite_backup_is_a_consistent_snapshot_while_another_connection_writes(app, campaign, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the online backup API is SQLite's; PostgreSQL's pg_dump takes its own snapshot")
    writer = sqlite3.connect(db.engine.url.database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE enterprises SET name = 'uncommitted' WHERE id = (SELECT min(id) FROM enterprises)")
    try:
        code, output = run(app, "backup", str(tmp_path / "online.sqlite3"))
    finally:
        writer.rollback()
        writer.close()
    assert code == 0, output
    copy = sqlite3.connect(tmp_path / "online.sqlite3")
    names = [row[0] for row in copy.execute("SELECT name FROM enterprises ORDER BY id")]
    assert names == ["聊城甲有限公司", "聊城乙有限公司", "聊城丙有限公司"]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
