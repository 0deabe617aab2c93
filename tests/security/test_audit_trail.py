"""The audit trail cannot be edited.

The trail: events (crm/history.py), assignments, enterprise merges, contact logs, login attempts, import batches
and their items, and 督办 acknowledgements (tests/security/helpers.py AUDIT_TABLES). test_route_sweep.py proves
that no route, for any role, changes or removes an existing row (only appends). Here:

- the ORM refuses to update or delete Event, Assignment, EnterpriseMerge and LoginAttempt rows
  (crm/history.py APPEND_ONLY), except the re-pointing a merge needs and a login attempt turning into a success;
- a merge (through its page) only re-points the duplicate's events and merge records at the survivor;
- an import revert (through its page) removes only the events of the proposals and enterprises it created,
  and marks its batch reverted;
- a 督办 is acknowledged once: acknowledging again does not overwrite the note."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import LoginAttempt
from crm.enterprises.models import EnterpriseMerge
from crm.extensions import db
from crm.history import HistoryIsImmutable
from crm.imports.models import ImportBatch
from crm.reminders.models import Escalation
from crm.teams.models import Assignment
from crm.whitelist.models import Event, WhitelistEntry
from tests.enterprises.test_merge import pair  # noqa: F401  (a survivor and a duplicate with everything)
from tests.imports.test_import import GOOD, head, upload, xlsx  # noqa: F401
from tests.security.helpers import AUDIT_TABLES, audit_changes, snapshot
from tests.teams.conftest import campaign  # noqa: F401

# Each audit model, how to change one of its columns that must never change, and one that may.
EDITS = [
    (Event, "reason", "改过的理由", "enterprise_id"),
    (Assignment, "reason", "改过的理由", None),
    (EnterpriseMerge, "reason", "改过的理由", "survivor_id"),
    (LoginAttempt, "username", "someone-else", "succeeded"),
]


@pytest.mark.parametrize(("model", "column", "value", "_repointable"), EDITS)
def test_the_orm_refuses_to_edit_or_delete_audit_rows(pair, now, model, column, value, _repointable):  # noqa: F811
    db.session.add(LoginAttempt(username="member_a", ip="10.0.0.1", succeeded=False, at=now))
    db.session.commit()
    row = db.session.scalar(select(model).limit(1))
    setattr(row, column, value)
    with pytest.raises(HistoryIsImmutable):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(model).limit(1)))
    with pytest.raises(HistoryIsImmutable):
        db.session.commit()
    db.session.rollback()


def test_what_may_change_still_can(pair, now):  # noqa: F811
    """The merge's re-pointing and a login attempt's success are allowed by the guard."""
    event = db.session.scalar(select(Event).limit(1))
    event.enterprise_id = pair["survivor"].id
    attempt = LoginAttempt(username="member_a", ip=None, succeeded=False, at=now)
    db.session.add(attempt)
    db.session.commit()
    attempt.succeeded = True
    db.session.commit()
    assert db.session.get(Event, event.id).enterprise_id == pair["survivor"].id


def test_a_merge_only_repoints_the_trail(pair, client, login):  # noqa: F811
    survivor, duplicate = pair["survivor"], pair["duplicate"]
    survivor_id, duplicate_id = survivor.id, duplicate.id
    before = snapshot()
    login(pair["manager"])
    response = client.post(
        f"/enterprises/{survivor_id}/merge",
        data={"duplicate_id": duplicate_id, "survivor_version": survivor.version,
              "duplicate_version": duplicate.version, "reason": "同一家企业"},
    )  # fmt: skip
    assert response.status_code == 302
    after = snapshot()
    edited = [line for line in audit_changes(before, after) if "login_attempts" not in line]
    repointed = [f"events {k}: enterprise_id changed" for k, row in before["events"].items()
                 if row["enterprise_id"] == duplicate_id]  # fmt: skip
    repointed += [f"enterprise_merges {k}: survivor_id changed" for k, row in before["enterprise_merges"].items()
                  if row["survivor_id"] == duplicate_id]  # fmt: skip
    assert repointed and sorted(edited) == sorted(repointed)
    moved = [
        after["events"][k] for k, row in before["events"].items() if row["enterprise_id"] == duplicate_id
    ]
    assert {row["enterprise_id"] for row in moved} == {survivor_id}
    assert len(after["events"]) > len(before["events"])  # the merge's own events are added


def test_an_import_revert_removes_only_its_own_proposals_events(head, client, make_entry):  # noqa: F811
    user, _client = head
    kept = make_entry(user, name="与导入无关的企业有限公司")
    client.post(upload(client, xlsx(GOOD)).headers["Location"], data={"confirm": "1"})
    batch = db.session.scalar(select(ImportBatch))
    imported = set(db.session.scalars(select(WhitelistEntry.id).where(WhitelistEntry.id != kept.id)))
    before = snapshot()
    assert client.post(f"/imports/batches/{batch.id}/revert").status_code == 302
    after = snapshot()
    gone = before["events"].keys() - after["events"].keys()
    created = {k[0] for k in before["enterprises"].keys() - after["enterprises"].keys()}
    assert gone and all(
        before["events"][k]["entry_id"] in imported or before["events"][k]["enterprise_id"] in created
        for k in gone
    )
    assert all(after["events"][k] == row for k, row in before["events"].items() if k not in gone)
    assert after["import_batches"][(batch.id,)]["status"] == "reverted"
    changed = [line for line in audit_changes(before, after) if not line.startswith("events: rows removed")]
    assert all(line.split(" (")[0] in ("import_batches", "import_items") for line in changed), changed


def test_a_follow_up_order_is_acknowledged_once(campaign, client, login, now):  # noqa: F811
    p, teams, whitelisted = campaign
    from crm.plans.models import Task
    from crm.teams import assignment

    entry = whitelisted("督办测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    task = db.session.scalar(select(Task).where(Task.entry_id == entry.id).limit(1))
    row = Escalation(task_id=task.id, entry_id=entry.id, level="lead", severity="blue", recipient_id=p["lead"].id,
                     overdue_days=3, created_at=now - timedelta(days=1))  # fmt: skip
    db.session.add(row)
    db.session.commit()
    login(p["lead"])
    client.post(f"/reminders/escalations/{row.id}/ack", data={"note": "马上跟进"})
    first = snapshot()
    client.post(f"/reminders/escalations/{row.id}/ack", data={"note": "改口"})
    assert snapshot()["escalations"] == first["escalations"]
    assert db.session.get(Escalation, row.id).note == "马上跟进"


def test_the_audit_tables_exist():
    """AUDIT_TABLES names real tables (a renamed table must not silently drop out of the sweep's check)."""
    assert set(AUDIT_TABLES) <= set(db.metadata.tables)
