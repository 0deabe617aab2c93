"""A member with many overdue steps: 我的任务 shows the 30 longest overdue and a link to all of them; the start page
shows 10. The heading counts them all (a member of a big county held 136: the page was 100 KB on a phone)."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.plans.models import OPEN, Task
from crm.types import local_date, utcnow


def overdue_section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</ul>", start)]


def test_overdue_steps_are_shown_in_part_with_the_count_of_all(client, target, login):
    p, entry = target
    today = local_date(utcnow())
    for n in range(40):
        db.session.add(Task(entry_id=entry.id, title=f"跟进事项{n}", owner_id=p["member"].id,
                            due_date=today - timedelta(days=n + 1), status=OPEN, kind="followup"))  # fmt: skip
    db.session.commit()
    total = db.session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.owner_id == p["member"].id, Task.status == OPEN, Task.due_date < today)
    )
    assert total >= 40
    login(p["member"])
    page = client.get("/plans/tasks").data.decode()
    overdue = overdue_section(page, "tasks-overdue")
    assert overdue.count('data-testid="log-for-task"') == 30
    assert f"（{total}）" in page and f"显示全部 {total} 项逾期任务" in overdue
    oldest = min(re.findall(r"\d{4}-\d{2}-\d{2}", overdue))
    assert (
        oldest == (today - timedelta(days=40)).isoformat()
        or oldest < (today - timedelta(days=40)).isoformat()
    )
    everything = overdue_section(client.get("/plans/tasks?overdue=all").data.decode(), "tasks-overdue")
    assert everything.count('data-testid="log-for-task"') == total and "显示全部" not in everything
    start = overdue_section(client.get("/").data.decode(), "work-overdue")
    assert start.count('data-testid="log-for-task"') == 10 and f"显示全部 {total} 项逾期任务" in start
