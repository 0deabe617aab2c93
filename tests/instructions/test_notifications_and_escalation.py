"""A 领导批示 reaches people through the inbox and a real email (aiosmtpd), and a late 批办 climbs the 督办
ladder through the reminder scan the scheduler runs, like a late plan step."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from crm.extensions import db
from crm.inbox.models import InboxItem
from crm.instructions import services
from crm.plans.models import Task
from crm.reminders.delivery import deliver
from crm.reminders.models import Escalation, Notification
from crm.reminders.scan import scan
from tests.instructions.conftest import order


def beijing(y, m, d, hour=10) -> datetime:
    return datetime(y, m, d, hour - 8, 0, tzinfo=UTC)


def test_the_team_and_the_leader_get_an_email_for_each_step(worked, now, smtp):
    p, teams, entry, _other = worked
    p["member"].email, p["lead"].email, p["manager"].email = (
        "member@example.cn",
        "lead@example.cn",
        "boss@example.cn",
    )
    db.session.commit()
    instruction = order(p["manager"], entry, now)
    assert deliver(now).sent >= 2
    received = {
        tuple(m.rcpt_tos): message_from_bytes(m.content, policy=policy.default) for m in smtp.messages
    }
    assert set(received) >= {("member@example.cn",), ("lead@example.cn",)}
    assert ("boss@example.cn",) not in received  # the writer is not told of their own instruction
    mail = received[("member@example.cn",)]
    assert "批办" in str(mail["Subject"]) and entry.enterprise.name in str(mail["Subject"])
    assert "请于本周内上门拜访，摸清用地需求。" in mail.get_content()

    smtp.messages.clear()
    services.acknowledge(p["member"], instruction, now, instruction.version)
    assert deliver(now).sent == 1
    assert smtp.messages[0].rcpt_tos == ["boss@example.cn"]
    mail = message_from_bytes(smtp.messages[0].content, policy=policy.default)
    assert p["member"].full_name in str(mail["Subject"])
    # every step's inbox message names the target
    titles = db.session.scalars(select(InboxItem.title).where(InboxItem.kind == "instruction"))
    assert all(entry.enterprise.name in t for t in titles)
    keys = db.session.scalars(select(Notification.dedupe_key).where(Notification.kind == "instruction"))
    assert all(k.startswith("instruction:") for k in keys)


def test_a_late_batch_order_escalates_like_a_late_plan_step(worked, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)  # due Wednesday 2026-03-04
    scan(beijing(2026, 3, 5))  # one working day late: the owner is reminded, nobody is escalated to yet
    overdue = db.session.scalars(select(Notification.title).where(
        Notification.user_id == p["member"].id, Notification.kind == "overdue", Notification.channel == "inbox"))  # fmt: skip
    assert any("落实领导批示" in t for t in overdue)
    assert db.session.scalars(select(Escalation).where(Escalation.task_id == instruction.task_id)).all() == []

    result = scan(beijing(2026, 3, 9))  # three working days late (5th, 6th, 9th): 蓝色督办 to the team leader
    assert result.escalations >= 1
    raised = db.session.scalars(select(Escalation).where(Escalation.task_id == instruction.task_id)).all()
    assert [(e.level, e.severity, e.recipient_id, e.entry_id) for e in raised] == [
        ("lead", "blue", p["lead"].id, entry.id)
    ]
    heard = db.session.scalars(select(Notification.title).where(
        Notification.user_id == p["lead"].id, Notification.kind == "escalation_blue"))  # fmt: skip
    assert any("落实领导批示" in t for t in heard)

    scan(beijing(2026, 3, 11))  # five working days: 黄色督办 to the county head
    levels = db.session.scalars(select(Escalation.level).where(Escalation.task_id == instruction.task_id))
    assert sorted(levels) == ["county", "lead"]
    assert db.session.scalar(select(Escalation.recipient_id).where(
        Escalation.task_id == instruction.task_id, Escalation.level == "county")) == p["head"].id  # fmt: skip


def test_a_reported_batch_order_does_not_escalate(worked, now):
    p, teams, entry, _other = worked
    instruction = order(p["manager"], entry, now)
    services.acknowledge(p["member"], instruction, now, instruction.version)
    services.report(p["member"], instruction, "已拜访", now + timedelta(hours=1), instruction.version)
    scan(beijing(2026, 3, 20))
    assert db.session.get(Task, instruction.task_id).status == "done"
    assert db.session.scalars(select(Escalation).where(Escalation.task_id == instruction.task_id)).all() == []
