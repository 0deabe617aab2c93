"""The history names a 督办's level in Chinese (issue 19: '签收督办 需求摸底（blue）'): new acknowledgements store 蓝色/黄色/
红色, and those stored before with the English code read in Chinese on the pages (the trail itself is never edited)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.history import record_event
from crm.plans.models import Task
from crm.reminders.models import Escalation
from crm.vocab import ACTION_LABELS, SEVERITY_WORDS, Action
from crm.whitelist.models import Event

LEVELS = {"blue": ("lead", "蓝色"), "yellow": ("county", "黄色"), "red": ("city", "红色")}


def test_the_words_are_chinese():
    assert {code: word for code, (_level, word) in LEVELS.items()} == SEVERITY_WORDS


@pytest.mark.parametrize("severity", LEVELS)
def test_an_acknowledgement_names_the_level_in_chinese(worked, client, login, now, severity):
    p, _teams, entry = worked
    task = db.session.scalar(select(Task).where(Task.entry_id == entry.id).order_by(Task.id).limit(1))
    level, word = LEVELS[severity]
    row = Escalation(task_id=task.id, entry_id=entry.id, level=level, severity=severity, recipient_id=p["lead"].id,
                     overdue_days=3, created_at=now - timedelta(days=1))  # fmt: skip
    db.session.add(row)
    db.session.commit()
    login(p["lead"])
    assert client.post(f"/reminders/escalations/{row.id}/ack", data={"note": "马上跟进"}).status_code == 302
    stored = db.session.scalar(select(Event).where(Event.action == Action.ESCALATION_ACK))
    assert stored.detail == f"{task.title}（{word}）：马上跟进"
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert ACTION_LABELS[Action.ESCALATION_ACK] in page and f"{task.title}（{word}）" in page
    assert f"（{severity}）" not in page


def test_an_acknowledgement_stored_with_the_english_code_reads_in_chinese(worked, client, login, now):
    p, _teams, entry = worked
    old = record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=p["lead"], at=now,
                       action=Action.ESCALATION_ACK, detail="需求摸底（red）：已联系")  # fmt: skip
    other = record_event(enterprise_id=entry.enterprise_id, entry_id=entry.id, actor=p["lead"], at=now,
                         action=Action.EDIT, detail="备注: 颜色（red） → 蓝")  # fmt: skip
    db.session.commit()
    assert old.shown_detail == "需求摸底（红色）：已联系" and old.detail == "需求摸底（red）：已联系"
    assert other.shown_detail == other.detail  # only a 督办's acknowledgement carries a level code
    login(p["lead"])
    page = client.get(f"/whitelist/{entry.id}").data.decode()
    assert "需求摸底（红色）：已联系" in page and "需求摸底（red）" not in page
