"""The email a notification becomes (compat32 MIMEText since issue 16), as a real SMTP server receives it."""

from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from crm import outbox
from crm.extensions import db
from crm.reminders.channels import message_id
from crm.reminders.delivery import deliver
from crm.reminders.models import Notification
from tests.reminders.conftest import beijing

NOW = beijing(2026, 10, 12)
TITLE = "督办 (红色督办)：首次对接 of 聊城市强企业攻坚目标企业（山东）有限公司 is 12 working days overdue\n请立即跟进"


def test_a_chinese_subject_and_body_arrive_whole(app, smtp, campaign, monkeypatch):
    p, teams, _ = campaign
    member = p["member"]
    member.email, member.full_name = "member@example.cn", "张三"
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_FROM", "聊城市投资促进局 <crm@example.cn>")
    outbox.enqueue([{"dedupe_key": "escalation:7:city:1:email", "channel": "email", "user_id": member.id,
                     "kind": "escalation_red", "title": TITLE, "body": "第二行说明"}], NOW)  # fmt: skip
    row = db.session.scalar(select(Notification))
    assert deliver(NOW).sent == 1

    envelope = smtp.messages[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == ("crm@example.cn", ["member@example.cn"])
    head = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # every header encoded (RFC 2047), no raw UTF-8 a strict server would refuse
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert str(mail["Subject"]) == " ".join(TITLE.split())  # one line, folded and unfolded whole
    assert mail["From"].addresses[0].display_name == "聊城市投资促进局"
    assert mail["From"].addresses[0].addr_spec == "crm@example.cn"
    assert str(mail["To"]) == "member@example.cn"
    assert mail["Message-ID"] == message_id(row)
    assert parsedate_to_datetime(str(mail["Date"])) == row.created_at
    assert (mail.get_content_type(), mail.get_content_charset()) == ("text/plain", "utf-8")
    assert mail.get_content() == f"张三：\n\n{TITLE}\n\n第二行说明\n\n—— 聊城市强企业攻坚目标企业管理系统\n"


def test_the_default_sender_is_a_bare_address(smtp, campaign):
    p, teams, _ = campaign
    p["member"].email = "member@example.cn"
    db.session.commit()
    outbox.enqueue([{"dedupe_key": "task:1:due_today:2026-10-12:email", "channel": "email",
                     "user_id": p["member"].id, "kind": "due_today", "title": "今天到期：首次对接"}], NOW)  # fmt: skip
    assert deliver(NOW).sent == 1
    mail = message_from_bytes(smtp.messages[0].content, policy=policy.default)
    assert str(mail["Subject"]) == "今天到期：首次对接"
    assert mail.get_content().endswith("今天到期：首次对接\n\n\n\n—— 聊城市强企业攻坚目标企业管理系统\n")
