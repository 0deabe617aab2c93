"""Issue 19: a 督办 whose plan step is completed closes (with an event on the trail), and is no longer open on the
recipient's list, the dashboard's open orders or the drill-down; one already acknowledged stays as it was."""

from datetime import date
from pathlib import Path

from sqlalchemy import select

from crm.dashboard.watchlist import open_orders
from crm.extensions import db
from crm.plans.logs import LogData, record_log
from crm.reminders.models import Escalation
from crm.reminders.scan import scan
from crm.reminders.services import acknowledge, my_escalations
from crm.vocab import Action
from crm.whitelist.models import Event
from tests.reminders.conftest import beijing
from tests.reminders.test_rules import one_task


def test_completing_the_step_closes_its_open_escalations(worked, tmp_path: Path):
    p, teams, entry = worked
    task = one_task(entry, date(2026, 10, 12))
    entry.last_contact_at = beijing(2026, 10, 12)
    db.session.commit()
    scan(beijing(2026, 10, 25))  # 9 working days late: blue to the leader, yellow to the county head
    rows = db.session.scalars(select(Escalation).order_by(Escalation.id)).all()
    assert [(e.level, e.closed_at) for e in rows] == [("lead", None), ("county", None)]
    acknowledge(p["head"], rows[1], "已安排", beijing(2026, 10, 26))
    assert open_orders(p["manager"]).open_orders == 1

    done_at = beijing(2026, 10, 27)
    data = LogData(
        occurred_at=done_at, kind="visit", summary="上门拜访，完成首次对接", complete_task_id=task.id
    )
    record_log(p["member"], entry, data, done_at, tmp_path)

    db.session.expire_all()
    blue, yellow = db.session.scalars(select(Escalation).order_by(Escalation.id)).all()
    assert blue.closed_at == done_at and blue.acknowledged_at is None
    assert yellow.closed_at is None and yellow.note == "已安排"  # acknowledged before: left as it was
    assert open_orders(p["manager"]).open_orders == 0
    assert [e.closed_at for e in my_escalations(p["lead"])] == [done_at]
    events = db.session.scalars(
        select(Event.detail).where(Event.entry_id == entry.id, Event.action == Action.ESCALATION_CLOSE)
    ).all()
    assert events == [f"{task.title}（蓝色督办）：任务已完成"]
    scan(beijing(2026, 10, 28))  # the step is done: nothing new is raised
    assert db.session.scalar(select(Escalation.id).where(Escalation.level == "city")) is None


def test_the_recipient_sees_it_closed_without_an_acknowledge_button(worked, tmp_path: Path, client, login):
    p, teams, entry = worked
    task = one_task(entry, date(2026, 10, 12))
    entry.last_contact_at = beijing(2026, 10, 12)
    db.session.commit()
    scan(beijing(2026, 10, 15))  # blue to the leader
    done_at = beijing(2026, 10, 16)
    record_log(p["member"], entry, LogData(occurred_at=done_at, kind="phone", summary="电话沟通",
                                           complete_task_id=task.id), done_at, tmp_path)  # fmt: skip
    login(p["lead"])
    page = client.get("/reminders/escalations").get_data(as_text=True)
    assert 'data-testid="closed"' in page and "/ack" not in page
