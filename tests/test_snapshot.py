"""tests/snapshot.py: a kept campaign comes back as it was built, whatever the test before changed."""

from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from crm.refdata.seed import seed_reference
from tests import snapshot


def empty_database() -> None:
    """What conftest.py does between two tests."""
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    seed_reference()


def test_a_kept_campaign_is_written_back_after_a_test_changed_it(app, make_user):
    builds = []
    uploads = Path(current_app.config["UPLOAD_FOLDER"])

    def build():
        builds.append(1)
        (uploads / "kept.txt").write_text("原件")
        return {"users": [make_user("member", "371502", username="kept-member")]}

    first = snapshot.kept("snapshot-self-test", build)
    user_id = first["users"][0].id
    # The test that had it changes the user, adds another and rewrites the file.
    first["users"][0].full_name = "改过的名字"
    db.session.commit()
    make_user("lead", "371502", username="added-lead")
    (uploads / "kept.txt").write_text("改过")
    (uploads / "stray.txt").write_text("x")

    empty_database()
    again = snapshot.kept("snapshot-self-test", build)

    assert len(builds) == 1
    user = again["users"][0]
    assert (user.id, user.username, user.full_name) == (user_id, "kept-member", "member 1")
    assert user.region.code == "371502"  # relationships load in the new session
    assert db.session.scalars(select(User.username)).all() == ["kept-member"]
    assert (uploads / "kept.txt").read_text() == "原件" and not (uploads / "stray.txt").exists()
    # A user this test adds afterwards gets an id of its own.
    assert make_user("lead", "371502", username="after").id != user_id


def test_a_test_that_wrote_first_gets_a_fresh_build_and_keeps_its_rows(app, make_user):
    builds = []

    def build():
        builds.append(1)
        return make_user("member", "371502", username=f"built-{len(builds)}")

    snapshot.kept("snapshot-self-test-2", build)
    empty_database()
    make_user("lead", "371502", username="written-first")
    built = snapshot.kept("snapshot-self-test-2", build)

    assert len(builds) == 2 and built.username == "built-2"
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_a_group_parent_with_a_higher_id_than_its_member_comes_back(app, make_user, make_enterprise):
    """The demo's 中寰重工（山东） belongs to a group: the restore writes each enterprise after the one it names as its
    parent, whatever their ids and the order the database returned them in (PostgreSQL's changes after an update)."""
    from crm.enterprises.models import Enterprise

    def build():
        member = make_user("member", "371502", username="group-member")
        child = make_enterprise(member, name="中寰重工（山东）装备有限公司")  # the lower id
        parent = make_enterprise(member, name="中寰重工集团有限公司")
        child.parent_id = parent.id
        parent.notes = "集团总部（更新过，行在堆中后移）"
        db.session.commit()
        return {"child": child, "parent": parent}

    first = snapshot.kept("snapshot-group-parent", build)
    assert first["child"].id < first["parent"].id
    empty_database()
    again = snapshot.kept("snapshot-group-parent", build)
    child = db.session.get(Enterprise, again["child"].id)
    assert child.parent.name == "中寰重工集团有限公司"


def test_rows_are_put_parents_first_for_every_self_reference():
    from crm.enterprises.models import Enterprise

    table = Enterprise.__table__
    rows = [
        {"id": 3, "parent_id": 7},
        {"id": 7, "parent_id": 9},
        {"id": 9, "parent_id": None},
        {"id": 1, "parent_id": None},
    ]
    assert [r["id"] for r in snapshot.parents_first(table, rows)] == [9, 1, 7, 3]
