"""kill -9 of the web worker in the middle of a save: the database holds all of the change or none of it, nothing
stays locked, and gunicorn's master starts a new worker that takes the user's next request (the same save again)
without anyone stepping in. Real gunicorn, real HTTP, real SIGKILL, on SQLite and PostgreSQL."""

import re
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from crm.enterprises.models import Contact
from crm.extensions import db
from crm.plans.models import DONE, OPEN, ContactLog, Task
from crm.plans.services import plan_of
from crm.teams import assignment
from crm.vocab import State
from crm.whitelist import services as wf
from crm.whitelist.models import Event, WhitelistEntry
from tests.faults.conftest import STEP_TIMEOUT, assert_nothing_left_locked, kill_during, next_request

ASSIGNED_AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n% a visit report\n"


def events_of(entry_id: int, action: str | None = None) -> int:
    query = select(func.count()).select_from(Event).where(Event.entry_id == entry_id)
    if action:
        query = query.where(Event.action == action)
    return db.session.scalar(query)


def fresh(entry_id: int) -> WhitelistEntry:
    db.session.remove()
    return db.session.get(WhitelistEntry, entry_id)


def test_an_approval_killed_at_commit_leaves_neither_the_state_change_nor_its_event(
    server, fault, campaign, make_entry, now
):
    p, _teams, _whitelisted = campaign
    entry = make_entry(p["proposer"], name="故障测试审批企业有限公司")
    wf.approve(p["head"], entry, now)  # the county passed it; the city confirms
    entry_id, version, events = entry.id, entry.version, events_of(entry.id)
    manager = server.login(p["manager"])
    db.session.remove()  # the test holds nothing while the worker writes

    form = {"reason": "同意入库", "version": version}
    hit = kill_during(server, fault, manager, f"/whitelist/{entry_id}/approve", r"^INSERT INTO events", "commit",
                      locked=("whitelist_entries", entry_id), data=form)  # fmt: skip

    entry = fresh(entry_id)  # everything was flushed but not committed: none of it is there
    assert (entry.state, entry.review_stage, entry.whitelisted_at) == (State.PROPOSED, "city", None)
    assert entry.version == version and events_of(entry_id) == events
    assert_nothing_left_locked(hit["backend_pid"], "whitelist_entries", entry_id)

    next_request(server, manager, f"/whitelist/{entry_id}", hit["pid"])
    done = manager.post(f"{server.url}/whitelist/{entry_id}/approve", data=form, allow_redirects=False,
                        timeout=STEP_TIMEOUT)  # fmt: skip
    assert done.status_code == 302, done.text[:500]  # the version the user saw is still current
    entry = fresh(entry_id)
    assert entry.state == State.WHITELISTED and entry.version == version + 1
    assert events_of(entry_id, "approve") == 1 and events_of(entry_id) == events + 1


def test_an_edit_killed_between_the_update_and_its_event_leaves_the_entry_as_it_was(
    server, fault, campaign, make_entry
):
    p, _teams, _whitelisted = campaign
    entry = make_entry(p["proposer"], name="故障测试编辑企业有限公司")
    entry_id, version, region_id = entry.id, entry.version, entry.region_id
    proposer = server.login(p["proposer"])
    db.session.remove()

    form = {"region_id": region_id, "priority": "2", "planned_investment": "800", "summary": "扩产项目",
            "version": version}  # fmt: skip
    # The UPDATE of the entry has run (new values, version + 1) inside the transaction; its event is not written.
    hit = kill_during(server, fault, proposer, f"/whitelist/{entry_id}/edit", r"^UPDATE whitelist_entries ",
                      "statement", locked=("whitelist_entries", entry_id), data=form)  # fmt: skip
    assert "whitelist_entries" in hit["statement"]

    entry = fresh(entry_id)
    assert (entry.planned_investment, entry.summary, entry.version) == (None, None, version)
    assert events_of(entry_id, "edit") == 0
    assert_nothing_left_locked(hit["backend_pid"], "whitelist_entries", entry_id)

    next_request(server, proposer, f"/whitelist/{entry_id}/edit", hit["pid"])
    saved = proposer.post(f"{server.url}/whitelist/{entry_id}/edit", data=form, allow_redirects=False,
                          timeout=STEP_TIMEOUT)  # fmt: skip
    assert saved.status_code == 302, saved.text[:500]
    entry = fresh(entry_id)
    assert (entry.planned_investment, entry.summary, entry.version) == (800, "扩产项目", version + 1)
    assert events_of(entry_id, "edit") == 1


@pytest.fixture
def target(campaign):
    """A target of team A owned by the member, its plan started; the first step is open."""
    p, teams, whitelisted = campaign
    entry = whitelisted("故障测试对接企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], ASSIGNED_AT)
    first = next(t for t in plan_of(entry.id) if t.kind == "step")
    return p, entry, first


def log_form(member_id: int, task_id: int) -> dict:
    return {"occurred_on": "2026-10-09", "occurred_time": "10:30", "kind": "visit", "summary": "上门拜访，谈扩产",
            "complete_task": task_id, "participants": [member_id], "next_step": "寄送产业政策材料",
            "next_date": "2026-10-16", "new_contact_name": "王经理", "new_contact_title": "总经理"}  # fmt: skip


def counts(entry_id: int, enterprise_id: int) -> tuple[int, int, int, int]:
    return (
        db.session.scalar(
            select(func.count()).select_from(ContactLog).where(ContactLog.entry_id == entry_id)
        ),
        db.session.scalar(
            select(func.count()).select_from(Contact).where(Contact.enterprise_id == enterprise_id)
        ),
        db.session.scalar(select(func.count()).select_from(Task).where(Task.kind == "followup")),
        events_of(entry_id),
    )


def attachments(server) -> set[str]:
    """The attachment files in the server's upload folder (other tests of the package leave theirs there)."""
    return {f.name for f in server.uploads.glob("*") if f.is_file()} if server.uploads.exists() else set()


def test_a_contact_log_killed_at_commit_completes_no_step_and_logs_nothing(server, fault, target):
    p, entry, first = target
    entry_id, enterprise_id, version, first_id = entry.id, entry.enterprise_id, entry.version, first.id
    before, files_before = counts(entry_id, enterprise_id), attachments(server)
    member = server.login(p["member"])
    db.session.remove()
    path = f"/plans/entries/{entry_id}/log"
    form, files = log_form(p["member"].id, first_id), {"attachment": ("拜访纪要.pdf", PDF, "application/pdf")}

    hit = kill_during(server, fault, member, path, r"^INSERT INTO contact_logs", "commit",
                      locked=("tasks", first_id), data=form, files=files)  # fmt: skip

    # None of it: the log, its participants, the new contact, the completed step, the follow-up, the first-contact
    # stage change, the events.
    entry = fresh(entry_id)
    assert counts(entry_id, enterprise_id) == before
    assert (entry.state, entry.last_contact_at, entry.version) == (State.ASSIGNED, None, version)
    task = db.session.get(Task, first_id)
    assert (task.status, task.log_id, task.completed_at) == (OPEN, None, None)
    left = attachments(server) - files_before
    assert len(left) <= 1  # at most the file of the lost save, which no record points to
    assert_nothing_left_locked(hit["backend_pid"], "tasks", first_id)

    next_request(server, member, path, hit["pid"])
    saved = member.post(
        server.url + path, data=form, files=files, allow_redirects=False, timeout=STEP_TIMEOUT
    )
    assert saved.status_code == 302, saved.text[:500]
    entry = fresh(entry_id)
    log = db.session.scalar(select(ContactLog).where(ContactLog.entry_id == entry_id))
    assert counts(entry_id, enterprise_id) == (1, 1, 1, before[3] + 2)  # the log event and 已组队 → 对接中
    assert entry.state == State.CONTACTING and entry.version == version + 1
    task = db.session.get(Task, first_id)
    assert (task.status, task.log_id) == (DONE, log.id)
    assert (server.uploads / log.attachment_path).read_bytes() == PDF


def test_a_contact_log_killed_right_after_its_commit_keeps_its_attachment(server, fault, target):
    """The worker dies between the commit and the code after it: the saved log must still have its file."""
    p, entry, first = target
    entry_id, enterprise_id, first_id = entry.id, entry.enterprise_id, first.id
    member = server.login(p["member"])
    db.session.remove()
    path = f"/plans/entries/{entry_id}/log"
    form, files = log_form(p["member"].id, first_id), {"attachment": ("拜访纪要.pdf", PDF, "application/pdf")}

    hit = kill_during(server, fault, member, path, r"^INSERT INTO contact_logs", "after_commit", data=form,
                      files=files)  # fmt: skip

    fresh(entry_id)
    log = db.session.scalar(select(ContactLog).where(ContactLog.entry_id == entry_id))
    assert log is not None and log.attachment_name == "拜访纪要.pdf"  # committed, all of it
    assert counts(entry_id, enterprise_id)[:3] == (1, 1, 1)
    assert db.session.get(Task, first_id).status == DONE
    assert (server.uploads / log.attachment_path).is_file(), "a saved log lost its attachment"
    assert_nothing_left_locked(hit["backend_pid"], "tasks", first_id)

    next_request(server, member, f"/whitelist/{entry_id}", hit["pid"])
    download = member.get(f"{server.url}/plans/logs/{log.id}/attachment", timeout=STEP_TIMEOUT)
    assert download.status_code == 200 and download.content == PDF


def test_each_worker_freezes_what_loading_the_app_allocated(server):
    """gunicorn.conf.py (read from the working directory, as in production) moves the app's own objects out of the
    garbage collector's reach once a worker has loaded it: the worker says how many."""
    assert server.alive()
    frozen = [int(n) for n in re.findall(r"gc\.freeze\(\): (\d+) objects", server.log.read_text())]
    assert frozen, "no worker ran gunicorn.conf.py's post_worker_init"
    assert min(frozen) > 50_000  # the modules, mappers and templates of a loaded app, not an empty process
    thresholds = re.findall(r"gc\.freeze\(\): \d+ objects .*; thresholds ([\d,]+)", server.log.read_text())
    assert thresholds and set(thresholds) == {"10000,20,50"}  # collected less often than Python's 700


def test_gunicorn_names_no_version_and_one_server_header(server):
    response = requests.get(f"{server.url}/auth/login", timeout=30)
    assert response.status_code == 200
    servers = [v for k, v in response.raw.headers.items() if k.lower() == "server"]
    assert servers == ["gunicorn"]
