"""Delivery through real channels (an aiosmtpd SMTP server, a local HTTP receiver), retries, failures,
reclaiming rows left by a dead worker, and exactly-once delivery with two worker processes."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from crm import outbox
from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.reminders.channels import message_id
from crm.reminders.delivery import deliver
from crm.reminders.models import FAILED, PENDING, SENDING, SENT, Notification
from tests.reminders.conftest import beijing

NOW = beijing(2026, 10, 12)


def queue(user, key: str, channel: str, **extra) -> Notification:
    outbox.enqueue([{"dedupe_key": key, "channel": channel, "user_id": user.id if user else None, "kind": "due_today",
                     "title": "今天到期：首次对接（提醒测试企业）", "body": "请及时跟进", **extra}], NOW)  # fmt: skip
    return db.session.scalar(select(Notification).where(Notification.dedupe_key == key))


def test_email_goes_to_a_real_smtp_server_once_with_a_stable_message_id(smtp, campaign):
    p, teams, _ = campaign
    p["member"].email = "member@example.cn"
    db.session.commit()
    row = queue(p["member"], "task:1:due_today:2026-10-12:email", "email")
    assert deliver(NOW).sent == 1
    assert deliver(NOW).claimed == 0  # nothing left to send
    assert len(smtp.messages) == 1
    mail = message_from_bytes(smtp.messages[0].content, policy=policy.default)
    assert smtp.messages[0].rcpt_tos == ["member@example.cn"]
    assert mail["Message-ID"] == message_id(row)
    assert "首次对接" in mail.get_body().get_content() or "首次对接" in str(mail["Subject"])


def test_webhook_posts_a_robot_message_to_the_team(httpserver, campaign):
    p, teams, _ = campaign
    teams["A"].webhook_url = httpserver.url_for("/robot/send")
    db.session.commit()
    httpserver.expect_oneshot_request("/robot/send", method="POST").respond_with_json({"errcode": 0})
    queue(None, "task:1:due_today:2026-10-12:webhook:1", "webhook", team_id=teams["A"].id)
    assert deliver(NOW).sent == 1
    request, _response = httpserver.log[0]
    payload = json.loads(request.data)
    assert payload["msgtype"] == "text" and "首次对接" in payload["text"]["content"]


def test_the_robot_messages_of_a_scan_keep_their_team_and_reach_its_robot(httpserver, worked):
    """The scan inserts inbox, email and robot rows in one statement; only the robot rows name a team."""
    from crm.reminders.scan import scan

    p, teams, _entry = worked
    teams["A"].webhook_url = httpserver.url_for("/robot/send")
    httpserver.expect_request("/robot/send", method="POST").respond_with_json({"errcode": 0})
    db.session.commit()
    scan(NOW)
    robot = db.session.scalars(select(Notification).where(Notification.channel == "webhook")).all()
    assert robot and {n.team_id for n in robot} == {teams["A"].id}
    result = deliver(NOW)
    assert result.failed == 0 and len(httpserver.log) == len(robot)


def test_failures_back_off_then_give_up_and_show_to_admins(app, campaign, client, login, make_user):
    p, teams, _ = campaign
    p["member"].email = "member@example.cn"
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens there
    try:
        row = queue(p["member"], "task:9:overdue:2026-10-12:email", "email")
        moment = NOW
        for attempt in range(1, app.config["OUTBOX_MAX_ATTEMPTS"] + 1):
            result = deliver(moment)
            assert result.failed == 1, attempt
            db.session.refresh(row)
            if attempt < app.config["OUTBOX_MAX_ATTEMPTS"]:
                assert row.status == PENDING and row.next_attempt_at == moment + timedelta(
                    minutes=2 ** (attempt - 1)
                )
                assert deliver(moment).claimed == 0  # not before its backoff
                moment = row.next_attempt_at
        assert row.status == FAILED and "SMTP" in row.last_error
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    login(make_user("admin"))
    page = client.get("/reminders/outbox").data.decode()
    assert 'data-testid="backlog-failed">1<' in page and "SMTP" in page


def test_a_worker_killed_after_claiming_leaves_rows_that_are_reclaimed_and_sent_once_more_at_most(
    app, campaign
):
    p, teams, _ = campaign
    queue(p["member"], "task:5:due_today:2026-10-12:inbox", "inbox")

    class Killed(Exception):
        pass

    def die(ids):
        raise Killed  # the claim is committed; the process dies before sending

    with pytest.raises(Killed):
        deliver(NOW, after_claim=die)
    db.session.rollback()
    assert db.session.scalar(select(Notification.status)) == SENDING
    assert outbox.reclaim_stuck(NOW + timedelta(minutes=1)) == 0  # not stale yet
    later = NOW + timedelta(minutes=app.config["OUTBOX_STALE_MINUTES"] + 1)
    assert outbox.reclaim_stuck(later) == 1
    assert deliver(later).sent == 1
    assert deliver(later).claimed == 0
    assert db.session.scalar(select(func.count()).select_from(InboxItem)) == 1


def test_a_row_whose_worker_dies_every_time_is_failed_after_the_last_attempt(app, campaign):
    p, teams, _ = campaign
    queue(p["member"], "task:5:due_today:2026-10-12:inbox", "inbox")
    when = NOW
    for attempt in range(1, app.config["OUTBOX_MAX_ATTEMPTS"] + 1):
        assert outbox.claim(when, 10)  # a worker claims the row and dies before marking it
        db.session.rollback()
        assert db.session.scalar(select(Notification.attempts)) == attempt
        when += timedelta(minutes=app.config["OUTBOX_STALE_MINUTES"] + 1)
        outbox.reclaim_stuck(when)
    row = db.session.scalar(select(Notification))
    assert row.status == FAILED  # shown to the administrator, not sent for ever
    assert "每次" in row.last_error
    assert deliver(when).claimed == 0


def test_inbox_delivery_of_the_same_row_twice_adds_one_message(campaign):
    """Dying after sending but before marking means the row is sent again: the inbox ignores the repeat."""
    from crm.reminders.channels import deliver_inbox

    p, teams, _ = campaign
    row = queue(p["member"], "task:6:due_today:2026-10-12:inbox", "inbox")
    deliver_inbox(row, None)
    deliver_inbox(row, None)
    assert db.session.scalar(select(func.count()).select_from(InboxItem)) == 1


WORKER = """
import sys
from datetime import datetime
from config import TestConfig
from crm import create_app
from crm.reminders.delivery import deliver

class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = int(sys.argv[2])
    OUTBOX_BATCH = 7

app = create_app(Config)
with app.app_context():
    now = datetime.fromisoformat(sys.argv[3])
    sent = 0
    while True:
        result = deliver(now)
        sent += result.sent
        if result.claimed == 0:
            break
    print(sent)
"""


def test_two_worker_processes_deliver_every_notification_exactly_once(app, smtp, campaign):
    p, teams, _ = campaign
    p["member"].email = "member@example.cn"
    db.session.commit()
    rows = [{"dedupe_key": f"task:{i}:due_today:2026-10-12:{ch}", "channel": ch, "user_id": p["member"].id,
             "kind": "due_today", "title": f"提醒{i}"} for i in range(60) for ch in ("inbox", "email")]  # fmt: skip
    assert outbox.enqueue(rows, NOW) == 120
    db.session.remove()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    args = [
        sys.executable,
        "-c",
        WORKER,
        app.config["SQLALCHEMY_DATABASE_URI"],
        str(app.config["SMTP_PORT"]),
        NOW.isoformat(),
    ]
    workers = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outputs]
    sent_by = [int(o[0].strip().splitlines()[-1]) for o in outputs]
    assert sum(sent_by) == 120
    assert db.session.scalar(select(func.count()).where(Notification.status == SENT)) == 120
    ids = [message_from_bytes(m.content)["Message-ID"] for m in smtp.messages]
    assert len(ids) == 60 and len(set(ids)) == 60  # each email once
    assert db.session.scalar(select(func.count()).select_from(InboxItem)) == 60


def test_assignment_and_reassignment_notices_reach_email_and_the_team_robot(smtp, httpserver, campaign, now):
    from crm.teams import assignment

    p, teams, whitelisted = campaign
    p["member"].email, p["member_b"].email = "a@example.cn", "b@example.cn"
    teams["B"].webhook_url = httpserver.url_for("/robot")
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0})
    db.session.commit()
    entry = whitelisted("通知测试企业有限公司")
    assignment.assign(p["lead"], entry, teams["A"], p["member"], now)
    assignment.reassign(p["lead"], entry, teams["B"], p["member_b"], "调整", True, now)
    result = deliver(now)
    assert (
        result.sent == result.claimed == 4
    )  # assign: member's email; reassign: two emails and team B's robot
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["a@example.cn", "a@example.cn", "b@example.cn"]
    assert "通知测试企业有限公司" in json.loads(httpserver.log[0][0].data)["text"]["content"]


KILLED_WORKER = """
import os, sys
from datetime import datetime
from config import TestConfig
from crm import create_app
from crm.reminders.delivery import deliver

class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]

app = create_app(Config)
with app.app_context():
    deliver(datetime.fromisoformat(sys.argv[2]), after_claim=lambda ids: os._exit(9))  # dies holding its claim
"""


def test_a_worker_process_killed_between_claim_and_mark(app, campaign):
    p, teams, _ = campaign
    for i in range(3):
        queue(p["member"], f"task:{i}:due_today:2026-10-12:inbox", "inbox")
    db.session.remove()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    died = subprocess.run([sys.executable, "-c", KILLED_WORKER, app.config["SQLALCHEMY_DATABASE_URI"], NOW.isoformat()],
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert died.returncode == 9, died.stderr[-2000:]
    assert set(db.session.scalars(select(Notification.status))) == {SENDING}  # the claim survived the death
    assert deliver(NOW).claimed == 0  # nobody else takes a claimed row...
    later = NOW + timedelta(minutes=app.config["OUTBOX_STALE_MINUTES"] + 1)
    assert outbox.reclaim_stuck(later) == 3  # ...until it is stale
    assert deliver(later).sent == 3
    assert db.session.scalar(select(func.count()).select_from(InboxItem)) == 3


def test_a_second_scheduler_stands_by_while_the_first_holds_the_lock(app):
    """PostgreSQL only: the advisory lock is how a standby scheduler waits (SQLite runs a single scheduler)."""
    from sqlalchemy import text

    from crm.cli import ADVISORY_LOCK_KEY, _hold_leader_lock

    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks exist on PostgreSQL only; run with TEST_DATABASE_URL")
    holder = _hold_leader_lock(app)
    try:
        with db.engine.connect() as other:
            assert (
                other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
                is False
            )
    finally:
        holder.close()  # the active scheduler dies...
    # ...and the standby takes over once the server has ended the dead one's backend, which it does after the
    # socket closes, not before close() returns: the standby retries, and so does this check (for at most 10 s).
    with db.engine.connect() as other:
        deadline = time.monotonic() + 10
        taken = False
        while not taken and time.monotonic() < deadline:
            taken = other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            other.commit()
            if not taken:
                time.sleep(0.05)
        assert taken is True
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})


def test_a_robot_address_saved_before_the_host_list_changed_is_not_called(
    httpserver, campaign, app, monkeypatch
):
    p, teams, _ = campaign
    teams["A"].webhook_url = httpserver.url_for("/robot/send")
    db.session.commit()
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", "qyapi.weixin.qq.com")
    queue(p["member"], "task:5:due_today:2026-10-12:webhook", "webhook", team_id=teams["A"].id)
    result = deliver(NOW)
    assert result.failed == 1 and result.sent == 0
    assert httpserver.log == []  # no request left the server
    assert "WEBHOOK_ALLOWED_HOSTS" in db.session.scalar(select(Notification.last_error))
