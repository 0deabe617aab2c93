"""kill -9 of the reminder scheduler: right after it committed its claim, after it sent some notifications but
before it marked them sent, and while it commits its scan. A fresh scheduler process (scan, reclaim, deliver, as
`flask crm scan-once`) delivers everything once the claim is stale: no reminder lost, none queued twice, none sent
twice except the documented at-least-once case (sent, not marked), where the email keeps its Message-ID
(byte-identical, so the receiver can drop the copy) and the inbox adds nothing. Real processes, a real SMTP server
(aiosmtpd), SIGKILL, on SQLite and PostgreSQL (where the dead scheduler's leader lock must pass to the next one).

Extends tests/reminders/test_delivery.py (deliver() alone, the process exiting by itself) to the whole pass in
separate processes with the clock moved through `now`."""

import json
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import func, select, text

from crm.cli import ADVISORY_LOCK_KEY
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.reminders.channels import message_id
from crm.reminders.models import SENDING, SENT, Escalation, Notification
from tests.faults.conftest import (
    ENV,
    ROOT,
    STEP_TIMEOUT,
    assert_nothing_left_locked,
    in_transaction,
    is_postgres,
    sigkill,
)
from tests.reminders.conftest import beijing

T0 = beijing(2026, 10, 12, 10)  # Monday 10:00 in Beijing: the target's plan steps are due or overdue


@pytest.fixture
def passes(app):
    """start(now, [now …], *options) → a running scheduler process (tests/faults/scheduler_pass.py), one pass per
    moment; any still running at the end is killed."""
    started: list[subprocess.Popen] = []

    def start(*moments_then_options) -> subprocess.Popen:
        arguments = [a.isoformat() if isinstance(a, datetime) else a for a in moments_then_options]
        command = [sys.executable, "-m", "tests.faults.scheduler_pass", app.config["SQLALCHEMY_DATABASE_URI"],
                   str(app.config["SMTP_PORT"]), *arguments]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=STEP_TIMEOUT)


def finish(process: subprocess.Popen) -> list[dict]:
    """The summary of each pass the process ran."""
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-3000:]
    assert "standing by" not in out  # the dead scheduler's leader lock did not hold this one up
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def queue_ready(worked):
    """A worked target whose plan steps are due or overdue at T0; its people have email addresses."""
    p, _teams, _entry = worked
    for name in ("member", "lead", "head", "manager"):
        p[name].email = f"{name}@example.cn"
    db.session.commit()
    db.session.remove()  # the test holds nothing while the schedulers work


def outbox() -> dict[int, Notification]:
    db.session.remove()
    return {n.id: n for n in db.session.scalars(select(Notification))}


def killed(process: subprocess.Popen, hit: dict, notification_id: int) -> None:
    """SIGKILL the scheduler stopped at its fault point; it leaves no lock behind, and on PostgreSQL its leader
    lock died with it, so a standby scheduler may take over at once."""
    sigkill(process.pid)
    process.communicate(timeout=STEP_TIMEOUT)
    assert process.returncode == -signal.SIGKILL
    assert_nothing_left_locked(hit["backend_pid"], "notifications", notification_id)
    if is_postgres():
        assert_nothing_left_locked(hit["lock_backend_pid"], "notifications", notification_id)
        lock = text("SELECT pg_try_advisory_lock(:k)")
        with db.engine.connect() as conn:
            assert conn.execute(lock, {"k": ADVISORY_LOCK_KEY}).scalar() is True
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()


def inbox_deliveries() -> list[int]:
    """The notifications delivered to the inbox (the assignment's own inbox messages come from no notification)."""
    return list(
        db.session.scalars(select(InboxItem.notification_id).where(InboxItem.notification_id.isnot(None)))
    )


def assert_delivered(
    rows: dict[int, Notification], mailbox, sent_twice: set[int], failed: frozenset[int] = frozenset()
) -> None:
    """Every notification (but those `failed`) is marked sent and has arrived: one inbox message each; each email
    once, except `sent_twice`, which arrived twice as the very same message (same Message-ID, same bytes)."""
    current = {i: n for i, n in outbox().items() if i not in failed}
    assert {n.status for n in current.values()} == {SENT} and current.keys() == rows.keys()
    inbox = [n.id for n in rows.values() if n.channel == "inbox"]
    assert sorted(inbox_deliveries()) == sorted(inbox)  # one each: a repeated inbox delivery added nothing
    emails = {message_id(n): n.id for n in rows.values() if n.channel == "email"}
    arrived = Counter(message_from_bytes(m.content)["Message-ID"] for m in mailbox.messages)
    assert arrived.keys() == emails.keys()  # none lost
    assert {emails[mid]: k for mid, k in arrived.items()} == {
        i: 2 if i in sent_twice else 1 for i in emails.values()
    }
    for mid in arrived:
        copies = {m.content for m in mailbox.messages if message_from_bytes(m.content)["Message-ID"] == mid}
        assert len(copies) == 1  # a resent email is byte for byte the first one


def test_a_scheduler_killed_between_claim_and_send_loses_nothing_and_sends_each_once(
    app, smtp, queue_ready, fault, passes
):
    first = passes(T0, "--stop-after-claim", str(fault.marker))
    hit = fault.hit(running=lambda: first.poll() is None)
    rows = outbox()
    assert len(rows) >= 6 and {n.channel for n in rows.values()} == {"inbox", "email"}
    assert sorted(hit["claimed"]) == sorted(rows) and {n.status for n in rows.values()} == {SENDING}
    assert inbox_deliveries() == [] and smtp.messages == []
    killed(first, hit, min(rows))

    # A new scheduler runs a pass before the claim is stale (nobody takes the claimed rows) and one after it.
    stale = timedelta(minutes=app.config["OUTBOX_STALE_MINUTES"])
    soon, later = finish(passes(T0 + stale - timedelta(minutes=1), T0 + stale + timedelta(minutes=1)))
    idle = {"notifications": 0, "escalations": 0, "reclaimed": 0, "claimed": 0, "sent": 0, "failed": 0}
    assert soon == idle
    assert (later["notifications"], later["escalations"]) == (0, 0)  # the same reminders, not queued again
    assert later["reclaimed"] == later["claimed"] == later["sent"] == len(rows) and later["failed"] == 0
    assert_delivered(rows, smtp, sent_twice=set())


def test_a_scheduler_killed_after_sending_before_marking_sends_those_again_as_the_same_message(
    app, smtp, queue_ready, fault, passes
):
    first = passes(T0, "--stop-after-sends", "5", str(fault.marker))
    hit = fault.hit(running=lambda: first.poll() is None)
    rows = outbox()
    sent = set(hit["sent"])
    assert len(sent) == 5 and {n.status for n in rows.values()} == {SENDING}  # sent, none marked yet
    sent_emails = {i for i in sent if rows[i].channel == "email"}
    assert sent_emails and len(smtp.messages) == len(sent_emails)
    assert sorted(inbox_deliveries()) == sorted(sent - sent_emails)
    killed(first, hit, min(rows))

    (later,) = finish(passes(T0 + timedelta(minutes=app.config["OUTBOX_STALE_MINUTES"] + 1)))
    assert (later["notifications"], later["escalations"]) == (0, 0)
    assert later["reclaimed"] == later["claimed"] == later["sent"] == len(rows) and later["failed"] == 0
    assert_delivered(rows, smtp, sent_twice=sent_emails)


def test_a_scheduler_killed_while_committing_its_scan_queues_nothing_and_the_next_scan_queues_each_once(
    app, smtp, queue_ready, fault, passes
):
    """The scan writes the 督办 records and the outbox rows in one transaction: a 督办 without its notifications
    would be lost for good (each level is raised once per task)."""
    fault.arm(r"^INSERT INTO notifications", "commit")
    first = passes(T0, "--fault-plan", str(fault.plan))
    hit = fault.hit(running=lambda: first.poll() is None)
    assert in_transaction(hit["backend_pid"])  # everything flushed, not committed
    killed(first, hit, 0)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0

    (again,) = finish(passes(T0 + timedelta(minutes=1)))
    rows = outbox()
    assert again["notifications"] == len(rows) >= 6 and again["escalations"] >= 1
    assert again["sent"] == len(rows) and again["failed"] == 0
    escalated = db.session.scalars(select(Escalation.id)).all()
    assert len(escalated) == again["escalations"]
    assert_delivered(rows, smtp, sent_twice=set())


def test_a_notification_that_crashes_its_channel_fails_alone_and_the_pass_delivers_the_rest(
    app, smtp, worked, passes
):
    """A team's robot address that urllib refuses outright (a space pasted into it: http.client.InvalidURL, not an
    OSError) must fail its own notifications, with backoff and then for good, instead of ending the pass: ended
    passes left every row claimed after it in 'sending', to be reclaimed and claimed behind it again, for ever."""
    p, teams, _entry = worked
    p["member"].email = "member@example.cn"
    teams["A"].webhook_url = "http://robot.example.cn/send?key=a b"
    db.session.commit()
    db.session.remove()

    moments = [T0 + timedelta(minutes=m) for m in (0, 1, 3, 7, 15)]  # the backoff: 1, 2, 4, 8 minutes
    passes_run = finish(passes(*moments))
    rows = outbox()
    robot = {i for i, n in rows.items() if n.channel == "webhook"}
    assert robot and len(rows) > len(robot)
    assert [r["failed"] for r in passes_run] == [len(robot)] * app.config["OUTBOX_MAX_ATTEMPTS"]
    assert passes_run[0]["sent"] == len(rows) - len(robot)  # everything else went out in the first pass
    assert {rows[i].status for i in robot} == {"failed"} and all(
        "InvalidURL" in rows[i].last_error for i in robot
    )
    assert_delivered({i: n for i, n in rows.items() if i not in robot}, smtp, sent_twice=set(), failed=robot)
