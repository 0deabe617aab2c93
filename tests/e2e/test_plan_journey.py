"""Browser journey through the daily plan work on a phone: a team member opens 我的任务, logs a visit for an overdue
plan step from there in one screen, and the step is done, the next step becomes a follow-up task and the light moves.

The demo data is seeded for the fixed test date while the app runs on the real clock, so which steps are overdue and
how late they are is read from the database, never assumed. Selectors rely on name/id attributes, data-testid and
href; visible-text checks use only the fixed Chinese vocabulary (labels from crm/vocab.py), the demo data (step
titles, user names) and what the test typed, never button labels or the wording of the light's reasons.
"""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

pytest.importorskip("playwright")
from playwright.sync_api import Locator, Page, expect  # noqa: E402

from crm.auth.models import User  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.plans.calendar import WorkCalendar  # noqa: E402
from crm.plans.lights import lights_for  # noqa: E402
from crm.plans.models import DONE, OPEN, ContactLog, Task  # noqa: E402
from crm.settings import get_int  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import CONTACT_KINDS, LIGHTS, STATE_LABELS, TASK_STATUS, State  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402
from tests.e2e.pages import DEMO_NAMES, PHONE, log_in, no_horizontal_scroll  # noqa: E402

OPEN_LABEL = TASK_STATUS[OPEN]  # 待办
DONE_LABEL = TASK_STATUS[DONE]  # 已完成
LIGHT_LABELS = re.compile("^(" + "|".join(LIGHTS.values()) + ")$")  # 绿灯|黄灯|红灯

SUMMARY = "上门拜访企业投资发展部，现场了解新项目的用地、用电和配套需求。"
OUTCOME = "企业同意下月组织高管来聊实地考察。"
NEXT_STEP = "发送东昌府区产业园区用地清单给企业投资部"
BUCKETS = ("overdue", "today", "week", "later")


LOG_PATH = re.compile(r"^/plans/entries/(\d+)/log$")


# --- helpers ---------------------------------------------------------------------------------------------------


def task_items(page: Page, bucket: str) -> Locator:
    """The task rows of one bucket of 我的任务 (not the 'nothing' placeholder)."""
    return (
        page.get_by_test_id(f"tasks-{bucket}").locator("li").filter(has=page.get_by_test_id("log-for-task"))
    )


def log_link_ids(href: str | None) -> tuple[int, int]:
    """(entry id, task id) of a log-for-task link, which must come back to 我的任务."""
    assert href, "a log-for-task link without href"
    parts = urlsplit(href)
    match = LOG_PATH.match(parts.path)
    assert match, f"unexpected log-for-task link {href!r}"
    query = parse_qs(parts.query)
    assert query.get("back") == ["/plans/tasks"], f"the log link does not return to my tasks: {href!r}"
    return int(match.group(1)), int(query["task"][0])


def task_ids_in(page: Page, bucket: str) -> set[int]:
    links = page.get_by_test_id(f"tasks-{bucket}").get_by_test_id("log-for-task")
    return {
        log_link_ids(href)[1]
        for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    }


def plan_step(page: Page, title: str) -> Locator:
    """The row of the plan step (or follow-up) called `title` on an entry's page: "○ 需求摸底 计划节点 · …"."""
    return (
        page.get_by_test_id("plan-steps")
        .locator("li")
        .filter(has_text=re.compile(rf"[○✓]\s*{re.escape(title)}\s"))
    )


def bucket_of(due: date, today: date) -> str:
    """Where 我的任务 files a task: overdue, due today, this week (to Sunday), later."""
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    return "week" if due <= today + timedelta(days=6 - today.weekday()) else "later"


def light_expected(app, entry_id: int) -> tuple[str, str | None]:
    """From the database: the entry's light label, and the title of the step its reason names (the earliest open
    plan step overdue by at least the yellow threshold), if any."""
    with app.app_context():
        today = local_date(utcnow())
        entry = db.session.get(WhitelistEntry, entry_id)
        light = lights_for([entry], today)[entry_id]
        earliest = db.session.scalars(
            select(Task)
            .where(Task.entry_id == entry_id, Task.status == OPEN, Task.kind == "step", Task.due_date < today)
            .order_by(Task.due_date)
            .limit(1)
        ).first()
        named = None
        if earliest is not None:
            late = WorkCalendar.load().workdays_between(earliest.due_date, today)
            named = earliest.title if late >= get_int("light_yellow_overdue") else None
        return LIGHTS[light.colour], named


# --- journey ---------------------------------------------------------------------------------------------------


def test_member_logs_a_visit_for_an_overdue_step_on_a_phone(
    app, live_server, new_page, demo_password, screenshot_dir
):
    page = new_page(**PHONE)

    # member1 opens 我的任务 from the collapsed navbar: the demo targets were assigned months ago, so steps are late.
    log_in(page, "member1", demo_password)
    toggler = page.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.tap()
    tasks_link = page.locator('#mainnav a[href="/plans/tasks"]')
    expect(tasks_link).to_be_visible()
    tasks_link.tap()
    expect(page).to_have_url(re.compile(r"/plans/tasks$"))
    overdue = task_items(page, "overdue")
    expect(overdue.first).to_be_visible()
    assert no_horizontal_scroll(page), "my tasks scroll sideways on a 390-px phone"

    first = overdue.first
    log_href = first.get_by_test_id("log-for-task").get_attribute("href")
    entry_id, task_id = log_link_ids(log_href)
    title = first.locator("strong").first.inner_text().strip()
    expect(first.get_by_test_id("light")).to_have_text(LIGHT_LABELS)
    list_light_text = first.get_by_test_id("light").inner_text().strip()

    with app.app_context():
        task = db.session.get(Task, task_id)
        member1 = db.session.scalar(select(User).where(User.username == "member1"))
        assert task is not None and task.entry_id == entry_id and task.title == title
        assert task.status == OPEN and task.owner_id == member1.id
        evidence = task.evidence
        state_before = db.session.get(WhitelistEntry, entry_id).state
    # A kind that completes the step: its own kind when it asks for one, else a visit ('any' accepts it).
    kind = evidence if evidence in CONTACT_KINDS else "visit"

    # The entry's page: the light and its reason now, and the step still to do.
    first.locator(f'a[href="/whitelist/{entry_id}"]').tap()
    expect(page).to_have_url(re.compile(rf"/whitelist/{entry_id}$"))
    plan = page.get_by_test_id("plan")
    expect(plan.get_by_test_id("light")).to_have_text(LIGHT_LABELS)
    light_before = plan.get_by_test_id("light").inner_text().strip()
    reason_before = plan.get_by_test_id("light-reason").inner_text().strip()
    assert reason_before
    expect(plan_step(page, title)).to_have_count(1)
    expect(plan_step(page, title).get_by_test_id("step-status")).to_contain_text(OPEN_LABEL)
    expect(page.get_by_test_id("logs")).not_to_contain_text(SUMMARY)
    assert light_expected(app, entry_id)[0] == light_before
    assert list_light_text == light_before  # my tasks show the same light as the entry's page

    # Back in 我的任务, tap the task's own log link: the log form opens with the step preselected.
    page.goto("/plans/tasks")
    page.get_by_test_id("tasks-overdue").locator(f'[data-testid="log-for-task"][href="{log_href}"]').tap()
    expect(page).to_have_url(re.compile(rf"/plans/entries/{entry_id}/log\?"))
    form = page.get_by_test_id("log-form")
    complete = form.locator('select[name="complete_task"]')
    expect(complete).to_have_value(str(task_id))
    expect(complete.locator("option:checked")).to_contain_text(title)
    expect(form.locator("#occurred_on")).not_to_have_value("")  # today, filled in for the member
    assert no_horizontal_scroll(page), "the log form scrolls sideways on a 390-px phone"

    with app.app_context():
        today = local_date(utcnow())
    next_date = today + timedelta(days=3)

    # The whole log in this one screen: how, what, what came of it, and the next step with its date.
    form.locator('select[name="kind"]').select_option(value=kind)
    form.locator("#summary").fill(SUMMARY)
    form.locator("#outcome").fill(OUTCOME)
    form.locator("#next_step").fill(NEXT_STEP)
    form.locator("#next_date").fill(next_date.isoformat())
    form.locator("#next_date").blur()
    page.screenshot(path=screenshot_dir / "phone-log-visit.png", full_page=True)

    # Submitted once without the summary: refused, the field marked, everything else still as typed, nothing saved.
    form.locator("#summary").fill("")
    form.locator("button[type=submit]").tap()
    expect(form.locator("#summary")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form.locator("#summary ~ .invalid-feedback")).to_be_visible()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/plans/entries/{entry_id}/log\?"))
    expect(form.locator("#outcome")).to_have_value(OUTCOME)
    expect(form.locator("#next_step")).to_have_value(NEXT_STEP)
    expect(form.locator("#next_date")).to_have_value(next_date.isoformat())
    expect(form.locator('select[name="kind"]')).to_have_value(kind)
    expect(complete).to_have_value(str(task_id))
    expect(form.locator("#outcome")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    assert no_horizontal_scroll(page), "the rejected log form scrolls sideways on a 390-px phone"
    with app.app_context():
        saved = select(ContactLog.id).where(ContactLog.entry_id == entry_id, ContactLog.summary == SUMMARY)
        assert db.session.scalar(saved) is None, "a log without a summary was saved"

    # Write the summary again and save: back to 我的任务 with a success message.
    form.locator("#summary").fill(SUMMARY)
    form.locator("button[type=submit]").tap()
    expect(page).to_have_url(re.compile(r"/plans/tasks$"))
    expect(page.locator(".alert-success")).to_be_visible()
    assert no_horizontal_scroll(page), "my tasks scroll sideways on a 390-px phone after logging"

    # What the database now holds: the step done by this log, and the next step as member1's follow-up.
    with app.app_context():
        log = db.session.scalar(
            select(ContactLog).where(ContactLog.entry_id == entry_id, ContactLog.summary == SUMMARY)
        )
        assert log is not None and log.kind == kind and log.next_date == next_date
        step = db.session.get(Task, task_id)
        assert step.status == DONE and step.log_id == log.id and step.completed_by_id == member1.id
        followup = db.session.scalar(select(Task).where(Task.log_id == log.id, Task.kind == "followup"))
        assert followup is not None
        assert (followup.title, followup.due_date, followup.status) == (NEXT_STEP, next_date, OPEN)
        assert followup.owner_id == member1.id
        followup_id = followup.id
        today = local_date(utcnow())

    # The step left the overdue list; the follow-up is filed in its bucket, and only there.
    assert task_id not in set().union(*(task_ids_in(page, b) for b in BUCKETS))
    expected_bucket = bucket_of(next_date, today)
    new_item = task_items(page, expected_bucket).filter(has_text=NEXT_STEP)
    expect(new_item).to_have_count(1)
    expect(new_item.locator("strong")).to_have_text(NEXT_STEP)
    assert log_link_ids(new_item.get_by_test_id("log-for-task").get_attribute("href")) == (
        entry_id,
        followup_id,
    )
    for bucket in BUCKETS:
        if bucket != expected_bucket:
            expect(task_items(page, bucket).filter(has_text=NEXT_STEP)).to_have_count(0)
    page.screenshot(path=screenshot_dir / "phone-my-tasks.png", full_page=True)

    # The entry's page: the step is done, the log is listed, and the light or its reason moved.
    page.goto(f"/whitelist/{entry_id}")
    expect(plan_step(page, title)).to_have_count(1)
    expect(plan_step(page, title).get_by_test_id("step-status")).to_contain_text(DONE_LABEL)
    expect(plan_step(page, title).get_by_test_id("step-status")).not_to_contain_text(OPEN_LABEL)
    expect(plan_step(page, NEXT_STEP).get_by_test_id("step-status")).to_contain_text(OPEN_LABEL)
    entry_log = page.get_by_test_id("logs").locator("li").filter(has_text=SUMMARY)
    expect(entry_log).to_have_count(1)
    expect(entry_log).to_contain_text(CONTACT_KINDS[kind])
    expect(entry_log).to_contain_text(DEMO_NAMES["member1"])
    expect(entry_log).to_contain_text(OUTCOME)
    expect(entry_log).to_contain_text(NEXT_STEP)
    expect(entry_log).to_contain_text(next_date.isoformat())
    if state_before == State.ASSIGNED:  # the first log moves 已组队 → 对接中
        expect(page.get_by_test_id("state")).to_have_text(STATE_LABELS[State.CONTACTING])

    colour_after, named_after = light_expected(app, entry_id)
    plan = page.get_by_test_id("plan")
    expect(plan.get_by_test_id("light")).to_have_text(colour_after)
    reason_after = plan.get_by_test_id("light-reason").inner_text().strip()
    assert (colour_after, reason_after) != (light_before, reason_before), (
        f"the light did not move after completing {title}: {light_before} · {reason_before}"
    )
    if named_after is not None:
        assert named_after in reason_after, (
            f"the reason {reason_after!r} does not name the late step {named_after}"
        )
    if title in reason_before:
        assert title not in reason_after, (
            f"the reason {reason_after!r} still names the completed step {title}"
        )
    assert no_horizontal_scroll(page), "the entry page scrolls sideways on a 390-px phone"
